"""The cashier's admin: what a cashier may open, and a note's whole life through the pages."""

import csv
import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.test import Client

from billing.models import ConsumptionNote
from billing.services import note_charge, note_finalise, note_issue, note_void
from menu.models import Dish
from tests.billing.conftest import CASHIER_EMAIL, book
from tests.conftest import MANAGER_A, PASSWORD, host_of
from tests.html_forms import form_fields

NOTES = "/admin/billing/consumptionnote/"
MADRID_EVENING = dt.datetime(2030, 3, 5, 21, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Madrid"))


def logged_in(restaurant, username: str) -> Client:
    client = Client(HTTP_HOST=host_of(restaurant))
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 302, username
    return client


@pytest.fixture
def cashier_client(cashier_user, restaurant_a) -> Client:
    return logged_in(restaurant_a, CASHIER_EMAIL)


@pytest.fixture
def manager_client(manager_user, restaurant_a) -> Client:
    return logged_in(restaurant_a, MANAGER_A)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def test_a_cashier_opens_every_page_of_the_job(cashier_client, seed_note, cashier_user):
    finalised = note_finalise(note=seed_note, by=cashier_user)
    pages = [
        "/admin/",
        "/admin/reservations/reservation/",
        f"/admin/reservations/reservation/{seed_note.reservation_id}/change/",
        "/admin/menu/dish/",
        NOTES,
        f"{NOTES}{finalised.pk}/change/",
        f"{NOTES}{finalised.pk}/print/",
        f"{NOTES}{finalised.pk}/charge/",
        f"{NOTES}{finalised.pk}/void/",
        f"{NOTES}cash-report/",
        f"{NOTES}cash-report/?day=2030-03-05&format=csv",
    ]
    for page in pages:
        assert cashier_client.get(page).status_code == 200, page


def test_a_cashier_cannot_touch_tables_menu_prices_settings_or_users(
    cashier_client, seed_note, salon
):
    forbidden_pages = [
        "/admin/reservations/table/",
        "/admin/reservations/table/add/",
        f"/admin/reservations/table/{salon['table'].pk}/change/",
        "/admin/reservations/bookingpolicy/",
        "/admin/auth/user/",
        "/admin/menu/category/add/",
        "/admin/reservations/reservation/add/",
        f"{NOTES}add/",
        f"{NOTES}{seed_note.pk}/delete/",
    ]
    for page in forbidden_pages:
        assert cashier_client.get(page).status_code == 403, page

    dish = salon["mole"]
    response = cashier_client.post(
        f"/admin/menu/dish/{dish.pk}/change/",
        {"name": dish.name, "category": dish.category_id, "price": "0.01", "stock": 5},
    )
    assert response.status_code == 403
    assert Dish.objects.get(pk=dish.pk).price == Decimal("18.50")
    reservation_page = f"/admin/reservations/reservation/{seed_note.reservation_id}/change/"
    assert 'name="party_size"' not in cashier_client.get(reservation_page).content.decode()
    assert cashier_client.post(reservation_page, {"party_size": 9}).status_code == 403


def test_a_cashier_issues_a_note_from_the_reservation_with_one_action(cashier_client, salon):
    reservation = book(table=salon["table"], dishes=[salon["mole"], salon["chiles"]])
    action = {"action": "issue_note", "_selected_action": [reservation.pk]}

    response = cashier_client.post("/admin/reservations/reservation/", action)

    note = ConsumptionNote.objects.get(reservation=reservation)
    assert response.status_code == 302
    assert response["Location"] == f"{NOTES}{note.pk}/change/"
    assert (note.number, note.total, note.lines.count()) == (
        "NC-20300305-000001",
        Decimal("52.33"),
        3,
    )
    page = cashier_client.get(response["Location"]).content.decode()
    assert "Reserva de la mesa M01" in page and "Finalizar" in page

    again = cashier_client.post("/admin/reservations/reservation/", action, follow=True)
    assert f"ya tiene la nota {note.number}" in " ".join(messages_of(again))
    assert ConsumptionNote.objects.count() == 1


def change_form(client, note) -> dict:
    page = client.get(f"{NOTES}{note.pk}/change/").content.decode()
    return form_fields(page, "consumptionnote_form")


def test_a_cashier_adds_consumption_grants_a_discount_finalises_charges_and_prints(
    cashier_client, seed_note, salon
):
    data = change_form(cashier_client, seed_note)
    data.update(
        {
            "lines-TOTAL_FORMS": "4",
            "lines-3-dish": str(salon["beer"].pk),
            "lines-3-quantity": "2",
            "lines-3-description": "",
            "lines-3-unit_price": "",
            "discount": "4.00",
            "discount_reason": "Cumpleaños",
        }
    )
    response = cashier_client.post(f"{NOTES}{seed_note.pk}/change/", data)
    assert response.status_code == 302, messages_of(response)
    seed_note.refresh_from_db()
    # 45.50 + 2 × 4.25 = 54.00; tax 8.10; − 4.00
    assert (seed_note.subtotal, seed_note.tax, seed_note.discount, seed_note.total) == (
        Decimal("54.00"),
        Decimal("8.10"),
        Decimal("4.00"),
        Decimal("58.10"),
    )

    cashier_client.post(f"{NOTES}{seed_note.pk}/finalise/")
    charged = cashier_client.post(
        f"{NOTES}{seed_note.pk}/charge/", {"cash": "70", "card": "", "transfer": ""}, follow=True
    )
    assert "Cambio a devolver: $11.90." in " ".join(messages_of(charged))
    seed_note.refresh_from_db()
    assert (seed_note.status, seed_note.payment_method, seed_note.change_given) == (
        "paid",
        "cash",
        Decimal("11.90"),
    )

    printed = cashier_client.get(f"{NOTES}{seed_note.pk}/print/").content.decode()
    for text in ["NC-20300305-000001", "Cumpleaños", "−$4.00", "$58.10", "Efectivo", "$70.00"]:
        assert text in printed, text


def test_a_finalised_note_cannot_be_changed_through_admin(cashier_client, seed_note, cashier_user):
    data = change_form(cashier_client, seed_note)
    note_finalise(note=seed_note, by=cashier_user)
    data.update({"discount": "4.00", "discount_reason": "Cumpleaños", "lines-0-quantity": "9"})

    response = cashier_client.post(f"{NOTES}{seed_note.pk}/change/", data)

    assert response.status_code == 403
    seed_note.refresh_from_db()
    assert (seed_note.discount, seed_note.total) == (Decimal("0.00"), Decimal("52.33"))
    page = cashier_client.get(f"{NOTES}{seed_note.pk}/change/").content.decode()
    assert 'name="discount"' not in page and 'name="lines-0-quantity"' not in page


def test_bad_input_in_the_cashiers_pages_gets_a_spanish_message_and_saves_nothing(
    cashier_client, seed_note, cashier_user
):
    data = change_form(cashier_client, seed_note)
    data.update(
        {"lines-TOTAL_FORMS": "4", "lines-3-description": "Pan", "lines-3-quantity": "-2",
         "lines-3-unit_price": "-1"}
    )  # fmt: skip
    response = cashier_client.post(f"{NOTES}{seed_note.pk}/change/", data)
    assert response.status_code == 200
    assert "El valor debe ser mayor o igual que" in response.content.decode()

    data = change_form(cashier_client, seed_note)
    data.update({"discount": "50.00", "discount_reason": "Error"})
    response = cashier_client.post(f"{NOTES}{seed_note.pk}/change/", data, follow=True)
    assert "no puede ser mayor que el subtotal" in " ".join(messages_of(response))

    charge_draft = cashier_client.post(f"{NOTES}{seed_note.pk}/charge/", {"cash": "60"})
    assert "finalízala antes de cobrarla" in charge_draft.content.decode()

    note_finalise(note=seed_note, by=cashier_user)
    short = cashier_client.post(f"{NOTES}{seed_note.pk}/charge/", {"cash": "20", "card": "30"})
    assert "2.33 menos que el total" in short.content.decode()
    no_reason = cashier_client.post(f"{NOTES}{seed_note.pk}/void/", {"reason": ""})
    assert "Este campo es requerido" in no_reason.content.decode()

    seed_note.refresh_from_db()
    assert (seed_note.status, seed_note.discount, seed_note.lines.count()) == (
        "finalised",
        Decimal("0.00"),
        3,
    )
    assert not seed_note.payments.exists()


def test_the_printable_note_is_in_the_restaurants_language_whatever_the_cashier_reads(
    cashier_client, seed_note
):
    cashier_client.cookies["django_language"] = "en"

    page = cashier_client.get(f"{NOTES}{seed_note.pk}/print/").content.decode()

    assert '<html lang="es">' in page
    for text in ["Casa Azul", "Nota de consumo", "NC-20300305-000001", "Mesa M01",
                 "Reserva de la mesa M01", "$45.50", "Impuesto 15 %", "$6.83", "$52.33",
                 "BORRADOR"]:  # fmt: skip
        assert text in page, text


def test_the_printable_note_in_english_and_euros(restaurant_b):
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context

    from tests.billing.conftest import table_priced
    from tests.conftest import MANAGER_B
    from tests.factories import DishFactory, open_every_day

    with tenant_context(restaurant_b):
        open_every_day("12:00", "23:30", max_days_ahead=365)
        table = table_priced("T1", "8.00")
        dishes = [
            DishFactory(name="Paella", price=Decimal("18.50")),
            DishFactory(name="Tortilla", price=Decimal("19.00")),
        ]
        manager = get_user_model().objects.get(username=MANAGER_B)
        note = note_issue(
            reservation=book(table=table, dishes=dishes, starts_at=MADRID_EVENING), by=manager
        )
        note = note_finalise(note=note, by=manager)
        note_charge(note=note, payments={"card": Decimal("52.33")}, by=manager)
    client = logged_in(restaurant_b, MANAGER_B)

    page = client.get(f"{NOTES}{note.pk}/print/").content.decode()

    assert '<html lang="en">' in page
    for text in ["Bistro Verde", "Consumption note", "Reservation of table T1", "€45.50",
                 "Tax 15 %", "€6.83", "€52.33", "Card", "2 guests"]:  # fmt: skip
        assert text in page, text


def paid_and_voided_day(salon, cashier_user, manager_user):
    """One service day: paid in cash, card, transfer and mixed; one voided; one open."""
    plans = [
        ("cash", {"cash": Decimal("100")}),
        ("card", {"card": None}),
        ("transfer", {"transfer": None}),
        ("mixed", {"card": Decimal("20"), "cash": Decimal("50")}),
    ]
    tables = [salon["table"]]
    from tests.billing.conftest import table_priced

    tables += [table_priced(f"M{index}", "8.00") for index in range(2, 8)]
    notes = []
    for table in tables:
        note = note_issue(reservation=book(table=table, dishes=[salon["mole"]]), by=cashier_user)
        notes.append(note)
    for (_label, payments), note in zip(plans, notes, strict=False):
        note = note_finalise(note=note, by=cashier_user)
        payments = {method: value or note.total for method, value in payments.items()}
        by = manager_user if "transfer" in payments else cashier_user
        note_charge(note=note, payments=payments, by=by)
    note_void(note=notes[4], reason="Mesa equivocada", by=cashier_user)
    note_finalise(note=notes[5], by=cashier_user)  # still open
    return notes


def test_the_cash_report_adds_up_to_the_notes_it_lists(
    manager_client, salon, cashier_user, manager_user
):
    notes = paid_and_voided_day(salon, cashier_user, manager_user)
    each = ConsumptionNote.objects.get(pk=notes[0].pk).total  # 26.50 + 15 % = 30.48

    page = manager_client.get(f"{NOTES}cash-report/?day=2030-03-05")
    report = page.context["report"]

    assert [(line.method, line.count, line.total) for line in report.by_method] == [
        ("cash", 1, each),
        ("card", 1, each),
        ("transfer", 1, each),
        ("mixed", 1, each),
    ]
    assert report.total == sum(note.total for note in report.paid) == 4 * each
    assert sum(line.total for line in report.tenders) == report.total
    assert [line.total for line in report.tenders] == [
        2 * each - 20,  # cash note + the cash part of the mixed note
        each + 20,
        each,
    ]
    assert report.change_given == (Decimal("100") - each) + (Decimal("70") - each)
    assert [(note.number, note.void_reason) for note in report.voided] == [
        (notes[4].number, "Mesa equivocada")
    ]
    assert report.open_count == 2  # the finalised one and the draft left
    html = page.content.decode()
    assert "Mesa equivocada" in html and "siguen abiertas" in html

    exported = manager_client.get(f"{NOTES}cash-report/?day=2030-03-05&format=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    paid_rows = [row for row in rows[1:] if len(row) == 10 and row[1] == "Pagada"]
    assert sum(Decimal(row[8]) for row in paid_rows) == report.total
    assert rows[-1] == ["Total", "4", str(report.total)]
    assert any(row[1] == "Anulada" and row[9] == "Mesa equivocada" for row in rows)


def test_the_cash_report_of_one_cashier_lists_only_what_they_charged_and_voided(
    manager_client, salon, cashier_user, manager_user
):
    notes = paid_and_voided_day(salon, cashier_user, manager_user)

    page = manager_client.get(f"{NOTES}cash-report/?day=2030-03-05&cashier={cashier_user.pk}")
    report = page.context["report"]

    assert [note.payment_method for note in report.paid] == ["cash", "card", "mixed"]
    assert report.total == sum(note.total for note in report.paid)
    assert [note.pk for note in report.voided] == [notes[4].pk]
    manager_report = manager_client.get(
        f"{NOTES}cash-report/?day=2030-03-05&cashier={manager_user.pk}"
    ).context["report"]
    assert [note.payment_method for note in manager_report.paid] == ["transfer"]
    assert manager_report.voided == []


def test_nothing_of_the_notes_is_reachable_from_another_restaurants_host(seed_note, restaurant_b):
    from tests.conftest import MANAGER_B

    other = logged_in(restaurant_b, MANAGER_B)

    for page in [f"{NOTES}{seed_note.pk}/change/", f"{NOTES}{seed_note.pk}/print/"]:
        response = other.get(page)
        assert response.status_code in (302, 404), page
        assert seed_note.number not in response.content.decode()
    report = other.get(f"{NOTES}cash-report/?day=2030-03-05").context["report"]
    assert report.paid == [] and report.voided == [] and report.open_count == 0
