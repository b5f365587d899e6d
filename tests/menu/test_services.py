"""Pre-orders: unit price frozen, stock taken and given back, refusals in Spanish."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from menu.models import Dish
from menu.services import pre_order_add
from reservations.services.bookings import reservation_create
from tests.factories import CustomerFactory, DishFactory, TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
NOW = dt.datetime(2030, 3, 4, 10, tzinfo=MEXICO)


@pytest.fixture
def reservation(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:00")
        TableFactory(max_capacity=4)
        yield reservation_create(
            customer=CustomerFactory(),
            starts_at=dt.datetime(2030, 3, 5, 20, tzinfo=MEXICO),
            party_size=2,
            now=NOW,
        )


def test_pre_order_freezes_the_price_and_takes_stock(restaurant_a, reservation):
    with tenant_context(restaurant_a):
        dish = DishFactory(price=Decimal("18.50"), stock=4)

        pre_order = pre_order_add(
            reservation=reservation, dish=dish, quantity=3, remarks=" sin sal "
        )
        Dish.objects.filter(pk=dish.pk).update(price=Decimal("25.00"))

        pre_order.refresh_from_db()
        assert (pre_order.unit_price, pre_order.subtotal, pre_order.remarks) == (
            Decimal("18.50"),
            Decimal("55.50"),
            "sin sal",
        )
        assert Dish.objects.get(pk=dish.pk).stock == 1


@pytest.mark.parametrize(
    ("dish_fields", "quantity", "message"),
    [
        ({"stock": 2}, 3, "Solo quedan 2"),
        ({"stock": 0}, 1, "está agotado"),
        ({"is_active": False}, 1, "no está en la carta"),
        ({"stock": 5}, 0, "al menos 1"),
    ],
)
def test_pre_order_refusals_save_nothing(restaurant_a, reservation, dish_fields, quantity, message):
    with tenant_context(restaurant_a):
        dish = DishFactory(**dish_fields)

        with pytest.raises(ValidationError, match=message):
            pre_order_add(reservation=reservation, dish=dish, quantity=quantity)

        assert not reservation.pre_orders.exists()
        assert Dish.objects.get(pk=dish.pk).stock == dish_fields.get("stock", 10)


def test_deleting_a_reservation_deletes_its_pre_orders(restaurant_a, reservation):
    with tenant_context(restaurant_a):
        pre_order_add(reservation=reservation, dish=DishFactory(), quantity=1)

        reservation.delete()

        from menu.models import PreOrder

        assert not PreOrder.objects.exists()
