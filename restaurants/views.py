from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

ROBOTS = "User-agent: *\nDisallow: /admin/\nDisallow: /api/\nDisallow: /booking/\n"


def platform_home(request):
    """The operator's landing page on the platform host."""
    return render(request, "platform/home.html")


@require_GET
def robots_txt(request):
    """Search engines may index the booking pages, not the admin, the API or manage links."""
    return HttpResponse(ROBOTS, content_type="text/plain; charset=utf-8")
