"""URLs of the platform operator's host (public schema)."""

from django.urls import include, path

from config.health import health
from restaurants.admin import platform_admin
from restaurants.views import platform_home, robots_txt

urlpatterns = [
    path("", platform_home, name="platform-home"),
    path("admin/", platform_admin.urls),
    path("health", health, name="health"),
    path("robots.txt", robots_txt, name="robots"),
    path("i18n/", include("django.conf.urls.i18n")),
]
