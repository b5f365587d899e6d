"""Live events to the staff screens of one restaurant, over Redis pub/sub.

Any app may publish through this module; what each event carries is built by the app
that owns the object (``reservations.live``, ``analytics.live``, ``assistant.live``).

Every event is a small JSON object: ``type``, ``version`` and the changed object. It leaves
only after the change's transaction commits, from whichever process made it (web or worker),
on the Redis channel of the restaurant whose schema the change was made in; every web
process with screens of that restaurant reads it once and hands it to each of them
(``floor.consumers.LiveHub``).

Publishing never holds up the change that caused it: the event is handed to this process's
publisher thread and the caller goes on. An event Redis does not take is dropped, the failure
is logged at most once a minute, and once Redis answers again the restaurants that lost an
event are named on the gaps channel, so that their screens take the whole state again
instead of silently missing it.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import os
import threading
import time
from collections import deque
from concurrent.futures import TimeoutError as FutureTimeoutError

import redis.asyncio as redis
from django.conf import settings
from django.db import connection, transaction
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)

EVENT_VERSION = 1
EVENT_TYPES = frozenset(
    {
        "table_status_changed",
        "reservation_created",
        "reservation_updated",
        "alert_triggered",
        "alert_acknowledged",
        "alert_resolved",
        "metrics_updated",
        "conversation_waiting",
        "conversation_closed",
        "forecast_updated",
    }
)
# Redis answers in a millisecond; one that takes longer than this is treated as down.
REDIS_TIMEOUT_SECONDS = 1
# After a failure, events are dropped at once for this long (doubling up to the maximum)
# rather than each waiting for its own timeout; then Redis is tried again.
RETRY_SECONDS, RETRY_MAX_SECONDS = 1, 30
# Events waiting for Redis beyond this many are dropped (their screens resync).
WAITING_LIMIT = 10_000
BATCH = 500  # events sent in one round trip
# How long a process that exits waits for the events it has handed over to leave.
FLUSH_SECONDS = 2


def live_channel(schema_name: str) -> str:
    """The Redis channel of one restaurant's live events."""
    return _channel(settings.CACHE_KEY_PREFIX, schema_name)


def gaps_channel() -> str:
    """The Redis channel naming (by schema) the restaurants whose screens missed an event."""
    return f"{settings.CACHE_KEY_PREFIX}:live-gaps"


def _channel(prefix: str, schema_name: str) -> str:
    return f"{prefix}:live:{schema_name}"


def event_text_start(type_start: str) -> str:
    """How an event's text begins when its type begins with ``type_start``: a subscriber
    tells events apart without decoding each one."""
    return '{"type":' + json.dumps(type_start)[:-1]


def live_event_send(*, type: str, **objects) -> None:
    """Send an event to this restaurant's staff screens once the transaction commits.

    Nothing is sent when the transaction rolls back. The caller never waits for Redis, and a
    failure to reach it is logged, never raised into the change that caused it.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown live event {type!r}")
    schema_name = connection.schema_name
    event = {"type": type, "version": EVENT_VERSION, **objects}
    transaction.on_commit(lambda: _publish(schema_name, event))


def _publish(schema_name: str, event: dict) -> None:
    # Encoded once here, not once per screen; "type" comes first (see event_text_start).
    text = json.dumps(event, separators=(",", ":"))
    _publisher().publish(settings.REDIS_URL, settings.CACHE_KEY_PREFIX, schema_name, text)


class LogLimit:
    """Lets a repeated log line through at most once per ``seconds``, counting the others."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.next_at = 0.0
        self.held = 0

    def allow(self) -> int | None:
        """How many lines were held back since the last one let through, or None: hold it."""
        now = time.monotonic()
        if now < self.next_at:
            self.held += 1
            return None
        held, self.held, self.next_at = self.held, 0, now + self.seconds
        return held


