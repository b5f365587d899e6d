"""Bursts of simultaneous bookings on real connections: the database keeps the book whole."""

import datetime as dt
import time
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from menu.models import Dish, PreOrder
from menu.services import pre_order_add
from reservations.models import Reservation
from reservations.services.bookings import reservation_create, reservation_transition
from tests.factories import CustomerFactory, DishFactory, TableFactory, open_every_day
from tests.threads import run_at_once

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
NOW = dt.datetime(2030, 3, 4, 10, 0, tzinfo=MEXICO)
EVENING = dt.datetime(2030, 3, 5, 20, 0, tzinfo=MEXICO)


@pytest.fixture
def floor(committed_restaurant):
    connection.set_tenant(committed_restaurant)
    open_every_day("12:00", "23:30", duration_minutes=120)
    table = TableFactory(code="M01", max_capacity=4)
    customers = [CustomerFactory() for _ in range(50)]
    return committed_restaurant, table, customers


@pytest.mark.parametrize(
    ("auto_confirm", "source", "held_as"),
    [
        pytest.param(True, "admin", "confirmed", id="confirmed"),
        pytest.param(False, "web", "pending", id="online-awaiting-confirmation"),
    ],
)
def test_fifty_simultaneous_bookings_of_one_table_and_slot_give_exactly_one(
    floor, auto_confirm, source, held_as
):
    restaurant, table, customers = floor
    connection.set_tenant(restaurant)
    open_every_day("12:00", "23:30", duration_minutes=120, auto_confirm=auto_confirm)

    results = run_at_once(
        restaurant,
        50,
        lambda index: (
            reservation_create(
                customer=customers[index],
                starts_at=EVENING,
                party_size=2,
                table=table,
                source=source,
                now=NOW,
            ).status
        ),
    )

    outcomes = [outcome for outcome, _ in results]
    assert outcomes.count("ok") == 1, results
    assert [value for outcome, value in results if outcome == "ok"] == [held_as]
    assert outcomes.count("refused") == 49
    assert all("M01" in message for outcome, message in results if outcome == "refused")
    connection.set_tenant(restaurant)
    assert list(Reservation.objects.values_list("status", flat=True)) == [held_as]


def test_fifty_simultaneous_bookings_of_a_table_whose_party_is_seated_are_all_refused(floor):
    restaurant, table, customers = floor
    connection.set_tenant(restaurant)
    lunch = EVENING.replace(hour=13)
    seated = reservation_create(
        customer=customers[0], starts_at=lunch, party_size=2, table=table, now=NOW
    )
    reservation_transition(reservation=seated, to="seated")

    # The party sits 13:00-15:00; everyone wants the same table at 14:00.
    results = run_at_once(
        restaurant,
        49,
        lambda index: (
            reservation_create(
                customer=customers[index + 1],
                starts_at=lunch + dt.timedelta(hours=1),
                party_size=2,
                table=table,
                now=NOW,
            ).pk
        ),
    )

    assert [outcome for outcome, _ in results] == ["refused"] * 49, results
    assert all("M01" in message for _outcome, message in results)
    connection.set_tenant(restaurant)
    assert list(Reservation.objects.values_list("pk", "status")) == [(seated.pk, "seated")]


def test_fifty_simultaneous_overlapping_bookings_of_unequal_lengths_give_exactly_one(floor):
    restaurant, table, customers = floor
    connection.set_tenant(restaurant)

    def book(index: int):
        # Starts spread over 19:00–20:38 and lengths of 1–3 h: every pair overlaps 20:38–21:00.
        starts_at = EVENING - dt.timedelta(hours=1) + dt.timedelta(minutes=2 * index)
        reservation = Reservation(
            customer=customers[index],
            table=table,
            starts_at=starts_at,
            ends_at=max(
                starts_at + dt.timedelta(hours=1 + index % 3), EVENING + dt.timedelta(minutes=61)
            ),
            party_size=2,
            status="confirmed",
        )
        from django.db import IntegrityError

        try:
            reservation.save()
        except IntegrityError as error:
            raise ValidationError(str(error).splitlines()[0]) from None
        return reservation.pk

    results = run_at_once(restaurant, 50, book)

    outcomes = [outcome for outcome, _ in results]
    assert outcomes.count("ok") == 1, results
    assert outcomes.count("refused") == 49
    connection.set_tenant(restaurant)
    assert Reservation.objects.count() == 1


def test_simultaneous_bookings_without_a_chosen_table_spread_over_the_free_tables(floor):
    restaurant, _first_table, customers = floor
    connection.set_tenant(restaurant)
    TableFactory(code="M02", max_capacity=4)
    TableFactory(code="M03", max_capacity=4)

    results = run_at_once(
        restaurant,
        10,
        lambda index: (
            reservation_create(
                customer=customers[index], starts_at=EVENING, party_size=2, now=NOW
            ).table.code
        ),
    )

    booked = sorted(value for outcome, value in results if outcome == "ok")
    assert booked == ["M01", "M02", "M03"], results
    assert [outcome for outcome, _ in results].count("refused") == 7


def test_a_rush_on_one_popular_time_books_every_free_table_none_waits_for_another(floor):
    """Eight customers book 20:00 at once, each in a booking that goes on after its table
    is taken (the note, the pre-order): each gets a table of its own, none is refused while
    tables are free (before: all chose the best table, queued on it and gave up after three
    tries)."""
    restaurant, _first_table, customers = floor
    connection.set_tenant(restaurant)
    for number in range(2, 9):
        TableFactory(code=f"M{number:02d}", max_capacity=4)

    def book(index: int) -> str:
        with transaction.atomic():
            reservation = reservation_create(
                customer=customers[index], starts_at=EVENING, party_size=2, now=NOW
            )
            # The rest of a web booking's transaction: its table stays taken meanwhile.
            time.sleep(0.3)
        return reservation.table.code

    results = run_at_once(restaurant, 8, book)

    assert sorted(value for _outcome, value in results) == [f"M{n:02d}" for n in range(1, 9)]
    assert {outcome for outcome, _ in results} == {"ok"}


def test_twenty_simultaneous_pre_orders_of_the_last_five_units_sell_exactly_five(floor):
    restaurant, table, customers = floor
    connection.set_tenant(restaurant)
    dish = DishFactory(name="Tarta de queso", price=Decimal("6.50"), stock=5)
    reservations = [
        reservation_create(
            customer=customers[index],
            starts_at=EVENING + dt.timedelta(days=index),
            party_size=2,
            table=table,
            now=NOW,
        )
        for index in range(20)
    ]

    results = run_at_once(
        restaurant,
        20,
        lambda index: pre_order_add(reservation=reservations[index], dish=dish, quantity=1).pk,
    )

    outcomes = [outcome for outcome, _ in results]
    assert outcomes.count("ok") == 5, results
    assert outcomes.count("refused") == 15
    connection.set_tenant(restaurant)
    assert Dish.objects.get(pk=dish.pk).stock == 0
    assert PreOrder.objects.count() == 5
