"""Reservation lifecycle: only the SPEC's moves, each one recorded."""

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from reservations.models import (
    RESERVATION_TRANSITIONS,
    Reservation,
    ReservationStatus,
    StatusChange,
    TableStatus,
)
from reservations.services.bookings import reservation_create, reservation_transition
from tests.conftest import MANAGER_A
from tests.factories import CustomerFactory, TableFactory, open_every_day

NOW = dt.datetime(2030, 3, 4, 12, 0, tzinfo=dt.UTC)
ALLOWED = {
    ("pending", "confirmed"),
    ("pending", "cancelled"),
    ("confirmed", "seated"),
    ("confirmed", "cancelled"),
    ("confirmed", "no_show"),
    ("seated", "finished"),
}


def test_transition_table_is_exactly_the_spec():
    declared = {
        (origin, to) for origin, targets in RESERVATION_TRANSITIONS.items() for to in targets
    }
    assert declared == ALLOWED


@pytest.fixture
def book(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:00", auto_confirm=False)
        table = TableFactory(code="M01", max_capacity=4)
        customer = CustomerFactory()

        def make(status: str) -> Reservation:
            reservation = reservation_create(
                customer=customer,
                starts_at=NOW + dt.timedelta(days=1, hours=8),
                party_size=2,
                table=table,
                source="web",
                now=NOW,
            )
            # Reach the starting status directly: the test is about the next move.
            Reservation.objects.filter(pk=reservation.pk).update(status=status)
            reservation.refresh_from_db()
            return reservation

        yield make


@pytest.mark.parametrize(
    ("origin", "to"), list(itertools.product(ReservationStatus.values, ReservationStatus.values))
)
def test_every_move_of_the_lifecycle_is_allowed_or_refused(restaurant_a, book, origin, to):
    with tenant_context(restaurant_a):
        reservation = book(origin)
        manager = User.objects.get(username=MANAGER_A)
        history_before = StatusChange.objects.filter(object_id=reservation.pk).count()

        if (origin, to) in ALLOWED:
            reservation_transition(reservation=reservation, to=to, by=manager, reason="prueba")
            reservation.refresh_from_db()
            assert reservation.status == to
            change = StatusChange.objects.filter(
                object_id=reservation.pk, content_type__model="reservation"
            ).first()
            assert (change.from_status, change.to_status, change.actor_label, change.reason) == (
                origin,
                to,
                MANAGER_A,
                "prueba",
            )
        else:
            with pytest.raises(ValidationError, match="no puede pasar a"):
                reservation_transition(reservation=reservation, to=to, by=manager)
            reservation.refresh_from_db()
            assert reservation.status == origin
            assert StatusChange.objects.filter(object_id=reservation.pk).count() == history_before


def test_seating_occupies_the_table_and_finishing_frees_it(restaurant_a, book):
    with tenant_context(restaurant_a):
        reservation = book("confirmed")

        reservation_transition(reservation=reservation, to="seated")
        assert reservation.table.__class__.objects.get().status == TableStatus.OCCUPIED

        reservation_transition(reservation=reservation, to="finished")
        table = reservation.table.__class__.objects.get()
        assert table.status == TableStatus.AVAILABLE
        moves = list(
            StatusChange.objects.filter(content_type__model="table")
            .order_by("pk")
            .values_list("from_status", "to_status", "actor_kind")
        )
        assert moves == [("available", "occupied", "system"), ("occupied", "available", "system")]


def test_a_new_booking_is_recorded_as_made_by_the_customer(restaurant_a, book):
    with tenant_context(restaurant_a):
        reservation = book("pending")

        first = StatusChange.objects.get(
            object_id=reservation.pk, content_type__model="reservation"
        )
        assert (first.from_status, first.to_status, first.actor_kind) == ("", "pending", "customer")
