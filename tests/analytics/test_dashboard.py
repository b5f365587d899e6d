"""The admin's home as the manager and the cashier open it: the day at a glance, the till,
and nothing of another restaurant's."""

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from analytics import dashboard
from analytics.models import Alert, DailyRollup, Forecast
from billing.services import note_charge, note_finalise, note_issue
from reservations.models import Reservation, Table
from reservations.selectors import booking_policy_snapshot
from restaurants.money import money
from restaurants.roles import CASHIER
from restaurants.services import staff_user_ensure
from tests.conftest import MANAGER_A, MANAGER_B, PASSWORD, host_of
from tests.factories import CustomerFactory, TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
# A Tuesday evening in Mexico City, during service.
NOW = dt.datetime(2030, 3, 5, 19, 0, tzinfo=MEXICO)
TODAY = NOW.date()
PANEL = "/admin/?panel=home"  # the home's panel alone, as the page fetches it again
CASHIER_EMAIL = "caja@casa-azul.test"


def at(hour: int, minute: int = 0, day: dt.date = TODAY, zone=MEXICO) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def booking(table, starts_at, party_size, status, name="", **fields) -> Reservation:
    customer = CustomerFactory(first_name=name) if name else CustomerFactory()
    return Reservation.objects.create(
        customer=customer,
        table=table,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        party_size=party_size,
        status=status,
        **fields,
    )


def browser(restaurant, email: str) -> Client:
    """Logged in at NOW (a session begun today would have expired by then)."""
    client = Client(HTTP_HOST=host_of(restaurant))
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            "/admin/login/?next=/admin/", {"username": email, "password": PASSWORD}
        )
    assert response.status_code == 302
    return client


def home_of(client: Client, path: str = "/admin/") -> str:
    with time_machine.travel(NOW, tick=False):
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, section_id: str) -> str:
    """The HTML of the home's section ``section_id``."""
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', page)
    assert match, f"no figure {name}"
    return match.group(1).strip()


@pytest.fixture
def evening(restaurant_a):
    """Casa Azul at 19:00: lunch done, a party seated, three due within two hours (one of
    them late), one later tonight, a cancellation, and lunch's note paid."""
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:00", max_days_ahead=365)
        tables = {code: TableFactory(code=code, max_capacity=6) for code in
                  ("M01", "M02", "M03", "M04", "M05", "M06", "M07")}  # fmt: skip
        Table.objects.filter(code="M01").update(reservation_price=Decimal("8.00"))
        lunch = booking(tables["M01"], at(13), 2, "finished", seated_at=at(13))
        booking(tables["M02"], at(18), 4, "seated", seated_at=at(18, 5))
        booking(tables["M03"], at(18, 45), 2, "confirmed", name="Tardía")
        booking(tables["M04"], at(19, 30), 3, "confirmed", name="Beatriz")
        booking(tables["M05"], at(20, 30), 5, "pending", name="Carmen")
        booking(tables["M06"], at(22), 2, "confirmed", name="Después")
        booking(tables["M07"], at(19), 6, "cancelled", name="Cancelada")
        with time_machine.travel(at(15), tick=False):
            note = note_finalise(note=note_issue(reservation=lunch))
            paid = note_charge(note=note, payments={"card": note.total})
    connection.set_schema_to_public()
    return {"tables": tables, "lunch_note": paid}


@pytest.fixture
def manager(restaurant_a, evening) -> Client:
    return browser(restaurant_a, MANAGER_A)


@pytest.fixture
def cashier(restaurant_a, evening) -> Client:
    with tenant_context(restaurant_a):
        staff_user_ensure(email=CASHIER_EMAIL, password=PASSWORD, role=CASHIER)
    connection.set_schema_to_public()
    return browser(restaurant_a, CASHIER_EMAIL)


def test_the_manager_sees_todays_covers_by_hour_and_who_is_seated_now(manager):
    page = home_of(manager)
    today = section(page, "home-today")

    hours = {
        hour: (int(booked), int(came))
        for hour, booked, came in re.findall(
            r'data-hour="(\d\d:00)">.*?data-booked>(\d+)<.*?data-came>(\d+)<', today, re.S
        )
    }
    assert hours["13:00"] == (2, 2)
    assert hours["18:00"] == (6, 4)  # the late party has not come
    assert hours["19:00"] == (3, 0)  # the cancelled party of 6 is not counted
    assert hours["20:00"] == (5, 0)
    assert hours["22:00"] == (2, 0)
    assert list(hours) == sorted(hours)  # the service's hours, in order
    assert figure(today, "covers-booked") == "18"
    assert figure(today, "covers-seated") == "4"
    assert 'id="live-floor-link"' in page and 'id="content-main"' in page  # the rest stays


