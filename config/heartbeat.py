"""Workers say they are alive: each Celery worker writes its name and the time to a sorted
set in Redis every ``EVERY_SECONDS``; /health counts the fresh ones in one Redis call
instead of pinging the workers and waiting for their answers."""

from __future__ import annotations

import contextlib
import functools
import logging
import time

import redis
from celery import bootsteps
from django.conf import settings

logger = logging.getLogger(__name__)

EVERY_SECONDS = 10
# A worker not heard of for this long is taken as gone.
FRESH_SECONDS = 3 * EVERY_SECONDS
TIMEOUT_SECONDS = 0.5


def heartbeat_key() -> str:
    """The workers of this installation's queue."""
    return f"comensal:workers:{settings.CELERY_TASK_DEFAULT_QUEUE}"


def client() -> redis.Redis:
    """This process's client of the Redis at REDIS_URL (thread-safe, pooled connections)."""
    return _client(settings.REDIS_URL)


@functools.lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )


def workers_alive(connection: redis.Redis) -> int:
    """How many workers were heard of lately."""
    return connection.zcount(heartbeat_key(), time.time() - FRESH_SECONDS, "+inf")


class Heartbeat(bootsteps.StartStopStep):
    """A worker's heartbeat, on the worker's own timer."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker):
        self.beat(worker.hostname)
        self.timer_entry = worker.timer.call_repeatedly(
            EVERY_SECONDS, self.beat, (worker.hostname,), priority=10
        )

    def stop(self, worker):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
        with contextlib.suppress(redis.RedisError):
            client().zrem(heartbeat_key(), worker.hostname)

    def beat(self, hostname: str) -> None:
        now = time.time()
        try:
            with client().pipeline() as pipe:
                pipe.zadd(heartbeat_key(), {hostname: now})
                pipe.zremrangebyscore(heartbeat_key(), "-inf", now - 10 * FRESH_SECONDS)
                pipe.execute()
        except redis.RedisError as error:
            logger.warning("worker heartbeat not written: %s", error.__class__.__name__)
