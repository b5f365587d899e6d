from django.shortcuts import render


def platform_home(request):
    """The operator's landing page on the platform host."""
    return render(request, "platform/home.html")
