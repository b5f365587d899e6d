"""Per-client-IP limits on the public pages, counted per restaurant in the shared cache.

Buckets (``settings.PUBLIC_RATE_LIMITS``, per minute):

- ``availability``: calendar and free-time views.
- ``booking``: bookings *made*. A refused submission (a typo in the phone, a time taken
  meanwhile) does not count here, so a customer who mistypes is not locked out.
- ``attempt``: every booking form submission, made or refused: what stops a script from
  hammering the form. ``ATTEMPTS_PER_BOOKING`` times the booking limit unless set.
- ``manage``: changes and cancellations through a booking's own link, counted apart from
  new bookings. ``ATTEMPTS_PER_BOOKING`` times the booking limit unless set.
"""

import time

from django.conf import settings
from django.core.cache import cache

from config.cache import CacheUnavailable

# Refused submissions a customer may send for each booking they may make.
ATTEMPTS_PER_BOOKING = 4
DERIVED_FROM_BOOKING = {"attempt", "manage"}
WINDOW_SECONDS = 60


def client_ip(request) -> str:
    """The client's address; behind a trusted proxy, the one it reports."""
    if settings.TRUSTED_PROXY_HOPS:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        if len(forwarded) >= settings.TRUSTED_PROXY_HOPS:
            return forwarded[-settings.TRUSTED_PROXY_HOPS]
    return request.META.get("REMOTE_ADDR", "")


def rate_limit(bucket: str) -> int:
    """The per-minute limit of ``bucket``."""
    limits = settings.PUBLIC_RATE_LIMITS
    if bucket not in limits and bucket in DERIVED_FROM_BOOKING:
        return limits["booking"] * ATTEMPTS_PER_BOOKING
    return limits[bucket]


def _key(request, bucket: str) -> str:
    window = int(time.time() // WINDOW_SECONDS)
    # The cache's key function adds the restaurant's schema.
    return f"ratelimit:{bucket}:{client_ip(request)}:{window}"


def rate_limited(request, bucket: str) -> bool:
    """Count one request of this client in ``bucket``; True once over the minute's limit.

    Without Redis nothing is counted and nobody is refused: a customer can still book.
    """
    limit = rate_limit(bucket)
    key = _key(request, bucket)
    try:
        if cache.add(key, 1, timeout=WINDOW_SECONDS + 30):
            return limit < 1
        return cache.incr(key) > limit
    except CacheUnavailable:
        return False


def rate_reached(request, bucket: str) -> bool:
    """Whether this client has used up ``bucket`` this minute, without counting a request:
    for what is counted only once done (a booking made)."""
    try:
        used = cache.get(_key(request, bucket)) or 0
    except CacheUnavailable:
        return False
    return used >= rate_limit(bucket)


def rate_count(request, bucket: str) -> None:
    """Count one done thing (a booking made) of this client in ``bucket``."""
    rate_limited(request, bucket)


def retry_after_seconds() -> int:
    """Seconds until the current minute's counts are over."""
    return WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS
