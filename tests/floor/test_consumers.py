"""The live floor's socket: who may open it, what it sends first, and which events reach it."""

import asyncio
import datetime as dt
import logging
import zoneinfo

import pytest
from channels.db import database_sync_to_async
from django.db import connection, transaction
from django_tenants.utils import schema_context, tenant_context

from config.asgi import application
from floor.consumers import LiveHub
from reservations.models import Reservation
from reservations.services.tables import table_set_status
from restaurants.live import live_event_send
from restaurants.roles import CASHIER
from restaurants.services import staff_user_ensure
from restaurants.websocket import restaurant_database
from tests.booking.test_public import booking
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, TableFactory, book, open_every_day
from tests.floor.conftest import ANA, CARLA, session_cookie

pytestmark = pytest.mark.asyncio

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
CARRERA = "carrera.localhost"
CASA_AZUL = "casa-azul.localhost"
BISTRO = "bistro-verde.localhost"
QUIET = 0.5  # how long "nothing arrives" is watched


@pytest.fixture
def carrera(committed_restaurant, live_db):
    connection.set_tenant(committed_restaurant)
    open_every_day("12:00", "23:30", max_days_ahead=365)
    table = TableFactory(code="M01", max_capacity=4)
    connection.set_schema_to_public()
    return committed_restaurant, table


@pytest.fixture
def carla(carrera):
    return session_cookie(CARRERA, CARLA)


@pytest.fixture
def ana(live_db):
    return session_cookie(CASA_AZUL, ANA)


def in_schema(restaurant, function, *args, **kwargs):
    """Run a write in the restaurant's schema on a worker thread; it commits."""

    def run():
        with tenant_context(restaurant):
            return function(*args, **kwargs)

    return database_sync_to_async(run)()


async def next_event(socket, type_: str, timeout: float = 5):
    """The next message of type ``type_`` (others, e.g. table moves, are skipped)."""
    while True:
        message = await socket.receive_json_from(timeout=timeout)
        if message["type"] == type_:
            return message


# --- Who may open it ---------------------------------------------------------------------


async def test_an_anonymous_visitor_is_refused(open_socket, live_db):
    _socket, connected, code = await open_socket(CARRERA)

    assert (connected, code) == (False, 4403)


async def test_a_manager_of_another_restaurant_is_refused_with_their_own_session(
    open_socket, carrera, ana
):
    _socket, connected, code = await open_socket(CARRERA, cookie=ana)

    assert (connected, code) == (False, 4403)


async def test_a_cashier_does_not_get_the_floor(open_socket, carrera):
    restaurant, _table = carrera

    def cashier_cookie():
        with tenant_context(restaurant):
            staff_user_ensure(email="caja@carrera.test", password=PASSWORD, role=CASHIER)
        return session_cookie(CARRERA, "caja@carrera.test")

    _socket, connected, code = await open_socket(
        CARRERA, cookie=await database_sync_to_async(cashier_cookie)()
    )

    assert (connected, code) == (False, 4403)


@pytest.mark.parametrize("host", ["nowhere.localhost", "localhost", "evil.example"])
async def test_a_socket_to_a_host_of_no_restaurant_is_closed(open_socket, carla, host):
    _socket, connected, _code = await open_socket(host, cookie=carla)

    assert not connected


async def test_an_unknown_path_is_closed_cleanly(open_socket, carla):
    _socket, connected, code = await open_socket(CARRERA, cookie=carla, path="/ws/other/")

    assert (connected, code) == (False, 4404)


# --- What it sends ----------------------------------------------------------------------


async def test_staff_get_their_floor_first_and_only_theirs(open_socket, carrera, carla):
    restaurant, table = carrera
    starts_at = dt.datetime.now(MEXICO).replace(second=0, microsecond=0)  # today, always
    await in_schema(
        restaurant,
        lambda: Reservation.objects.create(
            customer=CustomerFactory(first_name="Lucía", last_name="García"),
            table=table,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=30),
            party_size=2,
            status="confirmed",
        ),
    )

    socket, connected, _code = await open_socket(CARRERA, cookie=carla)
    state = await socket.receive_json_from(timeout=5)

    assert connected
    assert state["type"] == "initial_state" and state["version"] == 1
    assert [t["code"] for t in state["tables"]] == ["M01"]
    assert state["metrics"]["total"] == 1 and state["metrics"]["free"] == 1
    assert [r["customer"] for r in state["reservations"]] == ["Lucía García"]
    assert state["reservations"][0]["time"] == f"{starts_at:%H:%M}"


async def test_a_client_asks_for_another_day_and_garbage_gets_an_error_then_the_door(
    open_socket, carrera, carla
):
    socket, _connected, _code = await open_socket(CARRERA, cookie=carla)
    await socket.receive_json_from(timeout=5)

    await socket.send_json_to({"type": "day", "day": "2030-03-05"})
    day = await socket.receive_json_from(timeout=5)
    assert (day["type"], day["day"], day["reservations"]) == ("day", "2030-03-05", [])

    for garbage in ["not json", '{"no": "type"}', '{"type": "day", "day": "yesterday"}']:
        await socket.send_to(text_data=garbage)
        assert (await socket.receive_json_from(timeout=5))["type"] == "error"
    for _ in range(3):
        await socket.send_to(text_data="[]")
    messages = [await socket.receive_output(timeout=5) for _ in range(3)]
    assert messages[-1] == {"type": "websocket.close", "code": 4400}


