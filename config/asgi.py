"""ASGI entry point: HTTP through Django, WebSockets through Channels.

django-tenants routes HTTP only; ``RestaurantWebsocketMiddleware`` gives each WebSocket its
restaurant (from the Host header, as HTTP) and its staff user (from the session cookie).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from notifications.consumers import LiveFloorConsumer  # noqa: E402
from restaurants.websocket import NoSuchSocket, RestaurantWebsocketMiddleware  # noqa: E402

websocket_urlpatterns = [
    path("ws/live/", LiveFloorConsumer.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            RestaurantWebsocketMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
