"""What a staff screen shows: the floor now and the book of a day."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from analytics import forecasts
from analytics.live import alert_payload
from analytics.models import Alert
from assistant.live import conversation_payload
from assistant.selectors import conversations_waiting
from reservations.live import reservation_payload, table_payload
from reservations.models import Reservation, ReservationStatus, Table
from reservations.selectors import floor_occupancy, restaurant_zone
from restaurants.live import EVENT_VERSION
from restaurants.roles import LIVE_FLOOR_PERMISSIONS

# Who of them also sees the customers' chats waiting for staff: those who may open the inbox.
CHATS_PERMISSION = "assistant.view_conversation"
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
    return [reservation_payload(reservation) for reservation in reservations]


def live_state(*, day: dt.date | None = None) -> dict:
    """Everything a staff screen needs to draw itself from scratch."""
    zone = restaurant_zone()
    day = day or timezone.now().astimezone(zone).date()
    return {
        "type": "initial_state",
        "version": EVENT_VERSION,
        "day": day.isoformat(),
        "timezone": str(zone),
        "tables": [table_payload(table) for table in Table.objects.order_by("area", "code")],
        "reservations": live_day(day=day),
        "alerts": [alert_payload(alert) for alert in Alert.objects.unresolved()[:50]],
        "metrics": floor_occupancy(),
        "conversations": live_conversations(),
        "forecast": forecasts.forecast_live_payload(),
    }


def live_conversations() -> list[dict]:
    """The customers' chats waiting for staff, the longest waiting first."""
    return [
        conversation_payload(
            conversation, last_body=conversation.last_body, last_author=conversation.last_author
        )
        for conversation in conversations_waiting()[:50]
    ]


def can_watch_floor(user) -> bool:
    """Staff of this restaurant who may see its tables and bookings: the live floor's page,
    its actions and its socket ask the same question."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perms(LIVE_FLOOR_PERMISSIONS)
    )


def can_see_chats(user) -> bool:
    """Staff watching the floor who may also read the customers' chats waiting for them."""
    return can_watch_floor(user) and user.has_perm(CHATS_PERMISSION)
