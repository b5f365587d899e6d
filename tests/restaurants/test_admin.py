"""The operator opens restaurants from the platform admin; staff roles are exact."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from reservations.models import Table
from restaurants.models import Domain, Restaurant
from restaurants.roles import MANAGER
from tests.conftest import MANAGER_A, PASSWORD

OPERATOR = "operador@comensal.test"


@pytest.fixture
def operator_client(db) -> Client:
    with schema_context("public"):
        User.objects.create_superuser(OPERATOR, OPERATOR, PASSWORD)
    client = Client(HTTP_HOST="localhost")
    assert (
        client.post(
            "/admin/login/?next=/admin/", {"username": OPERATOR, "password": PASSWORD}
        ).status_code
        == 302
    )
    return client


NEW_RESTAURANT = {
    "name": "El Faro",
    "slug": "el-faro",
    "plan": "premium",
    "timezone": "Europe/Madrid",
    "currency": "eur",
    "language": "es",
    "manager_email": "marta@elfaro.test",
    "manager_password": "Pulpo-a-feira-33",
}


def test_operator_opens_a_restaurant_with_its_schema_host_and_manager(operator_client):
    response = operator_client.post("/admin/restaurants/restaurant/add/", NEW_RESTAURANT)

    assert response.status_code == 302, response.content.decode()[:2000]
    restaurant = Restaurant.objects.get(slug="el-faro")
    assert (restaurant.schema_name, restaurant.currency) == ("el_faro", "EUR")
    assert Domain.objects.get(tenant=restaurant).domain == "el-faro.localhost"
    manager_login = Client(HTTP_HOST="el-faro.localhost").post(
        "/admin/login/?next=/admin/",
        {"username": "marta@elfaro.test", "password": "Pulpo-a-feira-33"},
    )
    assert manager_login.status_code == 302


def test_operator_form_shows_the_slug_error_in_spanish_and_creates_nothing(operator_client):
    before = Restaurant.objects.count()

    response = operator_client.post(
        "/admin/restaurants/restaurant/add/", {**NEW_RESTAURANT, "slug": "casa-azul"}
    )

    assert response.status_code == 200
    assert "Ya existe un restaurante con el identificador «casa-azul»" in response.content.decode()
    assert Restaurant.objects.count() == before


def test_operator_admin_lists_restaurants_but_no_restaurant_data(operator_client):
    index = operator_client.get("/admin/").content.decode()

    assert "/admin/restaurants/restaurant/" in index
    assert "/admin/django_celery_beat/periodictask/" in index
    assert "/admin/reservations/" not in index


def test_restaurant_manager_cannot_use_the_platform_admin(db):
    client = Client(HTTP_HOST="localhost")

    response = client.post(
        "/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD}
    )

    assert response.status_code == 200  # no such user on the platform: the form again


def test_cashier_cannot_see_or_change_tables_or_users(cashier, restaurant_a):
    with tenant_context(restaurant_a):
        table = Table.objects.create(code="M01", max_capacity=2)
    connection.set_schema_to_public()

    assert cashier.get("/admin/").status_code == 200
    assert cashier.get("/admin/reservations/table/").status_code == 403
    assert cashier.get("/admin/reservations/table/add/").status_code == 403
    assert (
        cashier.post(f"/admin/reservations/table/{table.pk}/change/", {"code": "M99"}).status_code
        == 403
    )
    assert cashier.get("/admin/auth/user/").status_code == 403
    api = cashier.post("/api/v1/tables/", {"code": "M77", "max_capacity": 2})
    assert api.status_code == 403


def test_manager_role_holds_the_restaurant_permissions(restaurant_a):
    with tenant_context(restaurant_a):
        manager = User.objects.get(username=MANAGER_A)
        assert manager.groups.get().name == MANAGER
        assert manager.has_perms(
            ["reservations.add_table", "reservations.change_table", "auth.add_user"]
        )
        assert not manager.has_perm("auth.delete_group")
