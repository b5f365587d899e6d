"""The customer's admin page shows their history with the restaurant: visits, spend,
no-shows, cancellations, last visit, average party and their special requests."""

import datetime as dt
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from analytics.selectors import guest_history
from reservations.models import Customer, ReservationStatus
from tests.analytics.test_rollups import DAY, at, booking, move, pay
from tests.billing.conftest import table_priced
from tests.conftest import MANAGER_A, PASSWORD, host_of
from tests.factories import CustomerFactory, open_every_day


def _regular(restaurant):
    """A customer who came twice (once paying 115.00, in parties of 2 and 4), missed one
    booking, cancelled another and has one still to come; and someone else's visit."""
    with tenant_context(restaurant):
        open_every_day("12:00", "03:00", max_days_ahead=365)
        table = table_priced("M01", "100.00", max_capacity=6)
        regular = CustomerFactory(first_name="Lucía", notes="Prefers the terrace.")
        first = booking(table, starts_at=at(DAY, "13:00"), customer=regular)
        move(first, ReservationStatus.SEATED, moment=at(DAY, "13:00"))
        move(first, ReservationStatus.FINISHED, moment=at(DAY, "14:00"))
        second = booking(
            table, starts_at=at(DAY + dt.timedelta(days=7), "20:00"), customer=regular, party_size=4
        )
        second.special_requests = "Birthday cake at dessert"
        second.save(update_fields=["special_requests"])
        move(second, ReservationStatus.SEATED, moment=second.starts_at)
        pay(second, moment=second.starts_at + dt.timedelta(hours=1))
        missed = booking(
            table, starts_at=at(DAY + dt.timedelta(days=14), "20:00"), customer=regular
        )
        move(missed, ReservationStatus.NO_SHOW, moment=missed.starts_at + dt.timedelta(minutes=30))
        dropped = booking(
            table, starts_at=at(DAY + dt.timedelta(days=21), "20:00"), customer=regular
        )
        move(dropped, ReservationStatus.CANCELLED, moment=at(DAY, "12:00"))
        booking(table, starts_at=at(DAY + dt.timedelta(days=60), "20:00"), customer=regular)
        stranger = booking(table, starts_at=at(DAY + dt.timedelta(days=2), "20:00"), party_size=6)
        move(stranger, ReservationStatus.SEATED, moment=stranger.starts_at)
    connection.set_schema_to_public()
    return regular


def test_the_history_sums_a_customers_visits_and_spend_in_two_queries(restaurant_a):
    regular = _regular(restaurant_a)

    with tenant_context(restaurant_a):
        connection.ensure_connection()
        Customer.objects.exists()  # the schema's search path set before counting
        with CaptureQueriesContext(connection) as queries:
            history = guest_history(customer=regular)

    assert len(queries) == 2
    assert (history["visits"], history["no_shows"], history["cancellations"]) == (2, 1, 1)
    assert (str(history["spend"]), history["paid_notes"]) == ("115.00", 1)
    assert str(history["average_party_size"]) == "3.0"
    assert history["last_visit"] == at(DAY + dt.timedelta(days=7), "20:00")
    assert [line["special_requests"] for line in history["requests"]] == [
        "Birthday cake at dessert"
    ]


def test_the_customer_page_shows_the_history_panel(restaurant_a):
    regular = _regular(restaurant_a)
    manager = Client(HTTP_HOST=host_of(restaurant_a))
    manager.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})

    page = manager.get(f"/admin/reservations/customer/{regular.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="guest-history"' in html

    def figure(name: str) -> str:
        found = re.search(rf'data-figure="{name}">(.*?)</dd>', html, re.S)
        return re.sub(r"<[^>]+>", "", found.group(1)).strip()

    assert figure("visits").startswith("2")
    assert figure("spend").startswith("$115.00")
    assert (figure("no_shows"), figure("cancellations")) == ("1", "1")
    assert figure("average_party_size") in {"3.0", "3,0"}
    assert "Birthday cake at dessert" in figure("requests")
    assert "Prefers the terrace." in html  # their notes, in the form above
    # Not on the page for adding one.
    assert (
        'id="guest-history"'
        not in manager.get("/admin/reservations/customer/add/").content.decode()
    )
