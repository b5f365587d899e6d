"""A restaurant floor with a table priced 8.00 and a menu, inside Casa Azul's schema."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import tenant_context

from billing.services import note_issue
from booking.services.pre_orders import booking_pre_order_add
from reservations.models import Table
from restaurants.roles import CASHIER
from restaurants.services import staff_user_ensure
from tests import factories
from tests.conftest import MANAGER_A, PASSWORD
from tests.factories import CustomerFactory, DishFactory, TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
NOW = dt.datetime(2030, 3, 4, 10, 0, tzinfo=MEXICO)
EVENING = dt.datetime(2030, 3, 5, 20, 0, tzinfo=MEXICO)
CASHIER_EMAIL = "caja@casa-azul.test"


def table_priced(code: str, price: str, max_capacity: int = 4) -> Table:
    table = TableFactory(code=code, max_capacity=max_capacity)
    Table.objects.filter(pk=table.pk).update(reservation_price=Decimal(price))
    table.refresh_from_db()
    return table


@pytest.fixture
def salon(restaurant_a):
    """Casa Azul, open 12:00–01:00 every day, with table M01 at 8.00 and three dishes."""
    with tenant_context(restaurant_a):
        open_every_day("12:00", "01:00", max_days_ahead=365)
        yield {
            "table": table_priced("M01", "8.00"),
            "mole": DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=20),
            "chiles": DishFactory(name="Chiles en nogada", price=Decimal("19.00"), stock=20),
            "beer": DishFactory(name="Cerveza", price=Decimal("4.25"), stock=100),
        }
    connection.set_schema_to_public()


def book(*, table=None, starts_at=EVENING, dishes=(), party_size=2):
    """A reservation (made at NOW) with ``dishes`` pre-ordered once each."""
    reservation = factories.book(
        customer=CustomerFactory(),
        starts_at=starts_at,
        party_size=party_size,
        table=table,
        now=NOW,
    )
    for dish in dishes:
        booking_pre_order_add(reservation=reservation, dish=dish, quantity=1)
    return reservation


@pytest.fixture
def manager_user(salon):
    return get_user_model().objects.get(username=MANAGER_A)


@pytest.fixture
def cashier_user(salon):
    user, _created = staff_user_ensure(email=CASHIER_EMAIL, password=PASSWORD, role=CASHIER)
    return user


@pytest.fixture
def seed_note(salon, cashier_user):
    """The SPEC's example: mole 18.50 + chiles 19.00 pre-ordered, table 8.00."""
    reservation = book(table=salon["table"], dishes=[salon["mole"], salon["chiles"]])
    return note_issue(reservation=reservation, by=cashier_user)