# --- Which events reach it ----------------------------------------------------------------


async def test_a_table_move_reaches_its_restaurant_and_never_another(
    open_socket, carrera, carla, ana
):
    restaurant, table = carrera
    mine, _c, _ = await open_socket(CARRERA, cookie=carla)
    other, _c, _ = await open_socket(CASA_AZUL, cookie=ana)
    await mine.receive_json_from(timeout=5)
    await other.receive_json_from(timeout=5)

    await in_schema(restaurant, table_set_status, table=table, to="maintenance")

    event = await mine.receive_json_from(timeout=5)
    assert event["type"] == "table_status_changed"
    assert (event["table"]["code"], event["table"]["status"]) == ("M01", "maintenance")
    assert await other.receive_nothing(timeout=QUIET)


async def test_an_event_of_another_restaurant_never_reaches_this_one(
    open_socket, carrera, carla, ana
):
    mine, _c, _ = await open_socket(CARRERA, cookie=carla)
    other, _c, _ = await open_socket(CASA_AZUL, cookie=ana)
    await mine.receive_json_from(timeout=5)
    await other.receive_json_from(timeout=5)

    def alert_in_casa_azul():
        with schema_context("casa_azul"):
            live_event_send(type="metrics_updated", metrics={"occupancy_rate": 91.0})

    await database_sync_to_async(alert_in_casa_azul)()

    assert (await other.receive_json_from(timeout=5))["metrics"] == {"occupancy_rate": 91.0}
    assert await mine.receive_nothing(timeout=QUIET)


async def test_no_event_leaves_when_the_change_rolls_back(open_socket, carrera, carla):
    restaurant, table = carrera
    socket, _c, _ = await open_socket(CARRERA, cookie=carla)
    await socket.receive_json_from(timeout=5)

    def change_then_fail():
        with tenant_context(restaurant), transaction.atomic():
            table_set_status(table=table, to="maintenance")
            raise RuntimeError("the rest of the change failed")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(change_then_fail)()

    assert await socket.receive_nothing(timeout=QUIET)


async def test_a_booking_on_the_public_page_reaches_the_staff_socket(open_socket, carrera, carla):
    socket, _c, _ = await open_socket(CARRERA, cookie=carla)
    await socket.receive_json_from(timeout=5)
    day = dt.datetime.now(MEXICO).date() + dt.timedelta(days=3)

    def book_on_the_web():
        from django.test import Client

        # An address of its own: the per-IP booking limit counts other tests' bookings too.
        return Client(HTTP_HOST=CARRERA, REMOTE_ADDR="203.0.113.7").post(
            "/", booking(day, submission="livefloor1")
        )

    response = await database_sync_to_async(book_on_the_web)()

    assert response.status_code == 302
    event = await next_event(socket, "reservation_created")
    assert event["reservation"]["customer"] == "Lucía García"
    assert event["reservation"]["source"] == "web"
    assert event["reservation"]["starts_at"].startswith(f"{day:%Y-%m-%d}T20:00")


async def test_a_reservation_seated_in_the_admin_reaches_the_staff_socket(
    open_socket, carrera, carla
):
    restaurant, _table = carrera
    socket, _c, _ = await open_socket(CARRERA, cookie=carla)
    await socket.receive_json_from(timeout=5)
    day = dt.datetime.now(MEXICO).date() + dt.timedelta(days=2)
    reservation = await in_schema(
        restaurant,
        book,
        customer=await in_schema(restaurant, CustomerFactory),
        starts_at=dt.datetime.combine(day, dt.time(20, 0), tzinfo=MEXICO),
        party_size=2,
    )
    assert (await next_event(socket, "reservation_created"))["reservation"]["id"] == reservation.pk

    def seat_in_the_admin():
        from django.test import Client

        client = Client(HTTP_HOST=CARRERA)
        client.post("/admin/login/", {"username": CARLA, "password": PASSWORD})
        return client.post(
            "/admin/reservations/reservation/",
            {"action": "seat", "_selected_action": [reservation.pk]},
        )

    response = await database_sync_to_async(seat_in_the_admin)()

    assert response.status_code == 302
    table_event = await socket.receive_json_from(timeout=5)
    reservation_event = await socket.receive_json_from(timeout=5)
    assert (table_event["type"], table_event["table"]["status"]) == (
        "table_status_changed",
        "occupied",
    )
    assert reservation_event["type"] == "reservation_updated"
    assert reservation_event["reservation"]["status"] == "seated"


