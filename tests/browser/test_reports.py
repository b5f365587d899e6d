"""The manager's period report in a real browser: the charts draw beside their tables, in
Spanish and, through the language switch, in English."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from analytics.models import DailyRollup
from tests.conftest import PASSWORD, host_of
from tests.factories import TableFactory

DESKTOP = {"width": 1280, "height": 900}
WEEK = "period=week&day=2030-03-05"


@pytest.fixture
def carrera_with_figures(committed_restaurant):
    """Two weeks of Carrera's roll-ups (committed for the server), removed afterwards: the
    roll-ups are not among the tables the committed restaurant is emptied of."""
    connection.set_tenant(committed_restaurant)
    TableFactory(code="M01", max_capacity=4)
    TableFactory(code="M02", max_capacity=6)
    for offset in range(14):
        day = dt.date(2030, 2, 25) + dt.timedelta(days=offset)
        covers = 10 + offset
        DailyRollup.objects.create(
            day=day,
            reservations=4,
            covers_booked=covers,
            covers_seated=covers,
            by_source={
                "web": {"reservations": 3, "covers": covers - 2},
                "admin": {"reservations": 1, "covers": 2},
            },
            by_table={
                "M01": {"reservations": 3, "covers": covers - 4},
                "M02": {"reservations": 1, "covers": 4},
            },
            seated_by_hour={"14": covers - 4, "21": 4},
            covers_by_hour={"14": covers - 4, "21": 4},
            dishes={"1": {"name": "Mole poblano", "preordered": 1, "sold": 3, "revenue": "55.50"}},
            turn_by_party_size={
                "2": {"parties": 2, "minutes": 70.0},
                "4": {"parties": 1, "minutes": 95.0},
            },
            revenue=Decimal(100 * covers),
            paid_notes=3,
            paid_covers=covers,
        )
    try:
        yield committed_restaurant
    finally:
        connection.set_tenant(committed_restaurant)
        DailyRollup.objects.all().delete()
        connection.set_schema_to_public()


def test_the_report_draws_its_charts_beside_their_tables_in_both_languages(
    chromium, web_server, carrera_with_figures, shots
):
    base = f"http://{host_of(carrera_with_figures)}:{web_server}"
    page = chromium.new_context(viewport=DESKTOP, locale="es-MX").new_page()
    page.goto(f"{base}/admin/login/?next=/admin/reports/%3F{WEEK.replace('&', '%26')}")
    page.get_by_label("Nombre de usuario").fill("carla@carrera.test")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_selector("body[data-charts-drawn='true']")

    for chart in ("covers", "revenue", "tables", "dishes", "sources", "turns"):
        size = page.locator(f"#chart-{chart}").bounding_box()
        assert size and size["width"] > 100 and size["height"] > 100, chart
        assert page.locator(f"#chart-{chart}").get_attribute("aria-label")
    # The chart's pixels are not all blank: Chart.js drew on it.
    painted = page.locator("#chart-covers").evaluate(
        """canvas => { const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                       for (let i = 3; i < data.length; i += 4) if (data[i]) return true; return false; }"""
    )
    assert painted
    # Tuesday 5 March (the ninth day): 18 covers seated and $1,800.00 (in Mexico's way of writing money).
    covers_row = page.locator("#covers tbody tr").nth(1)
    assert covers_row.locator("td").nth(0).inner_text() == "18"
    assert covers_row.locator("td").nth(1).inner_text() == "$1,800.00"
    assert page.locator("#tables tbody tr").first.locator("th").inner_text() == "M01"
    assert page.locator("#heatmap thead").inner_text().lower().startswith("hora")
    shots(page, "es-1-report")

    page.select_option("select[name=language]", "en")
    page.wait_for_selector("#heatmap thead >> text=Hour")
    page.wait_for_selector("body[data-charts-drawn='true']")
    assert page.locator("#covers-title").inner_text().startswith("Covers and revenue per day")
    assert page.locator("#chart-dishes").bounding_box()["width"] > 100
    shots(page, "en-2-report")

    page.goto(f"{base}/admin/reports/?{WEEK}&print=1")
    page.wait_for_selector("body[data-charts-drawn='true']")
    assert not page.locator("#report-filter").is_visible()
    shots(page, "en-3-printable")
