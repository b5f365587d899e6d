"""The cashier's notes through the API: a cashier's token takes a note from issue to paid with
the totals the admin shows, and is refused what a cashier is refused in the admin; a closed
note stays closed, a note is charged once, another restaurant's note is never found, and
the till report adds up the paid notes."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from billing import services as billing
from billing.models import ConsumptionNote
from booking.services.pre_orders import booking_pre_order_add
from reservations.models import Table
from restaurants.roles import CASHIER
from restaurants.services import staff_user_ensure
from tests import factories
from tests.conftest import MANAGER_A, MANAGER_B, PASSWORD, host_of
from tests.factories import CustomerFactory, DishFactory, TableFactory, api_key_for, open_every_day

NOTES = "/api/v1/notes/"
CASH_REPORT = "/api/v1/cash-report/"
MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
NOW = dt.datetime(2030, 3, 4, 10, 0, tzinfo=MEXICO)
EVENING = dt.datetime(2030, 3, 5, 20, 0, tzinfo=MEXICO)
EVENING_MADRID = dt.datetime(2030, 3, 5, 20, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Madrid"))
CASHIER_EMAIL = "caja@casa-azul.test"
WAITER_EMAIL = "mesero@casa-azul.test"


def token_client(restaurant, email: str) -> Client:
    with tenant_context(restaurant):
        user = get_user_model().objects.get(username=email)
        key = api_key_for(user)
    connection.set_schema_to_public()
    return Client(HTTP_HOST=host_of(restaurant), HTTP_AUTHORIZATION=f"Token {key}")


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")


def table_priced(code: str, price: str) -> Table:
    table = TableFactory(code=code, max_capacity=4)
    Table.objects.filter(pk=table.pk).update(reservation_price=Decimal(price))
    table.refresh_from_db()
    return table


def booked(restaurant, *, code: str, dishes=(), starts_at=EVENING):
    """A reservation of ``restaurant`` at a table priced 8.00, ``dishes`` pre-ordered once."""
    with tenant_context(restaurant):
        reservation = factories.book(
            customer=CustomerFactory(),
            starts_at=starts_at,
            party_size=2,
            table=table_priced(code, "8.00"),
            now=NOW,
        )
        for dish in dishes:
            booking_pre_order_add(reservation=reservation, dish=dish, quantity=1)
    connection.set_schema_to_public()
    return reservation


def note_of(restaurant, note_id: int) -> ConsumptionNote:
    with tenant_context(restaurant):
        note = ConsumptionNote.objects.prefetch_related("lines", "payments").get(pk=note_id)
        note.line_amounts = sorted(str(line.amount) for line in note.lines.all())
        note.payment_count = note.payments.count()
    connection.set_schema_to_public()
    return note


@pytest.fixture
def menu(restaurant_a):
    """Casa Azul open 12:00–01:00 every day, with its cashier and a waiter, and three dishes."""
    with tenant_context(restaurant_a):
        open_every_day("12:00", "01:00", max_days_ahead=365)
        staff_user_ensure(email=CASHIER_EMAIL, password=PASSWORD, role=CASHIER)
        get_user_model().objects.create_user(WAITER_EMAIL, is_staff=True)
        dishes = {
            "mole": DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=20),
            "chiles": DishFactory(name="Chiles en nogada", price=Decimal("19.00"), stock=20),
            "beer": DishFactory(name="Cerveza", price=Decimal("4.25"), stock=100),
        }
    connection.set_schema_to_public()
    return dishes


@pytest.fixture
def caja(restaurant_a, menu) -> Client:
    return token_client(restaurant_a, CASHIER_EMAIL)


@pytest.fixture
def manager(restaurant_a, menu) -> Client:
    return token_client(restaurant_a, MANAGER_A)


@pytest.fixture
def seed(restaurant_a, menu):
    """The SPEC's example booked: mole 18.50 + chiles 19.00 pre-ordered, table 8.00."""
    return booked(restaurant_a, code="M01", dishes=[menu["mole"], menu["chiles"]])


@pytest.fixture
def issued(restaurant_a, seed, caja) -> dict:
    response = post(caja, NOTES, {"reservation": seed.reference})
    assert response.status_code == 201, response.content
    return response.json()


def finalised(caja: Client, note: dict) -> dict:
    response = post(caja, f"{NOTES}{note['id']}/finalise/")
    assert response.status_code == 200, response.content
    return response.json()


# --- The cashier's flow -------------------------------------------------------------------


