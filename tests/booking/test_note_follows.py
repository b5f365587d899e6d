"""A web booking's note follows what happens to the booking later: dishes pre-ordered after
it was made, its cancellation; a finalised note's dishes no longer change."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from billing.services import note_finalise
from booking.services.bookings import booking_transition
from booking.services.pre_orders import booking_pre_order_add
from reservations.models import Table
from reservations.services.tables import table_save
from tests.factories import DishFactory, open_every_day
from tests.notifications.test_messages import web_booking


@pytest.fixture
def booked(restaurant_a):
    """A web booking of 2 × tacos at 45.00 on a 6.00 table at Casa Azul (16 % tax)."""
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:00", tax_rate=Decimal("16.00"))
        table_save(table=Table(code="T07", area="terrace", min_capacity=2, max_capacity=4))
        tacos = DishFactory(name="Tacos al pastor", price=Decimal("45.00"), stock=10)
        yield web_booking(party_size=3, dishes={tacos: 2})
    connection.set_schema_to_public()


def test_the_booking_notes_draft_follows_later_pre_orders_and_its_cancellation(booked):
    note = booked.note
    flan = DishFactory(name="Flan", price=Decimal("20.00"), stock=5)

    booking_pre_order_add(reservation=booked, dish=flan, quantity=1)
    note.refresh_from_db()
    # 2 × 45.00 + 20.00 + table 6.00 = 116.00; 16 % = 18.56; total 134.56
    assert (note.subtotal, note.tax, note.total) == (
        Decimal("116.00"),
        Decimal("18.56"),
        Decimal("134.56"),
    )

    booking_transition(reservation=booked, to="cancelled")
    note.refresh_from_db()
    assert (note.status, note.void_reason) == ("voided", "Reserva cancelada")


def test_a_finalised_notes_pre_orders_cannot_change(booked):
    note_finalise(note=booked.note)

    with pytest.raises(ValidationError, match="ya no pueden cambiar"):
        booking_pre_order_add(reservation=booked, dish=DishFactory(), quantity=1)
