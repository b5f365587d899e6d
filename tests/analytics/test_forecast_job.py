"""The stored forecast: the hourly job that writes it from the roll-ups and the book, the
prediction-anomaly alert that reads it, and the API that serves it, as a manager sees them."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import translation
from django_tenants.utils import tenant_context

from analytics import forecasts
from analytics import tasks as analytics_tasks  # noqa: F401 - registers the job's task
from analytics.models import Alert, AlertKind, AlertSeverity, DailyRollup, Forecast
from analytics.services import alerts_check
from booking.services.bookings import booking_transition
from config.celery import app
from reservations.models import ClosedDate, OpeningPeriod, ReservationStatus, TableArea
from reservations.selectors import booking_policy_forget, booking_policy_get
from restaurants.tasks import JOBS
from tests.billing.conftest import MEXICO
from tests.conftest import MANAGER_A, host_of
from tests.factories import CustomerFactory, TableFactory, api_key_for, book, open_every_day
from tests.threads import run_at_once

# A Tuesday morning in Mexico City: the forecast runs from this service day on.
TODAY = dt.date(2030, 3, 5)
MORNING = dt.datetime(2030, 3, 5, 10, 0, tzinfo=MEXICO)
# Covers of an ordinary week, Monday first: Fridays and Saturdays are the busy nights.
WEEK = (40, 45, 50, 60, 90, 100, 70)
WEEKS_OF_HISTORY = 20


def at(day: dt.date, time: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(time), tzinfo=MEXICO)


def seed_history(*, scale: float = 1.0, weeks: int = WEEKS_OF_HISTORY, before=TODAY):
    """Roll-ups of the weeks before ``before``: the usual week with a little day-to-day
    wobble, two fifths of the guests at lunch (14:00) and the rest at dinner (20:00)."""
    rows = []
    for offset in range(1, 7 * weeks + 1):
        day = before - dt.timedelta(days=offset)
        wobble = (day.toordinal() * 7919) % 11 - 5
        seated = round(scale * WEEK[day.weekday()]) + wobble
        lunch = round(seated * 0.4)
        rows.append(
            DailyRollup(
                day=day,
                reservations=seated // 2,
                covers_booked=seated + 3,
                covers_seated=seated,
                seated_by_hour={"14": lunch, "20": seated - lunch},
            )
        )
    DailyRollup.objects.bulk_create(rows)


def day_rows() -> dict[dt.date, Forecast]:
    return {row.day: row for row in Forecast.objects.filter(hour__isnull=True)}


@pytest.fixture
def casa_azul(restaurant_a):
    """Inside Casa Azul's schema (Mexico City, no country holidays), open 12:00–23:30."""
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:30", max_days_ahead=365)
        yield restaurant_a
    connection.set_schema_to_public()


# --- The job ------------------------------------------------------------------------------


def test_the_job_forecasts_the_next_fourteen_days_and_their_hours_from_the_roll_ups(casa_azul):
    seed_history()

    with time_machine.travel(MORNING, tick=False):
        written = app.tasks["analytics.forecast"].apply(args=[casa_azul.schema_name]).result
    connection.set_tenant(casa_azul)

    days = day_rows()
    assert "analytics.forecast" in JOBS["forecast"]
    assert sorted(days) == [TODAY + dt.timedelta(days=n) for n in range(14)]
    assert [days[day].horizon for day in sorted(days)] == list(range(1, 15))
    friday, monday = days[dt.date(2030, 3, 8)], days[dt.date(2030, 3, 11)]
    # The manager's week: Friday about twice a Monday, each inside its own range.
    assert 80 <= friday.expected <= 100 and 35 <= monday.expected <= 45
    for row in days.values():
        assert row.low <= row.expected <= row.high and not row.closed
        assert row.confidence > 0
    assert set(friday.factors) == {
        "level",
        "weekday",
        "trend",
        "season",
        "holiday",
        "holiday_name",
        "booked",
    }
    assert friday.factors["weekday"] > 1 > monday.factors["weekday"]
    hours = forecasts.forecast_hours_for(day=dt.date(2030, 3, 8))
    assert [row.hour for row in hours] == [14, 20]
    # Dinner brings more guests than lunch, and the hours add up to the day.
    assert hours[1].expected > hours[0].expected
    assert abs(sum(row.expected for row in hours) - friday.expected) <= 1
    assert written == Forecast.objects.count() == 14 + 14 * 2


def test_running_the_job_again_replaces_the_forecast_instead_of_adding_to_it(casa_azul):
    seed_history()
    forecasts.forecasts_refresh(now=MORNING)
    first = {(row.day, row.hour): row.expected for row in Forecast.objects.all()}

    forecasts.forecasts_refresh(now=MORNING + dt.timedelta(hours=1))

    again = {(row.day, row.hour): row.expected for row in Forecast.objects.all()}
    assert again == first
    assert set(Forecast.objects.values_list("computed_at", flat=True)) == {
        MORNING + dt.timedelta(hours=1)
    }


