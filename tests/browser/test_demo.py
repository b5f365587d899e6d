"""The demo restaurant's public page, as a visitor finds it after `dev.py up`: booked end to
end in Spanish and, through the language switch, in English, while the host's live floor
shows the new booking as it happens; and the manager's home, reports and forecast on the
demo's history, and the cashier's home."""

import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import tenant_context

from booking.management.commands.demo import CASHIER_EMAIL, DEMO_PASSWORD, MANAGER_EMAIL
from menu.models import PreOrder
from notifications.models import Message
from reservations.models import Reservation
from restaurants.models import Restaurant

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="package")
def salon(django_db_setup, django_db_blocker):
    """`manage.py demo`, committed so the web server sees it; dropped with its schema after."""
    with django_db_blocker.unblock():
        with override_settings(DEBUG=True):
            call_command(
                "demo",
                "--history-days",
                "30",
                stdout=open("/dev/null", "w"),  # noqa: SIM115
            )
        connection.set_schema_to_public()
        restaurant = Restaurant.objects.get(slug="salon")
        yield restaurant
        connection.set_schema_to_public()
        restaurant.delete(force_drop=True)


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("es", {"first": "Nombre", "last": "Apellidos", "phone": "Teléfono (WhatsApp)",
                "email": "Correo electrónico", "pre_order": "Pedir platos por adelantado",
                "book": "Reservar", "booked": "Tu mesa está reservada"}),
        ("en", {"first": "First name", "last": "Last name", "phone": "Phone (WhatsApp)",
                "email": "Email", "pre_order": "Pre-order dishes",
                "book": "Book", "booked": "Your table is booked"}),
    ],
)  # fmt: skip
def test_the_demo_page_books_a_table_with_a_pre_order(
    chromium, web_server, celery_worker, salon, shots, language, texts
):
    page = chromium.new_context(viewport=PHONE, locale="es-MX").new_page()
    page.goto(f"http://salon.localhost:{web_server}/")
    assert page.locator("h1").inner_text() == "Le Salon de Lumière"
    if language == "en":
        page.select_option("#language-select", "en")
        page.get_by_role("button", name="Cambiar").click()
        page.wait_for_selector("text=Book a table")
    shots(page, f"{language}-1-landing")

    # A day the calendar shows with room; the times under it follow (refreshed by script).
    day = page.locator("td.available:not(.chosen) a").first
    chosen = day.get_attribute("data-day")
    day.click()
    page.wait_for_selector(f"#availability[data-day='{chosen}']")

    # Meanwhile the host watches that day's timeline on the live floor.
    host = chromium.new_context(viewport=DESKTOP, locale="es-MX").new_page()
    host.goto(f"http://salon.localhost:{web_server}/admin/login/?next=/admin/live/")
    host.get_by_label("Nombre de usuario").fill(MANAGER_EMAIL)
    host.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    host.get_by_role("button", name="Iniciar sesión").click()
    host.wait_for_selector("#connection.online")
    host.fill("#timeline-day", chosen)
    host.wait_for_selector(".timeline .row")
    page.locator("label.time").first.click()
    page.get_by_label(texts["first"], exact=True).fill("Marie")
    page.get_by_label(texts["last"]).fill("Dupont")
    page.get_by_label(texts["phone"]).fill("55 9876 5432")
    page.get_by_label(texts["email"]).fill("marie@example.com")
    page.get_by_text(texts["pre_order"]).click()
    page.locator(".pre-order input").first.fill("2")
    estimate = page.locator("#estimate").inner_text()
    shots(page, f"{language}-2-filled")
    page.get_by_role("button", name=texts["book"], exact=True).click()
    page.wait_for_selector("#reference")
    shots(page, f"{language}-3-confirmed")

    assert page.get_by_text(texts["booked"]).is_visible()
    # The host's screen shows the booking without a reload.
    host.wait_for_selector(".timeline button.booking:has-text('Marie Dupont')")
    shots(host, f"{language}-4-live-floor")
    # The total promised while filling the form is the one the confirmation states.
    assert page.locator("#pre-order-total").inner_text() in estimate
    with tenant_context(salon):
        reservation = Reservation.objects.get(reference=page.locator("#reference").inner_text())
        assert reservation.source == "web"
        assert reservation.customer.email == "marie@example.com"
        pre_order = PreOrder.objects.get(reservation=reservation)
        assert pre_order.quantity == 2
        note_number, dish = reservation.note.number, pre_order.dish.name

    # Within seconds the worker has put the WhatsApp confirmation in the outbox (no
    # provider account here), in the language the booking was made in.
    confirmation = confirmation_in_outbox(salon, reservation, within_seconds=20)
    lines = confirmation.body.splitlines()
    greeting = {"es": "Hola Marie, tu reserva en", "en": "Hello Marie, your booking at"}
    assert lines[0].startswith(greeting[language])
    assert (confirmation.channel, confirmation.recipient) == ("whatsapp", "+525598765432")
    labels = {"es": ("Nota", "Total"), "en": ("Note", "Total")}[language]
    assert f"{labels[0]}: {note_number}" in lines
    assert any(line.startswith(f"2 × {dish}: ") for line in lines)
    total_line = f"{labels[1]}: "
    total = next(line for line in lines if line.startswith(total_line)).removeprefix(total_line)
    assert total == page.locator("#pre-order-total").inner_text()


