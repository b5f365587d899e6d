"""The API's rate limit by plan: exact, per user and restaurant, over a sliding window.

Each user's requests of the window are a sorted set in Redis (score: the request's time),
trimmed, counted and added to by one Lua script in one round trip: a request costs the same
whatever the plan allows (DRF's own throttle reads and writes the whole list of request
times on every call, 2,000 of them on the enterprise plan).
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.throttling import BaseThrottle

from config.cache import REDIS_DOWN
from config.cache import health as redis_health

RETRY_AFTER_SECONDS = 30

# KEYS[1]: the user's set; ARGV: now, window (s), limit, this request's member.
# Returns {allowed (1/0), seconds until a request leaves the window when refused}.
SLIDING_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'zset' and kind ~= 'none' then
    redis.call('DEL', KEYS[1])  -- a history kept in an earlier format
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
    redis.call('ZADD', KEYS[1], now, ARGV[4])
    redis.call('EXPIRE', KEYS[1], math.ceil(window))
    return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
return {0, tostring(tonumber(oldest) + window - now)}
"""


class LimitsUnavailable(APIException):
    """503 with Retry-After: the plan's limit cannot be counted while Redis is down."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The API is briefly unavailable. Please try again in a moment.")
    default_code = "unavailable"
    wait = RETRY_AFTER_SECONDS


def _redis():
    """The cache's Redis client (one per process, see config.cache)."""
    return cache._cache.get_client(write=True)


_scripts: dict[int, object] = {}


def _sliding_window(client):
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(SLIDING_WINDOW)
    return script


def plan_history_key(ident: str) -> str:
    """The Redis key of one user's (or address's) requests; it carries the schema name."""
    return cache.make_key(f"throttle:plan:{ident}")


def plan_requests_used(ident: str) -> int:
    """How many requests ``ident`` made within the plan's window."""
    since = time.time() - settings.PLAN_API_RATE_WINDOW_SECONDS
    client, key = _redis(), plan_history_key(ident)
    if client.type(key) != b"zset":
        return 0
    return client.zcount(key, since, "+inf")


class PlanRateThrottle(BaseThrottle):
    """API rate limit by the restaurant's plan (SPEC: basic 100, premium 500, enterprise
    2,000 requests per 15 minutes), per user, or per client address when anonymous."""

    def allow_request(self, request, view):
        plan = getattr(request.tenant, "plan", None)
        if plan is None:
            return True
        # The limits are exact: requests that cannot be counted are not let through.
        if not cache.reachable():
            raise LimitsUnavailable
        client = _redis()
        try:
            allowed, wait = _sliding_window(client)(
                keys=[plan_history_key(self.ident_of(request))],
                args=[
                    time.time(),
                    settings.PLAN_API_RATE_WINDOW_SECONDS,
                    settings.PLAN_API_RATE_LIMITS[plan],
                    uuid.uuid4().hex,
                ],
                client=client,
            )
        except REDIS_DOWN as error:
            redis_health.failed(error)
            raise LimitsUnavailable from error
        self.retry_after = float(wait)
        return bool(allowed)

    def wait(self):
        return self.retry_after

    def ident_of(self, request) -> str:
        if request.user and request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return f"ip-{self.get_ident(request)}"