def test_two_jobs_at_once_leave_one_forecast(committed_restaurant):
    connection.set_tenant(committed_restaurant)
    open_every_day("12:00", "23:30", max_days_ahead=365)
    try:
        seed_history()
        results = run_at_once(
            committed_restaurant, 4, lambda _index: forecasts.forecasts_refresh(now=MORNING)
        )
        connection.set_tenant(committed_restaurant)

        assert [outcome for outcome, _rows in results] == ["ok"] * 4
        assert Forecast.objects.filter(hour__isnull=True).count() == 14
        assert Forecast.objects.count() == results[0][1]
    finally:
        connection.set_tenant(committed_restaurant)
        Forecast.objects.all().delete()
        DailyRollup.objects.all().delete()


def test_the_forecast_never_promises_fewer_guests_than_are_already_booked(casa_azul):
    seed_history()
    monday = dt.date(2030, 3, 11)  # about 40 guests on an ordinary Monday
    for number in range(1, 13):
        book(
            customer=CustomerFactory(),
            table=TableFactory(code=f"M{number:02d}", max_capacity=6),
            starts_at=at(monday, "20:00"),
            party_size=6,
            now=MORNING,
        )

    forecasts.forecasts_refresh(now=MORNING)

    row = day_rows()[monday]
    assert row.booked == 72
    assert row.low >= 72 and row.expected >= 72
    assert row.factors["booked"] == 72
    dinner = next(row for row in forecasts.forecast_hours_for(day=monday) if row.hour == 20)
    assert dinner.booked == 72 and dinner.expected >= 72


def test_days_the_restaurant_is_closed_are_forecast_as_closed(casa_azul):
    seed_history()
    policy = booking_policy_get()
    OpeningPeriod.objects.filter(weekday=0).delete()  # no longer open on Mondays
    ClosedDate.objects.create(policy=policy, date=dt.date(2030, 3, 13), reason="Inventario")
    booking_policy_forget()

    forecasts.forecasts_refresh(now=MORNING)

    days = day_rows()
    closed = sorted(day for day, row in days.items() if row.closed)
    assert closed == [dt.date(2030, 3, 11), dt.date(2030, 3, 13), dt.date(2030, 3, 18)]
    assert all(days[day].expected == 0 for day in closed)
    assert all(row.closed for row in forecasts.forecast_hours_for(day=dt.date(2030, 3, 13)))
    assert days[dt.date(2030, 3, 12)].expected > 30  # the Tuesday after is as usual


def test_another_restaurants_history_never_reaches_this_ones_forecast(restaurant_a, restaurant_b):
    with tenant_context(restaurant_b):
        open_every_day("12:00", "23:30", max_days_ahead=365)
        seed_history(scale=10)  # a far busier place
        forecasts.forecasts_refresh(now=MORNING)
        busy = day_rows()[dt.date(2030, 3, 8)].expected
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:30", max_days_ahead=365)
        forecasts.forecasts_refresh(now=MORNING)  # Casa Azul has no history at all
        quiet = day_rows()
        hours = Forecast.objects.filter(hour__isnull=False).count()
    connection.set_schema_to_public()

    assert busy > 500
    # Nothing to go by: nothing expected but what is booked, with no confidence, no hours.
    assert len(quiet) == 14
    assert {(row.expected, row.confidence) for row in quiet.values()} == {(0, 0)}
    assert hours == 0


# --- The prediction-anomaly alert ---------------------------------------------------------


def hour_forecast(hour: int, expected: str, *, day=TODAY, closed=False):
    value = Decimal(expected)
    Forecast.objects.create(
        day=day,
        hour=hour,
        horizon=1,
        expected=value,
        low=value,
        high=value,
        confidence=Decimal("0.8"),
        closed=closed,
    )


def seat_parties(count: int, *, party_size: int = 4, starts_at=None):
    starts_at = starts_at or at(TODAY, "19:30")
    for number in range(1, count + 1):
        reservation = book(
            customer=CustomerFactory(),
            table=TableFactory(code=f"M{number:02d}", max_capacity=6),
            starts_at=starts_at,
            party_size=party_size,
            now=MORNING,
        )
        booking_transition(reservation=reservation, to=ReservationStatus.SEATED)
    for number in range(count + 1, 9):  # empty tables: occupancy stays unremarkable
        TableFactory(code=f"M{number:02d}", max_capacity=6)


def anomalies() -> list[Alert]:
    return list(Alert.objects.filter(kind=AlertKind.PREDICTION_ANOMALY).order_by("raised_at"))


