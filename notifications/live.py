"""Live events to the staff screens of one restaurant, over the channel layer.

Every event is a small JSON object: ``type``, ``version`` and the changed object. It leaves
only after the change's transaction commits, from whichever process made it (web or worker),
to the group of the restaurant whose schema the change was made in.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading

from channels.layers import get_channel_layer
from django.db import connection, transaction

from reservations.selectors import restaurant_zone

logger = logging.getLogger(__name__)

EVENT_VERSION = 1
PUBLISH_TIMEOUT_SECONDS = 5
EVENT_TYPES = frozenset(
    {
        "table_status_changed",
        "reservation_created",
        "reservation_updated",
        "alert_triggered",
        "alert_acknowledged",
        "alert_resolved",
        "metrics_updated",
    }
)


def live_group(schema_name: str) -> str:
    """The channel-layer group of one restaurant's staff screens."""
    return f"live.{schema_name}"


def live_event_send(*, type: str, **objects) -> None:
    """Send an event to this restaurant's staff screens once the transaction commits.

    Nothing is sent when the transaction rolls back. A failure to reach the channel layer
    is logged, never raised into the change that caused it: the screens resync on reconnect.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown live event {type!r}")
    schema_name = connection.schema_name
    event = {"type": type, "version": EVENT_VERSION, **objects}
    transaction.on_commit(lambda: _group_send(schema_name, event))


def _group_send(schema_name: str, event: dict) -> None:
    # Encoded once here, not once per screen.
    message = {"type": "live.event", "text": json.dumps(event, separators=(",", ":"))}
    try:
        sending = asyncio.run_coroutine_threadsafe(
            get_channel_layer().group_send(live_group(schema_name), message), _publisher_loop()
        )
        sending.result(timeout=PUBLISH_TIMEOUT_SECONDS)
    except Exception:
        logger.exception("live event not sent type=%s", event["type"])


_publisher: tuple[int, asyncio.AbstractEventLoop] | None = None
_publisher_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """This process's event loop for publishing from sync code (requests' threads, Celery).

    One loop keeps one Redis connection; ``async_to_sync`` outside a server would build a
    loop and a connection for every event. A forked child starts its own.
    """
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="live-events", daemon=True).start()
            _publisher = (os.getpid(), loop)
        return _publisher[1]


# --- Payloads: what a screen needs to draw the object, nothing more -----------------------


def table_payload(table) -> dict:
    return {
        "id": table.pk,
        "code": table.code,
        "area": table.area,
        "status": table.status,
        "min_capacity": table.min_capacity,
        "max_capacity": table.max_capacity,
    }


def reservation_payload(reservation) -> dict:
    local_start = reservation.starts_at.astimezone(restaurant_zone())
    return {
        "id": reservation.pk,
        "reference": reservation.reference,
        "table_id": reservation.table_id,
        "starts_at": reservation.starts_at.isoformat(),
        "ends_at": reservation.ends_at.isoformat(),
        # The restaurant's wall clock, so that screens need no time-zone rules.
        "day": local_start.date().isoformat(),
        "time": f"{local_start:%H:%M}",
        "minutes": int((reservation.ends_at - reservation.starts_at).total_seconds() // 60),
        "party_size": reservation.party_size,
        "status": reservation.status,
        "source": reservation.source,
        "customer": str(reservation.customer),
        "special_requests": reservation.special_requests[:140],
    }


def alert_payload(alert) -> dict:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "severity": alert.severity,
        "status": alert.status,
        "message": alert.message,
        "subject": alert.subject,
        "raised_at": alert.raised_at.isoformat(),
    }


def table_changed(table) -> None:
    live_event_send(type="table_status_changed", table=table_payload(table))


def reservation_changed(reservation, *, created: bool = False) -> None:
    live_event_send(
        type="reservation_created" if created else "reservation_updated",
        reservation=reservation_payload(reservation),
    )
