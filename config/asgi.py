"""The web processes' entry point: HTTP through Django, WebSockets through Channels, on
the same port.

HTTP goes to Django's WSGI handler on a small pool of threads (a2wsgi), not to Django's
ASGI handler: every view here is synchronous, and the ASGI handler runs each request in a
thread it creates for that request and hops between the event loop and that thread for
the middleware and the response. Measured on the 2-core machine, a trivial view cost
2.2 ms of CPU through the ASGI handler and 0.7 ms through the thread pool; the booking
page 17 ms and 11 ms. The sockets stay on the event loop, where they cost nothing while
idle.

django-tenants routes HTTP only; ``RestaurantWebsocketMiddleware`` gives each WebSocket its
restaurant (from the Host header, as HTTP) and its staff user (from the session cookie), and
refuses a socket opened by a page of any other host than the restaurant's own.
"""

import os

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models.
django_wsgi_app = get_wsgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from floor.consumers import LiveFloorConsumer  # noqa: E402
from restaurants.websocket import NoSuchSocket, RestaurantWebsocketMiddleware  # noqa: E402

websocket_urlpatterns = [
    path("ws/live/", LiveFloorConsumer.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        # Fewer threads than pooled connections: a request never waits for one.
        "http": WSGIMiddleware(django_wsgi_app, workers=settings.WEB_THREADS),
        "websocket": RestaurantWebsocketMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
