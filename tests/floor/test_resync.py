"""A screen that falls behind, against the real server (uvicorn), Redis and channel of events:
it gets the whole state again, never a silent gap."""

import json
import socket

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from websockets.sync.client import connect

from restaurants.live import live_event_send
from tests.floor.conftest import CARLA, session_cookie

EVENTS = 2000
PADDING = "x" * 2000  # 4 MB in all: more than the slow screen's buffers hold on the way


@pytest.fixture
def carla(committed_restaurant, live_db):
    connection.set_schema_to_public()
    return session_cookie("carrera.localhost", CARLA)


def staff_screen(port: int, cookie: str, receive_buffer: int | None = None):
    tcp = socket.socket()
    if receive_buffer:
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    tcp.connect(("127.0.0.1", port))
    return connect(
        f"ws://carrera.localhost:{port}/ws/live/",
        sock=tcp,
        origin=f"http://carrera.localhost:{port}",
        additional_headers={"Cookie": cookie},
        proxy=None,
        # The client stops taking bytes from the socket once a message waits unread.
        max_queue=1,
    )


def test_a_screen_that_falls_behind_gets_the_state_again_never_a_silent_gap(web_server, carla):
    with (
        staff_screen(web_server, carla, receive_buffer=4096) as behind,
        staff_screen(web_server, carla) as attentive,
    ):
        assert json.loads(behind.recv(timeout=10))["type"] == "initial_state"
        assert json.loads(attentive.recv(timeout=10))["type"] == "initial_state"

        with schema_context("carrera"):
            for sequence in range(EVENTS):
                live_event_send(
                    type="metrics_updated", metrics={"sequence": sequence, "padding": PADDING}
                )
        # Once the attentive screen has them all, the server has handed each to both screens.
        sequences = [
            json.loads(attentive.recv(timeout=30))["metrics"]["sequence"] for _ in range(EVENTS)
        ]
        assert sequences == list(range(EVENTS))

        received = []
        while not received or received[-1].get("metrics", {}).get("sequence") != EVENTS - 1:
            received.append(json.loads(behind.recv(timeout=30)))

    resyncs = [message for message in received if message["type"] == "initial_state"]
    assert resyncs, "the screen never fell behind: its buffers took every event"
    assert all(state["resync"] is True and state["tables"] == [] for state in resyncs)
    # Events arrive in order, and every one missed is announced by a state just before.
    expected, announced = 0, False
    for message in received:
        if message["type"] == "initial_state":
            announced = True
            continue
        sequence = message["metrics"]["sequence"]
        assert sequence == expected or (announced and sequence > expected), (
            f"events {expected}–{sequence - 1} missed without a resync"
        )
        expected, announced = sequence + 1, False
    assert len(received) - len(resyncs) < EVENTS  # the backlog was dropped, not sent late
