"""A screen that stops reading, against the real server (uvicorn) and channel layer."""

import base64
import json
import os
import socket

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from websockets.sync.client import connect

from restaurants.live import live_event_send
from tests.floor.conftest import CARLA, session_cookie

EVENTS = 2000
PADDING = "x" * 2000  # 4 MB in all: the stalled screen's buffers fill up on the way


@pytest.fixture
def carla(committed_restaurant, live_db):
    connection.set_schema_to_public()
    return session_cookie("carrera.localhost", CARLA)


def stalled_screen(port: int, cookie: str) -> socket.socket:
    """A staff socket opened by hand with a tiny receive buffer, which then never reads."""
    screen = socket.socket()
    screen.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    screen.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    screen.sendall(
        (
            "GET /ws/live/ HTTP/1.1\r\n"
            f"Host: carrera.localhost:{port}\r\n"
            f"Origin: http://carrera.localhost:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Cookie: {cookie}\r\n\r\n"
        ).encode()
    )
    screen.settimeout(10)
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += screen.recv(1)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return screen


def test_a_screen_that_stops_reading_does_not_hold_up_the_others(web_server, carla):
    stalled = stalled_screen(web_server, carla)
    with connect(
        f"ws://carrera.localhost:{web_server}/ws/live/",
        sock=socket.create_connection(("127.0.0.1", web_server)),
        origin=f"http://carrera.localhost:{web_server}",
        additional_headers={"Cookie": carla},
        proxy=None,
    ) as attentive:
        assert json.loads(attentive.recv(timeout=10))["type"] == "initial_state"

        with schema_context("carrera"):
            for sequence in range(EVENTS):
                live_event_send(
                    type="metrics_updated", metrics={"sequence": sequence, "padding": PADDING}
                )

        received = [json.loads(attentive.recv(timeout=30)) for _ in range(EVENTS)]
        assert [event["metrics"]["sequence"] for event in received] == list(range(EVENTS))

    stalled.close()
