"""Django's Redis cache, failing open when Redis is down or slow.

The cache only ever holds what can be rebuilt (the booking policy, rendered public pages,
rate-limit counters): when Redis does not answer, reads miss, writes are dropped, and the
page is served from PostgreSQL. After a failure Redis is left alone for ``RETRY_SECONDS`` (no request waits
out a timeout meanwhile), and the log gets one warning a minute, not one per request.
Counters (``add``, ``incr``) raise ``CacheUnavailable`` instead: whoever counts decides
what a missing count means (the public pages let the visitor through; the API answers 503).
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5
WARNING_EVERY_SECONDS = 60
# Redis unreachable or too slow; any other error (a wrong command) is a bug and is raised.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class CacheUnavailable(Exception):
    """Redis did not answer a counter's operation."""


class _Health:
    """Shared by the cache objects of all threads of this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.warned_at = float("-inf")

    def is_up(self) -> bool:
        return time.monotonic() >= self.down_until

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self.lock:
            self.down_until = now + RETRY_SECONDS
            warn = now - self.warned_at >= WARNING_EVERY_SECONDS
            if warn:
                self.warned_at = now
        if warn:
            logger.warning(
                "cache unreachable (%s): serving without it, retrying every %s s",
                error.__class__.__name__,
                RETRY_SECONDS,
            )

    def recovered(self) -> None:
        if self.down_until:
            with self.lock:
                if self.down_until:
                    self.down_until = 0.0
                    logger.warning("cache reachable again")


health = _Health()


# The web processes serve each request with cache objects of its own (Django keeps them
# per context, and every request is a new context): Redis connection pools and clients are
# kept here instead, one per server for the whole process, so that a request does not open
# a new connection to Redis. redis-py's pools are thread-safe and start afresh after a fork.
_pools: dict[str, object] = {}
_clients: dict[str, object] = {}
_pools_lock = threading.Lock()


class _ProcessPools(RedisCacheClient):
    def _get_connection_pool(self, write):
        return self._pool_of(self._servers[self._get_connection_pool_index(write)])

    def _pool_of(self, server: str):
        pool = _pools.get(server)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(server)
                if pool is None:
                    pool = _pools[server] = self._pool_class.from_url(server, **self._pool_options)
        return pool

    def get_client(self, key=None, *, write=False):
        # Django builds a redis.Redis (copying its hundreds of response callbacks) for every
        # operation; one per server serves them all.
        server = self._servers[self._get_connection_pool_index(write)]
        client = _clients.get(server)
        if client is None:
            client = _clients[server] = self._client(connection_pool=self._pool_of(server))
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ProcessPools

    def _try(self, operation, fallback, *args, **kwargs):
        if not health.is_up():
            return fallback
        try:
            result = operation(*args, **kwargs)
        except REDIS_DOWN as error:
            health.failed(error)
            return fallback
        health.recovered()
        return result

    def _count(self, operation, *args, **kwargs):
        if not health.is_up():
            raise CacheUnavailable
        try:
            result = operation(*args, **kwargs)
        except REDIS_DOWN as error:
            health.failed(error)
            raise CacheUnavailable from error
        health.recovered()
        return result

    def reachable(self) -> bool:
        """False while Redis is being left alone after a failure."""
        return health.is_up()

    def get(self, key, default=None, version=None):
        return self._try(super().get, default, key, default, version)

    def get_many(self, keys, version=None):
        return self._try(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._try(super().has_key, False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(super().set, None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(super().set_many, list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._try(super().delete, False, key, version)

    def delete_many(self, keys, version=None):
        return self._try(super().delete_many, None, keys, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._count(super().add, key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._count(super().incr, key, delta, version)
