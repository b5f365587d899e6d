"""Reminders 24 h and 2 h before: each once, at its time, never for a cancelled or moved
booking."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django_tenants.utils import tenant_context

from booking.services.bookings import booking_reschedule, booking_transition
from notifications import services
from notifications.models import Message
from reservations.models import Reservation
from tests.factories import CustomerFactory, TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
NINE_PM = dt.datetime(2030, 3, 9, 21, 0, tzinfo=MEXICO)
HOUR, SECOND = dt.timedelta(hours=1), dt.timedelta(seconds=1)


@pytest.fixture
def in_casa_azul(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:30")
        yield
    connection.set_schema_to_public()


def booked(*, made_at: dt.datetime, starts_at: dt.datetime = NINE_PM) -> Reservation:
    with time_machine.travel(made_at, tick=False):
        return Reservation.objects.create(
            customer=CustomerFactory(phone="+525512345678"),
            table=TableFactory(),
            starts_at=starts_at,
            ends_at=starts_at + 2 * HOUR,
            party_size=2,
            status="confirmed",
        )


def reminders_at(moment: dt.datetime) -> list[str]:
    with time_machine.travel(moment, tick=False):
        services.reminders_queue()
    return sorted(
        Message.objects.filter(event="reminder").values_list("idempotency_key", flat=True)
    )


def moments(keys: list[str]) -> list[str]:
    """The reminders' hours before and start times (UTC; 21:00 in Mexico is 03:00Z)."""
    return [key.rsplit(":", 1)[-1] for key in keys]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NINE_PM - 24 * HOUR - SECOND, []),
        (NINE_PM - 24 * HOUR, ["24h-20300310T0300Z"]),
        (NINE_PM - 2 * HOUR - SECOND, ["24h-20300310T0300Z"]),
        (NINE_PM - 2 * HOUR, ["24h-20300310T0300Z", "2h-20300310T0300Z"]),
        (NINE_PM - SECOND, ["24h-20300310T0300Z", "2h-20300310T0300Z"]),
    ],
)
def test_each_reminder_goes_at_its_time_and_once(in_casa_azul, moment, expected):
    booked(made_at=NINE_PM - 72 * HOUR)

    for now in sorted({NINE_PM - 25 * HOUR, NINE_PM - 24 * HOUR, NINE_PM - 3 * HOUR}):
        if now <= moment:
            reminders_at(now)
    reminders_at(moment)
    reminders_at(moment)  # a second run queues nothing more

    assert moments(reminders_at(moment)) == expected


def test_a_booking_made_after_the_24_hour_mark_gets_only_the_2_hour_reminder(in_casa_azul):
    reservation = booked(made_at=NINE_PM - 5 * HOUR)

    assert reminders_at(NINE_PM - 4 * HOUR) == []
    assert moments(reminders_at(NINE_PM - 2 * HOUR)) == ["2h-20300310T0300Z"]
    reminder = Message.objects.get(event="reminder")
    assert reminder.reservation == reservation
    assert reminder.body.startswith("Hola Cliente")
    assert "Hora: 21:00" in reminder.body.splitlines()


def test_a_late_run_sends_the_nearest_reminder_only(in_casa_azul):
    booked(made_at=NINE_PM - 72 * HOUR)

    assert moments(reminders_at(NINE_PM - HOUR)) == ["2h-20300310T0300Z"]


def test_a_cancelled_booking_gets_no_reminder_even_one_already_queued(in_casa_azul):
    reservation = booked(made_at=NINE_PM - 72 * HOUR)
    reminders_at(NINE_PM - 24 * HOUR)
    queued = Message.objects.get(event="reminder")

    booking_transition(reservation=reservation, to="cancelled")

    assert services.message_deliver(message_id=queued.pk) == "skipped"
    assert moments(reminders_at(NINE_PM - 2 * HOUR)) == ["24h-20300310T0300Z"]
    queued.refresh_from_db()
    assert queued.error == "La reserva ya no está confirmada."


def test_a_moved_booking_is_reminded_of_its_new_time_not_the_old_one(in_casa_azul):
    reservation = booked(made_at=NINE_PM - 72 * HOUR)
    reminders_at(NINE_PM - 24 * HOUR)
    stale = Message.objects.get(event="reminder")

    with time_machine.travel(NINE_PM - 23 * HOUR, tick=False):
        booking_reschedule(
            reservation=reservation, starts_at=NINE_PM - HOUR, party_size=2, source="admin"
        )

    assert services.message_deliver(message_id=stale.pk) == "skipped"
    stale.refresh_from_db()
    assert stale.error == "La reserva se cambió a otra hora."
    assert moments(reminders_at(NINE_PM - 3 * HOUR)) == ["24h-20300310T0300Z", "2h-20300310T0200Z"]
    fresh = Message.objects.get(idempotency_key__endswith="2h-20300310T0200Z")
    assert "Hora: 20:00" in fresh.body.splitlines()


def test_no_reminders_when_the_restaurant_turned_them_off(in_casa_azul):
    settings = services.messaging_settings()
    settings.reminder_hours = []
    settings.save()
    booked(made_at=NINE_PM - 72 * HOUR)

    assert reminders_at(NINE_PM - HOUR) == []
