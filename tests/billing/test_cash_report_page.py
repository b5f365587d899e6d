"""The cash report page as a cashier closes the day with it: the day it shows, its CSV, and
which notes are still open and why."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from billing.services import note_charge, note_finalise, note_issue
from booking.services.bookings import booking_transition
from reservations.models import ReservationStatus
from tests.billing.conftest import CASHIER_EMAIL, MEXICO, book, table_priced
from tests.conftest import PASSWORD, host_of
from tests.html_forms import form_fields

REPORT = "/admin/billing/consumptionnote/cash-report/"
SERVICE_DAY = dt.date(2030, 3, 5)
# 21:00 on the service day: lunch is over, the evening service is on.
EVENING_NOW = dt.datetime(2030, 3, 5, 21, 0, tzinfo=MEXICO)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, 3, 5, hour, minute, tzinfo=MEXICO)


def cashier_browser(restaurant) -> Client:
    client = Client(HTTP_HOST=host_of(restaurant))
    response = client.post(
        "/admin/login/?next=/admin/", {"username": CASHIER_EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def service_day(salon, cashier_user, restaurant_a):
    """The 5th of March: a lunch paid in cash, a lunch whose note was finalised and never
    charged, a party seated at 20:00 and a booking still to come at 22:30 (drafts)."""
    with tenant_context(restaurant_a):
        tables = [salon["table"], *(table_priced(f"M0{n}", "8.00") for n in (2, 3, 4))]
        lunch_paid = book(table=tables[0], starts_at=at(13), dishes=[salon["mole"]])
        lunch_unpaid = book(table=tables[1], starts_at=at(13, 30), dishes=[salon["chiles"]])
        seated = book(table=tables[2], starts_at=at(20))
        to_come = book(table=tables[3], starts_at=at(22, 30))
        notes = {}
        with time_machine.travel(at(13), tick=False):
            for name, reservation in [("lunch_paid", lunch_paid), ("lunch_unpaid", lunch_unpaid)]:
                booking_transition(reservation=reservation, to=ReservationStatus.SEATED)
                notes[name] = note_issue(reservation=reservation, by=cashier_user)
        with time_machine.travel(at(15), tick=False):
            paid = note_finalise(note=notes["lunch_paid"], by=cashier_user)
            note_charge(note=paid, payments={"cash": Decimal("50")}, by=cashier_user)
            note_finalise(note=notes["lunch_unpaid"], by=cashier_user)
            booking_transition(reservation=lunch_unpaid, to=ReservationStatus.FINISHED)
        with time_machine.travel(at(20), tick=False):
            booking_transition(reservation=seated, to=ReservationStatus.SEATED)
            notes["seated"] = note_issue(reservation=seated, by=cashier_user)
            notes["to_come"] = note_issue(reservation=to_come, by=cashier_user)
    connection.set_schema_to_public()
    return notes


def test_the_default_report_shows_its_day_in_the_day_field(service_day, restaurant_a):
    with time_machine.travel(EVENING_NOW, tick=False):
        page = cashier_browser(restaurant_a).get(REPORT)

    assert form_fields(page.content.decode(), form_id="report-filter")["day"] == "2030-03-05"
    assert page.context["report"].day == SERVICE_DAY


def test_export_csv_on_the_default_report_downloads_the_days_notes(service_day, restaurant_a):
    with time_machine.travel(EVENING_NOW, tick=False):
        browser = cashier_browser(restaurant_a)
        page = browser.get(REPORT).content.decode()
        link = export_link(page)
        exported = browser.get(REPORT + link)

    assert exported["Content-Type"].startswith("text/csv")
    assert 'filename="cash-report-2030-03-05.csv"' in exported["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    paid_number = service_day["lunch_paid"].number
    assert [row[:2] for row in rows if row and row[0] == paid_number] == [[paid_number, "Pagada"]]


def test_the_csv_link_carries_the_cashier_of_the_report(service_day, restaurant_a, cashier_user):
    with time_machine.travel(EVENING_NOW, tick=False):
        page = (
            cashier_browser(restaurant_a)
            .get(REPORT, {"day": "2030-03-05", "cashier": cashier_user.pk})
            .content.decode()
        )

    link = export_link(page)
    assert link == f"?day=2030-03-05&cashier={cashier_user.pk}&format=csv"


def test_open_notes_are_listed_apart_unpaid_after_service_and_still_to_come(
    service_day, restaurant_a
):
    with time_machine.travel(EVENING_NOW, tick=False):
        page = cashier_browser(restaurant_a).get(REPORT).content.decode()

    unpaid, upcoming = service_day["lunch_unpaid"], service_day["to_come"]
    assert "1 nota quedó sin cobrar después de su servicio: cóbrala o anúlala." in page
    assert (
        "2 notas siguen abiertas porque sus grupos aún no han llegado o siguen en la mesa." in page
    )
    unpaid_table = table_rows(page, "unpaid-notes")
    assert [row[:4] for row in unpaid_table] == [
        [unpaid.number, "M02", "13:30 · Finalizada", "Finalizada"]
    ]
    assert re.fullmatch(r"\$\d+\.\d\d", unpaid_table[0][4])  # the restaurant's money
    assert f'href="/admin/billing/consumptionnote/{unpaid.pk}/change/"' in page
    upcoming_table = table_rows(page, "upcoming-notes")
    assert [row[0] for row in upcoming_table] == [service_day["seated"].number, upcoming.number]
    assert upcoming_table[1][2:4] == ["22:30 · Confirmada", "Borrador"]
    assert "siguen abiertas (borrador o finalizada)" not in page


def test_the_next_days_report_counts_no_open_note_of_this_one(service_day, restaurant_a):
    with time_machine.travel(EVENING_NOW, tick=False):
        page = cashier_browser(restaurant_a).get(REPORT, {"day": "2030-03-06"}).content.decode()

    assert "sin cobrar" not in page and "siguen abiertas" not in page


def export_link(page: str) -> str:
    """Where the page's "Exportar CSV" button leads."""
    return re.search(r'href="([^"]*)"[^>]*>Exportar CSV<', page).group(1).replace("&amp;", "&")


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of the table ``table_id``."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
