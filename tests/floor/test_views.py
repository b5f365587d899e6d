"""The live floor page and its one-click actions, over HTTP."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from analytics.services import alert_raise
from reservations.models import Reservation, StatusChange
from tests.conftest import MANAGER_A, MANAGER_B, PASSWORD
from tests.factories import CustomerFactory, TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")


@pytest.fixture
def booked(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:00", max_days_ahead=365)
        table = TableFactory(code="M01", max_capacity=4)
        starts_at = dt.datetime.combine(
            dt.date.today() + dt.timedelta(days=2), dt.time(20), tzinfo=MEXICO
        )
        reservation = Reservation.objects.create(
            customer=CustomerFactory(),
            table=table,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=2),
            party_size=2,
            status="confirmed",
        )
    connection.set_schema_to_public()
    return table, reservation


def logged_in(client, email):
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_manager_finds_the_live_floor_from_the_admin_index(client_a):
    manager = logged_in(client_a, MANAGER_A)

    index = manager.get("/admin/").content.decode()
    page = manager.get("/admin/live/")

    assert 'href="/admin/live/"' in index
    assert page.status_code == 200
    assert 'id="live-labels"' in page.content.decode()
    assert "Plano en vivo" in page.content.decode()


def test_a_cashier_has_no_live_floor(cashier):
    assert 'href="/admin/live/"' not in cashier.get("/admin/").content.decode()
    assert cashier.get("/admin/live/").status_code == 403
    assert (
        cashier.post(
            "/admin/live/action/", {"kind": "table", "id": 1, "to": "available"}
        ).status_code
        == 403
    )


def test_an_anonymous_visitor_is_sent_to_the_login(client_a):
    response = client_a.get("/admin/live/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_seating_from_the_floor_goes_through_the_lifecycle(client_a, booked, restaurant_a):
    table, reservation = booked
    manager = logged_in(client_a, MANAGER_A)

    response = manager.post(
        "/admin/live/action/", {"kind": "reservation", "id": reservation.pk, "to": "seated"}
    )

    assert response.json() == {"ok": True}
    with tenant_context(restaurant_a):
        reservation.refresh_from_db()
        table.refresh_from_db()
        assert (reservation.status, table.status) == ("seated", "occupied")
        history = StatusChange.objects.filter(
            content_type__model="reservation", object_id=reservation.pk
        ).values_list("to_status", "actor_label")
        assert ("seated", MANAGER_A) in list(history)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "reservation", "to": "finished"}, "«Confirmada» no puede pasar a «Finalizada»"),
        ({"kind": "reservation", "id": "x", "to": "seated"}, "Elemento desconocido."),
        ({"kind": "table", "to": "occupied"}, "Acción desconocida."),
    ],
)
def test_a_refused_click_says_why_in_spanish_and_changes_nothing(
    client_a, booked, restaurant_a, data, message
):
    table, reservation = booked
    manager = logged_in(client_a, MANAGER_A)
    data = {"id": reservation.pk if data["kind"] == "reservation" else table.pk, **data}

    response = manager.post("/admin/live/action/", data)

    assert response.status_code == 400
    assert message in response.json()["error"]
    with tenant_context(restaurant_a):
        reservation.refresh_from_db()
        assert reservation.status == "confirmed"


def test_an_alert_is_acknowledged_from_the_floor(client_a, restaurant_a):
    with tenant_context(restaurant_a):
        alert = alert_raise(kind="high_occupancy", severity="high", message="90 %")
    connection.set_schema_to_public()
    manager = logged_in(client_a, MANAGER_A)

    response = manager.post(
        "/admin/live/action/", {"kind": "alert", "id": alert.pk, "to": "acknowledge"}
    )

    assert response.json() == {"ok": True}
    with tenant_context(restaurant_a):
        alert.refresh_from_db()
        assert alert.status == "acknowledged" and alert.acknowledged_by.username == MANAGER_A


def test_another_restaurants_manager_cannot_act_on_this_floor(client_a, booked, restaurant_a):
    _table, reservation = booked
    # Bruno's account exists only in Bistro Verde: on Casa Azul's host he cannot log in.
    response = client_a.post(
        "/admin/login/?next=/admin/", {"username": MANAGER_B, "password": PASSWORD}
    )
    action = client_a.post(
        "/admin/live/action/", {"kind": "reservation", "id": reservation.pk, "to": "seated"}
    )

    assert response.status_code == 200  # the login form again
    assert action.status_code == 302  # to the login page
    with tenant_context(restaurant_a):
        reservation.refresh_from_db()
        assert reservation.status == "confirmed"


def test_the_manager_sees_tonights_forecast_on_the_floor(client_a, restaurant_a):
    from decimal import Decimal

    import time_machine

    from analytics.models import Forecast
    from floor.selectors import live_state

    today = dt.date(2030, 3, 8)
    evening = dt.datetime(2030, 3, 8, 19, 15, tzinfo=MEXICO)

    def forecast(hour, expected, low, high, booked):
        Forecast.objects.create(
            day=today,
            hour=hour,
            horizon=1,
            expected=Decimal(expected),
            low=Decimal(low),
            high=Decimal(high),
            booked=booked,
            confidence=Decimal("0.8"),
        )

    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:00", max_days_ahead=365)
        forecast(None, "84.4", "70.2", "98.0", 52)
        forecast(14, "30", "22", "38", 20)  # lunch is over by now
        forecast(19, "12", "8", "16", 10)
        forecast(20, "25.6", "19", "33", 18)
        with time_machine.travel(evening, tick=False):
            state = live_state()
    connection.set_schema_to_public()

    with time_machine.travel(evening, tick=False):
        page = logged_in(client_a, MANAGER_A).get("/admin/live/").content.decode()

    forecast_section = page[page.index('id="forecast"') : page.index('id="alerts-title"')]
    assert "84 " in forecast_section and "(70–98)" in forecast_section
    assert " 52 " in forecast_section  # booked so far
    assert "<strong>19:00</strong> 12" in forecast_section
    assert "<strong>20:00</strong> 26" in forecast_section
    assert "14:00" not in forecast_section
    # The socket's state carries the same, for the page to redraw on every connect.
    assert state["forecast"]["expected"] == 84 and state["forecast"]["booked"] == 52
    assert [hour["hour"] for hour in state["forecast"]["hours"]] == ["19:00", "20:00"]


def test_the_floor_says_when_there_is_no_forecast_yet(client_a, restaurant_a):
    page = logged_in(client_a, MANAGER_A).get("/admin/live/").content.decode()

    forecast_section = page[page.index('id="forecast"') : page.index('id="alerts-title"')]
    from floor.views import FORECAST_TEXT

    assert f'<p id="forecast-day">{FORECAST_TEXT["none"]}</p>' in forecast_section
    assert "<li>" not in forecast_section
