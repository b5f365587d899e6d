"""``/api/v1/`` on a restaurant's host: every resource on one router (its root lists them
all), the OpenAPI schema and its docs.

Each module of doors declares ``ROUTES``: (prefix, viewset, basename) triples."""

from django.http import HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, path, re_path, resolve
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from api.apis import notes, reservations, restaurant
from reservations import apis as tables

router = DefaultRouter()
for module in (tables, reservations, restaurant, notes):
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)

# The schema and the docs say how to call the API, nothing of the restaurant: open to all,
# and not counted against the restaurant's limit.
_open = {"permission_classes": [AllowAny], "throttle_classes": [], "authentication_classes": []}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(**_open), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", **_open), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema", **_open), name="api-redoc"),
    *router.urls,
]


@csrf_exempt  # no write happens here: a stray PATCH is a 404 too, not a CSRF page
def not_found(request, rest=""):
    """Any other path under /api/v1/: the API's 404, not a web page; a path missing only its
    final slash is sent to it (308 keeps the method and body)."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/", urlconf=getattr(request, "urlconf", None))
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponseRedirect(
                request.path + "/" + (f"?{query}" if query else ""), status=308
            )
    return JsonResponse(
        {"code": NotFound.default_code, "message": str(NotFound.default_detail), "fields": {}},
        status=404,
    )


urlpatterns.append(re_path(r"^(?P<rest>.*)$", not_found))
