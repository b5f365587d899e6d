"""Casa Azul's public pages: a client on its host and a small floor to book on."""

from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from reservations.models import Table
from tests.conftest import host_of
from tests.factories import DishFactory, TableFactory, open_every_day


@pytest.fixture
def floor(restaurant_a):
    """Open 13:00–23:30 every day, bookable 60 days ahead; table M01 (8.00) and a dish."""
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:30", max_days_ahead=60)
        table = TableFactory(code="M01", max_capacity=4)
        Table.objects.filter(pk=table.pk).update(reservation_price=Decimal("8.00"))
        mole = DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=5)
        yield {"table": table, "mole": mole}


@pytest.fixture
def web(restaurant_a) -> Client:
    return Client(HTTP_HOST=host_of(restaurant_a))
