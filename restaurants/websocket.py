"""Tenancy for WebSockets, which django-tenants does not route.

The restaurant comes from the WebSocket's Host header exactly as for HTTP, the staff user
from the session cookie looked up in that restaurant's schema. Database work for a socket
runs through :func:`restaurant_database`, which sets the restaurant's schema for the call
and puts the previous one back, so no schema outlives the call on a pooled connection.

A browser's socket must come from a page of that same restaurant: its Origin must be one of
the restaurant's own hosts (on any port), or a page of a sibling restaurant could open a
socket with the session cookie its visitor holds for this one (every restaurant's host is
in ALLOWED_HOSTS, so Channels' AllowedHostsOriginValidator lets it through). A client that
sends no Origin is no browser: it goes on to the same checks as any other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django_tenants.utils import schema_context, tenant_context

from restaurants.hosts import restaurant_for_hostname
from restaurants.models import Domain

logger = logging.getLogger(__name__)

# Close codes a refused socket gets (4000-4999 are the application's own).
CLOSE_NOT_FOUND = 4404  # no restaurant at that host, or no socket at that path
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_MESSAGE = 4400


async def restaurant_database(restaurant, function: Callable[..., Any], *args, **kwargs) -> Any:
    """Run ``function`` in a worker thread, in ``restaurant``'s schema, and return its result."""

    def in_schema():
        with tenant_context(restaurant):
            return function(*args, **kwargs)

    return await database_sync_to_async(in_schema)()


def _hostname(headers: dict[bytes, bytes]) -> str | None:
    host = headers.get(b"host", b"").decode("latin-1")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    return domain


def _origin_hostname(headers: dict[bytes, bytes]) -> str | None:
    """The host name of the page that opened the socket ("" if it names no host we serve), or
    None without an Origin header."""
    origin = headers.get(b"origin")
    if origin is None:
        return None
    try:
        netloc = urlsplit(origin.decode("latin-1")).netloc
    except ValueError:
        return ""
    domain, _port = split_domain_port(netloc)
    return domain if domain and validate_host(domain, settings.ALLOWED_HOSTS) else ""


def _serves(restaurant, hostname: str) -> bool:
    """True if ``hostname`` is one of ``restaurant``'s own hosts (its Domain rows)."""
    if not hostname or hostname in settings.PUBLIC_HOSTS:
        return False
    with schema_context("public"):
        try:
            return restaurant_for_hostname(hostname).pk == restaurant.pk
        except Domain.DoesNotExist:
            return False


def _cookies(headers: dict[bytes, bytes]) -> dict[str, str]:
    return parse_cookie(headers.get(b"cookie", b"").decode("latin-1"))


def _restaurant_and_user(hostname: str | None, session_key: str | None):
    """The restaurant at ``hostname`` and the user of ``session_key`` in its schema."""
    if hostname is None or hostname in settings.PUBLIC_HOSTS:
        return None, AnonymousUser()
    with schema_context("public"):
        try:
            restaurant = restaurant_for_hostname(hostname)
        except Domain.DoesNotExist:
            return None, AnonymousUser()
    if not session_key:
        return restaurant, AnonymousUser()
    with tenant_context(restaurant):
        request = HttpRequest()
        request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        user = auth.get_user(request)
        if user.is_authenticated:
            user.get_all_permissions()  # cached on the user: later checks need no database
    return restaurant, user


class RestaurantWebsocketMiddleware:
    """Put ``restaurant`` and ``user`` in a WebSocket's scope; refuse unknown hosts."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        hostname = _hostname(headers)
        session_key = _cookies(headers).get(settings.SESSION_COOKIE_NAME)
        restaurant, user = await database_sync_to_async(_restaurant_and_user)(hostname, session_key)
        if restaurant is None:
            logger.info("websocket refused: no restaurant at host=%s", hostname or "-")
            return await _refuse(receive, send, CLOSE_NOT_FOUND)
        origin = _origin_hostname(headers)
        if origin not in (None, hostname) and not await database_sync_to_async(_serves)(
            restaurant, origin
        ):
            logger.info(
                "websocket refused: opened from another host schema=%s origin=%s",
                restaurant.schema_name,
                origin or "-",
            )
            return await _refuse(receive, send, CLOSE_FORBIDDEN)
        return await self.app({**scope, "restaurant": restaurant, "user": user}, receive, send)


async def _refuse(receive, send, code: int) -> None:
    """Close the socket before it is accepted."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": code})


class NoSuchSocket(AsyncWebsocketConsumer):
    """Any other WebSocket path: closed at once instead of an error in the server's log."""

    async def connect(self):
        await self.close(code=CLOSE_NOT_FOUND)
