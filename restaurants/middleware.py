import zoneinfo

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.urls import set_urlconf
from django.utils import timezone, translation
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_urlconf


class RestaurantMiddleware(TenantMainMiddleware):
    """Pick the restaurant from the request's host and switch to its schema.

    The platform's own hosts (``COMENSAL_PUBLIC_HOSTS``) serve the operator's site in the
    public schema; a host of no active restaurant answers 404.
    """

    def process_request(self, request):
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            hostname = None
        if hostname in settings.PUBLIC_HOSTS:
            connection.set_schema_to_public()
            request.tenant = connection.tenant
            request.urlconf = get_public_schema_urlconf()
            set_urlconf(request.urlconf)
            return None
        return super().process_request(request)

    def no_tenant_found(self, request, hostname):
        activate_language(request, None)
        return super().no_tenant_found(request, hostname)

    def get_tenant(self, domain_model, hostname):
        return restaurant_for_hostname(hostname)


def restaurant_for_hostname(hostname: str):
    """The active restaurant served at ``hostname``; Domain.DoesNotExist if none."""
    from restaurants.models import Domain

    return (
        Domain.objects.select_related("tenant").get(domain=hostname, tenant__is_active=True).tenant
    )


def activate_language(request, restaurant) -> str:
    """Activate the visitor's chosen language, else the restaurant's, else Spanish."""
    default_language = getattr(restaurant, "language", None) or settings.LANGUAGE_CODE
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = chosen if chosen in dict(settings.LANGUAGES) else default_language
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


class RestaurantLocaleMiddleware:
    """Speak the restaurant's language and show times in its time zone.

    The language a visitor picked (the language cookie) wins over the restaurant's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        restaurant = getattr(request, "tenant", None)
        language = activate_language(request, restaurant)
        zone = getattr(restaurant, "timezone", None)
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        else:
            timezone.deactivate()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
