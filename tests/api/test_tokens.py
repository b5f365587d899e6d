"""The API's tokens: issued in the admin with the key shown once, per user and restaurant,
refused once expired or revoked, and telling the manager when they were last used."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from api.authentication import tokens_forget
from api.models import ApiToken
from api.services import api_token_issue
from tests.conftest import MANAGER_A, PASSWORD, host_of

TABLES = "/api/v1/tables/"


def calling(restaurant, key: str) -> Client:
    return Client(HTTP_HOST=host_of(restaurant), HTTP_AUTHORIZATION=f"Token {key}")


def issued(restaurant, **fields) -> tuple[ApiToken, str]:
    with tenant_context(restaurant):
        user = get_user_model().objects.get(username=MANAGER_A)
        token, key = api_token_issue(user=user, name="Caja", **fields)
    connection.set_schema_to_public()
    return token, key


@pytest.fixture
def admin_a(restaurant_a) -> Client:
    client = Client(HTTP_HOST=host_of(restaurant_a))
    client.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})
    return client


def test_a_manager_issues_a_token_in_the_admin_and_sees_its_key_once(restaurant_a, admin_a):
    with tenant_context(restaurant_a):
        user_id = get_user_model().objects.get(username=MANAGER_A).pk
    connection.set_schema_to_public()

    page = admin_a.post(
        "/admin/api/apitoken/add/",
        {"name": "Punto de venta", "user": user_id, "expires_at_0": "", "expires_at_1": ""},
        follow=True,
    )

    html = page.content.decode()
    key = re.search(r"no se volverá a mostrar: ([A-Za-z0-9_-]{40})", html)[1]
    assert calling(restaurant_a, key).get(TABLES).status_code == 200
    listing = admin_a.get("/admin/api/apitoken/").content.decode()
    assert "Punto de venta" in listing and key[:8] in listing and key not in listing
    with tenant_context(restaurant_a):
        stored = ApiToken.objects.get()
        assert stored.key_hash != key and key not in str(stored.__dict__)


def test_a_revoked_token_is_refused(restaurant_a, admin_a):
    token, key = issued(restaurant_a)
    assert calling(restaurant_a, key).get(TABLES).status_code == 200

    admin_a.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    tokens_forget()  # another process forgets it within seconds; this one at once

    refused = calling(restaurant_a, key).get(TABLES)
    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"
    with tenant_context(restaurant_a):
        assert ApiToken.objects.get().revoked_at is not None


def test_an_expired_token_is_refused(restaurant_a, time_machine):
    time_machine.move_to(timezone.now(), tick=True)
    _token, key = issued(restaurant_a, expires_at=timezone.now() + dt.timedelta(days=1))
    assert calling(restaurant_a, key).get(TABLES).status_code == 200

    time_machine.shift(dt.timedelta(days=1, seconds=1))

    assert calling(restaurant_a, key).get(TABLES).status_code == 401


def test_a_token_tells_when_it_was_last_used(restaurant_a):
    token, key = issued(restaurant_a)
    assert token.last_used_at is None

    calling(restaurant_a, key).get(TABLES)

    with tenant_context(restaurant_a):
        used = ApiToken.objects.get().last_used_at
    assert used is not None and timezone.now() - used < dt.timedelta(minutes=1)


def test_a_restaurants_token_is_unknown_on_another_restaurants_host(restaurant_a, restaurant_b):
    _token, key = issued(restaurant_a)

    assert calling(restaurant_b, key).get(TABLES).status_code == 401


def test_a_past_expiry_is_refused_in_the_admin(restaurant_a, admin_a):
    with tenant_context(restaurant_a):
        user_id = get_user_model().objects.get(username=MANAGER_A).pk
    connection.set_schema_to_public()

    page = admin_a.post(
        "/admin/api/apitoken/add/",
        {"name": "Viejo", "user": user_id, "expires_at_0": "2001-01-01", "expires_at_1": "10:00"},
    )

    assert page.status_code == 200 and "La fecha de caducidad debe estar en el futuro." in (
        page.content.decode()
    )
    with tenant_context(restaurant_a):
        assert not ApiToken.objects.exists()


def test_a_cashier_cannot_see_or_issue_tokens(cashier):
    assert cashier.get("/admin/api/apitoken/").status_code == 403
    assert cashier.get("/admin/api/apitoken/add/").status_code == 403
