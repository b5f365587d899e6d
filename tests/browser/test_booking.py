"""A customer books in a real browser on the phone and on the desktop; staff see it."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection

from menu.models import PreOrder
from reservations.models import Reservation
from tests.conftest import MANAGER_A, PASSWORD

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def day_ahead() -> dt.date:
    return dt.datetime.now(MEXICO).date() + dt.timedelta(days=3)


def book(page, base: str, *, pre_order: bool, shot, prefix: str):
    day = day_ahead()
    page.goto(f"{base}/?day={day:%Y-%m-%d}&party_size=2")
    shot(page, f"{prefix}-1-form")
    page.locator("label.time", has_text="20:00").click()
    page.get_by_label("Nombre", exact=True).fill("Lucía")
    page.get_by_label("Apellidos").fill("García")
    page.get_by_label("Teléfono (WhatsApp)").fill("55 1234 5678")
    page.get_by_label("Correo electrónico").fill("lucia@example.com")
    if pre_order:
        page.get_by_text("Pedir platos por adelantado").click()
        page.get_by_label("Mole poblano").fill("2")
        # 37.00 + table 8.00 = 45.00, tax 6.75: the page shows the note's total.
        assert "$51.75" in page.locator("#estimate").inner_text()
    shot(page, f"{prefix}-2-filled")
    page.get_by_role("button", name="Reservar").click()
    try:
        page.wait_for_selector("#reference", timeout=10000)
    finally:
        shot(page, f"{prefix}-3-confirmed")
    return page.locator("#reference").inner_text()


@pytest.mark.parametrize(
    ("viewport", "pre_order"), [(PHONE, False), (PHONE, True), (DESKTOP, False), (DESKTOP, True)]
)
def test_a_customer_books_sees_it_in_admin_and_cancels_with_the_link(
    chromium, web_server, carrera, shots, viewport, pre_order
):
    base = f"http://carrera.localhost:{web_server}"
    context = chromium.new_context(viewport=viewport, locale="es-MX")
    page = context.new_page()
    prefix = f"{viewport['width']}{'-preorder' if pre_order else ''}"

    reference = book(page, base, pre_order=pre_order, shot=shots, prefix=prefix)

    assert page.get_by_text("Tu mesa está reservada").is_visible()
    manage_url = page.url
    connection.set_tenant(carrera)
    reservation = Reservation.objects.get(reference=reference)
    assert (reservation.source, reservation.status) == ("web", "confirmed")
    assert PreOrder.objects.filter(reservation=reservation).exists() == pre_order

    staff = chromium.new_context(viewport=DESKTOP).new_page()
    staff.goto(f"{base}/admin/login/?next=/admin/reservations/reservation/")
    staff.get_by_label("Nombre de usuario").fill(
        MANAGER_A.replace("ana@casa-azul", "carla@carrera")
    )
    staff.get_by_label("Contraseña").fill(PASSWORD)
    staff.get_by_role("button", name="Iniciar sesión").click()
    staff.wait_for_selector(f"text={reference}")
    shots(staff, f"{prefix}-4-admin")

    page.goto(manage_url.split("?")[0])
    page.get_by_role("button", name="Cancelar mi reserva").click()
    page.get_by_role("button", name="Sí, cancelar mi reserva").click()
    page.wait_for_selector("text=Tu reserva está cancelada.")
    shots(page, f"{prefix}-5-cancelled")
    reservation.refresh_from_db()
    assert reservation.status == "cancelled"
    context.close()


def test_two_customers_race_for_the_last_table_one_books_the_other_gets_alternatives(
    chromium, web_server, carrera, shots
):
    base = f"http://carrera.localhost:{web_server}"
    day = day_ahead()
    pages = []
    for index in range(2):
        page = chromium.new_context(viewport=PHONE).new_page()
        page.goto(f"{base}/?day={day:%Y-%m-%d}&party_size=2")
        page.locator("label.time", has_text="20:00").click()
        page.get_by_label("Nombre", exact=True).fill(f"Cliente{index}")
        page.get_by_label("Apellidos").fill("Prueba")
        page.get_by_label("Teléfono (WhatsApp)").fill(f"55 1234 567{index}")
        page.get_by_label("Correo electrónico").fill(f"cliente{index}@example.com")
        pages.append(page)

    pages[0].get_by_role("button", name="Reservar").click()
    pages[0].wait_for_selector("#reference")
    pages[1].get_by_role("button", name="Reservar").click()
    pages[1].wait_for_selector("text=Estas horas siguen libres")
    shots(pages[1], "race-loser")

    assert pages[1].locator("button[name=alternative]").count() >= 1
    connection.set_tenant(carrera)
    assert Reservation.objects.count() == 1
    pages[1].locator("button[name=alternative]").first.click()
    pages[1].wait_for_selector("#reference")
    assert Reservation.objects.count() == 2
