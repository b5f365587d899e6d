"""The demo's past: two months of service before today, booked on the days the restaurant
opened and not on the ones it closed, with the week's rhythm, its no-shows and cancellations,
every party's history told in order and paid, and the daily roll-ups that add it up.

Seeded once for the module, committed in the restaurant kept for committed tests (emptied
afterwards): a history takes seconds, the tests only read it.
"""

import datetime as dt
import itertools
import statistics
import zoneinfo
from collections import defaultdict
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Min, Sum
from django_tenants.utils import tenant_context

from analytics.history_synth import demo_profile, synth_history
from analytics.models import DailyRollup
from billing.models import ConsumptionNote, NoteStatus
from booking.demo import seed_restaurant
from reservations.models import (
    ClosedDate,
    Customer,
    Reservation,
    ReservationStatus,
    StatusChange,
)
from reservations.services.customers import phone_normalise
from tests.conftest import _emptied_afterwards, _restaurant

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
# A Thursday in January: the two months before it hold Christmas and New Year's Day, which
# the demo closes, as it closes every Monday.
NOW = dt.datetime(2030, 1, 10, 12, 20, tzinfo=MEXICO)
TODAY = NOW.date()
DAYS = 60
FIRST = TODAY - dt.timedelta(days=DAYS)
CAME = (ReservationStatus.SEATED, ReservationStatus.FINISHED)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo seeded with DAYS days of history before TODAY, and what the seeding said."""
    with (
        django_db_blocker.unblock(),
        _emptied_afterwards(_restaurant("carrera")) as restaurant,
        tenant_context(restaurant),
        time_machine.travel(NOW, tick=False),
    ):
        added = seed_restaurant(today=TODAY, history_days=DAYS)
        yield restaurant, added
    connection.set_schema_to_public()


@pytest.fixture
def history(demo, django_db_blocker):
    restaurant, added = demo
    with django_db_blocker.unblock(), tenant_context(restaurant):
        yield added
    connection.set_schema_to_public()


def past():
    return Reservation.objects.filter(
        starts_at__lt=dt.datetime.combine(TODAY, dt.time(), tzinfo=MEXICO)
    )


def service_day(reservation) -> dt.date:
    return reservation.starts_at.astimezone(MEXICO).date()  # no service starts after midnight


def changes_of(model) -> dict[int, list[StatusChange]]:
    changes = defaultdict(list)
    for change in StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(model)
    ).order_by("created_at", "pk"):
        changes[change.object_id].append(change)
    return changes


def test_the_history_books_the_open_days_and_none_of_the_closed_ones(history):
    booked = {service_day(reservation) for reservation in past()}
    profile = synth_history(demo_profile(end=TODAY - dt.timedelta(days=1)), seed=7, days=DAYS)

    assert history["history"] == past().count() > 500
    assert min(booked) == FIRST and max(booked) == TODAY - dt.timedelta(days=1)
    assert booked == set(profile.daily)  # every open day, no other
    assert not any(day.weekday() == 0 for day in booked)  # closed on Mondays
    assert {dt.date(2029, 12, 25), dt.date(2030, 1, 1)} <= profile.closed - booked
    closed = dict(ClosedDate.objects.values_list("date", "reason"))
    assert closed[dt.date(2029, 12, 25)] == "Navidad"
    assert closed[dt.date(2030, 1, 1)] == "Año Nuevo"


def test_the_guests_are_a_few_hundred_customers_who_come_back(history):
    customers = list(Customer.objects.all())
    visits = defaultdict(int)
    for customer_id in past().filter(status__in=CAME).values_list("customer_id", flat=True):
        visits[customer_id] += 1

    assert len(customers) == 400
    assert all(
        phone_normalise(customer.phone, region="MX") == customer.phone for customer in customers
    )
    assert len({customer.phone for customer in customers}) == len(customers)
    assert sum(count >= 3 for count in visits.values()) > 50  # regulars
    first_visits = sorted(
        past().filter(status__in=CAME).values("customer_id").annotate(first=Min("starts_at")),
        key=lambda row: row["first"],
    )
    assert first_visits[-1]["first"].date() > FIRST + dt.timedelta(days=DAYS // 2)  # new ones


def test_fridays_and_saturdays_are_busier_than_tuesdays_and_wednesdays(history):
    covers = defaultdict(list)
    for rollup in DailyRollup.objects.filter(day__lt=TODAY, covers_seated__gt=0):
        covers[rollup.day.weekday()].append(rollup.covers_seated)

    weekend = statistics.mean(covers[4] + covers[5])
    early_week = statistics.mean(covers[1] + covers[2])
    assert weekend > 1.3 * early_week


def test_no_shows_and_cancellations_come_at_their_usual_rates(history):
    statuses = list(past().values_list("status", flat=True))

    assert 0.04 <= statuses.count(ReservationStatus.NO_SHOW) / len(statuses) <= 0.09
    assert 0.05 <= statuses.count(ReservationStatus.CANCELLED) / len(statuses) <= 0.11
    assert set(statuses) == {
        ReservationStatus.FINISHED,
        ReservationStatus.NO_SHOW,
        ReservationStatus.CANCELLED,
    }


def test_each_party_that_came_was_booked_confirmed_seated_and_finished_in_that_order(history):
    changes = changes_of(Reservation)
    finished = list(past().filter(status=ReservationStatus.FINISHED))

    for reservation in finished:
        moves = changes[reservation.pk]
        assert [(m.from_status, m.to_status) for m in moves] == [
            ("", "confirmed"),
            ("confirmed", "seated"),
            ("seated", "finished"),
        ], reservation.reference
        booked, seated, left = (move.created_at for move in moves)
        assert booked == reservation.created_at < reservation.starts_at
        assert booked < seated == reservation.seated_at < left <= reservation.ends_at
        assert left < NOW and reservation.updated_at == left
    lead_hours = [(r.starts_at - r.created_at) / dt.timedelta(hours=1) for r in finished]
    assert min(lead_hours) >= 0.3 and statistics.median(lead_hours) > 12
    assert max(lead_hours) > 14 * 24  # some book weeks ahead


def test_the_parties_that_did_not_come_have_their_history_too(history):
    changes = changes_of(Reservation)

    for reservation in past().exclude(status=ReservationStatus.FINISHED):
        moves = changes[reservation.pk]
        assert [(m.from_status, m.to_status) for m in moves] == [
            ("", "confirmed"),
            ("confirmed", reservation.status),
        ]
        assert moves[0].created_at == reservation.created_at < moves[1].created_at
        if reservation.status == ReservationStatus.CANCELLED:
            assert moves[1].created_at < reservation.starts_at
        else:
            assert moves[1].created_at == reservation.starts_at + dt.timedelta(minutes=30)
        assert reservation.seated_at is None


def test_no_two_parties_that_held_a_table_overlap_on_it(history):
    held = defaultdict(list)
    for reservation in past().exclude(status=ReservationStatus.CANCELLED):
        held[reservation.table_id].append((reservation.starts_at, reservation.ends_at))

    for spans in held.values():
        spans.sort()
        assert all(end <= start for (_s, end), (start, _e) in itertools.pairwise(spans))


def test_most_parties_paid_a_note_whose_total_is_its_lines_when_they_left(history):
    finished = past().filter(status=ReservationStatus.FINISHED)
    paid = ConsumptionNote.objects.filter(
        status=NoteStatus.PAID, reservation__in=finished
    ).prefetch_related("lines", "payments")
    finishes = {changes[-1].object_id: changes[-1] for changes in changes_of(Reservation).values()}

    assert paid.count() >= 0.85 * finished.count()
    for note in paid:
        lines = list(note.lines.all())
        assert lines and note.subtotal == sum(line.amount for line in lines), note.number
        assert all(line.amount == line.quantity * line.unit_price for line in lines)
        assert note.total == note.subtotal + note.tax - note.discount > 0
        assert sum(payment.amount for payment in note.payments.all()) == note.total
        finish = finishes[note.reservation_id]
        assert note.created_at < note.finalised_at < note.paid_at == finish.created_at
        assert note.number in finish.reason  # "bill … paid", the cashier's charge
        assert note.service_day == service_day(note.reservation)
    numbers = list(paid.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)


def test_the_roll_ups_cover_every_day_and_add_up_the_book(history):
    rollups = {rollup.day: rollup for rollup in DailyRollup.objects.filter(day__gte=FIRST)}
    seated, revenue = defaultdict(int), defaultdict(Decimal)
    for reservation in past().filter(status__in=CAME):
        seated[service_day(reservation)] += reservation.party_size
    for day, total in (
        ConsumptionNote.objects.filter(status=NoteStatus.PAID)
        .values_list("service_day")
        .annotate(total=Sum("total"))
    ):
        revenue[day] = total

    assert set(rollups) == {FIRST + dt.timedelta(days=offset) for offset in range(DAYS + 1)}
    for day, rollup in rollups.items():
        if day == TODAY:
            continue
        assert rollup.covers_seated == seated[day], day
        assert rollup.revenue == revenue[day], day
        if seated[day]:
            assert rollup.turn_minutes and 35 <= rollup.turn_minutes <= 120, day
    turns = defaultdict(list)
    for rollup in rollups.values():
        for size, turn in rollup.turn_by_party_size.items():
            turns[int(size)] += [turn["minutes"]] * turn["parties"]
    # A larger party keeps its table longer.
    assert statistics.mean(turns[2]) < statistics.mean(turns[4]) < statistics.mean(turns[6])
    assert sum(seated.values()) > 0.95 * sum(
        synth_history(
            demo_profile(end=TODAY - dt.timedelta(days=1)), seed=7, days=DAYS
        ).daily.values()
    )  # the profile's covers, but for a party the full floor turned away


def test_seeding_again_adds_nothing(history):
    counted = (Customer, Reservation, StatusChange, ConsumptionNote, DailyRollup, ClosedDate)
    before = {model: model.objects.count() for model in counted}

    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        again = seed_restaurant(today=TODAY, history_days=DAYS)

    assert again["history"] == again["reservations"] == again["notes"] == 0
    assert {model: model.objects.count() for model in counted} == before
