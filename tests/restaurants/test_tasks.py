"""The scheduled jobs' dispatcher, with a real Celery worker and the machine's Redis."""

import datetime as dt
import logging
import os
import time

import pytest
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from booking.tasks import bookings_clock
from reservations.models import Reservation, StatusChange
from restaurants.models import Restaurant
from restaurants.tasks import JOBS, dispatch
from tests.conftest import database_url_of_test_database, worker_start
from tests.factories import CustomerFactory, TableFactory, open_every_day


def due_now(code: str) -> Reservation:
    """A confirmed party whose time came a minute ago."""
    open_every_day("00:00", "23:59")
    starts_at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=1)
    return Reservation.objects.create(
        customer=CustomerFactory(),
        table=TableFactory(code=code),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        party_size=2,
        status="confirmed",
    )


@pytest.fixture
def broken_restaurant(django_db_setup, django_db_blocker):
    """An active restaurant whose schema is gone (dropped by hand, say)."""
    with django_db_blocker.unblock(), schema_context("public"):
        restaurant = Restaurant(name="Ruinas", slug="ruinas", schema_name="ruinas")
        restaurant.auto_create_schema = False
        restaurant.save()
        yield restaurant
        Restaurant.objects.filter(pk=restaurant.pk).delete()


def test_the_dispatcher_runs_the_job_in_each_restaurant_and_a_broken_one_stops_none(
    committed_restaurants, broken_restaurant, celery_worker
):
    carrera, casa_azul = committed_restaurants
    with tenant_context(carrera):
        in_carrera = due_now("C01")
    with tenant_context(casa_azul):
        in_casa_azul = due_now("A01")
    connection.set_schema_to_public()

    dispatch.delay("activate")

    deadline = time.monotonic() + 30
    statuses = {}
    while time.monotonic() < deadline:
        for restaurant, reservation in ((carrera, in_carrera), (casa_azul, in_casa_azul)):
            with tenant_context(restaurant):
                statuses[restaurant.slug] = Reservation.objects.get(pk=reservation.pk).status
        if set(statuses.values()) == {"seated"}:
            break
        time.sleep(0.2)
    assert statuses == {"carrera": "seated", "casa-azul": "seated"}
    for restaurant, reservation in ((carrera, in_carrera), (casa_azul, in_casa_azul)):
        with tenant_context(restaurant):  # each schema holds its own history, nobody else's
            labels = set(StatusChange.objects.values_list("object_label", flat=True))
            assert labels == {reservation.reference, reservation.table.code}


def test_a_task_for_an_unknown_or_broken_restaurant_is_logged_with_its_schema(
    broken_restaurant, caplog
):
    caplog.set_level(logging.INFO)

    unknown = bookings_clock.apply(args=["no_such_schema"])
    broken = bookings_clock.apply(args=["ruinas"])

    assert unknown.successful() and unknown.result is None
    assert "skipped: no active restaurant schema=no_such_schema" in caplog.text
    assert broken.failed()
    assert "booking.clock failed schema=ruinas" in caplog.text


def database_sessions() -> int:
    """Sessions ever opened on the test database (PostgreSQL's own count)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.fixture
def prefork_worker(django_db_setup, django_db_blocker):
    """A worker as ``dev.py up`` starts it (prefork), one child, on a queue of its own."""
    from config.celery import app

    name = queue = f"prefork-{os.getpid()}"
    node = f"{name}@{os.uname().nodename}"
    with django_db_blocker.unblock():
        env = {**os.environ, "DATABASE_URL": database_url_of_test_database()}
    process = worker_start(env, name, queue, "--pool", "prefork", "--concurrency", "1")

    def tasks_run() -> int:
        stats = app.control.inspect(destination=[node]).stats() or {}
        return sum(stats.get(node, {}).get("total", {}).values())

    yield queue, tasks_run
    process.terminate()
    process.wait(20)


def test_a_prefork_worker_keeps_its_database_connection_from_task_to_task(
    committed_restaurant, broken_restaurant, prefork_worker
):
    """Twenty-one scheduled tasks in a row, one of them failing on a broken restaurant, open
    no new PostgreSQL session each (a new backend per task, its caches cold, halved the
    sweep's pace), and the tasks after the failure still do their work."""
    queue, tasks_run = prefork_worker

    def run(schema_names: list[str]) -> None:
        expected = tasks_run() + len(schema_names)
        for schema_name in schema_names:
            bookings_clock.apply_async(
                args=[schema_name], queue=queue, headers={"_schema_name": "public"}
            )
        deadline = time.monotonic() + 60
        while tasks_run() < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        assert tasks_run() == expected

    before = database_sessions()
    run([committed_restaurant.schema_name] * 10 + ["ruinas"])
    with tenant_context(committed_restaurant):
        due = due_now("C01")
    connection.set_schema_to_public()
    run([committed_restaurant.schema_name] * 10)

    assert database_sessions() - before < 5
    with tenant_context(committed_restaurant):
        assert Reservation.objects.get(pk=due.pk).status == "seated"


def test_every_job_has_a_task_the_worker_knows():
    from config.celery import app

    app.loader.import_default_modules()
    assert {task for tasks in JOBS.values() for task in tasks} <= set(app.tasks)
