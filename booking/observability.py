"""Bookings by source and messages by status, for the platform's /metrics (config/metrics.py).

Here because it reads two apps' tables (reservations' bookings, notifications' messages) and
booking is the lowest layer that may read both; config names the collector in
``settings.METRICS_COLLECTORS`` and imports it by its dotted path, so config imports no app.

Counted across every restaurant's schema in one statement per few hundred restaurants, and
at most every ``METRICS_REFRESH_SECONDS``: the figures are kept in the cache (Redis), shared
by every web process, and one process at a time refreshes them while the others answer with
the last ones. Bookings are a counter (every booking ever taken, by source) advanced by
counting only the rows above the last id counted, a primary-key range that is empty or nearly
so between two scrapes; the first refresh counts the whole book once. Messages are a gauge
(those written in the last 24 hours, by their status now), read on the ``created_at`` index.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter as Tally
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from notifications.models import Message
from reservations.models import Reservation
from restaurants.models import Restaurant

logger = logging.getLogger(__name__)

FIGURES_KEY = "metrics:figures"
LOCK_KEY = "metrics:figures:lock"
LOCK_SECONDS = 120
MESSAGES_WINDOW = dt.timedelta(hours=24)
# Restaurants counted per statement: a few hundred subqueries plan in milliseconds.
SCHEMAS_PER_STATEMENT = 250


def figures_read() -> dict:
    """The last figures, refreshed first when they are older than METRICS_REFRESH_SECONDS
    and no other process is refreshing them: ``{"bookings": {schema: {"last_id": id,
    "by_source": {source: n}}}, "messages": {schema: {status: n}}}``."""
    with schema_context(get_public_schema_name()):
        figures = cache.get(FIGURES_KEY) or {"at": 0, "bookings": {}, "messages": {}}
        if time.time() - figures["at"] < settings.METRICS_REFRESH_SECONDS:
            return figures
        if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
            return figures
        try:
            figures = _refreshed(figures)
            cache.set(FIGURES_KEY, figures, None)
        except DatabaseError:
            logger.warning("booking and message figures not refreshed", exc_info=True)
        finally:
            cache.delete(LOCK_KEY)
        return figures


def _refreshed(figures: dict) -> dict:
    schemas = list(
        Restaurant.objects.exclude(schema_name=get_public_schema_name()).values_list(
            "schema_name", flat=True
        )
    )
    reservations = Reservation._meta.db_table
    messages = Message._meta.db_table
    bookings = {
        schema: figures["bookings"].get(schema) or {"last_id": 0, "by_source": {}}
        for schema in _schemas_with(reservations, schemas)
    }
    since = timezone.now() - MESSAGES_WINDOW
    by_status: dict[str, dict[str, int]] = {}
    with_messages = _schemas_with(messages, schemas)
    for chunk in _chunks(sorted(bookings)):
        _bookings_advance(bookings, chunk, reservations)
    for chunk in _chunks(with_messages):
        _messages_count(by_status, chunk, messages, since)
    return {"at": time.time(), "bookings": bookings, "messages": by_status}


def _chunks(schemas: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(schemas), SCHEMAS_PER_STATEMENT):
        yield schemas[start : start + SCHEMAS_PER_STATEMENT]


def _schemas_with(table: str, schemas: list[str]) -> list[str]:
    """The schemas that have ``table`` (a restaurant being created may not have it yet)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = %s AND n.nspname = ANY(%s) ORDER BY 1",
            [table, schemas],
        )
        return [row[0] for row in cursor.fetchall()]


def _bookings_advance(bookings: dict, schemas: list[str], table: str) -> None:
    quote = connection.ops.quote_name
    parts, params = [], []
    for schema in schemas:
        parts.append(
            f"SELECT %s, source, count(*), max(id) FROM {quote(schema)}.{quote(table)}"
            " WHERE id > %s GROUP BY source"
        )
        params += [schema, bookings[schema]["last_id"]]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for schema, source, count, last_id in cursor.fetchall():
            counted = bookings[schema]
            counted["by_source"][source] = counted["by_source"].get(source, 0) + count
            counted["last_id"] = max(counted["last_id"], last_id)


def _messages_count(by_status: dict, schemas: list[str], table: str, since) -> None:
    quote = connection.ops.quote_name
    parts, params = [], []
    for schema in schemas:
        parts.append(
            f"SELECT %s, status, count(*) FROM {quote(schema)}.{quote(table)}"
            " WHERE created_at >= %s GROUP BY status"
        )
        params += [schema, since]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for schema, status, count in cursor.fetchall():
            by_status.setdefault(schema, {})[status] = count


class BookingsAndMessagesCollector(Collector):
    """``comensal_bookings_total{source}`` and ``comensal_messages{status}``, summed over the
    restaurants unless the restaurant label is on (then one series per schema)."""

    def collect(self):
        figures = figures_read()
        per_restaurant = settings.METRICS_RESTAURANT_LABEL
        bookings = CounterMetricFamily(
            "comensal_bookings",
            "Bookings taken, by where they were made (web, admin, whatsapp, phone, voice, api).",
            labels=["source", "restaurant"],
        )
        messages = GaugeMetricFamily(
            "comensal_messages",
            "Messages to customers written in the last 24 hours, by their status now.",
            labels=["status", "restaurant"],
        )
        for family, counts in (
            (bookings, {schema: row["by_source"] for schema, row in figures["bookings"].items()}),
            (messages, figures["messages"]),
        ):
            summed: Tally = Tally()
            for schema, by_kind in counts.items():
                for kind, count in by_kind.items():
                    summed[(kind, schema if per_restaurant else "")] += count
            for labels, count in sorted(summed.items()):
                family.add_metric(list(labels), count)
            yield family
