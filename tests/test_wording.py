"""Spanish as staff and customers read it: one voice (tú, also in Django's messages we show),
articles that agree with the model named, statuses and change given by their names, numbers,
dates and money written one way."""

import datetime as dt
import html
import re
from decimal import Decimal
from pathlib import Path

import django
import polib
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from billing.services import note_charge, note_finalise, note_issue
from booking.services.bookings import booking_transition
from notifications.models import Channel, Event, Message
from reservations.models import ReservationStatus
from restaurants.roles import CASHIER
from restaurants.services import staff_user_ensure
from tests.billing.conftest import CASHIER_EMAIL, EVENING, MEXICO, book, table_priced
from tests.conftest import MANAGER_A, PASSWORD, host_of
from tests.factories import DishFactory, open_every_day
from tests.html_forms import form_fields

ROOT = Path(__file__).resolve().parent.parent
SPANISH = polib.pofile(str(ROOT / "locale/es/LC_MESSAGES/django.po"))
DJANGO = Path(django.__file__).parent
DJANGOS_SPANISH = [
    DJANGO / "conf/locale/es/LC_MESSAGES/django.po",
    DJANGO / "contrib/admin/locale/es/LC_MESSAGES/django.po",
    DJANGO / "contrib/auth/locale/es/LC_MESSAGES/django.po",
]
NOTES = "/admin/billing/consumptionnote/"

# How Spanish addresses someone as *usted*: its pronoun, and the imperatives and questions a
# form or a message uses ("Introduzca", "Inténtelo", "¿Desea…?").
USTED = re.compile(
    r"\b(usted|ustedes|introduzca|ingrese|seleccione|elija|escoja|indique|revise|inténtelo|"
    r"asegúrese|corrija|compruebe|vuelva a|escriba|pulse|haga clic|confirme|desmarque|observe|"
    r"desea|está seguro|su contraseña|hágalo|pruébelo|llámenos|escríbanos|contáctenos)\b|"
    r"\bUse\b",
    re.IGNORECASE,
)
# "El {name}" reads "El nota de consumo": a model's name never follows an article in a message.
ARTICLE_BEFORE_NAME = re.compile(
    r"\b(el|la|los|las|otro|otra)\s*(\{name\}|%\((object_|objects_)?name\)s)", re.IGNORECASE
)


def spanish_texts(entry: polib.POEntry) -> list[str]:
    return [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())


