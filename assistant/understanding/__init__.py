"""Understand a customer's chat message: what they want and the booking's details.

Plain rules (regular expressions and word lists), deterministic and offline: the same message
and the same ``now`` always give the same answer. A value the customer did not state, or stated
ambiguously (an hour from 1 to 11 with no am/pm, no "de la noche" and no 24-hour form), is None.
Relative dates resolve against ``now``, the restaurant's local time.
"""

import datetime
from dataclasses import dataclass

from assistant.understanding.changes import new_values
from assistant.understanding.dates import dates_stated
from assistant.understanding.intents import intent_of
from assistant.understanding.names import area_stated, name_stated
from assistant.understanding.party import party_sizes
from assistant.understanding.text import language_of, normalise, overlaps
from assistant.understanding.times import MIDNIGHT, NOON, TIME, resolve_time

INTENTS = ("book", "availability", "cancel", "change", "menu", "hours", "human", "other")


@dataclass(frozen=True)
class Understanding:
    intent: str
    date: datetime.date | None = None
    time: datetime.time | None = None
    party_size: int | None = None
    name: str | None = None
    language: str = "es"
    area: str | None = None


def understand(
    text: str, *, now: datetime.datetime, language_hint: str | None = None
) -> Understanding:
    """What the customer asks for and the booking's details they stated, read with plain rules."""
    normalised = normalise(text)
    language = language_of(normalised, text, language_hint)

    times: list[tuple[int, int, datetime.time | None]] = []
    for match in TIME.finditer(normalised):
        is_time, value = resolve_time(match, normalised)
        if is_time:
            times.append((match.start(), match.end(), value))
    taken = [(start, end) for start, end, _ in times]
    for pattern, value in ((NOON, datetime.time(12)), (MIDNIGHT, datetime.time(0))):
        for match in pattern.finditer(normalised):
            if not overlaps(match.span(), taken):
                times.append((match.start(), match.end(), value))
    times.sort()
    taken = [(start, end) for start, end, _ in times]
    parties = party_sizes(normalised, taken)
    dates = dates_stated(
        normalised, now.date(), taken + [(start, end) for start, end, _ in parties], language
    )

    party_values = [value for *_, value in parties]
    has_details = bool(party_values) or bool(dates and any(value for *_, value in times))
    # A day gone by ("thanks for dinner last night") is no occasion of a table to come.
    upcoming = [value for *_, value in dates if value is None or value >= now.date()]
    stated = bool(upcoming or times or parties)
    intent = intent_of(normalised, text.lower(), has_details, stated)
    if intent == "change":
        date, time, party_size = new_values(normalised, dates, times, parties)
    else:
        # "fuimos el viernes, queremos reservar para el sábado": the booking is the day to come.
        if intent in ("book", "availability") and any(
            value and value >= now.date() for *_, value in dates
        ):
            dates = [item for item in dates if not item[2] or item[2] >= now.date()]
        date = dates[0][2] if dates else None
        time = times[0][2] if times else None
        party_size = party_values[0] if party_values else None
    return Understanding(
        intent=intent,
        date=date,
        time=time,
        party_size=party_size,
        name=name_stated(
            text,
            booking_names=intent != "human",
            bare_names=intent in ("book", "availability", "change", "cancel") and has_details,
        ),
        language=language,
        area=area_stated(normalised),
    )
