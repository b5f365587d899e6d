"""Session-wide fixtures: two restaurants, created once, each in its own schema."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context, tenant_context
from psycopg import sql

from api.authentication import tokens_forget
from reservations.models import BookingPolicy
from reservations.selectors import booking_policy_forget
from restaurants import services
from restaurants.hosts import hosts_forget
from restaurants.models import Restaurant
from tests.fake_providers import FakeProviders

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Tabla-de-quesos-42"
MANAGER_A = "ana@casa-azul.test"
MANAGER_B = "bruno@bistro-verde.test"


@pytest.fixture(scope="session")
def django_db_setup(
    django_test_environment, django_db_blocker, django_db_keepdb, django_db_modify_db_settings
):
    """The test database, always (tests with committed data use no ``db`` marker), and
    the test restaurants in it."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        databases = setup_databases(
            verbosity=0, interactive=False, keepdb=django_db_keepdb, aliases={"default"}
        )
        _create_test_restaurants()
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            _disconnect_other_sessions()
            teardown_databases(databases, verbosity=0)


def _disconnect_other_sessions():
    """End the sessions left open on the test database, so that it can be dropped: worker
    threads (consumers keep theirs for CONN_MAX_AGE) and the second per-context connection
    the tests' ORM calls get while Playwright's sync API runs."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


# name, slug, plan, timezone, currency, language, manager. "carrera" is kept for tests whose
# writes must be committed (threads, other processes).
TEST_RESTAURANTS = [
    ("Casa Azul", "casa-azul", "basic", "America/Mexico_City", "MXN", "es", MANAGER_A),
    ("Bistro Verde", "bistro-verde", "premium", "Europe/Madrid", "EUR", "en", MANAGER_B),
    ("Carrera", "carrera", "basic", "America/Mexico_City", "MXN", "es", "carla@carrera.test"),
]


def _create_test_restaurants():
    for name, slug, plan, zone, currency, language, manager in TEST_RESTAURANTS:
        services.restaurant_create(
            name=name,
            slug=slug,
            plan=plan,
            timezone=zone,
            currency=currency,
            language=language,
            manager_email=manager,
            manager_password=PASSWORD,
        )
    connection.set_schema_to_public()


def api_allowance_forget() -> None:
    """Forget the API requests the plans counted (kept in Redis 15 minutes, per restaurant):
    each test starts with the whole allowance."""
    with contextlib.suppress(Exception):  # Redis stopped by a test of its failure
        client = cache._cache.get_client(write=True)
        stale = list(client.scan_iter(match="*throttle:plan:*", count=1000))
        if stale:
            client.delete(*stale)


@pytest.fixture(autouse=True)
def _public_schema_and_spanish():
    """Each test starts where a fresh process would: public schema, Spanish, no restaurant
    remembered for a host or an API token (a rolled-back test may have changed one)."""
    translation.activate("es")
    hosts_forget()
    tokens_forget()
    api_allowance_forget()
    yield
    # A test's policy changes are rolled back; the cached copies must go too.
    for _name, slug, *_ in TEST_RESTAURANTS:
        with schema_context(Restaurant.schema_name_for(slug)):
            booking_policy_forget()
    connection.set_schema_to_public()
    translation.deactivate()


def _restaurant(slug: str) -> Restaurant:
    with schema_context("public"):
        return Restaurant.objects.get(slug=slug)


@pytest.fixture
def generous_public_limits(settings):
    """Per-IP limits of the public pages high enough for one test client's many requests."""
    settings.PUBLIC_RATE_LIMITS = {"availability": 1000, "booking": 1000}


@pytest.fixture
def restaurant_a(db) -> Restaurant:
    return _restaurant("casa-azul")


@pytest.fixture
def restaurant_b(db) -> Restaurant:
    return _restaurant("bistro-verde")