def page_text(page: str) -> str:
    """What a reader sees of a page: its text, without markup, scripts or styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def logged_in(restaurant, email: str) -> Client:
    client = Client(HTTP_HOST=host_of(restaurant))
    assert (
        client.post("/admin/login/", {"username": email, "password": PASSWORD}).status_code == 302
    )
    return client


# --- The catalog and the templates ------------------------------------------------------------


def test_our_spanish_speaks_as_tu_never_as_usted():
    said_as_usted = [
        (entry.msgid, text)
        for entry in SPANISH.translated_entries()
        for text in spanish_texts(entry)
        if USTED.search(text)
    ]

    assert said_as_usted == []


def test_no_message_puts_an_article_before_a_models_name():
    agreeing_badly = [
        (entry.msgid, text)
        for entry in SPANISH.translated_entries()
        for text in spanish_texts(entry)
        if ARTICLE_BEFORE_NAME.search(text)
    ]

    assert agreeing_badly == []


def test_djangos_messages_we_say_our_way_are_still_djangos():
    djangos = {
        (entry.msgctxt, entry.msgid, entry.msgid_plural)
        for path in DJANGOS_SPANISH
        for entry in polib.pofile(str(path))
    }
    ours = [
        entry
        for entry in SPANISH
        if any(path == "restaurants/wording.py" for path, _line in entry.occurrences)
    ]

    assert len(ours) > 30
    assert [
        entry.msgid
        for entry in ours
        if (entry.msgctxt, entry.msgid, entry.msgid_plural) not in djangos
    ] == []


def test_drfs_messages_we_say_our_way_are_still_drfs():
    import rest_framework

    drf_catalog = Path(rest_framework.__file__).parent / "locale/es/LC_MESSAGES/django.mo"
    drfs = {entry.msgid for entry in polib.mofile(str(drf_catalog))}
    ours = [
        entry
        for entry in SPANISH
        if any(path == "api/drf_messages.py" for path, _line in entry.occurrences)
    ]

    assert len(ours) >= 12
    assert [entry.msgid for entry in ours if entry.msgid not in drfs] == []


def test_no_template_writes_day_or_month_names_in_a_fixed_english_order():
    # "l j F" reads "domingo 29 noviembre": formats with names are translated (_("l j F")) or
    # Django's own per language (DATE_FORMAT, YEAR_MONTH_FORMAT…).
    fixed = [
        (path.relative_to(ROOT).as_posix(), format_)
        for path in (ROOT / "templates").rglob("*.html")
        for format_ in re.findall(r'\|date:"([^"]*)"', path.read_text())
        if not re.fullmatch(r"[A-Z_]+_FORMAT", format_) and re.search(r"(?<!\\)[lDFMNbE]", format_)
    ]

    assert fixed == []


# --- Pages ------------------------------------------------------------------------------------


@pytest.fixture
def spec_note(restaurant_a):
    """Casa Azul open 12:00–01:00; the SPEC's note issued by its cashier: table 8.00, mole
    18.50 and chiles 19.00 pre-ordered, 15 % tax, total 52.33."""
    with tenant_context(restaurant_a):
        open_every_day("12:00", "01:00", max_days_ahead=365)
        cashier, _created = staff_user_ensure(email=CASHIER_EMAIL, password=PASSWORD, role=CASHIER)
        dishes = [
            DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=20),
            DishFactory(name="Chiles en nogada", price=Decimal("19.00"), stock=20),
        ]
        reservation = book(table=table_priced("M01", "8.00"), dishes=dishes)
        note = note_issue(reservation=reservation, by=cashier)
    connection.set_schema_to_public()
    return note


@pytest.fixture
def paid_note(spec_note, restaurant_a):
    """The SPEC's note paid with 60.00 in cash: 7.67 given back."""
    with tenant_context(restaurant_a), time_machine.travel(EVENING, tick=False):
        booking_transition(reservation=spec_note.reservation, to=ReservationStatus.SEATED)
        note = note_finalise(note=spec_note, by=spec_note.issued_by)
        note = note_charge(note=note, payments={"cash": Decimal("60.00")}, by=note.issued_by)
    connection.set_schema_to_public()
    return note


def test_history_pages_name_statuses_in_spanish(paid_note, restaurant_a):
    manager = logged_in(restaurant_a, MANAGER_A)
    history = manager.get("/admin/reservations/statuschange/").content.decode()
    change = paid_note.reservation.pk
    pages = {
        "history": history,
        "note": manager.get(f"{NOTES}{paid_note.pk}/change/").content.decode(),
        "reservation": manager.get(
            f"/admin/reservations/reservation/{change}/change/"
        ).content.decode(),
        "one change": manager.get(
            re.search(r'href="(/admin/reservations/statuschange/\d+/change/[^"]*)"', history)
            .group(1)
            .replace("&amp;", "&")
        ).content.decode(),
    }

    raw_values = r"\b(draft|finalised|paid|voided|pending|confirmed|seated|finished|no_show)\b"
    for name, page in pages.items():
        assert not re.search(raw_values, page_text(page)), name
    for label in ["Borrador", "Finalizada", "Pagada", "Confirmada", "En mesa"]:
        assert label in page_text(pages["history"]), label
    assert "Por estado nuevo" in pages["history"]  # the filter says what it filters
    assert re.search(r"\b\d+ cambios de estado\b", page_text(pages["history"]))


