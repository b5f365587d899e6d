"""Every endpoint of the API × every caller: no token, another restaurant's token, a
cashier's, a manager's. The endpoints come from the router, so a new one cannot be left out:
it fails here until the permission it asks is written below, the one the admin asks for the
same thing."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from api.urls import router
from restaurants import services
from restaurants.roles import CASHIER, ROLE_PERMISSIONS
from tests.conftest import MANAGER_A, MANAGER_B, PASSWORD, host_of
from tests.factories import api_key_for

# The permission (or permissions) each endpoint asks, by route name and method.
REQUIRED = {
    ("table-list", "get"): "reservations.view_table",
    ("table-list", "post"): "reservations.add_table",
    ("table-detail", "get"): "reservations.view_table",
    ("table-detail", "put"): "reservations.change_table",
    ("table-detail", "patch"): "reservations.change_table",
    ("table-detail", "delete"): "reservations.delete_table",
    ("reservation-list", "get"): "reservations.view_reservation",
    ("reservation-list", "post"): "reservations.add_reservation",
    ("reservation-detail", "get"): "reservations.view_reservation",
    ("reservation-cancel", "post"): "reservations.change_reservation",
    ("reservation-reschedule", "post"): "reservations.change_reservation",
    ("reservation-transition", "post"): "reservations.change_reservation",
    ("reservation-pre-orders", "get"): ("reservations.view_reservation", "menu.view_preorder"),
    ("reservation-pre-orders", "post"): ("reservations.view_reservation", "menu.add_preorder"),
    ("reservation-pre-order", "delete"): (
        "reservations.view_reservation",
        "menu.delete_preorder",
    ),
    ("availability-list", "get"): "reservations.view_reservation",
    ("availability-alternatives", "get"): "reservations.view_reservation",
    ("customer-list", "get"): "reservations.view_customer",
    ("customer-list", "post"): "reservations.add_customer",
    ("customer-detail", "get"): "reservations.view_customer",
    ("customer-detail", "put"): "reservations.change_customer",
    ("customer-detail", "patch"): "reservations.change_customer",
    ("customer-erase", "post"): "reservations.delete_customer",
    # As the admin's export action: whoever views customers may export one's data.
    ("customer-export", "get"): "reservations.view_customer",
    ("policy-list", "get"): "reservations.view_bookingpolicy",
    ("policy-list", "patch"): "reservations.change_bookingpolicy",
    ("opening-period-list", "get"): "reservations.view_openingperiod",
    ("opening-period-list", "post"): "reservations.add_openingperiod",
    ("opening-period-detail", "get"): "reservations.view_openingperiod",
    ("opening-period-detail", "put"): "reservations.change_openingperiod",
    ("opening-period-detail", "patch"): "reservations.change_openingperiod",
    ("opening-period-detail", "delete"): "reservations.delete_openingperiod",
    ("closed-date-list", "get"): "reservations.view_closeddate",
    ("closed-date-list", "post"): "reservations.add_closeddate",
    ("closed-date-detail", "get"): "reservations.view_closeddate",
    ("closed-date-detail", "put"): "reservations.change_closeddate",
    ("closed-date-detail", "patch"): "reservations.change_closeddate",
    ("closed-date-detail", "delete"): "reservations.delete_closeddate",
    ("category-list", "get"): "menu.view_category",
    ("category-list", "post"): "menu.add_category",
    ("category-detail", "get"): "menu.view_category",
    ("category-detail", "put"): "menu.change_category",
    ("category-detail", "patch"): "menu.change_category",
    ("dish-list", "get"): "menu.view_dish",
    ("dish-list", "post"): "menu.add_dish",
    ("dish-detail", "get"): "menu.view_dish",
    ("dish-detail", "put"): "menu.change_dish",
    ("dish-detail", "patch"): "menu.change_dish",
    ("alert-list", "get"): "analytics.view_alert",
    ("alert-detail", "get"): "analytics.view_alert",
    ("alert-acknowledge", "post"): "analytics.change_alert",
    ("alert-resolve", "post"): "analytics.change_alert",
    ("metrics-list", "get"): "analytics.view_metricssnapshot",
    ("metrics-detail", "get"): "analytics.view_metricssnapshot",
    ("forecast-list", "get"): "analytics.view_forecast",
    ("message-list", "get"): "notifications.view_message",
    ("message-detail", "get"): "notifications.view_message",
    ("note-list", "get"): "billing.view_consumptionnote",
    ("note-list", "post"): ("billing.add_consumptionnote", "reservations.view_reservation"),
    ("note-detail", "get"): "billing.view_consumptionnote",
    ("note-charge", "post"): "billing.change_consumptionnote",
    ("note-discount", "post"): "billing.change_consumptionnote",
    ("note-finalise", "post"): "billing.change_consumptionnote",
    ("note-void", "post"): "billing.change_consumptionnote",
    ("note-line-add", "post"): ("billing.change_consumptionnote", "billing.add_noteline"),
    ("note-line-remove", "delete"): ("billing.change_consumptionnote", "billing.delete_noteline"),
    ("cash-report-list", "get"): "billing.view_cash_report",
}
CASHIER_EMAIL = "caja@casa-azul.test"
NO_SUCH_ID = "987654321"


def endpoints() -> list[tuple[str, str, str]]:
    """(route name, method, path) of every operation the router serves."""
    found = []
    for pattern in router.urls:
        actions = getattr(pattern.callback, "actions", None)
        if not actions or "format" in str(pattern.pattern):
            continue
        path = str(pattern.pattern).lstrip("^").rstrip("$")
        while "(?P<" in path:
            start = path.index("(?P<")
            path = path[:start] + NO_SUCH_ID + path[path.index(")", start) + 1 :]
        for method in actions:
            found.append((pattern.name, method, f"/api/v1/{path}"))
    return found


ENDPOINTS = endpoints()


def test_every_endpoint_declares_the_permission_it_asks():
    assert {(name, method) for name, method, _path in ENDPOINTS} == set(REQUIRED)


def cashier_may(name: str, method: str) -> bool:
    required = REQUIRED[(name, method)]
    required = (required,) if isinstance(required, str) else required
    granted = set(ROLE_PERMISSIONS[CASHIER])
    return all(permission in granted for permission in required)


@pytest.fixture
def callers(restaurant_a, restaurant_b) -> dict[str, Client]:
    with tenant_context(restaurant_a):
        users = get_user_model().objects
        services.staff_user_ensure(email=CASHIER_EMAIL, password=PASSWORD, role=CASHIER)
        manager, cashier = (
            api_key_for(users.get(username=MANAGER_A)),
            api_key_for(users.get(username=CASHIER_EMAIL)),
        )
    with tenant_context(restaurant_b):
        stranger = api_key_for(get_user_model().objects.get(username=MANAGER_B))
    connection.set_schema_to_public()
    host = host_of(restaurant_a)

    def client(key: str | None) -> Client:
        extra = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
        return Client(HTTP_HOST=host, **extra)

    return {
        "nobody": client(None),
        "stranger": client(stranger),
        "cashier": client(cashier),
        "manager": client(manager),
    }


def call(client: Client, method: str, path: str):
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, {}, content_type="application/json")


@pytest.mark.parametrize(("name", "method", "path"), ENDPOINTS, ids=lambda value: str(value))
def test_each_caller_gets_what_the_admin_would_give_them(callers, name, method, path):
    nobody = call(callers["nobody"], method, path)
    stranger = call(callers["stranger"], method, path)
    cashier = call(callers["cashier"], method, path)
    manager = call(callers["manager"], method, path)

    assert nobody.status_code == 401 and nobody.json()["code"] == "not_authenticated"
    # Another restaurant's token is unknown here: nothing of this restaurant is told.
    assert stranger.status_code == 401 and stranger.json()["code"] == "authentication_failed"
    if cashier_may(name, method):
        assert cashier.status_code not in (401, 403, 500), cashier.content
    else:
        assert cashier.status_code == 403 and cashier.json()["code"] == "permission_denied"
    assert manager.status_code not in (401, 403), manager.content
    assert manager.status_code < 500
