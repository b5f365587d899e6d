"""Tables: priced from their capacity by the restaurant's brackets, validated, audited."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from reservations.models import StatusChange, Table, TablePriceBracket
from reservations.selectors import booking_policy_forget
from reservations.services.tables import table_price_for_capacity, table_save, table_set_status
from tests.conftest import MANAGER_A, PASSWORD

# The admin's table form carries the (read-only) history inline's management form.
HISTORY_INLINE = {
    "reservations-statuschange-content_type-object_id-TOTAL_FORMS": "0",
    "reservations-statuschange-content_type-object_id-INITIAL_FORMS": "0",
}


@pytest.mark.parametrize(
    ("max_capacity", "price"),
    [
        (1, "5.00"),
        (2, "5.00"),
        (3, "6.00"),
        (4, "6.00"),
        (5, "8.00"),
        (6, "8.00"),
        (7, "10.00"),
        (10, "10.00"),
        (11, "15.00"),
        (40, "15.00"),
    ],
)
def test_table_price_follows_the_default_brackets_at_every_boundary(
    restaurant_a, max_capacity, price
):
    with tenant_context(restaurant_a):
        assert table_price_for_capacity(max_capacity) == Decimal(price)


def test_restaurant_brackets_are_editable_and_reprice_new_tables(restaurant_a):
    with tenant_context(restaurant_a):
        TablePriceBracket.objects.filter(up_to_capacity=2).update(price=Decimal("7.50"))
        booking_policy_forget()
        try:
            assert table_save(table=Table(code="M01", max_capacity=2)).reservation_price == Decimal(
                "7.50"
            )
        finally:
            booking_policy_forget()


def test_table_price_is_recomputed_when_capacity_changes(restaurant_a):
    with tenant_context(restaurant_a):
        table = table_save(table=Table(code="T01", min_capacity=2, max_capacity=4))
        assert table.reservation_price == Decimal("6.00")

        table.max_capacity = 8
        table_save(table=table)

        table.refresh_from_db()
        assert table.reservation_price == Decimal("10.00")


def test_table_with_max_below_min_is_refused_and_not_saved(restaurant_a):
    with tenant_context(restaurant_a):
        with pytest.raises(ValidationError, match="no puede ser menor que la mínima"):
            table_save(table=Table(code="T02", min_capacity=6, max_capacity=2))
        assert not Table.objects.filter(code="T02").exists()


def test_table_status_change_is_recorded_with_who_and_why(restaurant_a):
    with tenant_context(restaurant_a):
        from django.contrib.auth.models import User

        manager = User.objects.get(username=MANAGER_A)
        table = table_save(table=Table(code="T03", max_capacity=4))

        table_set_status(table=table, to="maintenance", by=manager, reason="pata rota")

        change = StatusChange.objects.get(object_id=table.pk, content_type__model="table")
        assert (change.from_status, change.to_status, change.actor_label, change.reason) == (
            "available",
            "maintenance",
            MANAGER_A,
            "pata rota",
        )


def test_manager_creates_a_table_through_the_api_and_gets_its_price(client_a, restaurant_a):
    client_a.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})

    response = client_a.post(
        "/api/v1/tables/", {"code": "V01", "min_capacity": 4, "max_capacity": 8, "area": "vip"}
    )

    assert response.status_code == 201, response.content
    assert response.json()["reservation_price"] == "10.00"
    bad = client_a.post("/api/v1/tables/", {"code": "V02", "min_capacity": 9, "max_capacity": 2})
    assert bad.status_code == 400
    # The table's own rule, no one field's: the refusal is the message.
    assert bad.json() == {
        "code": "invalid",
        "message": "La capacidad máxima no puede ser menor que la mínima.",
        "fields": {},
    }
    connection.set_schema_to_public()
    with tenant_context(restaurant_a):
        assert list(Table.objects.values_list("code", flat=True)) == ["V01"]


def test_manager_creates_a_table_in_admin_and_gets_its_price(client_a, restaurant_a):
    client_a.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})

    response = client_a.post(
        "/admin/reservations/table/add/",
        {
            "code": "B01",
            "min_capacity": 1,
            "max_capacity": 2,
            "area": "bar",
            "status": "available",
            **HISTORY_INLINE,
        },
    )

    assert response.status_code == 302
    with tenant_context(restaurant_a):
        assert Table.objects.get(code="B01").reservation_price == Decimal("5.00")
