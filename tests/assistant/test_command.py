"""``manage.py assistant_parse`` and ``assistant_chat``: messages in as JSON lines, what was
understood (or answered and done) out, in order."""

import datetime as dt
import json
import zoneinfo
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import tenant_context

from assistant.models import Conversation
from reservations.models import Reservation
from tests.factories import TableFactory, open_every_day


def parse(restaurant_slug: str, texts: list[str], *options: str) -> list[dict]:
    stdin = StringIO("".join(json.dumps({"text": text}) + "\n" for text in texts))
    stdout = StringIO()
    call_command(
        "assistant_parse", "--restaurant", restaurant_slug, *options, stdin=stdin, stdout=stdout
    )
    return [json.loads(line) for line in stdout.getvalue().splitlines()]


def test_each_message_gets_one_line_in_order(restaurant_a):
    lines = parse(
        restaurant_a.slug,
        [
            "Hola, soy Lucía: mesa para 4 mañana a las 9 de la noche",
            "¿Abren los domingos?",
            "Quiero cancelar mi reserva del sábado",
            "gracias!",
        ],
        "--now",
        "2026-11-20T10:00",
    )
    assert lines == [
        {
            "intent": "book",
            "date": "2026-11-21",
            "time": "21:00",
            "party_size": 4,
            "name": "Lucía",
        },
        {"intent": "hours", "date": None, "time": None, "party_size": None, "name": None},
        {"intent": "cancel", "date": "2026-11-21", "time": None, "party_size": None, "name": None},
        {"intent": "other", "date": None, "time": None, "party_size": None, "name": None},
    ]


def test_without_now_relative_dates_use_the_restaurants_clock(restaurant_a):
    today = dt.datetime.now(zoneinfo.ZoneInfo(restaurant_a.timezone)).date()
    [line] = parse(restaurant_a.slug, ["mesa para 2 pasado mañana"])
    # A run that straddles the restaurant's midnight may see the next day.
    assert line["date"] in {
        (today + dt.timedelta(days=2)).isoformat(),
        (today + dt.timedelta(days=3)).isoformat(),
    }


def test_an_unknown_restaurant_is_refused(db):
    with pytest.raises(CommandError, match="no-such-place"):
        parse("no-such-place", ["hola"])


def chat(restaurant_slug: str, phone: str, texts: list[str], *options: str) -> list[dict]:
    stdin = StringIO("".join(json.dumps({"text": text}) + "\n" for text in texts))
    stdout = StringIO()
    call_command(
        "assistant_chat",
        "--restaurant",
        restaurant_slug,
        "--phone",
        phone,
        *options,
        stdin=stdin,
        stdout=stdout,
    )
    return [json.loads(line) for line in stdout.getvalue().splitlines()]


def test_assistant_chat_books_through_the_same_path_and_says_what_it_did(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:30")
        TableFactory(code="M01", max_capacity=4)
    connection.set_schema_to_public()

    lines = chat(
        restaurant_a.slug,
        "+593991234567",
        ["hola", "mesa para 4 el sábado a las 21h a nombre de Lucía Paz", "sí"],
        "--now",
        "2030-12-02T10:00",
    )

    assert [line["handoff"] for line in lines] == [False, False, False]
    assert all(line["reply"] for line in lines)
    assert [line["actions"] for line in lines[:2]] == [[], []]
    [booked] = lines[2]["actions"]
    assert booked["type"] == "booked" and booked["party_size"] == 4
    assert booked["starts_at"].startswith("2030-12-07T21:00")
    with tenant_context(restaurant_a):
        reservation = Reservation.objects.get(reference=booked["reference"])
        assert reservation.customer.phone == "+593991234567"
        assert reservation.source == "whatsapp"
        # The chat is the one the webhooks would have written.
        assert Conversation.objects.get().messages.count() == 6
    connection.set_schema_to_public()


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--phone", "0991234567"], "international"),
        (["--phone", "+593991234567", "--now", "next friday"], "ISO 8601"),
    ],
)
def test_assistant_chat_refuses_a_bad_phone_or_time(restaurant_a, arguments, said):
    stdin = StringIO('{"text": "hola"}\n')
    with pytest.raises(CommandError, match=said):
        call_command("assistant_chat", "--restaurant", restaurant_a.slug, *arguments, stdin=stdin)


def test_assistant_tools_prints_what_a_voice_agent_is_configured_with(restaurant_a):
    out = StringIO()
    call_command(
        "assistant_tools", "--url", "https://casa-azul.example/voice/retell/tools/", stdout=out
    )

    functions = {function["name"]: function for function in json.loads(out.getvalue())}
    assert set(functions) == {
        "check_availability",
        "book",
        "my_bookings",
        "change_booking",
        "cancel_booking",
        "menu",
        "opening_hours",
        "hand_off",
    }
    book = functions["book"]
    assert book["type"] == "custom" and book["url"].endswith("/voice/retell/tools/")
    assert {"date", "time", "party_size", "customer_name"} <= set(book["parameters"]["required"])
