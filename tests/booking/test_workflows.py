"""A booking's workflows across the apps: what a customer, a host and a cashier see follow
the booking when it is made, rescheduled, cancelled, expires or is paid."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django_tenants.utils import tenant_context

from billing.models import ConsumptionNote
from billing.selectors import cash_report
from billing.services import note_finalise, note_issue
from booking.services.bookings import (
    Contact,
    booking_create,
    booking_reschedule,
    booking_transition,
)
from booking.services.clock import bookings_follow_clock
from booking.services.notes import booking_note_charge
from booking.services.pre_orders import booking_pre_order_add
from menu.models import Dish
from notifications.models import Message
from reservations.models import Customer, Reservation, StatusChange, Table
from reservations.selectors import booking_policy_forget
from restaurants.roles import CASHIER
from restaurants.services import staff_user_ensure
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, DishFactory, TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
# Bookings are made on Monday 2 December 2030 for later that week.
MONDAY = dt.datetime(2030, 12, 2, 10, 0, tzinfo=MEXICO)
WEDNESDAY_NINE_PM = dt.datetime(2030, 12, 4, 21, 0, tzinfo=MEXICO)
THURSDAY_NINE_PM = dt.datetime(2030, 12, 5, 21, 0, tzinfo=MEXICO)


@pytest.fixture
def floor(restaurant_a):
    """Casa Azul open 12:00–23:30 every day, tables M01 (8.00) and M02, a dish in stock."""
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:30", max_days_ahead=365)
        first = TableFactory(code="M01", max_capacity=4)
        Table.objects.filter(pk=first.pk).update(reservation_price=Decimal("8.00"))
        TableFactory(code="M02", max_capacity=4)
        yield {"mole": DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=5)}
    connection.set_schema_to_public()


def web_booking(starts_at=WEDNESDAY_NINE_PM, *, contact=None, dishes=None, key="k1"):
    """A customer's own booking from the public page, made on Monday."""
    with time_machine.travel(MONDAY, tick=False):
        reservation, _created = booking_create(
            source="web",
            contact=contact or Contact(first_name="Lucía", phone="55 1234 5678"),
            starts_at=starts_at,
            party_size=2,
            dishes=dishes,
            submission_key=key,
        )
    return reservation


def test_a_rescheduled_booking_takes_its_draft_note_to_the_new_day(
    floor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reservation = web_booking()
    old_number = reservation.note.number
    assert old_number == "NC-20301204-000001"

    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(MONDAY):
        booking_reschedule(reservation=reservation, starts_at=THURSDAY_NINE_PM, party_size=2)

    note = ConsumptionNote.objects.get(reservation=reservation)
    assert (note.number, note.service_day) == ("NC-20301205-000001", dt.date(2030, 12, 5))
    # One live number: the old one is recorded as replaced, not left open on the 4th.
    assert not ConsumptionNote.objects.filter(number=old_number).exists()
    assert StatusChange.objects.filter(
        object_label=note.number, reason__contains=old_number
    ).exists()
    # The cash report of the 4th no longer counts it as open; the 5th's does.
    assert cash_report(day=dt.date(2030, 12, 4)).open_count == 0
    assert cash_report(day=dt.date(2030, 12, 5)).open_count == 1
    change = Message.objects.get(reservation=reservation, event="change")
    assert note.number in change.body and old_number not in change.body


def test_a_booking_moved_to_another_table_has_that_tables_price_on_its_note(floor):
    reservation = web_booking()
    other = Table.objects.get(code="M02")
    Table.objects.filter(pk=other.pk).update(reservation_price=Decimal("12.00"))
    other.refresh_from_db()

    with time_machine.travel(MONDAY):
        booking_reschedule(
            reservation=reservation, starts_at=WEDNESDAY_NINE_PM, party_size=2, table=other
        )

    note = ConsumptionNote.objects.get(reservation=reservation)
    assert [(line.description, line.amount) for line in note.lines.all()] == [
        ("M02", Decimal("12.00"))
    ]
    assert note.subtotal == Decimal("12.00")


def test_a_returning_customer_who_types_a_new_phone_is_written_to_at_that_phone(
    floor, django_capture_on_commit_callbacks
):
    known = CustomerFactory(first_name="Lucía", phone="+525511112222", email="lucia@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        reservation = web_booking(
            contact=Contact(first_name="Lucía", phone="55 3333 4444", email="lucia@example.com")
        )

    known.refresh_from_db()
    assert reservation.customer_id == known.pk
    assert known.phone == "+525533334444"
    assert "+525511112222" in known.notes and "+525533334444" in known.notes
    confirmation = Message.objects.get(reservation=reservation, event="confirmation")
    assert confirmation.recipient == "+525533334444"


def test_a_phone_of_one_customer_and_an_email_of_another_merge_nobody(floor):
    ana = CustomerFactory(first_name="Ana", phone="+525511112222", email="ana@example.com")
    bea = CustomerFactory(first_name="Bea", phone="+525599998888", email="bea@example.com")

    reservation = web_booking(
        contact=Contact(first_name="Ana", phone="55 1111 2222", email="bea@example.com")
    )

    assert reservation.customer_id == ana.pk
    ana.refresh_from_db()
    bea.refresh_from_db()
    assert (ana.phone, ana.email) == ("+525511112222", "ana@example.com")
    assert (bea.phone, bea.email) == ("+525599998888", "bea@example.com")
    assert Customer.objects.count() == 2


def test_cancelling_gives_the_dishes_back_voids_the_note_and_tells_the_customer(
    floor, django_capture_on_commit_callbacks
):
    mole = floor["mole"]
    reservation = web_booking(dishes={mole: 3})
    assert Dish.objects.get(pk=mole.pk).stock == 2

    with django_capture_on_commit_callbacks(execute=True):
        booking_transition(reservation=reservation, to="cancelled")

    assert Dish.objects.get(pk=mole.pk).stock == 5
    assert ConsumptionNote.objects.get(reservation=reservation).status == "voided"
    assert Message.objects.filter(reservation=reservation, event="cancellation").exists()


def test_a_pre_order_added_later_is_on_the_booking_note(floor):
    reservation = web_booking()

    booking_pre_order_add(reservation=reservation, dish=floor["mole"], quantity=2)

    note = ConsumptionNote.objects.get(reservation=reservation)
    assert note.subtotal == Decimal("8.00") + 2 * Decimal("18.50")


def test_a_pending_booking_nobody_confirmed_expires_at_its_start(
    floor, django_capture_on_commit_callbacks
):
    open_every_day("12:00", "23:30", max_days_ahead=365, auto_confirm=False)
    booking_policy_forget()
    reservation = web_booking(dishes={floor["mole"]: 1})
    assert reservation.status == "pending"

    with time_machine.travel(WEDNESDAY_NINE_PM - dt.timedelta(minutes=1), tick=False):
        assert bookings_follow_clock()["expired"] == 0
    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(WEDNESDAY_NINE_PM, tick=False),
    ):
        moved = bookings_follow_clock()

    reservation.refresh_from_db()
    assert (moved["expired"], reservation.status) == (1, "cancelled")
    assert StatusChange.objects.filter(
        object_label=reservation.reference, to_status="cancelled", reason="no confirmada a tiempo"
    ).exists()
    assert Dish.objects.get(pk=floor["mole"].pk).stock == 5
    assert Message.objects.filter(reservation=reservation, event="cancellation").exists()


