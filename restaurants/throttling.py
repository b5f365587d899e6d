"""The API's rate limit by plan: exact, per restaurant, over a sliding window.

The restaurant's requests of the window are a sorted set in Redis (score: the request's time),
trimmed, counted and added to by one Lua script in one round trip, so that concurrent requests
are counted one by one (DRF's own throttle reads and writes the list of request times without
a lock) and a request costs the same whatever the plan allows. Every answer carries
``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds until a request
leaves the window); a 429 carries ``Retry-After``.
"""

import math
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

# KEYS[1]: the restaurant's set; ARGV: now, window (s), limit, this request's member.
# Returns {allowed (1/0), requests in the window after this one, seconds until the oldest
# request leaves the window}.
SLIDING_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'zset' and kind ~= 'none' then
    redis.call('DEL', KEYS[1])  -- a history kept in an earlier format
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
local allowed = 0
if used < limit then
    redis.call('ZADD', KEYS[1], now, ARGV[4])
    redis.call('EXPIRE', KEYS[1], math.ceil(window))
    used = used + 1
    allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
return {allowed, used, tostring(tonumber(oldest or now) + window - now)}
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


def plan_history_key() -> str:
    """The Redis key of the current restaurant's requests (the cache's keys carry the
    schema's name)."""
    return cache.make_key("throttle:plan:restaurant")


def plan_requests_used() -> int:
    """How many requests the current restaurant made within the plan's window."""
    since = time.time() - settings.PLAN_API_RATE_WINDOW_SECONDS
    client, key = _redis(), plan_history_key()
    if client.type(key) != b"zset":
        return 0
    return client.zcount(key, since, "+inf")


class PlanRateThrottle(BaseThrottle):
    """API rate limit by the restaurant's plan (SPEC: basic 100, premium 500, enterprise
    2,000 requests per 15 minutes), counted for the whole restaurant: all its tokens and users
    share it. A caller refused 401 or 403 is not counted (DRF checks them first)."""

    def allow_request(self, request, view):
        plan = getattr(request.tenant, "plan", None)
        if plan is None:
            return True
        # The limits are exact: requests that cannot be counted are not let through.
        if not cache.reachable():
            raise LimitsUnavailable
        client = _redis()
        limit = settings.PLAN_API_RATE_LIMITS[plan]
        try:
            allowed, used, reset = _sliding_window(client)(
                keys=[plan_history_key()],
                args=[time.time(), settings.PLAN_API_RATE_WINDOW_SECONDS, limit, uuid.uuid4().hex],
                client=client,
            )
        except REDIS_DOWN as error:
            redis_health.failed(error)
            raise LimitsUnavailable from error
        self.retry_after = float(reset)
        # The headers every answer carries (restaurants.middleware.RateLimitHeadersMiddleware).
        request._request.rate_limit = {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(max(limit - int(used), 0)),
            "RateLimit-Reset": str(max(math.ceil(float(reset)), 0)),
        }
        return bool(allowed)

    def wait(self):
        return self.retry_after


class RateLimitHeadersMiddleware:
    """Adds the plan's ``RateLimit-*`` headers PlanRateThrottle counted to the API's answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in getattr(request, "rate_limit", {}).items():
            response[name] = value
        return response
