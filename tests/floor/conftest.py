"""Staff sockets against the real ASGI application and the real channel layer (Redis)."""

import contextlib

import pytest
import pytest_asyncio
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from tests.conftest import PASSWORD

CARLA = "carla@carrera.test"  # manager of "carrera", the restaurant whose writes commit
ANA = "ana@casa-azul.test"  # manager of "casa-azul"


def session_cookie(host: str, email: str, password: str = PASSWORD) -> str:
    """Log in through the admin's login page and return the session cookie header."""
    client = Client(HTTP_HOST=host)
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    assert response.status_code == 302, "the login failed"
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
def live_db(django_db_setup, django_db_blocker):
    """Database access for the test and for the consumers' worker threads; what is written
    commits (the consumers read on their own connections)."""
    with django_db_blocker.unblock():
        yield


@pytest_asyncio.fixture
async def open_socket():
    """Open a staff socket like a browser on ``host`` would; all are closed after the test."""
    opened = []

    async def open_(host: str, cookie: str | None = None, path: str = "/ws/live/", app=application):
        headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode())]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(app, path, headers=headers)
        connected, code = await communicator.connect(timeout=10)
        opened.append(communicator)
        return communicator, connected, code

    yield open_
    for communicator in opened:
        with contextlib.suppress(Exception):
            await communicator.disconnect()
