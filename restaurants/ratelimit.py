"""Per-client-IP limits on the public pages, counted per restaurant in the shared cache."""

import time

from django.conf import settings
from django.core.cache import cache

from config.cache import CacheUnavailable


def client_ip(request) -> str:
    """The client's address; behind a trusted proxy, the one it reports."""
    if settings.TRUSTED_PROXY_HOPS:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        if len(forwarded) >= settings.TRUSTED_PROXY_HOPS:
            return forwarded[-settings.TRUSTED_PROXY_HOPS]
    return request.META.get("REMOTE_ADDR", "")


def rate_limited(request, bucket: str) -> bool:
    """Count one request of this client in ``bucket``; True once over the minute's limit.

    Without Redis nothing is counted and nobody is refused: a customer can still book.
    """
    limit = settings.PUBLIC_RATE_LIMITS[bucket]
    window = int(time.time() // 60)
    # The cache's key function adds the restaurant's schema.
    key = f"ratelimit:{bucket}:{client_ip(request)}:{window}"
    try:
        if cache.add(key, 1, timeout=90):
            return limit < 1
        return cache.incr(key) > limit
    except CacheUnavailable:
        return False
