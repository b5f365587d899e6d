import logging
import zoneinfo

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseNotFound
from django.template.loader import render_to_string
from django.urls import set_urlconf
from django.utils import timezone, translation
from django.utils.translation.trans_real import parse_accept_lang_header
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_urlconf

from restaurants.hosts import restaurant_for_hostname
from restaurants.models import Domain

logger = logging.getLogger(__name__)


class RestaurantMiddleware(TenantMainMiddleware):
    """Pick the restaurant from the request's host and switch to its schema.

    The platform's own hosts (``COMENSAL_PUBLIC_HOSTS``) serve the operator's site in the
    public schema; a host of no active restaurant answers 404.
    """

    def process_request(self, request):
        try:
            return self._restaurant_select(request)
        except (OperationalError, InterfaceError):
            return database_unavailable(request)

    def _restaurant_select(self, request):
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
        if hostname is None:
            return HttpResponseNotFound()
        # As django-tenants' own middleware, but without switching to public first: the
        # lookup needs no search path (restaurants/hosts.py), so the request's one
        # SET search_path is its restaurant's.
        try:
            restaurant = self.get_tenant(Domain, hostname)
        except Domain.DoesNotExist:
            connection.set_schema_to_public()
            return self.no_tenant_found(request, hostname)
        restaurant.domain_url = hostname
        request.tenant = restaurant
        connection.set_tenant(restaurant)
        self.setup_url_routing(request)
        return None

    def no_tenant_found(self, request, hostname):
        activate_language(request, None)
        return super().no_tenant_found(request, hostname)

    def get_tenant(self, domain_model, hostname):
        return restaurant_for_hostname(hostname)


RETRY_AFTER_SECONDS = 30


def database_unavailable(request) -> HttpResponse:
    """503 in the visitor's (or the restaurant's) language when PostgreSQL cannot be reached;
    rendered without touching the database."""
    logger.error("database unavailable: answered 503 path=%s", request.path)
    restaurant = getattr(request, "tenant", None)
    activate_language(request, restaurant)
    body = render_to_string("503.html", {"restaurant": restaurant})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view that finds PostgreSQL down answers the 503 page, never a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        # Connection refused or lost, no pooled connection in time (also a deadlock or a
        # serialisation failure): worth trying again, unlike a bad query.
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable(request)
        return None


def activate_language(request, restaurant) -> str:
    """Activate the visitor's chosen language (the cookie; for the API, which a program calls,
    ``Accept-Language``), else the restaurant's, else Spanish."""
    default_language = getattr(restaurant, "language", None) or settings.LANGUAGE_CODE
    languages = dict(settings.LANGUAGES)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen not in languages and request.path.startswith("/api/"):
        accepted = parse_accept_lang_header(request.headers.get("Accept-Language", "")[:200])
        chosen = next(
            (code.split("-")[0] for code, _q in accepted if code.split("-")[0] in languages), None
        )
    language = chosen if chosen in languages else default_language
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
