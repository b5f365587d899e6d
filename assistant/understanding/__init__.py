"""Understand a customer's chat message: what they want and the booking's details.

Plain rules (regular expressions and word lists), deterministic and offline: the same message
and the same ``now`` always give the same answer. A value the customer did not state, or stated
ambiguously (an hour from 1 to 11 with no am/pm, no "de la noche" and no 24-hour form), is None.
Relative dates resolve against ``now``, the restaurant's local time.
"""

import datetime
import re
from dataclasses import dataclass

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
        normalised, now.date(), taken + [(start, end) for start, end, _ in parties]
    )

    party_values = [value for *_, value in parties]
    has_details = bool(party_values) or bool(dates and any(value for *_, value in times))
    intent = intent_of(normalised, text.lower(), has_details)
    if intent == "change":
        date, time, party_size = _new_values(normalised, dates, times, parties)
    else:
        date = dates[0][2] if dates else None
        time = times[0][2] if times else None
        party_size = party_values[0] if party_values else None
    return Understanding(
        intent=intent,
        date=date,
        time=time,
        party_size=party_size,
        name=name_stated(text),
        language=language,
        area=area_stated(normalised),
    )


# "9pm instead of 8pm", "6 en vez de 4", "7 people, not 5": the new value comes before the marker.
_INSTEAD_OF = re.compile(
    r"\b(?:instead of|rather than|en vez de\w*|en lugar de\w*)\b|,? (?:no|not) (?=\d)"
)
# "2 más", "two more people": people added to the booking's party, not the party itself.
_MORE = re.compile(r"\b(\d{1,2}) (?:\w+ )?(?:mas|more)\b")


def _new_values(text: str, dates, times, parties):
    """The values a change asks for: the last stated, or the last before "instead of"."""
    marker = _INSTEAD_OF.search(text)

    def pick(found):
        if not found:
            return None
        if marker:
            before = [item for item in found if item[0] < marker.start()]
            if before:
                return before[-1][-1]
        return found[-1][-1]

    party_size = pick(parties)
    more = _MORE.search(text)
    if more:
        earlier = [item for item in parties if item[1] <= more.start()]
        party_size = earlier[-1][-1] + int(more.group(1)) if earlier else None
    return pick(dates), pick(times), party_size