def test_a_cashier_takes_a_note_from_issue_to_paid_with_the_totals_of_each_step(
    restaurant_a, seed, caja, menu
):
    issued = post(caja, NOTES, {"reservation": seed.reference})
    assert issued.status_code == 201
    note = issued.json()
    assert (note["number"], note["status"], note["table"], note["reservation"]) == (
        "NC-20300305-000001",
        "draft",
        "M01",
        seed.reference,
    )
    assert (note["subtotal"], note["tax_rate"], note["tax"], note["total"]) == (
        "45.50",
        "15.00",
        "6.83",
        "52.33",
    )
    lines = f"{NOTES}{note['id']}/lines/"

    beers = post(caja, lines, {"dish": menu["beer"].pk, "quantity": 2}).json()
    corkage = post(caja, lines, {"description": "Descorche", "unit_price": "12.00"})
    assert corkage.status_code == 201
    assert (corkage.json()["subtotal"], corkage.json()["total"]) == ("66.00", "75.90")
    corkage_line = next(
        line for line in corkage.json()["lines"] if line["description"] == "Descorche"
    )
    removed = caja.delete(f"{lines}{corkage_line['id']}/")
    assert removed.status_code == 200
    assert removed.json()["lines"] == beers["lines"]
    assert [(line["description"], line["amount"]) for line in beers["lines"]][-1] == (
        "Cerveza",
        "8.50",
    )
    assert (removed.json()["subtotal"], removed.json()["tax"], removed.json()["total"]) == (
        "54.00",
        "8.10",
        "62.10",
    )

    discounted = post(
        caja,
        f"{NOTES}{note['id']}/discount/",
        {"discount": "5.00", "discount_reason": "Cumpleaños"},
    )
    assert discounted.status_code == 200
    assert (
        discounted.json()["discount"],
        discounted.json()["discount_reason"],
        discounted.json()["total"],
    ) == ("5.00", "Cumpleaños", "57.10")

    closed = finalised(caja, note)
    assert closed["status"] == "finalised" and closed["finalised_at"].endswith("-06:00")

    paid = post(caja, f"{NOTES}{note['id']}/charge/", {"payments": [{"method": "cash", "amount": "60.00"}]})  # fmt: skip
    assert paid.status_code == 200
    body = paid.json()
    assert (body["status"], body["payment_method"], body["total"], body["change_given"]) == (
        "paid",
        "cash",
        "57.10",
        "2.90",
    )
    assert [(p["method"], p["amount"], p["tendered"], p["change"]) for p in body["payments"]] == [
        ("cash", "57.10", "60.00", "2.90")
    ]
    assert caja.get(f"{NOTES}{note['id']}/").json()["status"] == "paid"


def test_a_note_can_be_paid_with_card_and_cash_together(restaurant_a, issued, caja):
    finalised(caja, issued)

    short = post(
        caja,
        f"{NOTES}{issued['id']}/charge/",
        {"payments": [{"method": "card", "amount": "30.00"}]},
    )
    assert short.status_code == 400
    assert "22,33" in short.json()["message"] or "22.33" in short.json()["message"]
    paid = post(
        caja,
        f"{NOTES}{issued['id']}/charge/",
        {
            "payments": [
                {"method": "card", "amount": "30.00"},
                {"method": "cash", "amount": "25.00"},
            ]
        },
    )

    assert paid.status_code == 200
    assert (paid.json()["payment_method"], paid.json()["change_given"]) == ("mixed", "2.67")


def test_a_finalised_note_refuses_new_lines_and_stays_as_it_was(restaurant_a, issued, caja, menu):
    finalised(caja, issued)

    response = post(caja, f"{NOTES}{issued['id']}/lines/", {"dish": menu["beer"].pk})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "La nota NC-20300305-000001 está finalizada: ya no se puede modificar.",
        "fields": {},
    }
    note = note_of(restaurant_a, issued["id"])
    assert (note.status, note.total, note.line_amounts) == (
        "finalised",
        Decimal("52.33"),
        ["18.50", "19.00", "8.00"],
    )


def test_a_line_from_the_reservation_stays_on_the_note(restaurant_a, issued, caja):
    table_line = next(line for line in issued["lines"] if line["kind"] == "table")

    response = caja.delete(f"{NOTES}{issued['id']}/lines/{table_line['id']}/")

    assert response.status_code == 400
    assert note_of(restaurant_a, issued["id"]).total == Decimal("52.33")


