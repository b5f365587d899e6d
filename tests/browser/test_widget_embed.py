"""The booking widget pasted on a restaurant's own website — dark, serif, of another origin —
keeps its own look and books through its frame."""

import datetime as dt
import threading
import zoneinfo
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from reservations.models import Reservation, Table
from reservations.selectors import booking_policy_forget, booking_policy_get
from tests.conftest import free_port
from tests.factories import TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
DESKTOP = {"width": 1280, "height": 900}

DARK_WEBSITE = """<!DOCTYPE html>
<html lang="es" style="color-scheme: dark">
<head><meta charset="utf-8"><title>Carrera · Reservas</title></head>
<body style="margin:0;padding:2rem;background:#101010;color:#e8e8e8;font:18px Georgia, serif">
  <h1>Carrera</h1>
  <p>Cocina de temporada. Reserva tu mesa:</p>
  <script src="{widget_js}" async></script>
</body>
</html>"""


@pytest.fixture
def carrera(committed_restaurant):
    connection.set_tenant(committed_restaurant)
    open_every_day("13:00", "23:30", max_days_ahead=365)
    table = TableFactory(code="M01", max_capacity=4)
    Table.objects.filter(pk=table.pk).update(reservation_price=Decimal("8.00"))
    return committed_restaurant


@pytest.fixture
def dark_website(web_server, carrera):
    """The restaurant's own website, served by a tiny http.server on 127.0.0.1 (another origin
    than the restaurant's host), with the widget snippet pasted in; its origin is listed in
    the booking policy as allowed to embed the form."""
    port = free_port()
    page = DARK_WEBSITE.format(widget_js=f"http://carrera.localhost:{web_server}/widget.js")

    class Website(BaseHTTPRequestHandler):
        def do_GET(self):
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Website)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{port}"
    policy = booking_policy_get()
    policy.embed_origins = origin
    policy.save()
    booking_policy_forget()  # the web server reads the policy from the same cache
    yield origin
    server.shutdown()
    server.server_close()


def widget_look(frame) -> dict:
    return frame.evaluate(
        """() => {
          const body = getComputedStyle(document.body);
          const html = getComputedStyle(document.documentElement);
          return {background: body.backgroundColor, page: html.backgroundColor,
                  font: body.fontFamily, colour: body.color};
        }"""
    )


def assert_own_look(look: dict):
    for background in (look["background"], look["page"]):
        # Opaque: rgb(…), never transparent or rgba(…, 0).
        assert background.startswith("rgb("), look
    assert "sans-serif" in look["font"], look
    assert look["colour"] == "rgb(29, 27, 24)", look  # dark ink on the light paper


def test_the_widget_on_a_dark_website_of_another_origin_keeps_its_look_and_books(
    chromium, web_server, carrera, dark_website, shots
):
    day = dt.datetime.now(MEXICO).date() + dt.timedelta(days=3)
    page = chromium.new_context(viewport=DESKTOP, locale="es-MX").new_page()
    page.goto(dark_website)
    frame = page.wait_for_selector("iframe").content_frame()
    frame.wait_for_selector("form#booking-form")
    frame.wait_for_load_state("load")  # its stylesheets too: the look is read from them
    assert frame.url.startswith(f"http://carrera.localhost:{web_server}/widget/")
    assert_own_look(widget_look(frame))
    shots(page, "1-dark-website-with-widget")

    frame.fill("#id_day", f"{day:%Y-%m-%d}")
    frame.dispatch_event("#id_day", "change")
    frame.wait_for_selector(f"#availability[data-day='{day:%Y-%m-%d}']")
    frame.locator("label.time", has_text="20:00").click()
    frame.get_by_label("Nombre", exact=True).fill("Lucía")
    frame.get_by_label("Apellidos").fill("García")
    frame.get_by_label("Teléfono (WhatsApp)").fill("55 1234 5678")
    frame.get_by_label("Correo electrónico").fill("lucia@example.com")
    shots(page, "2-filled")
    frame.get_by_role("button", name="Reservar").click()
    try:
        frame.wait_for_selector("#reference", timeout=10000)
    finally:
        shots(page, "3-booked")

    reference = frame.locator("#reference").inner_text()
    assert frame.get_by_text("Tu mesa está reservada").is_visible()
    frame.wait_for_load_state("load")
    assert_own_look(widget_look(frame))
    connection.set_tenant(carrera)
    reservation = Reservation.objects.get(reference=reference)
    assert (reservation.source, reservation.status) == ("web", "confirmed")
    assert reservation.starts_at == dt.datetime.combine(day, dt.time(20), tzinfo=MEXICO)
