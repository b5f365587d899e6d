"""What the staff screens are told when a table or a booking changes."""

from __future__ import annotations

from reservations.selectors import restaurant_zone
from restaurants.live import live_event_send


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


def table_changed(table) -> None:
    live_event_send(type="table_status_changed", table=table_payload(table))


def reservation_changed(reservation, *, created: bool = False) -> None:
    live_event_send(
        type="reservation_created" if created else "reservation_updated",
        reservation=reservation_payload(reservation),
    )
