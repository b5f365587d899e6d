"""What the dialogue's parts share: the answer, the words it watches for, small helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection

from reservations import selectors
from reservations.models import Reservation

# The parts of the room the understanding names, as the restaurant's table areas.
AREAS = {"terrace": "terrace", "bar": "bar", "private": "vip", "inside": "interior"}
# Whatever the wording, these are never the assistant's to do: staff answer them.
NOT_ALLOWED = re.compile(
    r"\b(?:ignor\w* (?:\w+ ){0,3}(?:instruc\w*|reglas|rules|prompt)|system prompt|"
    r"(?:todas|all) (?:las |the )?(?:reservas|bookings|reservations)|"
    r"(?:datos|telefono|email|correo|nombre|phone|number|details)s? (?:\w+ ){0,3}"
    r"(?:otr[oa]s? (?:cliente|persona|reserva)\w*|(?:la|una) reserva de|another|other guest)|"
    r"another customer|otro cliente|other customers|"
    r"(?:cambi\w*|modific\w*|change|set|update) (?:\w+ ){0,3}(?:horario del (?:restaurante|local)|"
    r"horario de atencion|(?:opening|your) hours|precios?|prices?|configuracion|settings|"
    r"politica|policy)|descuento|discount|gratis|for free|"
    # Someone claiming to be staff, or the system, is not taken at their word.
    r"you are now|ahora eres|act as|actua como|developer mode|modo desarrollador|"
    r"soy (?:el|la) (?:gerente|duen[oa]|encargad[oa]|administrador\w*|admin)|"
    r"i'?m the (?:manager|owner)|i am the (?:manager|owner))\b"
)
# A message with one of these words is about a booking: a reference in it names one.
ABOUT_A_BOOKING = re.compile(
    r"\b(?:reserv\w*|booking\w*|referencia|reference|codigo|code|confirmation)\b"
)
MENU_LINES = 40
# Words that begin names on a menu and ask for the whole of it ("platos fuertes", "carta").
MENU_WORDS = {"plato", "platos", "menu", "carta", "dish", "dishes"}
CHOICES = 3
LISTED_BOOKINGS = 5
LISTED_TIMES = 12


@dataclass
class Answer:
    reply: str
    intent: str = ""
    actions: list[dict] = field(default_factory=list)
    handoff_reason: str = ""


def restaurant_language() -> str:
    return getattr(connection.tenant, "language", "es") or "es"


def spans_text(periods) -> str:
    return ", ".join(f"{opens:%H:%M}–{closes:%H:%M}" for opens, closes in periods)


def hour_of(value: str) -> tuple[int, int]:
    hour, _colon, minute = value.partition(":")
    return int(hour), int(minute)


def is_about_the_time(fields) -> bool:
    """Whether the booking layer refused the time or the table (not the party or contact),
    by the names of the details it refused."""
    return set(fields) <= {"starts_at", "table", NON_FIELD_ERRORS}


def error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def booking_action(kind: str, reservation: Reservation) -> dict:
    return {
        "type": kind,
        "reference": reservation.reference,
        "starts_at": reservation.starts_at.astimezone(selectors.restaurant_zone()).isoformat(),
        "party_size": reservation.party_size,
    }
