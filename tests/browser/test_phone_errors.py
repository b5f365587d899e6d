"""On a phone, a refused booking comes back with what to correct in view: the error summary
at the top of the form, and the cursor in the first field to correct."""

import datetime as dt
import zoneinfo

from django.db import connection

from reservations.models import Reservation

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
PHONE = {"width": 390, "height": 844}


def test_a_refused_booking_on_a_phone_shows_the_summary_at_the_top_and_focuses_the_first_bad_field(
    chromium, web_server, carrera, shots
):
    day = dt.datetime.now(MEXICO).date() + dt.timedelta(days=3)
    page = chromium.new_context(viewport=PHONE, locale="es-MX").new_page()
    page.goto(f"http://carrera.localhost:{web_server}/?day={day:%Y-%m-%d}&party_size=2")
    page.locator("label.time", has_text="20:00").click()
    page.get_by_label("Nombre", exact=True).fill("Lucía")
    # The last name forgotten, a phone too short, more dishes than the kitchen has left.
    page.get_by_label("Teléfono (WhatsApp)").fill("12345")
    page.get_by_label("Correo electrónico").fill("lucia@example.com")
    page.get_by_text("Pedir platos por adelantado").click()
    page.get_by_label("Mole poblano").fill("99")
    assert page.locator("#estimate").is_hidden()  # 99 of 5 left is not counted
    shots(page, "1-filled")

    page.get_by_role("button", name="Reservar").click()
    page.wait_for_selector("#error-summary")

    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("window.scrollY") == 0
    box = summary.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]  # seen at once
    text = summary.inner_text()
    assert "Revisa estos datos" in text
    for wrong in ["Apellidos", "Teléfono (WhatsApp)", "Escríbelo así:", "Solo quedan 5"]:
        assert wrong in text, wrong
    assert page.evaluate("document.activeElement.id") == "id_last_name"
    assert page.locator("#estimate").is_hidden()
    shots(page, "2-refused")

    summary.get_by_role("link", name="Teléfono (WhatsApp)").click()
    assert page.evaluate("document.activeElement.id") == "id_phone"
    field = page.get_by_label("Teléfono (WhatsApp)").bounding_box()
    assert field["y"] >= 0 and field["y"] + field["height"] <= PHONE["height"]
    shots(page, "3-phone-field")
    connection.set_tenant(carrera)
    assert not Reservation.objects.exists()