async def test_an_alert_acknowledged_in_the_admin_reaches_the_staff_socket(
    open_socket, carrera, carla
):
    from analytics.services import alert_raise

    restaurant, _table = carrera
    socket, _c, _ = await open_socket(CARRERA, cookie=carla)
    await socket.receive_json_from(timeout=5)

    alert = await in_schema(
        restaurant, alert_raise, kind="high_occupancy", severity="high", message="90 % ocupado"
    )
    raised = await socket.receive_json_from(timeout=5)

    def acknowledge_in_the_admin():
        from django.test import Client

        client = Client(HTTP_HOST=CARRERA)
        client.post("/admin/login/", {"username": CARLA, "password": PASSWORD})
        return client.post(
            "/admin/analytics/alert/", {"action": "acknowledge", "_selected_action": [alert.pk]}
        )

    await database_sync_to_async(acknowledge_in_the_admin)()
    acknowledged = await socket.receive_json_from(timeout=5)

    assert (raised["type"], raised["alert"]["message"]) == ("alert_triggered", "90 % ocupado")
    assert (acknowledged["type"], acknowledged["alert"]["status"]) == (
        "alert_acknowledged",
        "acknowledged",
    )


async def test_a_sockets_database_work_leaves_the_thread_in_the_schema_it_found(carrera):
    restaurant, _table = carrera
    await database_sync_to_async(lambda: connection.set_schema_to_public())()

    seen = await restaurant_database(restaurant, lambda: connection.schema_name)
    with pytest.raises(ZeroDivisionError):
        await restaurant_database(restaurant, lambda: 1 / 0)
    after = await database_sync_to_async(lambda: connection.schema_name)()

    assert (seen, after) == ("carrera", "public")


async def test_a_reservation_seated_by_the_worker_reaches_the_staff_socket(
    open_socket, carrera, carla, celery_worker
):
    from booking.tasks import bookings_clock

    restaurant, table = carrera
    starts_at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)

    def guests_due_now():
        with tenant_context(restaurant):
            return Reservation.objects.create(
                customer=CustomerFactory(first_name="Marta", last_name="Ruiz"),
                table=table,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=2),
                party_size=2,
                status="confirmed",
            )

    reservation = await database_sync_to_async(guests_due_now)()
    socket, _c, _ = await open_socket(CARRERA, cookie=carla)
    await socket.receive_json_from(timeout=5)

    await database_sync_to_async(lambda: bookings_clock.delay("carrera"))()

    event = await next_event(socket, "reservation_updated", timeout=20)
    assert (event["reservation"]["id"], event["reservation"]["status"]) == (
        reservation.pk,
        "seated",
    )
    assert event["reservation"]["customer"] == "Marta Ruiz"


def stalling(application, stalled: asyncio.Event):
    """The ASGI application behind a client that, once ``stalled`` is set, reads nothing:
    the server's sends to it never finish."""

    async def behind_a_stalled_client(scope, receive, send):
        async def send_or_stall(message):
            if stalled.is_set() and message["type"] == "websocket.send":
                await asyncio.Event().wait()
            await send(message)

        return await application(scope, receive, send_or_stall)

    return behind_a_stalled_client


async def test_a_screen_that_takes_no_more_events_is_resynced_then_let_go(
    open_socket, carrera, carla, settings, caplog
):
    """A socket whose send does not finish within the send timeout is sent the whole state
    instead of its backlog; when that does not go either, it is let go and leaves the hub, so
    that nothing piles up for it in memory. The others carry on. Both are logged."""
    settings.LIVE_SEND_TIMEOUT_SECONDS = 1
    restaurant, table = carrera
    stops_reading = asyncio.Event()
    attentive, _c, _ = await open_socket(CARRERA, cookie=carla)
    stalled, _c, _ = await open_socket(
        CARRERA, cookie=carla, app=stalling(application, stops_reading)
    )
    await attentive.receive_json_from(timeout=5)
    await stalled.receive_json_from(timeout=5)
    hub = LiveHub.of_running_loop()  # this loop's: the consumers' own
    assert hub.screens_of("carrera") == 2

    stops_reading.set()
    with caplog.at_level(logging.WARNING, logger="floor.consumers"):
        await in_schema(restaurant, table_set_status, table=table, to="maintenance")
        assert (await attentive.receive_json_from(timeout=5))["type"] == "table_status_changed"
        await asyncio.wait_for(stalled.future, timeout=10)  # the stalled one's consumer ended

    assert hub.screens_of("carrera") == 1
    logged = [record.getMessage() for record in caplog.records]
    assert any("resyncs" in line and line.endswith("schema=carrera") for line in logged)
    assert any("let go schema=carrera" in line for line in logged)


async def test_the_forecast_job_pushes_tonights_forecast_to_the_staff_socket(
    open_socket, carrera, carla
):
    from analytics.forecasts import forecasts_refresh
    from analytics.selectors import service_day_at

    restaurant, _table = carrera
    socket, _c, _ = await open_socket(CARRERA, cookie=carla)
    first = await socket.receive_json_from(timeout=5)

    def forecast():
        from django.utils import timezone

        forecasts_refresh()
        return service_day_at(timezone.now())

    today = await in_schema(restaurant, forecast)
    pushed = await next_event(socket, "forecast_updated")

    assert first["forecast"] is None
    assert pushed["forecast"]["day"] == today.isoformat()
    assert not pushed["forecast"]["closed"]
