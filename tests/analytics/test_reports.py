"""The manager's period reports: figures read from the daily roll-ups, compared with the
period before, each table exported as CSV, for managers only and their restaurant only."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from analytics import services
from analytics.reports import PeriodError, period_bounds, period_report
from booking.services.pre_orders import booking_pre_order_add
from reservations.models import ReservationSource, ReservationStatus, Table
from tests.analytics.test_rollups import BOOKED_AT, DAY, at, booking, move, pay
from tests.billing.conftest import table_priced
from tests.conftest import MANAGER_A, MANAGER_B, PASSWORD, host_of
from tests.factories import DishFactory, open_every_day

WEEK = "period=week&day=2030-03-05"  # DAY is a Tuesday: Monday 4 to Sunday 10 March
BEFORE = DAY - dt.timedelta(days=7)


def rollups(first: dt.date, last: dt.date) -> None:
    day = first
    while day <= last:
        services.daily_rollup_compute(day=day)
        day += dt.timedelta(days=1)


@pytest.fixture
def week_book(restaurant_a):
    """Casa Azul's week of DAY and the week before, rolled up: a party of 4 at M01 that
    pre-ordered two moles and paid, a no-show at M02, the next day a party of 3 at M01
    and a cancelled one at M03; the week before, one party of 2 at M02."""
    with tenant_context(restaurant_a):
        open_every_day("12:00", "03:00", max_days_ahead=365)
        tables = [table_priced(f"M{n:02d}", "100.00", max_capacity=6) for n in range(1, 4)]
        mole = DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=20)

        paid = booking(tables[0], starts_at=at(DAY, "13:00"), party_size=4)
        with time_machine.travel(BOOKED_AT, tick=False):
            booking_pre_order_add(reservation=paid, dish=mole, quantity=2)
        move(paid, ReservationStatus.SEATED, moment=at(DAY, "13:00"))
        pay(paid, moment=at(DAY, "14:30"))

        no_show = booking(tables[1], starts_at=at(DAY, "20:00"), source=ReservationSource.WHATSAPP)
        move(no_show, ReservationStatus.NO_SHOW, moment=at(DAY, "20:30"))
        web = booking(
            tables[0],
            starts_at=at(DAY + dt.timedelta(days=1), "14:00"),
            party_size=3,
            source=ReservationSource.WEB,
        )
        move(web, ReservationStatus.SEATED, moment=at(DAY + dt.timedelta(days=1), "14:00"))
        cancelled = booking(
            tables[2], starts_at=at(DAY + dt.timedelta(days=1), "21:00"), party_size=5
        )
        move(cancelled, ReservationStatus.CANCELLED, moment=at(DAY, "12:00"))

        earlier = booking(tables[1], starts_at=at(BEFORE, "13:00"), booked_at=at(BEFORE, "09:00"))
        move(earlier, ReservationStatus.SEATED, moment=at(BEFORE, "13:00"))

        rollups(dt.date(2030, 2, 25), dt.date(2030, 3, 10))
        yield {"paid": paid, "mole": mole}
    connection.set_schema_to_public()


def test_period_bounds_give_the_day_its_week_its_month_or_the_span_asked():
    assert period_bounds("day", DAY) == period_bounds("custom", DAY, DAY)
    week = period_bounds("week", DAY)
    assert (week.start, week.end, week.previous().start) == (
        dt.date(2030, 3, 4),
        dt.date(2030, 3, 10),
        dt.date(2030, 2, 25),
    )
    february = period_bounds("month", dt.date(2028, 2, 14))
    assert (february.start, february.end, february.days) == (
        dt.date(2028, 2, 1),
        dt.date(2028, 2, 29),
        29,
    )
    for kind, until in (("custom", DAY - dt.timedelta(days=1)), ("custom", None), ("year", None)):
        with pytest.raises(PeriodError):
            period_bounds(kind, DAY, until)


def test_report_of_a_week_holds_the_books_figures_beside_the_week_before(week_book):
    report = period_report(start=dt.date(2030, 3, 4), end=dt.date(2030, 3, 10))

    assert [line["covers"] for line in report["daily"]] == [0, 4, 3, 0, 0, 0, 0]
    assert [line["previous_covers"] for line in report["daily"]] == [0, 2, 0, 0, 0, 0, 0]
    assert report["daily"][1]["revenue"] == Decimal("157.55")  # (100 + 2 × 18.50) + 15 % tax
    summary = report["summary"]
    assert (summary["reservations"], summary["covers_booked"], summary["covers_seated"]) == (
        3,
        9,
        7,
    )
    assert (summary["no_show_rate"], summary["cancellation_rate"]) == (33.3, 25.0)
    assert report["previous"]["covers_seated"] == 2
    assert report["comparison"]["covers_seated"] == 250.0  # 7 against 2
    assert [(line["code"], line["reservations"], line["covers"]) for line in report["tables"]] == [
        ("M01", 2, 7),
        ("M02", 1, 2),
    ]
    assert report["tables"][1]["previous_reservations"] == 1
    assert report["dishes"] == [
        {
            "dish_id": str(week_book["mole"].pk),
            "name": "Mole poblano",
            "preordered": 2,
            "sold": 2,
            "revenue": Decimal("37.00"),
            "previous_sold": 0,
        }
    ]
    assert {line["source"]: line["reservations"] for line in report["sources"]} == {
        "admin": 1,
        "web": 1,
        "whatsapp": 1,
    }
    # Tuesday 13:00 had 4 seated once in the week: 4 of the 18 seats.
    heat = {line["hour"]: line for line in report["heatmap"]["rows"]}
    assert (heat[13]["covers"][1], heat[13]["share"][1], heat[14]["covers"][2]) == (4.0, 22.2, 3.0)
    assert report["heatmap"]["seats"] == 18


def _logged_in(restaurant, username: str) -> Client:
    client = Client(HTTP_HOST=host_of(restaurant))
    client.post("/admin/login/?next=/admin/", {"username": username, "password": PASSWORD})
    return client


def test_managers_read_the_report_page_with_its_tables_and_charts(week_book, restaurant_a):
    manager = _logged_in(restaurant_a, MANAGER_A)

    page = manager.get(f"/admin/reports/?{WEEK}")

    assert page.status_code == 200
    html = page.content.decode()
    for table_id in ("summary", "covers", "heatmap", "tables", "dishes", "sources", "turns"):
        assert f'id="{table_id}"' in html
    assert 'id="report-data"' in html and 'role="img"' in html
    assert "Mole poblano" in html and "$157.55" in html
    assert "analytics/vendor/chart.umd.min.js" in html
    assert manager.get("/admin/analytics/dailyrollup/").content.decode().count("/admin/reports/")


def test_each_table_exports_as_csv_named_by_restaurant_and_dates(week_book, restaurant_a):
    manager = _logged_in(restaurant_a, MANAGER_A)

    exported = manager.get(f"/admin/reports/?{WEEK}&format=csv&table=tables")
    covers = manager.get(f"/admin/reports/?{WEEK}&format=csv&table=covers")

    assert exported["Content-Type"].startswith("text/csv")
    assert exported["Content-Disposition"] == (
        'attachment; filename="casa-azul-tables-2030-03-04-2030-03-10.csv"'
    )
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert [row[:3] for row in rows[1:]] == [["M01", "2", "7"], ["M02", "1", "2"]]
    days = list(csv.reader(io.StringIO(covers.content.decode())))[1:]
    assert [(row[0], row[1], row[3]) for row in days[:3]] == [
        ("2030-03-04", "0", "0.00"),
        ("2030-03-05", "4", "157.55"),
        ("2030-03-06", "3", "0.00"),
    ]
    assert manager.get(f"/admin/reports/?{WEEK}&format=csv&table=nope").status_code == 400


def test_the_printable_version_leaves_the_admin_around_it_out(week_book, restaurant_a):
    manager = _logged_in(restaurant_a, MANAGER_A)

    printable = manager.get(f"/admin/reports/?{WEEK}&print=1").content.decode()

    assert 'class="' in printable and " printing" in printable
    assert "window.print()" in printable


def test_cashiers_are_refused_the_reports(cashier):
    assert cashier.get(f"/admin/reports/?{WEEK}").status_code == 403
    assert cashier.get(f"/admin/reports/?{WEEK}&format=csv&table=covers").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(restaurant_a):
    answer = Client(HTTP_HOST=host_of(restaurant_a)).get("/admin/reports/")
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]


def test_another_restaurants_figures_never_show(week_book, restaurant_b):
    with tenant_context(restaurant_b):
        rollups(dt.date(2030, 3, 4), dt.date(2030, 3, 10))
    bistro = _logged_in(restaurant_b, MANAGER_B)

    html = bistro.get(f"/admin/reports/?{WEEK}").content.decode()
    exported = bistro.get(f"/admin/reports/?{WEEK}&format=csv&table=tables").content.decode()

    assert "Mole poblano" not in html and "M01" not in html
    assert exported.strip().count("\n") == 0  # the header only


@pytest.mark.parametrize(
    "query",
    [
        "period=custom&start=2030-03-10&end=2030-03-01",
        "period=custom&start=2030-03-01",
        "period=custom&start=2020-01-01&end=2030-03-01",
        "period=week&day=31-02-2030",
        "period=fortnight&day=2030-03-05",
        "period=custom&start=nonsense&end=&format=csv&table=covers",
    ],
)
def test_a_bad_period_is_answered_with_a_message_never_an_error(restaurant_a, query):
    manager = _logged_in(restaurant_a, MANAGER_A)

    answer = manager.get(f"/admin/reports/?{query}")

    assert answer.status_code == 200
    assert 'class="errornote"' in answer.content.decode()
    assert answer["Content-Type"].startswith("text/html")


def test_the_report_page_costs_the_same_few_queries_for_a_week_or_a_year(
    week_book, restaurant_a, django_assert_max_num_queries
):
    manager = _logged_in(restaurant_a, MANAGER_A)
    manager.get("/admin/reports/?period=day&day=2030-03-05")  # the restaurant and policy cached
    year = "period=custom&start=2029-03-11&end=2030-03-10"

    with CaptureQueriesContext(connection) as week_read:
        manager.get(f"/admin/reports/?{WEEK}")
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as year_read:
        page = manager.get(f"/admin/reports/?{year}")
    with CaptureQueriesContext(connection) as year_again:
        manager.get(f"/admin/reports/?{year}")

    assert page.status_code == 200
    assert len(year_read) == len(week_read)
    # Read again, the report comes from the cache: its roll-ups are as they were.
    assert len(year_again) == len(year_read) - 2


def test_a_roll_up_written_again_shows_at_once_on_a_report_already_read(week_book, restaurant_a):
    manager = _logged_in(restaurant_a, MANAGER_A)

    def seated_on_tuesday() -> tuple[str, str]:
        days = manager.get(f"/admin/reports/?{WEEK}&format=csv&table=covers").content.decode()
        summary = manager.get(f"/admin/reports/?{WEEK}&format=csv&table=summary").content.decode()
        tuesday = list(csv.reader(io.StringIO(days)))[2]
        seated = next(
            row for row in csv.reader(io.StringIO(summary)) if row[0] == "Comensales sentados"
        )
        return tuesday[1], seated[1]

    assert seated_on_tuesday() == ("4", "7")
    with tenant_context(restaurant_a):
        late = booking(
            Table.objects.get(code="M03"),
            starts_at=at(DAY, "15:00"),
            party_size=6,
        )
        move(late, ReservationStatus.SEATED, moment=at(DAY, "15:00"))
        services.daily_rollup_compute(day=DAY)
    connection.set_schema_to_public()

    assert seated_on_tuesday() == ("10", "13")