def test_the_arrivals_of_the_next_two_hours_are_listed_in_order_late_ones_first(manager):
    arrivals = section(home_of(manager), "home-arrivals")

    assert re.findall(r"<td>(\d\d:\d\d)</td>", arrivals) == ["18:45", "19:30", "20:30"]
    assert "Tardía" in arrivals and "Beatriz" in arrivals and "Carmen" in arrivals
    assert "Después" not in arrivals and "Cancelada" not in arrivals
    assert arrivals.count('class="home-late"') == 1
    assert "M04" in arrivals and ">3<" in arrivals  # table and party


def test_the_open_alerts_are_counted_with_the_latest_and_a_link_to_them(manager, restaurant_a):
    with tenant_context(restaurant_a):
        Alert.objects.create(
            kind="low_occupancy", severity="medium", message="Sala vacía", raised_at=at(17)
        )
        Alert.objects.create(
            kind="high_occupancy", severity="high", message="Sala llena", raised_at=at(18, 30)
        )
        Alert.objects.create(
            kind="table_conflict", severity="medium", message="Ya resuelta", status="resolved",
            raised_at=at(18, 45), resolved_at=at(18, 50),
        )  # fmt: skip
    connection.set_schema_to_public()

    alerts = section(home_of(manager), "home-alerts")

    assert figure(alerts, "alerts-open") == "2"
    assert alerts.index("Sala llena") < alerts.index("Sala vacía")
    assert "Ya resuelta" not in alerts
    assert 'href="/admin/analytics/alert/?status__exact=open"' in alerts


def test_without_a_forecast_the_home_says_so(manager):
    forecast = section(home_of(manager), "home-forecast")

    assert 'id="no-forecast"' in forecast


def test_tonights_forecast_is_shown_with_its_range(manager, restaurant_a):
    with tenant_context(restaurant_a):
        Forecast.objects.create(
            day=TODAY, hour=None, horizon=1, expected=Decimal("40.0"), low=Decimal("31.0"),
            high=Decimal("52.0"), confidence=Decimal("0.800"), booked=15,
        )  # fmt: skip
        Forecast.objects.create(
            day=TODAY, hour=20, horizon=1, expected=Decimal("9.0"), low=Decimal("5.0"),
            high=Decimal("14.0"), confidence=Decimal("0.800"),
        )  # fmt: skip
    connection.set_schema_to_public()

    page = home_of(manager)
    forecast = section(page, "home-forecast")

    assert figure(forecast, "forecast-expected") == "40"
    assert "31" in figure(forecast, "forecast-range") and "52" in figure(forecast, "forecast-range")
    assert 'id="no-forecast"' not in forecast
    expected_at_eight = re.search(r'data-hour="20:00">.*?</tr>', page, re.S).group(0)
    assert ">9<" in expected_at_eight  # the hour's expected covers beside its bookings


def test_revenue_today_is_set_against_the_same_weekday_of_the_four_weeks_before(
    manager, restaurant_a, evening
):
    with tenant_context(restaurant_a):
        for weeks, revenue in [(1, "100.00"), (2, "200.00"), (4, "300.00")]:  # week 3: none
            DailyRollup.objects.create(
                day=TODAY - dt.timedelta(weeks=weeks), revenue=Decimal(revenue)
            )
        DailyRollup.objects.create(day=TODAY - dt.timedelta(days=1), revenue=Decimal("999.00"))
        paid = evening["lunch_note"].total
        today_money, average_money = money(paid), money(Decimal("200.00"))
    connection.set_schema_to_public()

    revenue = section(home_of(manager), "home-revenue")

    assert figure(revenue, "revenue-today") == today_money
    assert figure(revenue, "revenue-average") == average_money
    assert revenue.count("—") == 1  # the week without a roll-up
    assert "999" not in revenue
    assert figure(revenue, "revenue-share").startswith(str(round(100 * paid / 200)))


def test_the_week_ahead_sets_bookings_against_the_forecast(manager, restaurant_a, evening):
    tomorrow = TODAY + dt.timedelta(days=1)
    with tenant_context(restaurant_a):
        booking(evening["tables"]["M01"], at(20, day=tomorrow), 4, "confirmed")
        booking(evening["tables"]["M02"], at(21, day=tomorrow), 6, "cancelled")
        Forecast.objects.create(
            day=tomorrow, hour=None, horizon=2, expected=Decimal("20.0"), low=Decimal("12.0"),
            high=Decimal("30.0"), confidence=Decimal("0.800"),
        )  # fmt: skip
    connection.set_schema_to_public()

    week = section(home_of(manager), "home-week")
    row = re.search(rf'data-day="{tomorrow:%Y-%m-%d}">.*?</tr>', week, re.S).group(0)

    assert re.findall(r'class="amount">(\d+)', row)[:3] == ["1", "4", "20"]
    assert "20 %" in row
    assert week.count("data-day=") == 7