class _Publisher:
    """This process's publisher: a thread running an event loop that sends what the
    process's requests and tasks hand it, in order, batched into one round trip.

    One loop keeps one Redis connection per Redis URL; ``async_to_sync`` outside a server
    would build a loop and a connection for every event.
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.redises: dict[str, _Redis] = {}
        threading.Thread(target=self.loop.run_forever, name="live-events", daemon=True).start()
        atexit.register(self.flush)

    def publish(self, url: str, prefix: str, schema_name: str, text: str) -> None:
        """Hand an event over, from any thread, and return at once."""
        self.loop.call_soon_threadsafe(self._take, url, (prefix, schema_name, text))

    def flush(self, timeout: float = FLUSH_SECONDS) -> None:
        """Wait up to ``timeout`` for the events handed over so far to be sent (or dropped):
        a command that changes a table and exits still tells the screens."""
        if os.getpid() != self.pid or self.loop.is_closed():
            return
        with contextlib.suppress(FutureTimeoutError):
            asyncio.run_coroutine_threadsafe(self._sent(), self.loop).result(timeout)

    def _take(self, url: str, event: tuple[str, str, str]) -> None:
        redis_ = self.redises.get(url)
        if redis_ is None:
            redis_ = self.redises[url] = _Redis(url, self.loop)
        redis_.take(event)

    async def _sent(self) -> None:
        for redis_ in list(self.redises.values()):
            if redis_.sending is not None:
                await asyncio.shield(redis_.sending)


class _Redis:
    """The publisher's side of one Redis: its client, the events waiting for it, and the
    restaurants that lost an event to it since it last answered. In the publisher's thread."""

    def __init__(self, url: str, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.client = redis.Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 0),
        )
        self.waiting: deque[tuple[str, str, str]] = deque()  # prefix, schema, text
        self.gaps: set[tuple[str, str]] = set()  # prefix, schema
        self.sending: asyncio.Task | None = None
        self.refuse_until = 0.0
        self.retry_seconds = RETRY_SECONDS
        self.retry: asyncio.TimerHandle | None = None
        self.dropped = 0
        self.failures = LogLimit(60)

    def take(self, event: tuple[str, str, str]) -> None:
        if self.loop.time() < self.refuse_until:
            self._drop([event], "Redis failed a moment ago")
        elif len(self.waiting) >= WAITING_LIMIT:
            self._drop([event], f"{WAITING_LIMIT} events waiting for Redis")
        else:
            self.waiting.append(event)
            self._send_soon()

    def _send_soon(self) -> None:
        if self.sending is None:
            self.sending = self.loop.create_task(self._send())

    def _try_again(self) -> None:
        self.retry, self.refuse_until = None, 0.0
        self._send_soon()

    async def _send(self) -> None:
        try:
            while self.waiting or (self.gaps and self.retry is None):
                batch = [self.waiting.popleft() for _ in range(min(BATCH, len(self.waiting)))]
                gaps = set(self.gaps)
                try:
                    async with self.client.pipeline(transaction=False) as pipeline:
                        # The gaps first: the screens' state is read after the events it replaces.
                        for prefix, schema_name in gaps:
                            pipeline.publish(f"{prefix}:live-gaps", schema_name)
                        for prefix, schema_name, text in batch:
                            pipeline.publish(_channel(prefix, schema_name), text)
                        await pipeline.execute()
                except (RedisError, OSError) as error:
                    self._failed(batch, error)
                    return
                self.gaps -= gaps
                self.retry_seconds = RETRY_SECONDS
                if gaps:
                    logger.info(
                        "live events published again, %d were dropped; screens resync schema=%s",
                        self.dropped,
                        ",".join(sorted(schema for _prefix, schema in gaps)),
                    )
                    self.dropped = 0
        finally:
            self.sending = None

    def _failed(self, batch: list, error: Exception) -> None:
        waiting, self.waiting = list(self.waiting), deque()
        self.refuse_until = self.loop.time() + self.retry_seconds
        if self.retry is None:
            self.retry = self.loop.call_later(self.retry_seconds, self._try_again)
        self.retry_seconds = min(2 * self.retry_seconds, RETRY_MAX_SECONDS)
        self._drop(batch + waiting, f"{type(error).__name__}: {error}")

    def _drop(self, events: list, reason: str) -> None:
        self.dropped += len(events)
        self.gaps.update((prefix, schema_name) for prefix, schema_name, _text in events)
        if self.failures.allow() is not None:
            logger.warning(
                "live events not published (%s): %d dropped so far, their screens resync "
                "once Redis answers schema=%s",
                reason,
                self.dropped,
                ",".join(sorted({schema for _prefix, schema in self.gaps})),
            )


_publisher_of_process: _Publisher | None = None
_publisher_lock = threading.Lock()


def _publisher() -> _Publisher:
    """This process's publisher; a forked child (a Celery worker) starts its own."""
    global _publisher_of_process
    publisher = _publisher_of_process
    if publisher is not None and publisher.pid == os.getpid():
        return publisher
    with _publisher_lock:
        if _publisher_of_process is None or _publisher_of_process.pid != os.getpid():
            _publisher_of_process = _Publisher()
        return _publisher_of_process