def test_saving_a_note_names_it_with_the_right_article(spec_note, restaurant_a):
    manager = logged_in(restaurant_a, MANAGER_A)
    page = manager.get(f"{NOTES}{spec_note.pk}/change/").content.decode()
    data = form_fields(page, form_id="consumptionnote_form")
    data.update({"discount": "2.00", "discount_reason": "Cumpleaños", "_continue": "1"})

    response = manager.post(f"{NOTES}{spec_note.pk}/change/", data, follow=True)

    said = [re.sub(r"<[^>]+>", "", str(message)) for message in response.context["messages"]]
    assert said == [
        f"Se han guardado los cambios de «{spec_note.number}» (nota de consumo). "
        "Puedes seguir editando abajo."
    ]
    saved = page_text(response.content.decode())
    assert "El nota" not in saved and "Puede editarlo" not in saved


def test_a_refused_discount_says_the_cashier_limit_as_people_write_it(spec_note, restaurant_a):
    cashier = logged_in(restaurant_a, CASHIER_EMAIL)
    page = cashier.get(f"{NOTES}{spec_note.pk}/change/").content.decode()
    data = form_fields(page, form_id="consumptionnote_form")
    data.update({"discount": "10.00", "discount_reason": "Queja"})

    refused = page_text(
        cashier.post(f"{NOTES}{spec_note.pk}/change/", data, follow=True).content.decode()
    )

    assert "Los descuentos de más del 10% del subtotal ($4.55) necesitan a un gerente." in refused
    assert "1E+" not in refused


def test_a_paid_notes_page_writes_every_amount_as_money(paid_note, restaurant_a):
    manager = logged_in(restaurant_a, MANAGER_A)

    text = page_text(manager.get(f"{NOTES}{paid_note.pk}/change/").content.decode())

    for amount in ["$45.50", "$6.83", "$52.33", "$60.00", "$7.67"]:
        assert amount in text, amount
    # Any other number with cents is an amount written another way (52,33 or a bare 52.33);
    # the tax rate (15,00 %) is not an amount.
    bare = re.findall(r"(?<![\d$.,])\d+[.,]\d\d(?!\d)", text)
    assert [number for number in bare if number != "15,00"] == []


def test_the_receipt_gives_back_cambio_and_thanks_as_tu(paid_note, restaurant_a):
    manager = logged_in(restaurant_a, MANAGER_A)

    receipt = page_text(manager.get(f"{NOTES}{paid_note.pk}/print/").content.decode())

    assert re.search(r"Cambio\s+\$7\.67", receipt)
    assert "Cambiar" not in receipt
    assert "¡Gracias por tu visita!" in receipt


def test_the_message_log_counts_messages_and_names_a_changed_booking_cambio(
    restaurant_a, spec_note
):
    with tenant_context(restaurant_a):
        for index, event in enumerate([Event.CHANGE, Event.CONFIRMATION]):
            Message.objects.create(
                reservation=spec_note.reservation,
                event=event,
                channel=Channel.EMAIL,
                recipient="lucia@example.com",
                language="es",
                body="…",
                idempotency_key=f"wording-{index}",
            )
    connection.set_schema_to_public()
    manager = logged_in(restaurant_a, MANAGER_A)

    log = page_text(manager.get("/admin/notifications/message/").content.decode())

    assert re.search(r"\b2 mensajes\b", log) and "2 registro de mensajes" not in log
    assert re.search(r"\bCambio\b", log)  # the event, in the list and its filter
    assert "Cambiar" not in log.replace("Cambiar contraseña", "").replace("Cambiar tema", "")


def test_the_reservations_list_filters_by_start_time(restaurant_a):
    manager = logged_in(restaurant_a, MANAGER_A)

    page = page_text(manager.get("/admin/reservations/reservation/").content.decode())

    assert "Por hora de inicio" in page and "empieza a las" not in page


def test_the_booking_page_heads_a_days_times_with_its_spanish_date(
    spec_note, client_a, generous_public_limits
):
    with time_machine.travel(dt.datetime(2030, 3, 4, 10, 0, tzinfo=MEXICO), tick=False):
        page = page_text(client_a.get("/", {"day": "2030-03-10", "party_size": 2}).content.decode())

    assert "Horarios del domingo 10 de marzo para 2 personas" in page
    assert "Marzo de 2030" in page
    assert "Domingo 10" not in page and "Horas el" not in page
