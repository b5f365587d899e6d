"""Which restaurant a host serves, remembered by each process for a few seconds.

Every request and socket needs its restaurant, and hosts change rarely. A restaurant or
domain saved in this process is forgotten at once; other processes see the change within
``HOST_CACHE_SECONDS``. Unknown hosts are not remembered.
"""

import threading
import time

HOST_CACHE_SECONDS = 10
HOST_CACHE_SIZE = 10_000
_hosts: dict[str, tuple[float, object]] = {}
_hosts_lock = threading.Lock()


def restaurant_for_hostname(hostname: str):
    """The active restaurant served at ``hostname``; Domain.DoesNotExist if none."""
    from restaurants.models import Domain

    now = time.monotonic()
    cached = _hosts.get(hostname)
    if cached is not None and cached[0] > now:
        return cached[1]
    restaurant = (
        Domain.objects.select_related("tenant").get(domain=hostname, tenant__is_active=True).tenant
    )
    with _hosts_lock:
        if len(_hosts) >= HOST_CACHE_SIZE:
            _hosts.clear()
        _hosts[hostname] = (now + HOST_CACHE_SECONDS, restaurant)
    return restaurant


def hosts_forget() -> None:
    """Drop this process's remembered hosts (after a restaurant or domain changes)."""
    with _hosts_lock:
        _hosts.clear()
