"""What a staff screen shows: the floor now and the book of a day."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from analytics.models import Alert
from notifications import live
from reservations.models import Reservation, ReservationStatus, Table, TableStatus
from reservations.selectors import restaurant_zone

# The floor shows what still matters today: not cancelled bookings.
SHOWN_STATUSES = [
    ReservationStatus.PENDING,
    ReservationStatus.CONFIRMED,
    ReservationStatus.SEATED,
    ReservationStatus.FINISHED,
    ReservationStatus.NO_SHOW,
]


def live_day(*, day: dt.date) -> list[dict]:
    """The bookings of ``day`` (restaurant's time zone) as the floor draws them."""
    zone = restaurant_zone()
    starts = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    ends = starts + dt.timedelta(days=1)
    reservations = (
        Reservation.objects.filter(
            starts_at__gte=starts, starts_at__lt=ends, status__in=SHOWN_STATUSES
        )
        .select_related("customer")
        .order_by("starts_at")
    )
    return [live.reservation_payload(reservation) for reservation in reservations]


def live_metrics() -> dict:
    """Tables by status and the occupancy rate, now."""
    counts = Table.objects.aggregate(
        total=Count("id"),
        occupied=Count("id", filter=Q(status=TableStatus.OCCUPIED)),
        reserved=Count("id", filter=Q(status=TableStatus.RESERVED)),
        free=Count("id", filter=Q(status=TableStatus.AVAILABLE)),
        maintenance=Count("id", filter=Q(status=TableStatus.MAINTENANCE)),
    )
    in_service = counts["total"] - counts["maintenance"]
    counts["occupancy_rate"] = (
        round(100 * counts["occupied"] / in_service, 1) if in_service else 0.0
    )
    return counts


def live_state(*, day: dt.date | None = None) -> dict:
    """Everything a staff screen needs to draw itself from scratch."""
    zone = restaurant_zone()
    day = day or timezone.now().astimezone(zone).date()
    return {
        "type": "initial_state",
        "version": live.EVENT_VERSION,
        "day": day.isoformat(),
        "timezone": str(zone),
        "tables": [live.table_payload(table) for table in Table.objects.order_by("area", "code")],
        "reservations": live_day(day=day),
        "alerts": [live.alert_payload(alert) for alert in Alert.objects.unresolved()[:50]],
        "metrics": live_metrics(),
    }
