"""Debian's Chromium driven by Playwright (the web server is tests/conftest.py's)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from reservations.models import Reservation, Table
from tests.conftest import ROOT
from tests.factories import CustomerFactory, DishFactory, TableFactory, open_every_day

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "var" / "artifacts" / "browser"


@pytest.fixture(scope="package")
def sync_queries_beside_playwright():
    """Playwright's sync API keeps an event loop running in this thread while the browser is
    open; the tests' own ORM calls are plain sync code, so Django is told so, for this package
    only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def chromium(sync_queries_beside_playwright):
    """Debian's Chromium driven by Playwright (``dev.py test`` installs it where it can)."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def shots(request):
    """Save a screenshot of a page under var/artifacts/browser/<test>/<step>.png."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page, step: str):
        page.screenshot(path=str(folder / f"{step}.png"), full_page=True)

    return shot


@pytest.fixture
def carrera(committed_restaurant):
    """Carrera (committed, for the server's own connections) open 13:00–23:30 every day,
    bookable a year ahead, with table M01 (8.00) and a dish in stock."""
    connection.set_tenant(committed_restaurant)
    open_every_day("13:00", "23:30", max_days_ahead=365)
    table = TableFactory(code="M01", max_capacity=4)
    Table.objects.filter(pk=table.pk).update(reservation_price=Decimal("8.00"))
    DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=5)
    return committed_restaurant


def party_due_now(restaurant, *, party_size: int) -> Reservation:
    """``restaurant`` (committed) open all day, with Lucía García's confirmed party of
    ``party_size`` due this minute at M01 (4 seats), as staff screens see a busy moment."""
    connection.set_tenant(restaurant)
    open_every_day("00:00", "23:59")
    starts_at = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    return Reservation.objects.create(
        customer=CustomerFactory(first_name="Lucía", last_name="García"),
        table=TableFactory(code="M01", max_capacity=4),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        party_size=party_size,
        status="confirmed",
    )
