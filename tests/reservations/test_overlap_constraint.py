"""The database itself keeps one table from being booked twice at once: rows written with
plain SQL, past every service and form, are refused by ``reservation_no_overlap``."""

import datetime as dt
import itertools
import zoneinfo

import pytest
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import tenant_context

from tests.factories import CustomerFactory, TableFactory

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
EVENING = dt.datetime(2030, 3, 5, 20, 0, tzinfo=MEXICO)
HOUR = dt.timedelta(hours=1)
# Written out, not read from the code under test: a booking holds its table while it waits,
# once confirmed and while the party sits; never after.
HOLDING = ["pending", "confirmed", "seated"]
RELEASED = ["cancelled", "no_show", "finished"]
STATUSES = HOLDING + RELEASED
REFERENCES = itertools.count(1)


@pytest.fixture
def book(restaurant_a):
    """Write a booking of Casa Azul with plain SQL; ``book.tables`` are M01 and M02."""
    with tenant_context(restaurant_a):
        tables = [TableFactory(code="M01"), TableFactory(code="M02")]
        customer = CustomerFactory()

        def write(status: str, starts_at: dt.datetime, ends_at: dt.datetime, table=None) -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO reservations_reservation (reference, customer_id, table_id,"
                    " starts_at, ends_at, party_size, status, source, special_requests,"
                    " created_at, updated_at)"
                    " VALUES (%s, %s, %s, %s, %s, 2, %s, 'phone', '', now(), now())",
                    [
                        f"SQL{next(REFERENCES):06d}",
                        customer.pk,
                        (table or tables[0]).pk,
                        starts_at,
                        ends_at,
                        status,
                    ],
                )

        write.tables = tables
        yield write


def stored(table) -> list[tuple[str, dt.datetime]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, starts_at FROM reservations_reservation WHERE table_id = %s"
            " ORDER BY starts_at, id",
            [table.pk],
        )
        return [(status, starts_at.astimezone(MEXICO)) for status, starts_at in cursor.fetchall()]


@pytest.mark.parametrize(("first", "second"), list(itertools.product(HOLDING, HOLDING)))
def test_a_second_booking_holding_the_same_table_at_an_overlapping_time_is_refused(
    book, first, second
):
    book(first, EVENING, EVENING + 2 * HOUR)

    with pytest.raises(IntegrityError, match="reservation_no_overlap"), transaction.atomic():
        book(second, EVENING + HOUR, EVENING + 3 * HOUR)

    assert stored(book.tables[0]) == [(first, EVENING)]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (first, second)
        for first, second in itertools.product(STATUSES, STATUSES)
        if first in RELEASED or second in RELEASED
    ],
)
def test_a_cancelled_no_show_or_finished_booking_leaves_the_table_free(book, first, second):
    book(first, EVENING, EVENING + 2 * HOUR)
    book(second, EVENING + HOUR, EVENING + 3 * HOUR)

    assert stored(book.tables[0]) == [(first, EVENING), (second, EVENING + HOUR)]


@pytest.mark.parametrize(("first", "second"), list(itertools.product(HOLDING, HOLDING)))
def test_back_to_back_bookings_of_one_table_are_both_stored(book, first, second):
    book(first, EVENING, EVENING + 2 * HOUR)
    book(second, EVENING + 2 * HOUR, EVENING + 4 * HOUR)
    book(first, EVENING - 2 * HOUR, EVENING)

    assert stored(book.tables[0]) == [
        (first, EVENING - 2 * HOUR),
        (first, EVENING),
        (second, EVENING + 2 * HOUR),
    ]


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        pytest.param(EVENING, EVENING + 2 * HOUR, id="the-same-time"),
        pytest.param(EVENING + HOUR / 2, EVENING + HOUR, id="inside-it"),
        pytest.param(EVENING - HOUR, EVENING + 3 * HOUR, id="around-it"),
        pytest.param(EVENING - HOUR, EVENING + dt.timedelta(minutes=1), id="into-its-first-minute"),
        pytest.param(
            EVENING + 2 * HOUR - dt.timedelta(minutes=1),
            EVENING + 3 * HOUR,
            id="from-its-last-minute",
        ),
    ],
)
def test_any_overlap_with_a_booking_of_the_table_is_refused(book, starts, ends):
    book("confirmed", EVENING, EVENING + 2 * HOUR)

    with pytest.raises(IntegrityError, match="reservation_no_overlap"), transaction.atomic():
        book("confirmed", starts, ends)

    assert stored(book.tables[0]) == [("confirmed", EVENING)]


@pytest.mark.parametrize(("first", "second"), list(itertools.product(HOLDING, HOLDING)))
def test_two_tables_are_booked_at_the_same_time_independently(book, first, second):
    first_table, second_table = book.tables
    book(first, EVENING, EVENING + 2 * HOUR, table=first_table)
    book(second, EVENING, EVENING + 2 * HOUR, table=second_table)

    assert stored(first_table) == [(first, EVENING)]
    assert stored(second_table) == [(second, EVENING)]


@pytest.mark.parametrize("revived", HOLDING)
def test_a_cancelled_booking_cannot_come_back_once_its_table_is_taken(book, revived):
    book("cancelled", EVENING, EVENING + 2 * HOUR)
    book("confirmed", EVENING + HOUR, EVENING + 3 * HOUR)

    with (
        pytest.raises(IntegrityError, match="reservation_no_overlap"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE reservations_reservation SET status = %s WHERE status = 'cancelled'",
            [revived],
        )

    assert stored(book.tables[0]) == [("cancelled", EVENING), ("confirmed", EVENING + HOUR)]