def test_another_restaurants_bookings_never_show(manager, restaurant_b):
    with tenant_context(restaurant_b):
        open_every_day("13:00", "23:00", max_days_ahead=365)
        table = TableFactory(code="M03")
        # 19:30 in Mexico City is 02:30 the next morning in Madrid: the same instant.
        booking(table, NOW.astimezone(MADRID) + dt.timedelta(minutes=30), 4, "confirmed",
                name="Intrusa")  # fmt: skip
    connection.set_schema_to_public()

    page = home_of(manager)

    assert "Intrusa" not in page
    assert figure(section(page, "home-today"), "covers-booked") == "18"


def test_the_cashier_sees_the_open_notes_and_the_till_and_no_figures(
    cashier, restaurant_a, evening
):
    with tenant_context(restaurant_a):
        seated = Reservation.objects.get(status="seated")
        open_note = note_issue(reservation=seated)
        paid = evening["lunch_note"]
        paid_total = money(paid.total)
    connection.set_schema_to_public()

    page = home_of(cashier)

    notes = section(page, "home-open-notes")
    till = section(page, "home-till")
    assert open_note.number in notes and paid.number not in notes
    assert f'href="/admin/billing/consumptionnote/{open_note.pk}/change/"' in notes
    assert figure(till, "paid-notes") == "1"
    assert figure(till, "till-total") == paid_total
    card = re.search(r'data-method="card">.*?</tr>', till, re.S).group(0)
    assert ">1<" in card and paid_total in card
    for manager_only in ("home-revenue", "home-forecast", "home-today", "home-week"):
        assert f'id="{manager_only}"' not in page
    assert "Beatriz" not in page  # nor the book's arrivals


def test_the_panel_alone_follows_a_new_booking(manager, restaurant_a, evening):
    before = figure(home_of(manager, PANEL), "covers-booked")
    with tenant_context(restaurant_a):
        booking(evening["tables"]["M06"], at(19, 45), 4, "confirmed", name="Nueva")
    connection.set_schema_to_public()

    after = home_of(manager, PANEL)

    assert (before, figure(after, "covers-booked")) == ("18", "22")
    assert "Nueva" in section(after, "home-arrivals")
    assert after.lstrip().startswith('<div id="home-panel"')


def test_the_panel_is_refused_to_anonymous_visitors_and_other_restaurants_staff(
    client_a, restaurant_a, evening
):
    with time_machine.travel(NOW, tick=False):
        anonymous = client_a.get(PANEL)
        refused_login = client_a.post(
            "/admin/login/?next=/admin/", {"username": MANAGER_B, "password": PASSWORD}
        )
        stranger = client_a.get(PANEL)

    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    assert refused_login.status_code == 200  # Bruno's account is Bistro Verde's only
    assert stranger.status_code == 302 and "/admin/login/" in stranger["Location"]


def test_staff_with_neither_role_get_no_panel(restaurant_a, evening):
    with tenant_context(restaurant_a):
        get_user_model().objects.create_user(
            username="nadie@casa-azul.test", password=PASSWORD, is_staff=True
        )
    connection.set_schema_to_public()
    client = browser(restaurant_a, "nadie@casa-azul.test")

    with time_machine.travel(NOW, tick=False):
        assert 'id="home-panel"' not in client.get("/admin/").content.decode()
        assert 'id="home-panel"' not in client.get(PANEL).content.decode()


def test_the_homes_read_with_a_few_queries_whatever_the_bookings(
    restaurant_a, evening, django_assert_max_num_queries
):
    with tenant_context(restaurant_a):
        booking_policy_snapshot()  # the policy is cached, as between two requests
        with django_assert_max_num_queries(7):
            dashboard.manager_today(now=NOW)
        with django_assert_max_num_queries(2):
            dashboard.week_ahead(today=TODAY)
        with django_assert_max_num_queries(8):
            dashboard.cashier_today(now=NOW)


def test_the_panels_queries_do_not_grow_with_the_bookings(
    manager, restaurant_a, evening, django_assert_num_queries
):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(db) as few:
        home_of(manager, PANEL)
    with tenant_context(restaurant_a):
        for minute in range(0, 60, 5):
            for code in ("M01", "M03", "M07"):
                booking(evening["tables"][code], at(21, minute), 2, "cancelled")
        for day in range(1, 7):
            booking(evening["tables"]["M01"], at(20, day=TODAY + dt.timedelta(days=day)), 2,
                    "confirmed")  # fmt: skip
    connection.set_schema_to_public()
    with CaptureQueriesContext(db) as many:
        home_of(manager, PANEL)

    assert len(many.captured_queries) == len(few.captured_queries)
