"""URLs of a restaurant's host (its own schema)."""

from django.contrib import admin
from django.urls import include, path

from config.health import health
from restaurants.views import restaurant_home

admin.site.site_header = admin.site.site_title = "Comensal"

urlpatterns = [
    path("", restaurant_home, name="restaurant-home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("reservations.urls")),
    path("api/v1/", include("billing.urls")),
    path("health", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
]
