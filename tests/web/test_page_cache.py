"""The booking page and its fragment are served from a cache under the book's version: any
change of the book shows on the very next view, and no visitor ever gets another's form."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from menu.models import Dish
from reservations.models import OpeningPeriod, Reservation, Table
from reservations.selectors import book_version, booking_policy_forget
from reservations.tasks import book_changes_cleanup
from restaurants.tasks import JOBS
from tests.conftest import host_of
from tests.factories import CustomerFactory, DishFactory, TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
SUBMISSION = re.compile(r'name="submission" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# Many requests from one test client: the per-IP limits are not what these tests are about.
pytestmark = pytest.mark.usefixtures("generous_public_limits")


@pytest.fixture
def day() -> dt.date:
    return dt.datetime.now(MEXICO).date() + dt.timedelta(days=6)


@pytest.fixture
def one_table(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:30", max_days_ahead=90)
        table = TableFactory(code="M01", max_capacity=4)
        DishFactory(name="Mole poblano")
        yield table


def times_of(page: str) -> list[str]:
    return re.findall(r'name="time" value="(\d\d:\d\d)"', page)


def test_a_booking_made_anywhere_leaves_the_cached_page_at_once(restaurant_a, one_table, day):
    web = Client(HTTP_HOST=host_of(restaurant_a))
    query = {"day": f"{day:%Y-%m-%d}", "party_size": 2}
    for path in ("/", "/availability/"):
        assert "20:00" in times_of(web.get(path, query).content.decode())
        assert "20:00" in times_of(web.get(path, query).content.decode())  # from the cache
    with tenant_context(restaurant_a):
        version = book_version()
        # Straight through the ORM, as no service would: the database moves the version.
        Reservation.objects.create(
            customer=CustomerFactory(),
            table=one_table,
            starts_at=dt.datetime.combine(day, dt.time(20), tzinfo=MEXICO),
            ends_at=dt.datetime.combine(day, dt.time(22), tzinfo=MEXICO),
            party_size=2,
            status="pending",
        )
        assert book_version() > version

    for path in ("/", "/availability/"):
        times = times_of(web.get(path, query).content.decode())
        assert "20:00" not in times and "18:30" not in times and "18:00" in times, path


def test_a_time_inside_the_notice_leaves_the_cached_page_then_and_not_a_minute_later(
    restaurant_a, one_table
):
    """The cache lasts as long as what the page shows: a start time drops off when it comes
    within the minimum notice, and the calendar's first day moves on at midnight; between
    those moments the page is not worked out again."""
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:30", max_days_ahead=90, min_notice_minutes=60)
    web = Client(HTTP_HOST=host_of(restaurant_a))
    tuesday = dt.date(2030, 3, 5)
    paths = ("/", f"/availability/?day={tuesday}&party_size=2")

    def at(hour: int, minute: int, second: int = 0, *, day: dt.date = tuesday):
        moment = dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=MEXICO)
        return time_machine.travel(moment, tick=False)

    with at(16, 40):
        for path in paths:
            assert times_of(web.get(path).content.decode())[0] == "18:00", path
    with at(17, 0), CaptureQueriesContext(connection) as queries:
        for path in paths:
            assert times_of(web.get(path).content.decode())[0] == "18:00", path
    assert not [q for q in queries if "reservations_table" in q["sql"]]  # both from the cache
    with at(17, 0, 30):
        for path in paths:
            assert times_of(web.get(path).content.decode())[0] == "18:30", path

    with at(23, 59):
        assert 'id="availability" data-day="2030-03-05"' in web.get("/").content.decode()
    with at(0, 1, day=tuesday + dt.timedelta(days=1)):
        page = web.get("/").content.decode()
        assert 'id="availability" data-day="2030-03-06"' in page
        assert times_of(page)[0] == "13:00"


def test_new_hours_a_dish_out_of_stock_and_a_smaller_table_each_show_on_the_next_view(
    restaurant_a, one_table, day
):
    web = Client(HTTP_HOST=host_of(restaurant_a))
    query = {"day": f"{day:%Y-%m-%d}", "party_size": 2}
    page = web.get("/", query).content.decode()
    assert times_of(page)[0] == "13:00" and "Mole poblano" in page

    with tenant_context(restaurant_a):
        OpeningPeriod.objects.update(opens_at=dt.time(18))
        booking_policy_forget()  # as the policy's admin does
    page = web.get("/", query).content.decode()
    assert times_of(page)[0] == "18:00" and "Mole poblano" in page

    with tenant_context(restaurant_a):
        Dish.objects.update(stock=0)
    page = web.get("/", query).content.decode()
    assert times_of(page)[0] == "18:00" and "Mole poblano" not in page

    with tenant_context(restaurant_a):
        Table.objects.update(max_capacity=1, min_capacity=1)
    page = web.get("/", query).content.decode()
    assert times_of(page) == []
    assert "Ninguna mesa admite un grupo de ese tamaño." in page


def test_each_visitor_of_a_cached_page_gets_a_form_of_their_own_and_can_book(
    restaurant_a, one_table, day
):
    ana, bea = Client(HTTP_HOST=host_of(restaurant_a)), Client(HTTP_HOST=host_of(restaurant_a))
    query = {"day": f"{day:%Y-%m-%d}", "party_size": 2}
    first, second = ana.get("/", query), bea.get("/", query)  # the second from the cache
    forms = [
        (SUBMISSION.findall(r.content.decode()), CSRF.findall(r.content.decode()))
        for r in (first, second)
    ]
    assert len(set(forms[0][0] + forms[1][0])) == 2  # two different submission keys
    assert forms[0][1][0] != forms[1][1][0]
    assert "csrftoken" in second.cookies

    for visitor, (submissions, tokens), time in (
        (ana, forms[0], "20:00"),
        (bea, forms[1], "14:00"),
    ):
        response = visitor.post(
            "/",
            {
                "csrfmiddlewaretoken": tokens[0],
                "submission": submissions[0],
                "day": f"{day:%Y-%m-%d}",
                "party_size": "2",
                "time": time,
                "first_name": "Lucía" if visitor is ana else "Beatriz",
                "last_name": "García",
                "phone": "55 1234 5678" if visitor is ana else "55 8765 4321",
                "email": f"{'ana' if visitor is ana else 'bea'}@example.com",
                "special_requests": "",
                "website": "",
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
    with tenant_context(restaurant_a):
        assert sorted(Reservation.objects.values_list("customer__first_name", flat=True)) == [
            "Beatriz",
            "Lucía",
        ]


def test_the_cleanup_job_keeps_the_version_and_the_next_change_still_moves_it(
    restaurant_a, one_table, day
):
    with tenant_context(restaurant_a):
        for code in ("M02", "M03", "M04"):
            TableFactory(code=code, max_capacity=2)
        version = book_version()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM reservations_bookchange")
            assert cursor.fetchone()[0] > 1

    assert book_changes_cleanup(restaurant_a.schema_name) > 0

    with tenant_context(restaurant_a):
        assert book_version() == version
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM reservations_bookchange")
            assert cursor.fetchone()[0] == 1
        Table.objects.filter(code="M04").delete()
        assert book_version() > version
    assert "reservations.book_changes" in JOBS["cleanup"]
