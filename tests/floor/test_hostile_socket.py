"""The live floor's socket under bad and hostile input: a day it cannot show is answered with
an error and the socket keeps working; a page of another host cannot open it."""

import contextlib
import json

import pytest
import pytest_asyncio
from channels.testing import WebsocketCommunicator
from django.db import connection

from config.asgi import application
from tests.factories import TableFactory
from tests.floor import conftest as sockets
from tests.floor.conftest import ANA, CARLA, session_cookie

pytestmark = pytest.mark.asyncio

# Database access for the test and the consumers' threads (writes commit).
live_db = sockets.live_db
CARRERA = "carrera.localhost"
CASA_AZUL = "casa-azul.localhost"
BISTRO = "bistro-verde.localhost"


@pytest_asyncio.fixture
async def connect():
    """Open a socket with exactly these headers; every socket is closed after the test."""
    opened = []

    async def connect_(host: str, cookie: str, origin: str | None):
        headers = [(b"host", host.encode()), (b"cookie", cookie.encode())]
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
        opened.append(communicator)
        connected, code = await communicator.connect(timeout=10)
        return communicator, connected, code

    yield connect_
    for communicator in opened:
        with contextlib.suppress(Exception):
            await communicator.disconnect()


@pytest.fixture
def carla(committed_restaurant, live_db):
    connection.set_tenant(committed_restaurant)
    TableFactory(code="M01")
    connection.set_schema_to_public()
    return session_cookie(CARRERA, CARLA)


@pytest.fixture
def ana(live_db):
    return session_cookie(CASA_AZUL, ANA)


# --- A day the timeline cannot show ------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        {"type": "day", "day": "9999-12-31"},
        {"type": "day", "day": "0001-01-01"},
        {"type": "day", "day": "2030-02-30"},
        {"type": "day", "day": 20300305},
        {"type": "day", "day": None},
        {"type": "day", "day": ["2030-03-05"]},
        {"type": "day", "day": {"year": 2030}},
        {"type": "day", "day": "2030-03-05" * 100_000},
        {"type": "day"},
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=[
        "last-day",
        "first-day",
        "february-30",
        "number",
        "null",
        "list",
        "object",
        "huge-string",
        "no-day",
        "deep-json",
    ],
)
async def test_a_day_it_cannot_show_gets_an_error_and_the_socket_keeps_working(
    connect, carla, message
):
    socket, connected, _code = await connect(CARRERA, carla, f"http://{CARRERA}")
    assert connected
    assert (await socket.receive_json_from(timeout=5))["type"] == "initial_state"

    await socket.send_to(text_data=message if isinstance(message, str) else json.dumps(message))

    assert await socket.receive_json_from(timeout=5) == {"type": "error", "error": "bad_message"}
    await socket.send_json_to({"type": "day", "day": "2030-03-05"})
    day = await socket.receive_json_from(timeout=5)
    assert (day["type"], day["day"], day["reservations"]) == ("day", "2030-03-05", [])


async def test_a_screen_that_keeps_asking_for_impossible_days_is_closed(connect, carla):
    socket, _connected, _code = await connect(CARRERA, carla, None)
    await socket.receive_json_from(timeout=5)

    for _ in range(6):
        await socket.send_json_to({"type": "day", "day": "9999-12-31"})
    answers = [await socket.receive_output(timeout=5) for _ in range(6)]

    assert answers[-1] == {"type": "websocket.close", "code": 4400}


# --- Who may open it: the page's origin ---------------------------------------------------


@pytest.mark.parametrize(
    "origin", [f"http://{BISTRO}", f"https://{BISTRO}:8443", "http://evil.example", "null", "x"]
)
async def test_a_page_of_another_host_cannot_open_a_restaurants_socket(connect, ana, origin):
    _socket, connected, code = await connect(CASA_AZUL, ana, origin)

    assert (connected, code) == (False, 4403)


@pytest.mark.parametrize(
    "origin",
    [f"http://{CASA_AZUL}", f"http://{CASA_AZUL}:8123", f"https://{CASA_AZUL.upper()}", None],
    ids=["own-host", "own-host-with-the-test-servers-port", "own-host-capitals", "no-origin"],
)
async def test_the_restaurants_own_pages_and_non_browser_clients_open_it(connect, ana, origin):
    socket, connected, _code = await connect(CASA_AZUL, ana, origin)

    assert connected
    state = await socket.receive_json_from(timeout=5)
    assert state["type"] == "initial_state"
