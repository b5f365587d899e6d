"""What each customer door and the API cost the database, held under budget: a regression
(a query per day of the calendar, per table, per row) fails here before it reaches a rush."""

import datetime as dt
import re
import zoneinfo
from unittest import mock

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import tenant_context

from reservations.models import Reservation
from restaurants.hosts import hosts_forget
from tests.conftest import MANAGER_A, host_of
from tests.factories import (
    CustomerFactory,
    DishFactory,
    TableFactory,
    api_key_for,
    book,
    open_every_day,
)

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
# The booking page and its availability fragment; the API's list and detail.
CUSTOMER_DOOR_BUDGET = 4
API_BUDGET = 4
# A booking from the public form: customer, reservation, note and their history, in one
# transaction (with the form's menu, the book's free tables and the note's counter).
BOOKING_POST_BUDGET = 26


# Many requests from one test client: the per-IP limits are not what these tests are about.
pytestmark = pytest.mark.usefixtures("generous_public_limits")


@pytest.fixture
def busy_floor(restaurant_a):
    """Twelve tables, a menu, and bookings spread over the next three months."""
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:30", max_days_ahead=120)
        tables = [
            TableFactory(code=f"M{number:02d}", max_capacity=2 + number % 5) for number in range(12)
        ]
        for number in range(6):
            DishFactory(name=f"Plato {number}")
        today = dt.datetime.now(MEXICO).date()
        for offset in range(2, 90, 3):
            for hour in (14, 20):
                book(
                    customer=CustomerFactory(),
                    starts_at=dt.datetime.combine(
                        today + dt.timedelta(days=offset), dt.time(hour), tzinfo=MEXICO
                    ),
                    party_size=2,
                )
        assert Reservation.objects.count() == 60
        yield tables


@pytest.mark.parametrize("path", ["/", "/availability/"])
def test_the_booking_page_and_its_fragment_stay_within_four_queries_whatever_the_month(
    restaurant_a, busy_floor, path, django_assert_max_num_queries
):
    web = Client(HTTP_HOST=host_of(restaurant_a))
    web.get(path)  # the restaurant's host and policy are remembered after the first visit
    today = dt.datetime.now(MEXICO).date()
    for day in (today + dt.timedelta(days=offset) for offset in (4, 34, 64)):
        for party_size in (2, 6):
            with django_assert_max_num_queries(CUSTOMER_DOOR_BUDGET):
                response = web.get(path, {"day": f"{day:%Y-%m-%d}", "party_size": party_size})
            assert response.status_code == 200
            page = response.content.decode()
            # The month's calendar is there with its bookable days, and the day's free times.
            assert page.count('class="available') >= 1, (day, party_size)
            assert 'value="20:30"' in page


def test_the_calendar_marks_a_fully_booked_day_from_the_same_two_queries(
    restaurant_a, busy_floor, django_assert_max_num_queries
):
    """The month is read in one go: a day whose every table is taken shows as full."""
    day = dt.datetime.now(MEXICO).date() + dt.timedelta(days=20)
    with tenant_context(restaurant_a):
        for table in busy_floor:
            if table.max_capacity >= 2:
                for hour in range(13, 22):
                    start = dt.datetime.combine(day, dt.time(hour), tzinfo=MEXICO)
                    if not Reservation.objects.filter(
                        table=table, starts_at__lt=start + dt.timedelta(hours=2), ends_at__gt=start
                    ).exists():
                        book(customer=CustomerFactory(), starts_at=start, party_size=2, table=table)
    web = Client(HTTP_HOST=host_of(restaurant_a))
    web.get("/")
    with django_assert_max_num_queries(CUSTOMER_DOOR_BUDGET):
        page = web.get(
            "/availability/", {"day": f"{day:%Y-%m-%d}", "party_size": 2}
        ).content.decode()
    (cell,) = re.findall(rf'<td class="([^"]*)">\s*<a [^>]*data-day="{day:%Y-%m-%d}"', page)
    assert cell.split()[0] == "full"
    assert "Ese día está completo." in page


def test_a_booking_from_the_public_form_stays_within_its_budget(
    restaurant_a, busy_floor, django_assert_max_num_queries
):
    web = Client(HTTP_HOST=host_of(restaurant_a))
    web.get("/")
    day = dt.datetime.now(MEXICO).date() + dt.timedelta(days=5)
    form = {
        "day": f"{day:%Y-%m-%d}",
        "party_size": "2",
        "time": "20:30",
        "first_name": "Lucía",
        "last_name": "García",
        "phone": "55 1234 5678",
        "email": "lucia@example.com",
        "website": "",
        "submission": "b0d9e7a1c2f3",
    }

    with django_assert_max_num_queries(BOOKING_POST_BUDGET):
        response = web.post("/", form)

    assert response.status_code == 302
    with tenant_context(restaurant_a):
        assert Reservation.objects.get(submission_key="b0d9e7a1c2f3").note.number


def api_client(restaurant, username) -> Client:
    with tenant_context(restaurant):
        key = api_key_for(get_user_model().objects.get(username=username))
    return Client(HTTP_HOST=host_of(restaurant), HTTP_AUTHORIZATION=f"Token {key}")


def test_the_api_list_and_detail_stay_within_four_queries(
    restaurant_a, busy_floor, django_assert_max_num_queries
):
    api = api_client(restaurant_a, MANAGER_A)
    api.get("/api/v1/tables/")
    with django_assert_max_num_queries(API_BUDGET):
        listing = api.get("/api/v1/tables/")
    assert listing.status_code == 200
    # One page holds the whole floor: no cursor onwards.
    assert len(listing.json()["results"]) == 12
    assert (listing.json()["next"], listing.json()["previous"]) == (None, None)
    with django_assert_max_num_queries(API_BUDGET):
        detail = api.get(f"/api/v1/tables/{busy_floor[3].pk}/")
    assert detail.status_code == 200
    assert detail.json()["code"] == "M03"


def test_a_known_host_is_served_without_looking_its_restaurant_up_again(
    restaurant_a, django_assert_num_queries
):
    web = Client(HTTP_HOST=host_of(restaurant_a))
    web.get("/robots.txt")
    with django_assert_num_queries(0):
        response = web.get("/robots.txt")
    assert response.status_code == 200
    assert "Disallow: /admin/" in response.content.decode()


def test_static_files_are_served_without_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/static/admin/css/base.css", HTTP_HOST="nadie-existe.localhost")
    assert response.status_code == 200
    assert b"body" in b"".join(response.streaming_content)


@pytest.fixture
def statements_sent():
    """Every statement this process sends, counted at the driver (below django-tenants,
    whose SET search_path goes around Django's query log)."""
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counting(cursor, query, params=None, **options):
        sent.append(query if isinstance(query, str) else str(query))
        return execute(cursor, query, params, **options)

    with mock.patch.object(psycopg.Cursor, "execute", counting):
        yield sent


def test_a_restaurant_not_remembered_costs_one_lookup_and_one_search_path(
    restaurant_a, restaurant_b, statements_sent
):
    Client(HTTP_HOST=host_of(restaurant_a)).get("/")  # the connection in another schema
    hosts_forget()
    statements_sent.clear()

    response = Client(HTTP_HOST=host_of(restaurant_b)).get("/")

    assert response.status_code == 200 and restaurant_b.name in response.content.decode()
    search_paths = [
        sql for sql in statements_sent if sql.lstrip().upper().startswith("SET SEARCH_PATH")
    ]
    lookups = [sql for sql in statements_sent if "restaurants_domain" in sql]
    assert len(lookups) == 1
    assert len(search_paths) == 1 and restaurant_b.schema_name in search_paths[0]