def log_in(chromium, base: str, email: str, next_url: str):
    page = chromium.new_context(viewport=DESKTOP, locale="es-MX").new_page()
    page.goto(f"{base}/admin/login/?next={next_url}")
    page.get_by_label("Nombre de usuario").fill(email)
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    return page


def test_the_demo_manager_lands_on_a_home_with_a_forecast_and_reports_with_history(
    chromium, web_server, salon, shots
):
    base = f"http://salon.localhost:{web_server}"
    home = log_in(chromium, base, MANAGER_EMAIL, "/admin/")
    home.wait_for_selector("#home-today")
    if home.locator("#covers-by-hour tbody tr[data-hour]").count():
        home.wait_for_selector("#home-covers-chart:not([hidden])")
        assert "comensales esperados" in home.locator("#home-forecast").inner_text()
    else:  # the demo closes on Mondays
        assert "Hoy está cerrado" in home.locator("#home-forecast").inner_text()
    shots(home, "1-manager-home")

    # The week ahead: every open day has its forecast beside what is booked.
    week = home.locator("#home-week tbody tr")
    assert week.count() == 7
    assert sum("%" in week.nth(row).inner_text() for row in range(7)) >= 5
    assert home.locator("#revenue-weeks [data-figure='revenue-average']").count() == 1

    home.get_by_role("link", name="Informes").first.click()
    home.wait_for_selector("body[data-charts-drawn='true']")
    shots(home, "2-reports-month")
    # A month of the demo's history: bookings every open day, paid notes, a busiest table.
    summary = home.locator("table#summary").inner_text()
    assert "Reservas" in summary
    assert home.locator("table#tables tbody tr").count() >= 5
    assert home.locator("table#dishes tbody tr").count() >= 5


def test_the_demo_cashier_lands_on_the_till_not_the_managers_figures(
    chromium, web_server, salon, shots
):
    page = log_in(chromium, f"http://salon.localhost:{web_server}", CASHIER_EMAIL, "/admin/")
    page.wait_for_selector("#home-cashier, #home-till")
    shots(page, "cashier-home")

    assert page.locator("#home-forecast").count() == 0
    assert page.locator("#home-revenue").count() == 0
    assert "Informe de caja" in page.content()


def confirmation_in_outbox(restaurant, reservation, *, within_seconds: float):
    """The reservation's confirmation once the worker has sent it; fails after the time."""
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        with tenant_context(restaurant):
            message = Message.objects.filter(reservation=reservation, event="confirmation").first()
        connection.set_schema_to_public()
        if message is not None and message.status == "sent":
            assert message.provider == "outbox"
            return message
        time.sleep(0.2)
    pytest.fail(f"no confirmation sent within {within_seconds} s (found: {message})")