COMMITTED_TABLES = [
    "assistant_voicetoolcall",
    "assistant_conversationmessage",
    "assistant_conversation",
    "assistant_assistantsettings",
    "notifications_message",
    "notifications_optout",
    "notifications_messagetemplate",
    "notifications_messagingsettings",
    "analytics_alert",
    "analytics_metricssnapshot",
    "analytics_forecast",
    "analytics_dailyrollup",
    "billing_payment",
    "billing_noteline",
    "billing_consumptionnote",
    "billing_notecounter",
    "menu_preorder",
    "reservations_statuschange",
    "reservations_reservation",
    "reservations_customer",
    "reservations_table",
    "menu_dish",
    "menu_category",
    "reservations_openingperiod",
    "reservations_closeddate",
]


def _web_tiers_settled(seconds: float = 10) -> None:
    """Wait, at most ``seconds``, until no web tier the tests started is running a statement
    or holding a transaction open: a request a browser left running (a page still loading, an
    answer's message still being written) must not meet the TRUNCATE that empties its
    restaurant. On the cluster they deadlocked, or the request's late write failed its
    foreign key and reached into the next test."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s"
                " AND state <> 'idle' AND pid <> pg_backend_pid()",
                [f"{WEB_TIER_CONNECTIONS}%"],
            )
            if cursor.fetchone()[0] == 0 or time.monotonic() > deadline:
                return
            time.sleep(0.05)


@contextlib.contextmanager
def _emptied_afterwards(restaurant: Restaurant):
    try:
        yield restaurant
    finally:
        _web_tiers_settled()
        connection.set_tenant(restaurant)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(COMMITTED_TABLES)} RESTART IDENTITY CASCADE")
        # The policy row stays (every schema has it): back to the defaults, so that one
        # test's settings (auto-confirm off, a phone …) never reach the next.
        BookingPolicy.objects.filter(pk=1).update(
            **{
                field.attname: field.get_default()
                for field in BookingPolicy._meta.concrete_fields
                if not field.primary_key and not getattr(field, "auto_now", False)
            }
        )
        booking_policy_forget()
        connection.set_schema_to_public()


@pytest.fixture
def committed_restaurant(django_db_setup, django_db_blocker) -> Restaurant:
    """The 'carrera' restaurant, outside any test transaction; emptied afterwards.

    For tests that need real commits: many threads with their own connections, or a
    worker process. Nothing else uses this restaurant.
    """
    with django_db_blocker.unblock(), _emptied_afterwards(_restaurant("carrera")) as restaurant:
        yield restaurant


@pytest.fixture
def committed_restaurants(django_db_setup, django_db_blocker) -> tuple[Restaurant, Restaurant]:
    """'carrera' and 'casa-azul' outside any test transaction, both emptied afterwards: for
    a worker process that must touch two restaurants."""
    with (
        django_db_blocker.unblock(),
        _emptied_afterwards(_restaurant("carrera")) as carrera,
        _emptied_afterwards(_restaurant("casa-azul")) as casa_azul,
    ):
        yield carrera, casa_azul


def host_of(restaurant: Restaurant) -> str:
    return f"{restaurant.slug}.localhost"


@pytest.fixture
def client_a(restaurant_a) -> Client:
    return Client(HTTP_HOST=host_of(restaurant_a))


@pytest.fixture
def client_b(restaurant_b) -> Client:
    return Client(HTTP_HOST=host_of(restaurant_b))


@pytest.fixture
def platform_client(db) -> Client:
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def cashier(restaurant_a) -> Client:
    """A browser logged into Casa Azul's admin as a cashier."""
    from restaurants.roles import CASHIER

    with tenant_context(restaurant_a):
        services.staff_user_ensure(email="caja@casa-azul.test", password=PASSWORD, role=CASHIER)
    connection.set_schema_to_public()
    client = Client(HTTP_HOST=host_of(restaurant_a))
    client.post(
        "/admin/login/?next=/admin/", {"username": "caja@casa-azul.test", "password": PASSWORD}
    )
    return client


