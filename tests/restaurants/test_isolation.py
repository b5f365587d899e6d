"""One restaurant never sees another's data: hosts, admin, API, sessions, cache."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import tenant_context

from reservations.models import Table
from restaurants import roles
from restaurants.models import Restaurant
from restaurants.services import staff_user_ensure
from tests.conftest import MANAGER_A, MANAGER_B, PASSWORD, host_of
from tests.factories import api_key_for


@pytest.fixture
def table_of_a(restaurant_a) -> Table:
    with tenant_context(restaurant_a):
        return Table.objects.create(code="X99", min_capacity=1, max_capacity=4)


def login(client: Client, email: str) -> Client:
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, "login should succeed and redirect"
    return client


def test_row_created_under_one_host_is_invisible_from_the_other_host(
    table_of_a, client_a, client_b
):
    login(client_a, MANAGER_A)
    login(client_b, MANAGER_B)

    own_list = client_a.get("/admin/reservations/table/")
    other_list = client_b.get("/admin/reservations/table/")

    assert "X99" in own_list.content.decode()
    assert "X99" not in other_list.content.decode()
    other_detail = client_b.get(f"/admin/reservations/table/{table_of_a.pk}/change/")
    assert other_detail.status_code == 302  # admin redirects a missing object to the index


def test_row_created_under_one_restaurant_is_invisible_through_the_other_api(
    table_of_a, client_a, client_b
):
    login(client_a, MANAGER_A)
    login(client_b, MANAGER_B)

    own = client_a.get("/api/v1/tables/")
    other = client_b.get("/api/v1/tables/")

    assert [row["code"] for row in own.json()["results"]] == ["X99"]
    assert other.json()["results"] == []
    assert client_b.get(f"/api/v1/tables/{table_of_a.pk}/").status_code == 404


def test_api_token_of_one_restaurant_is_refused_on_the_other_host(restaurant_a, client_b):
    with tenant_context(restaurant_a):
        key = api_key_for(User.objects.get(username=MANAGER_A))
    client_b.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"

    assert client_b.get("/api/v1/tables/").status_code == 401


def test_api_token_works_on_its_own_restaurant(restaurant_a, client_a, table_of_a):
    with tenant_context(restaurant_a):
        key = api_key_for(User.objects.get(username=MANAGER_A))
    client_a.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"

    response = client_a.get("/api/v1/tables/")

    assert response.status_code == 200
    assert response.json()["results"][0]["code"] == "X99"


def test_manager_of_one_restaurant_cannot_log_into_the_other(client_a, client_b):
    credentials = {"username": MANAGER_A, "password": PASSWORD}

    accepted = client_a.post("/admin/login/?next=/admin/", credentials)
    refused = client_b.post("/admin/login/?next=/admin/", credentials)

    assert accepted.status_code == 302
    assert refused.status_code == 200
    assert "sessionid" not in refused.cookies
    assert client_b.get("/admin/").status_code == 302  # still sent to the login page


def test_session_cookie_from_one_host_does_not_authenticate_on_the_other(
    restaurant_a, restaurant_b
):
    browser = Client(HTTP_HOST=host_of(restaurant_a))
    response = browser.post(
        "/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD}
    )
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["domain"] == ""  # host-only: browsers keep it on casa-azul

    assert browser.get("/admin/").status_code == 200
    # The test client sends every cookie to every host, as a forged request would.
    on_other_host = browser.get("/admin/", HTTP_HOST=host_of(restaurant_b))
    assert on_other_host.status_code == 302
    assert "/admin/login/" in on_other_host["Location"]


def test_restaurant_admin_does_not_offer_the_platform_models(client_a):
    login(client_a, MANAGER_A)

    index = client_a.get("/admin/").content.decode()

    assert "/admin/reservations/table/" in index
    assert "/admin/restaurants/" not in index
    assert "periodictask" not in index
    assert client_a.get("/admin/restaurants/restaurant/").status_code == 404


def test_cache_entries_are_kept_per_restaurant(restaurant_a, restaurant_b):
    with tenant_context(restaurant_a):
        cache.set("isolation-probe", "casa-azul", 30)
    with tenant_context(restaurant_b):
        assert cache.get("isolation-probe") is None
        cache.set("isolation-probe", "bistro-verde", 30)
    with tenant_context(restaurant_a):
        assert cache.get("isolation-probe") == "casa-azul"
        cache.delete("isolation-probe")
    with tenant_context(restaurant_b):
        cache.delete("isolation-probe")


def test_api_rate_limit_follows_the_plan_and_counts_per_restaurant(
    settings, client_a, client_b, restaurant_a, restaurant_b
):
    assert (restaurant_a.plan, restaurant_b.plan) == ("basic", "premium")
    settings.PLAN_API_RATE_LIMITS = {"basic": 3, "premium": 5, "enterprise": 10}
    login(client_a, MANAGER_A)
    login(client_b, MANAGER_B)
    # A second user of Casa Azul, through a token: the restaurant's allowance is shared.
    with tenant_context(restaurant_a):
        partner_user, _created = staff_user_ensure(
            email="socio@casa-azul.test", password=PASSWORD, role=roles.MANAGER
        )
        key = api_key_for(partner_user)
    partner = Client(HTTP_HOST=host_of(restaurant_a), HTTP_AUTHORIZATION=f"Token {key}")

    answers_a = [caller.get("/api/v1/tables/") for caller in (client_a, partner) * 2]
    statuses_b = [client_b.get("/api/v1/tables/").status_code for _ in range(5)]

    assert [answer.status_code for answer in answers_a] == [200, 200, 200, 429]
    assert [answer["RateLimit-Remaining"] for answer in answers_a[:3]] == ["2", "1", "0"]
    assert answers_a[0]["RateLimit-Limit"] == "3"
    assert answers_a[-1].json()["code"] == "throttled"
    assert answers_a[-1].json()["message"]
    # The refusal says when the oldest request of the 15 minutes leaves the window.
    assert 14 * 60 < int(answers_a[-1]["Retry-After"]) <= 15 * 60
    assert statuses_b == [200] * 5


def test_unknown_host_gets_the_not_found_page(db):
    response = Client(HTTP_HOST="nadie.localhost").get("/")

    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()


def test_inactive_restaurant_is_not_served(restaurant_a, client_a):
    Restaurant.objects.filter(pk=restaurant_a.pk).update(is_active=False)

    assert client_a.get("/").status_code == 404


def test_a_restaurant_switched_off_is_no_longer_served_although_its_host_was_remembered(
    restaurant_a, client_a
):
    assert client_a.get("/robots.txt").status_code == 200  # the host is remembered now
    restaurant_a.is_active = False
    restaurant_a.save(update_fields=["is_active"])

    assert client_a.get("/robots.txt").status_code == 404
