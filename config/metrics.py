"""Prometheus metrics of the platform, answered at ``/metrics`` on the platform's host.

Every process of one machine (gunicorn's workers, the Celery worker and its children) writes
its counters to files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess
mode), and whichever web process answers the scrape sums them: the dir must be set before
the process starts, the same for the web tier and the worker. config/web.py removes the
files of processes that are gone when gunicorn starts and marks a web worker's live gauges
dead when it exits, as config/celery.py does for the worker's children; ``dev.py up`` gives every process ``var/metrics``. Without the variable each
process counts alone (a test, ``manage.py shell``).

Labels are bounded: the route is the URL pattern's name, never the path; the restaurant (its
schema name) is added only with ``COMENSAL_METRICS_RESTAURANT_LABEL=true`` and is empty
otherwise; no label ever holds a customer's name, phone or email. Figures read at scrape
time from the apps (bookings, messages) come from collectors named in
``settings.METRICS_COLLECTORS``, as middleware is named: this module imports no app.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import connections
from django.http import Http404, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from config import heartbeat

logger = logging.getLogger(__name__)

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if MULTIPROCESS_DIR:
    # Whoever starts first makes it; prometheus-client writes there from the first metric.
    os.makedirs(MULTIPROCESS_DIR, exist_ok=True)

# Celery's Redis transport keeps a queue's priorities in keys of their own.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)

HTTP_REQUESTS = Counter(
    "comensal_http_requests",
    "HTTP requests answered, by route, method and status class.",
    ["route", "method", "status", "restaurant"],
)
HTTP_ERRORS = Counter(
    "comensal_http_errors",
    "HTTP requests answered with a server error (5xx).",
    ["route", "method", "restaurant"],
)
HTTP_DURATION = Histogram(
    "comensal_http_request_duration_seconds",
    "Time from the request reaching Django to its answer, by route and method.",
    ["route", "method", "restaurant"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DB_POOL = Gauge(
    "comensal_db_pool_connections",
    "Database connections of the web processes' pools: size (open), available (idle), "
    "max (the pools' limit), waiting (requests waiting for one).",
    ["state"],
    multiprocess_mode="livesum",
)
TASK_DURATION = Histogram(
    "comensal_celery_task_duration_seconds",
    "Time a Celery task ran, by task name and final state.",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
WEBSOCKETS = Gauge(
    "comensal_websocket_connections",
    "Staff screens connected to the live floor now.",
    multiprocess_mode="livesum",
)


def restaurant_label(request) -> str:
    """The request's schema name when the restaurant label is on, else empty (no label)."""
    if not settings.METRICS_RESTAURANT_LABEL:
        return ""
    return getattr(getattr(request, "tenant", None), "schema_name", "") or ""


def route_label(request) -> str:
    """The resolved URL pattern's name (``namespace:name`` or the view's dotted path): never
    the path, whose ids and tokens would make a series per booking."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else "unmatched"


class MetricsMiddleware:
    """Counts and times every request by route; after the restaurant lookup has had its
    chance to answer (so that a host of no restaurant counts as ``unmatched``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route, method = route_label(request), _method_label(request.method)
        restaurant = restaurant_label(request)
        status = f"{response.status_code // 100}xx"
        HTTP_REQUESTS.labels(route, method, status, restaurant).inc()
        HTTP_DURATION.labels(route, method, restaurant).observe(elapsed)
        if response.status_code >= 500:
            HTTP_ERRORS.labels(route, method, restaurant).inc()
        db_pool_observe()
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method_label(method: str | None) -> str:
    # A client may send any word as its method: one series for all the odd ones.
    return method if method in _METHODS else "other"


def db_pool_observe() -> None:
    """This process's pool, as psycopg-pool counts it (nothing when the pool is off)."""
    database = connections["default"]
    if not database.settings_dict["OPTIONS"].get("pool"):
        return
    try:
        stats = database.pool.get_stats()
    except Exception:  # a figure missing is better than a request failing
        logger.warning("database pool figures unavailable", exc_info=True)
        return
    DB_POOL.labels("size").set(stats.get("pool_size", 0))
    DB_POOL.labels("available").set(stats.get("pool_available", 0))
    DB_POOL.labels("max").set(stats.get("pool_max", 0))
    DB_POOL.labels("waiting").set(stats.get("requests_waiting", 0))


# --- Celery --------------------------------------------------------------------------------

_task_started: dict[str, float] = {}


def task_started(task_id: str) -> None:
    _task_started[task_id] = time.perf_counter()


def task_finished(task_id: str, task_name: str, state: str | None) -> None:
    started = _task_started.pop(task_id, None)
    if started is not None:
        TASK_DURATION.labels(task_name, state or "UNKNOWN").observe(time.perf_counter() - started)


def process_dead(pid: int) -> None:
    """Forget a gone process's live gauges (its counters stay: totals never go back)."""
    if MULTIPROCESS_DIR:
        multiprocess.mark_process_dead(pid, MULTIPROCESS_DIR)


# --- At scrape time ------------------------------------------------------------------------


class QueueCollector(Collector):
    """Tasks waiting in each Celery queue: Redis ``LLEN`` of the queue and its priorities."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        queues = [settings.CELERY_TASK_DEFAULT_QUEUE]
        family = GaugeMetricFamily(
            "comensal_celery_queue_length", "Tasks waiting in the Celery queue.", labels=["queue"]
        )
        try:
            with heartbeat.client().pipeline(transaction=False) as pipe:
                for queue in queues:
                    pipe.llen(queue)
                    for step in _PRIORITY_STEPS:
                        pipe.llen(f"{queue}{_PRIORITY_SEPARATOR}{step}")
                lengths = pipe.execute()
        except Exception as error:  # noqa: BLE001 - Redis down: no figure, the rest still answers
            logger.warning("celery queue lengths unavailable: %s", error.__class__.__name__)
            return
        per_queue = 1 + len(_PRIORITY_STEPS)
        for index, queue in enumerate(queues):
            family.add_metric([queue], sum(lengths[index * per_queue : (index + 1) * per_queue]))
        yield family


class _ProcessCollector(Collector):
    """This process's own metrics (no multiprocess dir): the default registry's."""

    def collect(self):
        yield from REGISTRY.collect()


def registry_for_scrape() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS_DIR:
        multiprocess.MultiProcessCollector(registry, MULTIPROCESS_DIR)
    else:
        registry.register(_ProcessCollector())
    registry.register(QueueCollector())
    for dotted_path in settings.METRICS_COLLECTORS:
        registry.register(import_string(dotted_path)())
    return registry


def token_matches(request) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), settings.METRICS_TOKEN.encode()
    )


@never_cache
def metrics(request):
    """The metrics for Prometheus, to a bearer of ``COMENSAL_METRICS_TOKEN``; off (404)
    when no token is set."""
    if not settings.METRICS_TOKEN:
        raise Http404
    if not token_matches(request):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    db_pool_observe()
    return HttpResponse(generate_latest(registry_for_scrape()), content_type=CONTENT_TYPE_LATEST)
