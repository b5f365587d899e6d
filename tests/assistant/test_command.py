"""``manage.py assistant_parse``: messages in as JSON lines, what was understood out, in order."""

import datetime as dt
import json
import zoneinfo
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


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