def database_url_of_test_database() -> str:
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"])
    host = settings["HOST"] or ""
    if host.startswith("/"):
        return f"postgres://{credentials}@/{settings['NAME']}?host={quote(host)}"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{settings['NAME']}"


@pytest.fixture
def second_database(db):
    """An empty database beside the test one, migrated as a new server's would be; its URL."""
    url = database_url_of_test_database()
    name = f"{connection.settings_dict['NAME']}_second"
    second = url.replace(f"/{connection.settings_dict['NAME']}", f"/{name}", 1)
    maintenance = url.replace(f"/{connection.settings_dict['NAME']}", "/postgres", 1)
    with psycopg.connect(maintenance, autocommit=True) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        manage(second, "migrate_schemas", "--shared", "--noinput", "-v", "0")
        yield second
    finally:
        with psycopg.connect(maintenance, autocommit=True) as server:
            server.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))


def manage(database_url: str, *arguments: str) -> str:
    """Run manage.py with these arguments against another database; its output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def fake_providers():
    """Twilio's and Meta's APIs for the test worker: every message it sends comes here."""
    with FakeProviders() as fake:
        yield fake


def worker_start(env: dict, name: str, queue: str, *options: str) -> subprocess.Popen:
    """``celery -A config worker`` as node ``name`` on ``queue``, once it answers a ping."""
    from config.celery import app

    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", *options,
         "-Q", queue, "-n", f"{name}@%h", "-l", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5, destination=[f"{name}@{os.uname().nodename}"]):
            return process
        if process.poll() is not None:
            pytest.fail("the Celery worker exited during start-up")
    process.kill()
    pytest.fail("the Celery worker did not answer within 60 s")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, fake_providers):
    """A real Celery worker process on the test database and this run's queue, sending
    WhatsApp and SMS messages to the fake providers."""
    with django_db_blocker.unblock():
        env = {
            **os.environ,
            **fake_providers.environment(),
            "DATABASE_URL": database_url_of_test_database(),
        }
    queue = os.environ.get("CELERY_QUEUE", "comensal")
    process = worker_start(env, f"test-{os.getpid()}", queue, "--pool", "solo")
    yield process
    process.terminate()
    process.wait(20)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="package")
def web_server(django_db_setup, django_db_blocker):
    """The web tier as production starts it (gunicorn, two uvicorn workers) on a free port,
    against the test database; stopped before the next package runs."""
    with django_db_blocker.unblock():
        database_url = database_url_of_test_database()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "COMENSAL_RATE_AVAILABILITY_PER_MINUTE": "10000",
        "COMENSAL_RATE_BOOKING_PER_MINUTE": "10000",
        "COMENSAL_LIVE_SEND_TIMEOUT": "2",
    }
    process = web_tier_start(port, env)
    web_tier_wait(process, port)
    yield port
    process.terminate()
    process.wait(30)


WEB_WORKERS = 2


def web_tier_start(port: int, env: dict[str, str]) -> subprocess.Popen:
    """``gunicorn -c config/web.py config.asgi:application``, as the README's production
    section runs it; returns once it accepts connections."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/web.py", "config.asgi:application"],
        cwd=ROOT,
        env={
            **env,
            "COMENSAL_BIND": f"127.0.0.1:{port}",
            "COMENSAL_WEB_WORKERS": str(WEB_WORKERS),
            "DATABASE_APPLICATION_NAME": web_tier_application_name(port),
        },
    )


WEB_TIER_CONNECTIONS = "comensal-web-"


def web_tier_application_name(port: int) -> str:
    """How the web tier on ``port`` names its connections in pg_stat_activity."""
    return f"{WEB_TIER_CONNECTIONS}{port}"


def web_tier_wait(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process.poll() is not None:
                pytest.fail("the web server exited during start-up")
            time.sleep(0.2)
    process.kill()
    pytest.fail("the web server did not listen within 30 s")
