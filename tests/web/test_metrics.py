"""/metrics for the operator's Prometheus: on the platform's host only, behind a token,
counting requests by route and bookings by source, and never naming a customer."""

import datetime as dt
import os
import zoneinfo
from decimal import Decimal

import pytest
import requests
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import schema_context, tenant_context
from prometheus_client.parser import text_string_to_metric_families

from booking.observability import FIGURES_KEY
from reservations.models import Reservation, Table
from tests.conftest import (
    database_url_of_test_database,
    free_port,
    web_tier_start,
    web_tier_wait,
)
from tests.factories import TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
TOKEN = "s3cret-scrape-token-for-tests"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_REFRESH_SECONDS = 0
    settings.PUBLIC_RATE_LIMITS = {"availability": 1000, "booking": 1000}
    with schema_context("public"):
        cache.delete(FIGURES_KEY)


def scrape(client: Client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def sample(body: str, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels``."""
    return sum(
        value.value
        for family in text_string_to_metric_families(body)
        for value in family.samples
        if value.name == name and labels.items() <= value.labels.items()
    )


def test_metrics_are_off_when_no_token_is_set(platform_client, settings):
    settings.METRICS_TOKEN = ""

    assert platform_client.get("/metrics").status_code == 404
    assert platform_client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_a_wrong_or_missing_token_is_refused(platform_client, metrics_on):
    for header in ({}, {"HTTP_AUTHORIZATION": "Bearer nope"}, {"HTTP_AUTHORIZATION": TOKEN}):
        response = platform_client.get("/metrics", **header)
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert b"comensal_" not in response.content


def test_the_right_token_gets_the_metrics_on_the_platform_host(platform_client, metrics_on):
    body = scrape(platform_client)

    for kind in (
        "comensal_http_requests_total counter",
        "comensal_http_request_duration_seconds histogram",
        "comensal_celery_queue_length gauge",
        "comensal_bookings_total counter",
        "comensal_messages gauge",
        "comensal_websocket_connections gauge",
    ):
        assert f"# TYPE {kind}\n" in body, kind
    assert 'comensal_celery_queue_length{queue="' in body


def test_a_restaurant_host_has_no_metrics(client_a, metrics_on):
    response = client_a.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 404
    assert b"comensal_http_requests" not in response.content


@pytest.fixture
def bookable(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:30", max_days_ahead=60)
        table = TableFactory(code="M01", max_capacity=4)
        Table.objects.filter(pk=table.pk).update(reservation_price=Decimal("8.00"))


def test_a_booking_moves_its_route_and_the_bookings_by_source_and_names_no_one(
    platform_client, client_a, restaurant_a, metrics_on, bookable
):
    day = dt.datetime.now(MEXICO).date() + dt.timedelta(days=3)
    before = scrape(platform_client)

    page = client_a.get("/", {"day": f"{day:%Y-%m-%d}", "party_size": 2})
    booked = client_a.post(
        "/",
        {
            "day": f"{day:%Y-%m-%d}",
            "party_size": "2",
            "time": "20:00",
            "first_name": "Lucía",
            "last_name": "Zambrano",
            "phone": "55 1234 5678",
            "email": "lucia.zambrano@example.com",
            "special_requests": "",
            "website": "",
            "submission": "b2c3d4e5f6a7",
        },
    )
    after = scrape(platform_client)

    assert (page.status_code, booked.status_code) == (200, 302)
    with tenant_context(restaurant_a):
        assert Reservation.objects.get().source == "web"
    route = {"route": "restaurant-home"}
    for method, status in (("GET", "2xx"), ("POST", "3xx")):
        labels = {**route, "method": method, "status": status}
        assert sample(after, "comensal_http_requests_total", **labels) == (
            sample(before, "comensal_http_requests_total", **labels) + 1
        ), labels
        timed = {**route, "method": method}
        assert sample(after, "comensal_http_request_duration_seconds_count", **timed) == (
            sample(before, "comensal_http_request_duration_seconds_count", **timed) + 1
        )
        assert sample(after, "comensal_http_request_duration_seconds_sum", **timed) > sample(
            before, "comensal_http_request_duration_seconds_sum", **timed
        )
    assert sample(after, "comensal_bookings_total", source="web") == (
        sample(before, "comensal_bookings_total", source="web") + 1
    )
    # Summed over the restaurants: no restaurant named unless the operator asks for it.
    assert restaurant_a.schema_name not in after
    # Routes, never paths: the booking's manage link is not a label.
    assert "/booking/" not in after
    for personal in ("Lucía", "Lucia", "Zambrano", "lucia.zambrano", "5512345678", "1234 5678"):
        assert personal not in after, personal


def test_the_restaurant_label_names_the_schema_when_switched_on(
    platform_client, client_a, metrics_on, bookable, settings
):
    settings.METRICS_RESTAURANT_LABEL = True

    client_a.get("/robots.txt")
    body = scrape(platform_client)

    assert sample(body, "comensal_http_requests_total", route="robots", restaurant="casa_azul") >= 1


# --- The web tier as production runs it: several processes, one set of figures -------------


def test_the_web_processes_count_together(django_db_setup, django_db_blocker, tmp_path):
    with django_db_blocker.unblock():
        database_url = database_url_of_test_database()
    port = free_port()
    process = web_tier_start(
        port,
        {
            **os.environ,
            "DATABASE_URL": database_url,
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
            "COMENSAL_METRICS_TOKEN": TOKEN,
        },
    )
    try:
        web_tier_wait(process, port)
        base = f"http://127.0.0.1:{port}"
        # New connections each time: the requests spread over both worker processes.
        for _ in range(20):
            assert requests.get(f"{base}/robots.txt", headers={"Host": "localhost"}).ok
        scrapes = [
            requests.get(
                f"{base}/metrics",
                headers={"Host": "localhost", "Authorization": f"Bearer {TOKEN}"},
            )
            for _ in range(4)
        ]
        wrong_host = requests.get(
            f"{base}/metrics",
            headers={"Host": "carrera.localhost", "Authorization": f"Bearer {TOKEN}"},
        )
    finally:
        process.terminate()
        process.wait(30)

    assert wrong_host.status_code == 404
    for scraped in scrapes:
        assert scraped.status_code == 200
        # Whichever process answers, it counts every process's requests.
        assert sample(scraped.text, "comensal_http_requests_total", route="robots") == 20
    assert list((tmp_path / "metrics").glob("counter_*.db"))


def test_a_celery_task_is_timed_by_name_and_state(platform_client, metrics_on):
    from celery import signals

    from config.celery import app

    app.loader.import_default_modules()
    task = next(task for name, task in sorted(app.tasks.items()) if not name.startswith("celery."))
    labels = {"task": task.name, "state": "SUCCESS"}
    before = sample(
        scrape(platform_client), "comensal_celery_task_duration_seconds_count", **labels
    )

    signals.task_prerun.send(sender=task, task_id="metrics-test-task", task=task)
    signals.task_postrun.send(sender=task, task_id="metrics-test-task", task=task, state="SUCCESS")

    after = sample(scrape(platform_client), "comensal_celery_task_duration_seconds_count", **labels)
    assert after == before + 1
