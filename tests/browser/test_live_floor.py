"""The host's live floor in a real browser, updated by what other people do elsewhere."""

import datetime as dt
import re

import pytest
from django.db import connection

from notifications.models import Message
from reservations.models import Reservation, Table
from reservations.services.tables import table_set_status
from tests.browser.conftest import party_due_now
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, TableFactory

DESKTOP = {"width": 1280, "height": 900}
OCCUPIED_RED = "rgb(252, 165, 165)"
AVAILABLE_GREEN = "rgb(187, 247, 208)"


@pytest.fixture
def carrera_tonight(committed_restaurant):
    party_due_now(committed_restaurant, party_size=2)
    TableFactory(code="T01", max_capacity=2, area="terrace")
    return committed_restaurant


def open_live_floor(chromium, base):
    page = chromium.new_context(viewport=DESKTOP, locale="es-MX").new_page()
    page.goto(f"{base}/admin/login/?next=/admin/live/")
    page.get_by_label("Nombre de usuario").fill("carla@carrera.test")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_selector("#connection.online")
    return page


def colour_of(page, code):
    return page.locator(f"button.table[data-code='{code}']").evaluate(
        "element => getComputedStyle(element).backgroundColor"
    )


def test_the_floor_turns_a_table_red_when_another_host_seats_it(
    chromium, web_server, carrera_tonight, shots
):
    base = f"http://carrera.localhost:{web_server}"
    watching = open_live_floor(chromium, base)
    watching.wait_for_selector("button.table[data-code='M01'][data-status='available']")
    assert colour_of(watching, "M01") == AVAILABLE_GREEN
    assert "Lucía García" in watching.locator("button.table[data-code='M01']").inner_text()
    shots(watching, "1-before")

    seating = open_live_floor(chromium, base)
    seating.locator("button.table[data-code='M01']").click()
    seating.get_by_role("button", name="Sentar").click()

    watching.wait_for_selector("button.table[data-code='M01'][data-status='occupied']")
    shots(watching, "2-seated-elsewhere")
    assert colour_of(watching, "M01") == OCCUPIED_RED
    assert colour_of(watching, "T01") == AVAILABLE_GREEN
    assert "Ahora: " in watching.locator("button.table[data-code='M01']").inner_text()
    assert "Mesas ocupadas: 1 · Mesas reservadas: 0 · Mesas libres: 1 · Ocupación: 50 %" in (
        watching.locator("#metrics").inner_text()
    )
    connection.set_tenant(carrera_tonight)
    assert Table.objects.get(code="M01").status == "occupied"


def test_the_floor_reconnects_by_itself_and_catches_up_on_what_it_missed(
    chromium, web_server, carrera_tonight, shots
):
    base = f"http://carrera.localhost:{web_server}"
    sockets = []  # every socket the page opens, routed through the test to be cut at will

    def route(socket):
        socket.connect_to_server()
        sockets.append(socket)

    page = chromium.new_context(viewport=DESKTOP, locale="es-MX").new_page()
    page.route_web_socket(re.compile(r".*/ws/live/$"), route)
    page.goto(f"{base}/admin/login/?next=/admin/live/")
    page.get_by_label("Nombre de usuario").fill("carla@carrera.test")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_selector("button.table[data-code='T01'][data-status='available']")

    sockets[0].close()  # the network drops
    page.wait_for_selector("#connection.offline")
    shots(page, "1-offline")
    connection.set_tenant(carrera_tonight)
    table_set_status(table=Table.objects.get(code="T01"), to="maintenance")  # missed

    page.wait_for_selector("#connection.online", timeout=15000)
    page.wait_for_selector("button.table[data-code='T01'][data-status='maintenance']")
    shots(page, "2-back")
    assert len(sockets) == 2


def test_next_on_a_table_is_the_party_still_to_come_not_one_whose_time_is_over(
    chromium, web_server, carrera_tonight, shots
):
    """A booking nobody moved on after its time (the clock not run yet) is not "next"."""
    connection.set_tenant(carrera_tonight)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    terrace = Table.objects.get(code="T01")
    for first_name, starts_at in [("Pasada", now - dt.timedelta(hours=3)), ("Tarde", now)]:
        Reservation.objects.create(
            customer=CustomerFactory(first_name=first_name, last_name="Ruiz"),
            table=terrace,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=2),
            party_size=2,
            status="pending",
        )
    base = f"http://carrera.localhost:{web_server}"

    page = open_live_floor(chromium, base)
    terrace_button = page.locator("button.table[data-code='T01']")
    page.wait_for_selector("button.table[data-code='T01']:has-text('Siguiente')")
    shots(page, "1-next")

    assert "Tarde Ruiz" in terrace_button.inner_text()
    assert "Pasada Ruiz" not in terrace_button.inner_text()


def test_cancelling_from_the_floor_asks_first_and_only_yes_cancels(
    chromium, web_server, carrera_tonight, shots
):
    base = f"http://carrera.localhost:{web_server}"
    page = open_live_floor(chromium, base)
    page.wait_for_selector("button.table[data-code='M01']:has-text('Lucía García')")
    page.locator("button.table[data-code='M01']").click()
    page.get_by_role("button", name=re.compile(r"^Cancelar \d\d:\d\d$")).click()

    page.wait_for_selector("#actions-detail:has-text('¿Cancelar esta reserva?')")
    shots(page, "1-asks")
    connection.set_tenant(carrera_tonight)
    assert Reservation.objects.get().status == "confirmed"  # asking changed nothing

    page.get_by_role("button", name="Sí, cancelarla").click()
    # The dialog closes once the server has answered (a closed dialog is not rendered; a
    # selector for a closed one would match nothing, and so be "hidden", at once).
    page.wait_for_selector("dialog#actions", state="hidden")
    shots(page, "2-cancelled")
    reservation = Reservation.objects.get()
    assert reservation.status == "cancelled"
    # The customer is told, by the same request: nothing of it is left running when the
    # restaurant is emptied for the next test.
    assert Message.objects.filter(reservation=reservation, event="cancellation").count() == 1