def test_a_note_is_charged_only_once(restaurant_a, issued, caja):
    finalised(caja, issued)
    charge = f"{NOTES}{issued['id']}/charge/"
    first = post(caja, charge, {"payments": [{"method": "card", "amount": "52.33"}]})

    second = post(caja, charge, {"payments": [{"method": "card", "amount": "52.33"}]})

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["message"] == (
        "La nota NC-20300305-000001 está pagada: no se puede cobrar."
    )
    note = note_of(restaurant_a, issued["id"])
    assert (note.status, note.payment_count) == ("paid", 1)


def test_a_payment_method_given_twice_is_refused(restaurant_a, issued, caja):
    finalised(caja, issued)

    response = post(
        caja,
        f"{NOTES}{issued['id']}/charge/",
        {"payments": [{"method": "cash", "amount": "30"}, {"method": "cash", "amount": "30"}]},
    )

    assert response.status_code == 400
    assert "payments" in response.json()["fields"]
    assert note_of(restaurant_a, issued["id"]).payment_count == 0


# --- Voiding ------------------------------------------------------------------------------


def test_a_cashier_voids_a_note_saying_why_and_a_waiter_cannot(restaurant_a, issued, caja):
    void = f"{NOTES}{issued['id']}/void/"
    waiter = token_client(restaurant_a, WAITER_EMAIL)

    refused = post(waiter, void, {"reason": "Se fueron"})
    no_reason = post(caja, void, {"reason": "  "})
    assert refused.status_code == 403
    assert no_reason.status_code == 400
    assert no_reason.json()["fields"] == {"reason": ["Indica por qué se anula la nota."]}
    assert note_of(restaurant_a, issued["id"]).status == "draft"

    voided = post(caja, void, {"reason": "Se fueron antes de pedir"})

    assert voided.status_code == 200
    assert (voided.json()["status"], voided.json()["void_reason"]) == (
        "voided",
        "Se fueron antes de pedir",
    )
    assert voided.json()["number"] == "NC-20300305-000001"


def test_a_manager_voids_a_finalised_note(restaurant_a, issued, caja, manager):
    finalised(caja, issued)

    voided = post(manager, f"{NOTES}{issued['id']}/void/", {"reason": "Cobrada en otra nota"})

    assert voided.status_code == 200
    assert note_of(restaurant_a, issued["id"]).status == "voided"


# --- What a cashier cannot do --------------------------------------------------------------


def test_a_cashier_token_cannot_edit_tables(restaurant_a, caja):
    response = post(caja, "/api/v1/tables/", {"code": "T99", "min_capacity": 1, "max_capacity": 2})

    assert response.status_code == 403
    with tenant_context(restaurant_a):
        assert not Table.objects.filter(code="T99").exists()


def test_a_discount_above_the_cashier_limit_needs_a_manager(restaurant_a, issued, caja, manager):
    discount = f"{NOTES}{issued['id']}/discount/"
    body = {"discount": "10.00", "discount_reason": "Cliente frecuente"}

    refused = post(caja, discount, body)
    granted = post(manager, discount, body)

    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["discount"]
    assert "gerente" in refused.json()["fields"]["discount"][0]
    assert (granted.status_code, granted.json()["total"]) == (200, "42.33")


def test_staff_without_billing_permissions_can_neither_read_nor_issue_notes(
    restaurant_a, seed, menu
):
    waiter = token_client(restaurant_a, WAITER_EMAIL)

    assert waiter.get(NOTES).status_code == 403
    assert post(waiter, NOTES, {"reservation": seed.reference}).status_code == 403
    assert waiter.get(CASH_REPORT).status_code == 403
    with tenant_context(restaurant_a):
        assert not ConsumptionNote.objects.exists()


def test_a_note_is_never_edited_or_deleted_directly(restaurant_a, issued, manager):
    url = f"{NOTES}{issued['id']}/"

    for method in ("put", "patch", "delete"):
        response = getattr(manager, method)(
            url, data={"total": "1.00"}, content_type="application/json"
        )
        assert response.status_code == 405, method
    assert note_of(restaurant_a, issued["id"]).total == Decimal("52.33")


def test_a_reservation_gets_one_note_only(restaurant_a, seed, issued, caja):
    again = post(caja, NOTES, {"reservation": seed.reference})

    assert again.status_code == 400
    assert "NC-20300305-000001" in again.json()["message"]
    with tenant_context(restaurant_a):
        assert ConsumptionNote.objects.count() == 1


# --- Another restaurant ---------------------------------------------------------------------


