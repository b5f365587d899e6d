"""Redis down, silent or restarted: changes go on at once, and the staff screens are never left
silently behind (they get the whole state again once Redis is back)."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_tenants.utils import tenant_context

from reservations.models import Table
from reservations.services.tables import table_set_status
from tests.conftest import ROOT, database_url_of_test_database, free_port
from tests.factories import TableFactory
from tests.floor.conftest import CARLA, session_cookie
from tests.floor.test_consumers import QUIET, in_schema

CARRERA = "carrera.localhost"
# A change with its history row takes a few milliseconds; waiting for Redis takes a second.
AT_ONCE_SECONDS = 0.5


class RedisDoor:
    """A TCP door in front of the test Redis: shut, it drops every connection through it and
    refuses new ones, as a Redis restart looks to its clients; opened again, it lets them in."""

    def __init__(self):
        target = urlsplit(django_settings.REDIS_URL)
        self.target = (target.hostname, target.port or 6379)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def shut(self) -> None:
        listener, self.listener = self.listener, None
        with self.lock:
            doomed, self.sockets = [*self.sockets, listener], []
        for doomed_socket in doomed:
            with contextlib.suppress(OSError):
                doomed_socket.shutdown(socket.SHUT_RDWR)
            doomed_socket.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def redis_door():
    door = RedisDoor()
    door.open()
    yield door
    door.shut()


@pytest.fixture
def silent_redis():
    """A port that takes connections and never answers: Redis stuck."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@pytest.fixture
def table(committed_restaurant):
    with tenant_context(committed_restaurant):
        table = TableFactory(code="R01", max_capacity=4)
    connection.set_schema_to_public()
    return table


def committed_status(restaurant, table) -> str:
    """The table's status as another connection sees it: only what was committed."""

    def read():
        try:
            with tenant_context(restaurant):
                return Table.objects.get(pk=table.pk).status
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as other_thread:
        return other_thread.submit(read).result()


@pytest.mark.parametrize("redis", ["closed port", "silent server"])
def test_a_table_move_commits_at_once_when_redis_cannot_take_its_event(
    committed_restaurant, table, settings, silent_redis, redis
):
    settings.REDIS_URL = (
        f"redis://127.0.0.1:{free_port()}/0" if redis == "closed port" else silent_redis
    )

    with tenant_context(committed_restaurant):
        started = time.monotonic()
        table_set_status(table=table, to="maintenance")
        took = time.monotonic() - started

    assert took < AT_ONCE_SECONDS
    assert committed_status(committed_restaurant, table) == "maintenance"


def test_a_process_that_cannot_reach_redis_says_so_once_not_per_event(committed_restaurant, table):
    moves = """
import json, time
import django
django.setup()
from django_tenants.utils import schema_context
from reservations.models import Table
from reservations.services.tables import table_set_status
slowest = 0.0
with schema_context("carrera"):
    table = Table.objects.get(code="R01")
    for index in range(20):
        started = time.monotonic()
        table_set_status(table=table, to="maintenance" if index % 2 == 0 else "available")
        slowest = max(slowest, time.monotonic() - started)
print(json.dumps({"slowest": slowest}))
"""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }

    finished = subprocess.run(
        [sys.executable, "-c", moves], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout.splitlines()[-1])["slowest"] < AT_ONCE_SECONDS
    said = [line for line in finished.stderr.splitlines() if "live events not published" in line]
    assert len(said) == 1 and said[0].endswith("schema=carrera"), finished.stderr
    assert "Traceback" not in finished.stderr
    assert committed_status(committed_restaurant, table) == "available"


# --- The screens ---------------------------------------------------------------------------


@pytest.fixture
def carla(committed_restaurant, table, live_db):
    connection.set_schema_to_public()
    return session_cookie(CARRERA, CARLA)


async def until_table_is(socket, status: str, timeout: float = 20) -> dict:
    """Read until the table shows ``status``, by its event or a state sent again; returns
    that message."""
    deadline = time.monotonic() + timeout
    while True:
        message = await socket.receive_json_from(timeout=max(0.1, deadline - time.monotonic()))
        if message["type"] == "table_status_changed" and message["table"]["status"] == status:
            return message
        if message["type"] == "initial_state" and message["tables"][0]["status"] == status:
            return message


@pytest.mark.asyncio
async def test_screens_get_the_state_again_when_redis_comes_back(
    open_socket, committed_restaurant, table, carla, settings, redis_door
):
    settings.REDIS_URL = redis_door.url  # screens and changes: both through the door
    screen, connected, _code = await open_socket(CARRERA, cookie=carla)
    first = await screen.receive_json_from(timeout=5)
    assert connected and first["type"] == "initial_state" and "resync" not in first

    redis_door.shut()
    await in_schema(committed_restaurant, table_set_status, table=table, to="maintenance")
    redis_door.open()

    state = await until_table_is(screen, "maintenance")
    assert (state["type"], state["resync"]) == ("initial_state", True)
    # And it keeps following the floor afterwards.
    await in_schema(committed_restaurant, table_set_status, table=table, to="available")
    await until_table_is(screen, "available")


@pytest.mark.asyncio
async def test_screens_get_the_state_again_when_their_restaurants_event_was_lost(
    open_socket, committed_restaurant, table, carla, settings, redis_door
):
    screen, _connected, _code = await open_socket(CARRERA, cookie=carla)
    await screen.receive_json_from(timeout=5)  # the screens listen to Redis itself
    settings.REDIS_URL = redis_door.url  # the change publishes through the door

    redis_door.shut()
    await in_schema(committed_restaurant, table_set_status, table=table, to="maintenance")
    assert await screen.receive_nothing(timeout=QUIET)  # the event is lost…
    redis_door.open()

    state = await until_table_is(screen, "maintenance")  # …and the gap made good
    assert (state["type"], state["resync"]) == ("initial_state", True)


def test_an_event_sent_just_before_a_command_exits_still_leaves(committed_restaurant, table):
    """A command that changes a table and exits at once still tells the screens."""
    listener = f"""
import redis, sys
client = redis.Redis.from_url({django_settings.REDIS_URL!r})
subscriber = client.pubsub()
subscriber.subscribe({f"{django_settings.CACHE_KEY_PREFIX}:live:carrera"!r})
subscriber.get_message(timeout=5)  # subscribed
print("ready", flush=True)
message = subscriber.get_message(timeout=30)
while message is None or message["type"] != "message":
    message = subscriber.get_message(timeout=30)
print(message["data"].decode(), flush=True)
"""
    command = """
import django
django.setup()
from django_tenants.utils import schema_context
from reservations.models import Table
from reservations.services.tables import table_set_status
with schema_context("carrera"):
    table_set_status(table=Table.objects.get(code="R01"), to="maintenance")
"""
    env = {**os.environ, "DATABASE_URL": database_url_of_test_database()}
    with subprocess.Popen(
        [sys.executable, "-c", listener], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as listening:
        assert listening.stdout.readline().strip() == "ready"
        subprocess.run([sys.executable, "-c", command], cwd=ROOT, env=env, check=True, timeout=60)
        event = json.loads(listening.stdout.readline())

    assert (event["type"], event["table"]["code"]) == ("table_status_changed", "R01")