def test_a_confirmed_party_that_never_came_is_a_no_show_half_an_hour_after_its_start(floor):
    reservation = web_booking()
    # Nobody ran the clock while they were due (a worker was down): the next run catches up.
    with time_machine.travel(WEDNESDAY_NINE_PM + dt.timedelta(minutes=31), tick=False):
        moved = bookings_follow_clock()

    reservation.refresh_from_db()
    assert (moved["no_show"], reservation.status) == (1, "no_show")
    assert reservation.table.status == "available"


@pytest.fixture
def cashier(floor):
    user, _created = staff_user_ensure(email="caja@casa-azul.test", password=PASSWORD, role=CASHIER)
    return user


def seated_with_a_final_note(by):
    reservation = web_booking()
    with time_machine.travel(WEDNESDAY_NINE_PM, tick=False):
        booking_transition(reservation=reservation, to="seated")
    note = note_finalise(note=ConsumptionNote.objects.get(reservation=reservation), by=by)
    return reservation, note


def test_paying_the_bill_finishes_the_party_and_frees_its_table_in_the_cashiers_name(cashier):
    reservation, note = seated_with_a_final_note(cashier)
    assert Table.objects.get(pk=reservation.table_id).status == "occupied"

    booking_note_charge(note=note, payments={"cash": note.total}, by=cashier)

    reservation.refresh_from_db()
    assert (reservation.status, reservation.table.status) == ("finished", "available")
    finished = StatusChange.objects.get(object_label=reservation.reference, to_status="finished")
    assert (finished.actor_kind, finished.user, note.number in finished.reason) == (
        "user",
        cashier,
        True,
    )


def test_a_restaurant_can_keep_the_table_occupied_after_the_bill(cashier):
    open_every_day("12:00", "23:30", max_days_ahead=365, finish_when_paid=False)
    booking_policy_forget()
    reservation, note = seated_with_a_final_note(cashier)

    booking_note_charge(note=note, payments={"card": note.total}, by=cashier)

    reservation.refresh_from_db()
    assert (reservation.status, reservation.table.status) == ("seated", "occupied")


def test_an_admin_booking_gets_no_note_until_the_cashier_issues_it(floor):
    reservation, created = booking_create(
        source="admin",
        customer=CustomerFactory(),
        starts_at=WEDNESDAY_NINE_PM,
        party_size=2,
        now=MONDAY,
    )

    assert created and not ConsumptionNote.objects.filter(reservation=reservation).exists()
    assert note_issue(reservation=reservation).number == "NC-20301204-000001"
    assert Reservation.objects.count() == 1
