"""Customers saying yes at the same moment to the same last table, each on its own
connection: one gets it, the others are answered with other times, none with an error."""

import datetime as dt
import zoneinfo

from django.db import connection

from assistant.models import Conversation
from assistant.services import Incoming, conversation_receive
from reservations.models import Reservation
from tests.factories import TableFactory, open_every_day
from tests.threads import run_at_once

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
NOW = dt.datetime(2030, 3, 4, 10, 0, tzinfo=MEXICO)
NAMES = ["Ana", "Beto", "Carla", "Diego", "Elena", "Fabián", "Gabriela", "Hugo"]
CUSTOMERS = len(NAMES)


def say(phone: str, text: str):
    return conversation_receive(incoming=Incoming(phone=phone, text=text), now=NOW)


def test_simultaneous_yeses_for_the_last_table_book_it_once_and_answer_everyone(
    committed_restaurant,
):
    connection.set_tenant(committed_restaurant)
    open_every_day("12:00", "23:30", duration_minutes=120)
    TableFactory(code="M01", max_capacity=4)
    phones = [f"+52551000{index:04d}" for index in range(CUSTOMERS)]
    for name, phone in zip(NAMES, phones, strict=True):
        say(phone, f"mesa para 2 mañana a las 20:00 a nombre de {name} Prieto")
    assert set(Conversation.objects.values_list("state", flat=True)) == {"confirm"}

    results = run_at_once(committed_restaurant, CUSTOMERS, lambda index: say(phones[index], "sí"))

    assert [status for status, _turn in results] == ["ok"] * CUSTOMERS, results
    turns = [turn for _status, turn in results]
    booked = [turn for turn in turns if turn.actions]
    assert len(booked) == 1
    assert Reservation.objects.count() == 1
    # Everyone else is told and offered other times, to pick by number.
    assert all(turn.reply for turn in turns)
    connection.set_tenant(committed_restaurant)
    assert sorted(Conversation.objects.values_list("state", flat=True)) == sorted(
        ["choose_time"] * (CUSTOMERS - 1) + [""]
    )
