"""Reservations and tables follow the clock: the activation job, at every window's edge."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django_tenants.utils import tenant_context

from booking.services.clock import bookings_follow_clock
from reservations.models import Reservation, StatusChange, Table
from tests.factories import CustomerFactory, TableFactory, open_every_day
from tests.threads import run_at_once

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)


def booked(starts_at: dt.datetime, *, status="confirmed", code="M01") -> Reservation:
    table = Table.objects.filter(code=code).first() or TableFactory(code=code)
    return Reservation.objects.create(
        customer=CustomerFactory(),
        table=table,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        party_size=2,
        status=status,
    )


def state(reservation: Reservation) -> tuple[str, str]:
    reservation.refresh_from_db()
    reservation.table.refresh_from_db()
    return reservation.status, reservation.table.status


@pytest.fixture
def in_mexico(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:00", seat_window_minutes=30, finish_after_minutes=180)
        yield
    connection.set_schema_to_public()


EIGHT_PM = dt.datetime(2030, 3, 5, 20, 0, tzinfo=MEXICO)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (EIGHT_PM - 30 * MINUTE - SECOND, ("confirmed", "available")),  # not yet due
        (EIGHT_PM - 30 * MINUTE, ("confirmed", "reserved")),  # due within the window
        (EIGHT_PM - SECOND, ("confirmed", "reserved")),
        (EIGHT_PM, ("seated", "occupied")),  # its time came
        (EIGHT_PM + 30 * MINUTE, ("seated", "occupied")),  # the window's last moment
        # too late to seat: a no-show, 30 minutes after its start by default
        (EIGHT_PM + 30 * MINUTE + SECOND, ("no_show", "available")),
    ],
)
def test_a_confirmed_party_is_seated_only_inside_its_window(in_mexico, now, expected):
    reservation = booked(EIGHT_PM)

    with time_machine.travel(now, tick=False):
        bookings_follow_clock()

    assert state(reservation) == expected


def test_a_seated_party_is_finished_after_the_stay_and_the_table_freed(in_mexico):
    reservation = booked(EIGHT_PM)
    with time_machine.travel(EIGHT_PM + 5 * MINUTE, tick=False):
        bookings_follow_clock()  # seated at 20:05
    seated_at = EIGHT_PM + 5 * MINUTE

    with time_machine.travel(seated_at + 180 * MINUTE - SECOND, tick=False):
        bookings_follow_clock()
    assert state(reservation) == ("seated", "occupied")

    with time_machine.travel(seated_at + 180 * MINUTE, tick=False):
        moved = bookings_follow_clock()
    assert state(reservation) == ("finished", "available")
    assert moved["finished"] == 1
    history = StatusChange.objects.filter(object_id=reservation.pk, to_status="finished")
    assert [change.actor_kind for change in history] == ["system"]


@pytest.mark.parametrize(("no_show_after", "expected"), [(None, "confirmed"), (45, "no_show")])
def test_a_party_that_never_came_is_a_no_show_only_if_the_policy_says_so(
    in_mexico, restaurant_a, no_show_after, expected
):
    open_every_day("12:00", "23:00", no_show_after_minutes=no_show_after)
    reservation = booked(EIGHT_PM)

    with time_machine.travel(EIGHT_PM + 44 * MINUTE, tick=False):
        bookings_follow_clock()
    assert state(reservation)[0] == "confirmed"
    with time_machine.travel(EIGHT_PM + 45 * MINUTE, tick=False):
        bookings_follow_clock()

    assert state(reservation)[0] == expected


def test_another_time_zone_is_seated_on_its_own_clock(restaurant_b):
    nine_pm_madrid = dt.datetime(2030, 3, 30, 21, 0, tzinfo=MADRID)  # the eve of the DST jump
    with tenant_context(restaurant_b):
        open_every_day("12:00", "23:30")
        reservation = booked(nine_pm_madrid)

        with time_machine.travel(nine_pm_madrid - SECOND, tick=False):
            bookings_follow_clock()
        before = state(reservation)
        with time_machine.travel(nine_pm_madrid, tick=False):
            bookings_follow_clock()

        assert before == ("confirmed", "reserved")
        assert state(reservation) == ("seated", "occupied")
    connection.set_schema_to_public()


def test_running_twice_moves_nothing_twice(in_mexico):
    reservations = [booked(EIGHT_PM, code=f"M0{index}") for index in range(1, 4)]

    with time_machine.travel(EIGHT_PM + MINUTE, tick=False):
        first = bookings_follow_clock()
        second = bookings_follow_clock()

    assert first["seated"] == 3 and not any(second.values())
    assert StatusChange.objects.filter(to_status="seated").count() == 3
    assert [state(reservation) for reservation in reservations] == [("seated", "occupied")] * 3


def test_one_run_moves_every_party_due_and_says_which_booking_moved_each_table(in_mexico):
    leaving = [booked(EIGHT_PM - 4 * 60 * MINUTE, code=f"M0{index}") for index in (1, 2)]
    with time_machine.travel(EIGHT_PM - 4 * 60 * MINUTE + MINUTE, tick=False):
        bookings_follow_clock()
    arriving = [booked(EIGHT_PM, code=f"M0{index}") for index in (3, 4)]
    soon = booked(EIGHT_PM + 20 * MINUTE, code="M05")

    with time_machine.travel(EIGHT_PM + 2 * MINUTE, tick=False):
        moved = bookings_follow_clock()

    assert moved == {"expired": 0, "reserved": 1, "seated": 2, "finished": 2, "no_show": 0}
    assert [state(reservation) for reservation in leaving] == [("finished", "available")] * 2
    assert [state(reservation) for reservation in arriving] == [("seated", "occupied")] * 2
    assert state(soon) == ("confirmed", "reserved")
    table_moves = StatusChange.objects.filter(
        created_at__gte=dt.datetime(2030, 3, 5, 20, 2, tzinfo=MEXICO),
        to_status__in=["available", "occupied", "reserved"],
    )
    assert sorted(
        (change.object_label, change.to_status, change.reason) for change in table_moves
    ) == [
        ("M01", "available", leaving[0].reference),
        ("M02", "available", leaving[1].reference),
        ("M03", "occupied", arriving[0].reference),
        ("M04", "occupied", arriving[1].reference),
        ("M05", "reserved", soon.reference),
    ]
    assert {change.actor_kind for change in table_moves} == {"system"}


def test_two_runs_at_once_seat_each_party_once(committed_restaurant):
    connection.set_tenant(committed_restaurant)
    open_every_day("12:00", "23:00")
    soon = dt.datetime.now(dt.UTC).replace(microsecond=0) - MINUTE
    reservations = [booked(soon, code=f"M0{index}") for index in range(1, 6)]

    results = run_at_once(committed_restaurant, 5, lambda index: bookings_follow_clock())

    assert [outcome for outcome, _moved in results] == ["ok"] * 5
    assert sum(moved["seated"] for _outcome, moved in results) == 5
    assert StatusChange.objects.filter(to_status="seated").count() == 5
    assert StatusChange.objects.filter(to_status="occupied").count() == 5
    assert {state(reservation) for reservation in reservations} == {("seated", "occupied")}


def test_a_minute_with_nothing_due_costs_the_restaurant_two_queries(
    in_mexico, django_assert_max_num_queries
):
    # A party at eight, its table not yet due at seven; one seated at six, not yet finished.
    arriving = booked(EIGHT_PM)
    seated = booked(EIGHT_PM - 2 * dt.timedelta(hours=1), status="seated", code="M02")
    Reservation.objects.filter(pk=seated.pk).update(seated_at=EIGHT_PM - 2 * dt.timedelta(hours=1))

    with django_assert_max_num_queries(2):
        moved = bookings_follow_clock(now=EIGHT_PM - dt.timedelta(hours=1))

    assert not any(moved.values())
    assert state(arriving) == ("confirmed", "available")
    # The same book a minute into the table's window: the clock moves it, as before.
    assert bookings_follow_clock(now=EIGHT_PM - 30 * MINUTE)["reserved"] == 1
    assert state(arriving) == ("confirmed", "reserved")
