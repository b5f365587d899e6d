"""The manager's home in a real browser: its chart draws, and it follows the floor live."""

import pytest
from django.db import connection

from analytics.forecasts import forecasts_refresh
from booking.services.bookings import booking_transition
from reservations.models import Reservation, Table
from tests.browser.conftest import party_due_now
from tests.conftest import PASSWORD

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def carrera_now(committed_restaurant):
    """Carrera open all day with a party of three due now at M01, and its forecast kept."""
    party_due_now(committed_restaurant, party_size=3)
    forecasts_refresh()
    return committed_restaurant


def test_the_home_draws_today_and_shows_a_party_seated_elsewhere_without_a_reload(
    chromium, web_server, carrera_now, shots
):
    base = f"http://carrera.localhost:{web_server}"
    page = chromium.new_context(viewport=DESKTOP, locale="es-MX").new_page()
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.get_by_label("Nombre de usuario").fill("carla@carrera.test")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_selector("#home-covers-chart:not([hidden])")
    shots(page, "1-home")

    assert page.locator("[data-figure='covers-booked']").inner_text() == "3"
    assert page.locator("[data-figure='covers-seated']").inner_text() == "0"
    assert "Lucía García" in page.locator("#home-arrivals").inner_text()
    assert "comensales esperados" in page.locator("#home-forecast").inner_text()
    size = page.locator("#home-covers-chart").bounding_box()
    assert size and size["width"] > 100 and size["height"] > 50

    # Another host seats the party (here: the service the floor's action calls).
    connection.set_tenant(carrera_now)
    booking_transition(reservation=Reservation.objects.get(), to="seated", by=None)

    page.wait_for_function(
        "document.querySelector(\"[data-figure='covers-seated']\").textContent.trim() === '3'",
        timeout=15000,
    )
    shots(page, "2-seated-elsewhere")
    assert Table.objects.get(code="M01").status == "occupied"
