from django.shortcuts import render


def platform_home(request):
    """The operator's landing page on the platform host."""
    return render(request, "platform/home.html")


def restaurant_home(request):
    """A restaurant's public page on its own host."""
    return render(request, "restaurants/home.html", {"restaurant": request.tenant})
