"""What several benchmarks share; imported after Django is set up."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from assistant.models import Conversation
from billing.models import ConsumptionNote
from config.celery import app
from menu.models import PreOrder
from notifications.models import Message
from reservations.models import Customer, Reservation, StatusChange
from reservations.services.book_version import book_changed

ROOT = Path(__file__).resolve().parent.parent

# A restaurant's book: what a run writes and the next run empties.
BOOK_MODELS = [
    Reservation,
    Customer,
    StatusChange,
    Message,
    Conversation,
    ConsumptionNote,
    PreOrder,
]


def book_empty() -> None:
    """Delete every booking, customer, note, message and conversation of the restaurant."""
    tables = ", ".join(
        f'"{connection.schema_name}"."{model._meta.db_table}"' for model in BOOK_MODELS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")
    # Cached calendars are keyed by the book's version: the emptied book is a new one.
    book_changed()


# The password of bench/scale.py's managers (bench/http.py logs in with it over that fleet).
SCALE_PASSWORD = "Bench-Scale-Password-2030"


def scale_slug(number: int) -> str:
    """The slug of bench/scale.py's restaurant ``number`` (from 1)."""
    return f"bench-scale-{number:04d}"


def scale_name(number: int) -> str:
    return f"Bench Scale {number:04d}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_stop(process: subprocess.Popen, seconds: float = 60) -> None:
    """SIGTERM, ``seconds`` to finish, then SIGKILL."""
    process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class BenchWorker:
    """A Celery worker on a benchmark's own queue, started as ``celery -A config worker``
    with ``options`` (its pool), and how to tell that it has drained that queue."""

    POLL_SECONDS = 0.25
    DRAIN_LIMIT_SECONDS = 30 * 60

    def __init__(self, queue: str, *options: str, environment: dict | None = None):
        self.queue = queue
        self.name = f"{queue}@{socket.gethostname()}"
        self.command = [sys.executable, "-m", "celery", "-A", "config", "worker", *options,
                        "-Q", queue, "-n", f"{queue}@%h", "-l", "warning"]  # fmt: skip
        self.environment = environment or os.environ.copy()
        self.process: subprocess.Popen | None = None

    def start(self) -> subprocess.Popen:
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.environment, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 90
        while self.process.poll() is None and time.monotonic() < deadline:
            if app.control.ping(destination=[self.name], timeout=1):
                return self.process
        self.stop()
        raise RuntimeError(f"the worker {self.name} did not answer ping")

    def stop(self) -> None:
        process_stop(self.process)

    def idle(self) -> bool:
        inspector = app.control.inspect(destination=[self.name], timeout=5, limit=1)
        active, reserved = inspector.active(), inspector.reserved()
        if active is None or reserved is None:  # busy with a task for more than 5 s
            return False
        return not active[self.name] and not reserved[self.name]

    def drained_at(self, broker) -> float:
        """When the queue was first seen empty and the worker idle, twice in a row."""
        empty_since = None
        deadline = time.monotonic() + self.DRAIN_LIMIT_SECONDS
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the worker exited or did not drain the queue in time")
            polled = time.perf_counter()
            if broker.llen(self.queue) == 0 and self.idle():
                if empty_since is not None:
                    return empty_since
                empty_since = polled
            else:
                empty_since = None
            time.sleep(self.POLL_SECONDS)

    def tasks_run(self) -> dict[str, int]:
        return app.control.inspect(destination=[self.name], timeout=5).stats()[self.name]["total"]
