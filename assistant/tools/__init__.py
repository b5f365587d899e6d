"""The assistant's actions as declared tools: one JSON schema each, for the offline dialogue, an
OpenAI model and a voice agent alike.

A tool runs in the current restaurant as the customer of one phone, through the booking layer,
and answers with a small JSON result. Whatever it is asked, it reads and writes only that
phone's bookings and never returns another customer's name or phone; a reference that is not
the phone's is answered the same whether it exists or not, and the attempt is logged. Nothing
here acts on several bookings at once: such tools do not exist.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistant.models import HandoffReason
from assistant.tools import actions
from assistant.tools.actions import Call, InvalidArgument, Refusal
from assistant.tools.arguments import (
    AREA,
    DATE,
    DISHES,
    PARTY_SIZE,
    REFERENCE,
    TIME,
    arguments_problem,
    nullable,
    strict_object,
)
from reservations.models import ReservationSource
from reservations.services.customers import phone_normalise

logger = logging.getLogger(__name__)

# Customers' own doors: "admin" would skip the online rules (the largest party among them).
SOURCES = frozenset(
    {
        ReservationSource.WHATSAPP,
        ReservationSource.PHONE,
        ReservationSource.VOICE,
        ReservationSource.WEB,
        ReservationSource.API,
    }
)
HANDOFF_REASONS = (
    HandoffReason.ASKED,
    HandoffReason.NOT_ALLOWED,
    HandoffReason.LARGE_PARTY,
    HandoffReason.NOT_UNDERSTOOD,
)


@dataclass(frozen=True)
class Tool:
    """An action a model may call: its name, what it does, its arguments' schema, its code."""

    name: str
    description: str
    parameters: dict
    run: Callable[[Call], dict]
    # Reads or writes the phone's own bookings: nothing to do without a phone.
    personal: bool = False


TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool(
            "check_availability",
            "Free start times of a day for a party, whether a given time is free, and the "
            "nearest free alternatives.",
            strict_object(
                date=DATE, party_size=PARTY_SIZE, time=nullable(TIME), area=nullable(AREA)
            ),
            actions.check_availability,
        ),
        Tool(
            "book",
            "Book a table for the customer of this conversation, once they have said yes to "
            "the day, time, party size and name (and any dishes to have ready).",
            strict_object(
                date=DATE,
                time=TIME,
                party_size=PARTY_SIZE,
                customer_name={
                    "type": "string",
                    "description": "The customer's name for the booking.",
                },
                area=nullable(AREA),
                dishes=nullable(DISHES),
            ),
            actions.book,
            personal=True,
        ),
        Tool(
            "my_bookings",
            "The upcoming bookings made from this conversation's phone number.",
            strict_object(),
            actions.my_bookings,
            personal=True,
        ),
        Tool(
            "change_booking",
            "Move one of the customer's own bookings to another day, time or party size, or add "
            "a note (an allergy, a birthday); null keeps what is booked.",
            strict_object(
                reference=REFERENCE,
                date=nullable(DATE),
                time=nullable(TIME),
                party_size=nullable(PARTY_SIZE),
                note={
                    "type": ["string", "null"],
                    "description": "A remark to add to the booking, as the customer wrote it.",
                },
            ),
            actions.change_booking,
            personal=True,
        ),
        Tool(
            "cancel_booking",
            "Cancel one of the customer's own bookings, once they have said yes.",
            strict_object(reference=REFERENCE),
            actions.cancel_booking,
            personal=True,
        ),
        Tool(
            "menu",
            "The dishes on the menu with their prices; all of them, or those matching a name.",
            strict_object(
                dish={
                    "type": ["string", "null"],
                    "description": "A dish or section of the menu to look for; null for all.",
                }
            ),
            actions.menu,
        ),
        Tool(
            "opening_hours",
            "The opening hours of the week and the closed dates ahead, or of one day.",
            strict_object(date=nullable(DATE)),
            actions.opening_hours,
        ),
        Tool(
            "hand_off",
            "Pass the conversation to a person of the restaurant's team.",
            strict_object(
                reason={
                    "type": "string",
                    "enum": [str(reason) for reason in HANDOFF_REASONS],
                    "description": "Why: the customer asked, it is not allowed to the "
                    "assistant, the party is too large, or the customer is not understood.",
                },
                summary={
                    "type": "string",
                    "description": "What the customer wants, in one or two sentences, for staff.",
                },
            ),
            actions.hand_off,
        ),
    )
}


def tool_schemas() -> list[dict]:
    """The tools as OpenAI Responses API function tools (strict)."""
    return [
        {
            "type": "function",
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
            "strict": True,
        }
        for tool in TOOLS.values()
    ]


def tool_run(
    name: str,
    arguments: dict | str,
    *,
    phone: str,
    source: str,
    key: str = "",
    now: dt.datetime | None = None,
) -> dict:
    """Run one tool in the current restaurant as the customer of ``phone`` (booking from
    ``source``); returns its JSON result, ``{"ok": false, "error": …}`` when refused.

    ``key`` is the caller's scope of once-only writes (a confirmation, a model's turn, a phone
    call): the same booking asked again within it is the first one, not a second."""
    if source not in SOURCES:
        raise ValueError(f"tools run for customers' doors only, not {source!r}")
    tool = TOOLS.get(name)
    if tool is None:
        # A bulk action or anything else not declared: the name is the caller's, left out.
        logger.warning("tool refused unknown_tool source=%s", source)
        return {"ok": False, "error": "unknown_tool", "message": _("There is no such tool.")}
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments or "{}")
        except ValueError:
            arguments = None
    problem = arguments_problem(tool.parameters, arguments)
    if problem:
        logger.info("tool refused invalid_arguments tool=%s source=%s", name, source)
        return {"ok": False, "error": "invalid_arguments", "message": problem}
    try:
        phone = phone_normalise(phone) if tool.personal else phone
        if tool.personal and not phone:
            raise ValidationError(_("Bookings here need the customer's phone number."))
        call = Call(
            arguments=arguments, phone=phone, source=source, key=key, now=now or timezone.now()
        )
        with transaction.atomic():
            return tool.run(call)
    except InvalidArgument as invalid:
        message = _("Invalid value for %(name)s.") % {"name": invalid.name}
        return {"ok": False, "error": "invalid_arguments", "message": message}
    except Refusal as refusal:
        error = refusal.result["error"]
        # Reaching for a booking not the phone's is what the guard is for: worth a look.
        level = logging.WARNING if error == "not_your_booking" else logging.INFO
        logger.log(level, "tool refused %s tool=%s source=%s", error, name, source)
        return refusal.result
    except ValidationError as error:
        logger.info("tool refused by the booking rules tool=%s source=%s", name, source)
        # Which of the booking's details the rules refused: the time and table are a matter
        # of alternatives, the rest (the contact, say) of staff.
        fields = sorted(getattr(error, "error_dict", None) or ())
        return {
            "ok": False,
            "error": "refused",
            "message": " ".join(error.messages),
            "fields": fields,
        }