def test_another_restaurants_note_is_not_found_with_this_restaurants_token(
    restaurant_a, restaurant_b, caja
):
    with tenant_context(restaurant_b):
        open_every_day("12:00", "01:00", max_days_ahead=365)
    reservation = booked(restaurant_b, code="B01", starts_at=EVENING_MADRID)
    with tenant_context(restaurant_b):
        manager_b = get_user_model().objects.get(username=MANAGER_B)
        note_b = billing.note_issue(reservation=reservation, by=manager_b)
    connection.set_schema_to_public()

    assert caja.get(f"{NOTES}{note_b.pk}/").status_code == 404
    assert post(caja, f"{NOTES}{note_b.pk}/finalise/").status_code == 404
    assert post(caja, f"{NOTES}{note_b.pk}/void/", {"reason": "x"}).status_code == 404
    assert caja.get(NOTES).json()["results"] == []
    assert note_of(restaurant_b, note_b.pk).status == "draft"


# --- Lists and the till report ---------------------------------------------------------------


def test_notes_are_listed_by_day_and_status(restaurant_a, issued, caja, menu):
    # Issued after the 5 March note, for the day before it.
    other = booked(restaurant_a, code="M02", starts_at=EVENING - dt.timedelta(days=1))
    second = post(caja, NOTES, {"reservation": other.reference}).json()
    finalised(caja, second)

    numbers = [note["number"] for note in caja.get(NOTES).json()["results"]]
    of_day = caja.get(NOTES, {"service_day": "2030-03-05"}).json()["results"]
    closed = caja.get(NOTES, {"status": "finalised"}).json()["results"]
    bad_day = caja.get(NOTES, {"service_day": "ayer"})
    bad_status = caja.get(NOTES, {"status": "cerrada"})

    assert numbers == ["NC-20300305-000001", "NC-20300304-000001"]
    assert [note["number"] for note in of_day] == ["NC-20300305-000001"]
    assert [note["number"] for note in closed] == ["NC-20300304-000001"]
    assert bad_day.status_code == 400
    assert bad_day.json()["fields"] == {"service_day": ["Usa una fecha como 2030-03-05."]}
    assert bad_status.status_code == 400 and list(bad_status.json()["fields"]) == ["status"]


def test_the_cash_report_adds_up_the_days_paid_notes(restaurant_a, issued, caja, menu):
    other = booked(restaurant_a, code="M02", dishes=[menu["beer"]])
    second = post(caja, NOTES, {"reservation": other.reference}).json()
    third = post(caja, NOTES, {"reservation": booked(restaurant_a, code="M03").reference}).json()
    for note, payments in (
        (issued, [{"method": "cash", "amount": "60.00"}]),
        (second, [{"method": "card", "amount": "14.09"}]),
    ):
        finalised(caja, note)
        assert post(caja, f"{NOTES}{note['id']}/charge/", {"payments": payments}).status_code == 200
    post(caja, f"{NOTES}{third['id']}/void/", {"reason": "Mesa equivocada"})

    response = caja.get(CASH_REPORT, {"day": "2030-03-05"})

    assert response.status_code == 200
    report = response.json()
    # 52.33 in cash (60.00 received, 7.67 back) and 8.00 + 4.25 + 15 % = 14.09 by card.
    assert (report["paid_count"], report["total"], report["tax"], report["change_given"]) == (
        2,
        "66.42",
        "8.67",
        "7.67",
    )
    assert report["currency"] == "MXN"
    assert {line["method"]: (line["count"], line["total"]) for line in report["by_method"]} == {
        "cash": (1, "52.33"),
        "card": (1, "14.09"),
        "transfer": (0, "0.00"),
        "mixed": (0, "0.00"),
    }
    assert {line["method"]: line["total"] for line in report["tenders"]} == {
        "cash": "52.33",
        "card": "14.09",
        "transfer": "0.00",
    }
    assert report["by_cashier"] == [{"cashier": CASHIER_EMAIL, "count": 2, "total": "66.42"}]
    assert [note["number"] for note in report["voided"]] == ["NC-20300305-000003"]
    assert report["voided"][0]["void_reason"] == "Mesa equivocada"
    assert report["open_count"] == 0


def test_the_cash_report_asks_for_a_real_day(restaurant_a, caja):
    response = caja.get(CASH_REPORT, {"day": "05/03/2030"})

    assert response.status_code == 400
    assert response.json()["fields"] == {"day": ["Usa una fecha como 2030-03-05."]}


def test_a_line_too_large_for_the_till_is_refused_and_the_note_stays_as_it_was(
    restaurant_a, issued, caja
):
    response = post(
        caja,
        f"{NOTES}{issued['id']}/lines/",
        {"description": "Cava", "quantity": 999, "unit_price": "999999.99"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "quantity" in response.json()["fields"]
    assert note_of(restaurant_a, issued["id"]).total == Decimal("52.33")