def test_far_more_guests_than_forecast_raise_one_low_alert_per_cooldown(casa_azul):
    open_every_day(
        "12:00", "23:30", max_days_ahead=365, high_occupancy_percent=100, low_occupancy_percent=0
    )
    # Two-hour stays: at 20:00 the 19:00 and 20:00 arrivals are in the house, 10 guests.
    hour_forecast(19, "4")
    hour_forecast(20, "6")
    hour_forecast(21, "6")
    seat_parties(4)  # 16 guests

    with translation.override("en"):
        first = alerts_check(now=at(TODAY, "20:10"))
        within = alerts_check(now=at(TODAY, "21:09"))
        after = alerts_check(now=at(TODAY, "21:10"))

    assert [(alert.kind, alert.severity) for alert in first] == [
        (AlertKind.PREDICTION_ANOMALY, AlertSeverity.LOW)
    ]
    assert first[0].message == "16 guests seated at 20:00 against 10 forecast."
    assert within == []
    assert [alert.kind for alert in after] == [AlertKind.PREDICTION_ANOMALY]
    assert len(anomalies()) == 2


def test_guests_within_the_threshold_of_the_forecast_raise_nothing(casa_azul):
    open_every_day(
        "12:00",
        "23:30",
        max_days_ahead=365,
        high_occupancy_percent=100,
        low_occupancy_percent=0,
        prediction_anomaly_percent=30,
    )
    hour_forecast(19, "4")
    hour_forecast(20, "6")
    seat_parties(3)  # 12 guests against 10: 20 % off

    assert alerts_check(now=at(TODAY, "20:10")) == []
    assert anomalies() == []


def test_no_anomaly_alert_while_the_restaurant_is_closed(casa_azul):
    open_every_day("12:00", "23:30", max_days_ahead=365, low_occupancy_percent=0)
    hour_forecast(23, "40")  # nobody in the house at 23:45 against 40 expected at 23:00

    assert alerts_check(now=at(TODAY, "23:45")) == []
    assert anomalies() == []


def test_the_anomaly_threshold_and_cooldown_are_the_restaurants_own(casa_azul):
    open_every_day(
        "12:00",
        "23:30",
        max_days_ahead=365,
        high_occupancy_percent=100,
        low_occupancy_percent=0,
        prediction_anomaly_percent=10,
        prediction_anomaly_cooldown_minutes=15,
    )
    hour_forecast(19, "4")
    hour_forecast(20, "6")
    seat_parties(3)  # 12 against 10: past a 10 % threshold

    first = alerts_check(now=at(TODAY, "20:10"))
    after = alerts_check(now=at(TODAY, "20:25"))

    assert [alert.kind for alert in first] == [AlertKind.PREDICTION_ANOMALY]
    assert [alert.kind for alert in after] == [AlertKind.PREDICTION_ANOMALY]


# --- The API ------------------------------------------------------------------------------


def api_client(restaurant, username: str, language: str = "en") -> Client:
    with tenant_context(restaurant):
        key = api_key_for(get_user_model().objects.get(username=username))
    connection.set_schema_to_public()
    return Client(
        HTTP_HOST=host_of(restaurant),
        HTTP_AUTHORIZATION=f"Token {key}",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_the_manager_reads_the_forecast_with_its_hours_and_what_to_do(casa_azul):
    seed_history()
    # A small room: six seats inside and a terrace of four.
    TableFactory(code="M01", max_capacity=6)
    TableFactory(code="T01", max_capacity=4, area=TableArea.TERRACE)
    forecasts.forecasts_refresh(now=MORNING)
    connection.set_schema_to_public()
    manager = api_client(casa_azul, MANAGER_A)

    response = manager.get("/api/v1/forecast/", {"start": "2030-03-08", "days": 3, "hours": "true"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["start"] == "2030-03-08"
    assert [day["date"] for day in body["days"]] == ["2030-03-08", "2030-03-09", "2030-03-10"]
    friday = body["days"][0]
    assert Decimal(friday["low"]) <= Decimal(friday["expected"]) <= Decimal(friday["high"])
    assert [hour["hour"] for hour in friday["hours"]] == [14, 20]
    codes = {(item["date"], item["code"]) for item in body["recommendations"]}
    assert ("2030-03-08", "staff_up") in codes and ("2030-03-08", "open_terrace") in codes
    staff_up = next(
        item
        for item in body["recommendations"]
        if item["code"] == "staff_up" and item["date"] == "2030-03-08"
    )
    # Lunch alone fills the six seats inside.
    assert staff_up["message"].startswith("Friday March 8, 14:00–15:00: about ")
    assert "Bring in more staff." in staff_up["message"]


def test_the_forecast_without_hours_and_a_span_too_long_is_refused_in_the_errors_format(
    casa_azul,
):
    seed_history()
    forecasts.forecasts_refresh(now=MORNING)
    connection.set_schema_to_public()
    manager = api_client(casa_azul, MANAGER_A)

    week = manager.get("/api/v1/forecast/", {"start": "2030-03-05"})
    too_long = manager.get("/api/v1/forecast/", {"days": 15})

    assert week.status_code == 200
    assert len(week.json()["days"]) == 7
    assert all(day["hours"] == [] for day in week.json()["days"])
    assert too_long.status_code == 400
    assert too_long.json()["code"] == "invalid" and "days" in too_long.json()["fields"]
