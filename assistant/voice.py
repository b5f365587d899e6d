"""The voice agent's doors (Retell): its tool calls, its call events and the restaurant's state
for its prompt.

Each is on the restaurant's host (``/voice/retell/tools/``, ``/voice/retell/events/``,
``/voice/retell/status/``) and on the platform's (``/webhooks/retell/…``), where the agent's id
picks the restaurant from the public table of inbound numbers (``call.agent_id`` in a POST's
body, ``?agent_id=`` on the status GET); an agent no restaurant has is a 404 and nothing is
written. Nothing is read or written in a restaurant before the request's signature is checked:
``x-retell-signature: v=<unix ms>,d=<hex>``, the HMAC-SHA256 of the raw body followed by the
timestamp, with the restaurant's Retell key or the platform's (``RETELL_API_KEY``), within five
minutes of now; anything else is a 401. A GET has an empty body: it signs the timestamp alone.

A tool call is ``{"name", "call": {"call_id", "from_number", "agent_id", …}, "args": {…}}``, or,
with the agent's "arguments at root", the arguments beside ``name`` and ``call`` (every key but
those two; no tool has an argument of either name). It runs as the caller's phone
(``from_number``, E.164; none on a web call) with the source "voice", once per call, tool and
arguments: the provider retries up to five times. The answer is the tool's result and a
sentence in the restaurant's language to read out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import time

from babel.dates import format_date, get_day_names
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_tenants.utils import tenant_context
from rest_framework.exceptions import APIException

from assistant.dialogue import restaurant_language
from assistant.models import Conversation, VoiceToolCall
from assistant.selectors import assistant_settings_read, voice_status
from assistant.services import voice_call_end, voice_tool_call
from assistant.tools import TOOLS
from notifications.models import E164
from notifications.selectors import restaurant_for_inbound_number
from reservations.models import ReservationStatus
from restaurants.models import InboundProvider, Restaurant
from restaurants.parsers import json_check

logger = logging.getLogger(__name__)

SIGNATURE = re.compile(r"^v=(\d{1,16}),d=([0-9a-fA-F]{64})$")
SIGNATURE_WINDOW_MS = 5 * 60 * 1000
CALL_ID_MAX_LENGTH = VoiceToolCall._meta.get_field("call_id").max_length
RECEIVING_MAX_LENGTH = Conversation._meta.get_field("receiving").max_length
AGENT_ID_MAX_LENGTH = 64
# Keys of a tool call that are not the tool's arguments when they come at the body's root.
NOT_ARGUMENTS = ("name", "call")
LISTED_SPOKEN = 6
MAX_STATUS_PARTY = 50


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def retell_signed(body: bytes, header: str, keys: set[str], *, now_ms: int | None = None) -> bool:
    """Whether ``header`` signs ``body`` with one of ``keys`` at a moment within five minutes
    of now (see the module)."""
    match = SIGNATURE.match(header.strip())
    if not match:
        return False
    timestamp, digest = match[1], match[2].lower()
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if abs(now_ms - int(timestamp)) > SIGNATURE_WINDOW_MS:
        return False
    message = body + timestamp.encode()
    return any(
        hmac.compare_digest(hmac.new(key.encode(), message, hashlib.sha256).hexdigest(), digest)
        for key in keys - {""}
    )


def _signature_check(request, body: bytes) -> None:
    """401 unless the current restaurant's Retell key or the platform's signed ``body``."""
    keys = {assistant_settings_read().retell_api_key, settings.RETELL_API_KEY}
    if not retell_signed(body, request.headers.get("X-Retell-Signature", ""), keys):
        raise Refused(401, "bad or missing signature")


def _raw_body(request) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise Refused(413, "a body too large") from None


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _document(body: bytes) -> dict:
    """The JSON object of the body; 400 when it is not one, too deep or holds a control
    character, as the API refuses it."""
    try:
        document = json.loads(body.decode(), parse_constant=_no_constant)
        json_check(document)
    except (ValueError, RecursionError, APIException):
        raise Refused(400, "a body that is not JSON we take") from None
    if not isinstance(document, dict):
        raise Refused(400, "a body that is not a JSON object")
    return document


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _string(value) -> str:
    return value if isinstance(value, str) else ""


def _agent_id(document: dict) -> str:
    return _string(_dict(document.get("call")).get("agent_id"))[:AGENT_ID_MAX_LENGTH]


def _agent_restaurant(agent_id: str) -> Restaurant:
    """The restaurant whose voice agent ``agent_id`` is; 404 for one no restaurant has."""
    restaurant = (
        restaurant_for_inbound_number(provider=InboundProvider.RETELL, address=agent_id)
        if agent_id
        else None
    )
    if restaurant is None:
        raise Refused(404, f"unknown agent agent_id={agent_id!r}")
    return restaurant


def _not_another_restaurants_agent(document: dict) -> None:
    """404 on a restaurant's host for a call of another restaurant's agent: it is not taken
    here, whoever signed it."""
    agent_id = _agent_id(document)
    owner = agent_id and restaurant_for_inbound_number(
        provider=InboundProvider.RETELL, address=agent_id
    )
    if owner and owner.pk != connection.tenant.pk:
        raise Refused(404, f"another restaurant's agent agent_id={agent_id!r}")


def _answered(handle):
    """A door that answers its refusals with their status, logged with their reason."""

    def door(request):
        try:
            return handle(request)
        except Refused as refused:
            logger.warning("retell request refused: %s (%s)", refused.reason, refused.status)
            return HttpResponse(status=refused.status)

    door.__name__, door.__doc__ = handle.__name__, handle.__doc__
    return door


# --- What each door does, in the restaurant's schema, once signed -----------------------------


def _caller(call: dict) -> str:
    phone = _string(call.get("from_number"))
    if phone and not E164.regex.match(phone):
        raise Refused(400, "the caller's number is not in E.164")
    return phone


def _tools_take(document: dict) -> JsonResponse:
    name = _string(document.get("name"))
    call = _dict(document.get("call"))
    call_id = _string(call.get("call_id"))
    if not name or not call_id or len(call_id) > CALL_ID_MAX_LENGTH:
        raise Refused(400, "a tool call without a name or a call id")
    phone = _caller(call)
    if "args" in document:
        arguments = document["args"]
    else:
        arguments = {key: value for key, value in document.items() if key not in NOT_ARGUMENTS}
    if not isinstance(arguments, dict | str):
        raise Refused(400, "arguments that are not an object")
    if isinstance(arguments, dict):
        arguments = _unsaid_as_null(name, arguments)
    with translation.override(restaurant_language()):
        result = voice_tool_call(call_id=call_id, name=name, arguments=arguments, phone=phone)
        say = spoken(name, result, arguments if isinstance(arguments, dict) else {})
    return JsonResponse({"result": result, "say": say})


def _unsaid_as_null(name: str, arguments: dict) -> dict:
    """A voice agent leaves out what the caller did not say; the tools' strict schemas want
    it as null, so an optional argument left out is null."""
    tool = TOOLS.get(name)
    if tool is None:
        return arguments
    optional = [
        key
        for key, schema in tool.parameters["properties"].items()
        if "null" in (schema.get("type") if isinstance(schema.get("type"), list) else [])
    ]
    return {**dict.fromkeys(optional), **arguments}


def _ended_at(call: dict) -> dt.datetime | None:
    milliseconds = call.get("end_timestamp")
    if not isinstance(milliseconds, int) or isinstance(milliseconds, bool):
        return None
    moment = dt.datetime.fromtimestamp(milliseconds / 1000, tz=dt.UTC)
    # A clock far off is not believed: the call ended about now.
    return moment if abs(moment - timezone.now()) < dt.timedelta(days=1) else None


def _events_take(document: dict) -> HttpResponse:
    if document.get("event") != "call_ended":
        return HttpResponse(status=204)  # call_started, call_analyzed: nothing kept of them
    call = _dict(document.get("call"))
    call_id = _string(call.get("call_id"))
    if not call_id or len(call_id) > CALL_ID_MAX_LENGTH:
        raise Refused(400, "a call without a call id")
    phone = _string(call.get("from_number"))
    voice_call_end(
        call_id=call_id,
        phone=phone if E164.regex.match(phone) else "",
        receiving=_string(call.get("to_number"))[:RECEIVING_MAX_LENGTH],
        transcript=_string(call.get("transcript")),
        ended_at=_ended_at(call),
    )
    return HttpResponse(status=204)


def _status_take(request) -> JsonResponse:
    party_size = request.GET.get("party_size", "2")
    if not party_size.isdigit() or not 1 <= int(party_size) <= MAX_STATUS_PARTY:
        raise Refused(400, "a party size that is not a number")
    status = voice_status(now=timezone.now(), party_size=int(party_size))
    with translation.override(restaurant_language()):
        say = status_spoken(status)
    return JsonResponse({**status, "say": say})


# --- The restaurant's host ----------------------------------------------------------------------


@csrf_exempt
@require_POST
@_answered
def retell_tools(request):
    """A voice agent's tool call on the restaurant's host."""
    body = _raw_body(request)
    _signature_check(request, body)
    document = _document(body)
    _not_another_restaurants_agent(document)
    return _tools_take(document)


@csrf_exempt
@require_POST
@_answered
def retell_events(request):
    """A voice agent's call event on the restaurant's host: an ended call is kept."""
    body = _raw_body(request)
    _signature_check(request, body)
    document = _document(body)
    _not_another_restaurants_agent(document)
    return _events_take(document)


@csrf_exempt
@require_GET
@_answered
def retell_status(request):
    """The restaurant's state for the voice agent's prompt (signed on an empty body)."""
    _signature_check(request, _raw_body(request))
    return _status_take(request)


# --- The platform's host ------------------------------------------------------------------------


@csrf_exempt
@require_POST
@_answered
def platform_retell_tools(request):
    """A voice agent's tool call on the platform's host: its agent id picks the restaurant."""
    body = _raw_body(request)
    document = _document(body)
    restaurant = _agent_restaurant(_agent_id(document))
    with tenant_context(restaurant):
        _signature_check(request, body)
        return _tools_take(document)


@csrf_exempt
@require_POST
@_answered
def platform_retell_events(request):
    """A voice agent's call event on the platform's host: its agent id picks the restaurant."""
    body = _raw_body(request)
    document = _document(body)
    restaurant = _agent_restaurant(_agent_id(document))
    with tenant_context(restaurant):
        _signature_check(request, body)
        return _events_take(document)


@csrf_exempt
@require_GET
@_answered
def platform_retell_status(request):
    """A restaurant's state for its voice agent on the platform's host (``?agent_id=``)."""
    restaurant = _agent_restaurant(request.GET.get("agent_id", "")[:AGENT_ID_MAX_LENGTH])
    with tenant_context(restaurant):
        _signature_check(request, _raw_body(request))
        return _status_take(request)


# --- What the agent reads out -------------------------------------------------------------------


def _day(value: str) -> str:
    return format_date(
        dt.date.fromisoformat(value), format="full", locale=translation.get_language()
    )


def _moment(value: str) -> str:
    moment = dt.datetime.fromisoformat(value)
    return _("%(date)s at %(time)s") % {
        "date": _day(moment.date().isoformat()),
        "time": f"{moment:%H:%M}",
    }


def _listed(items: list[str]) -> str:
    return ", ".join(items[:LISTED_SPOKEN])


def _hours(spans: list[list[str]]) -> str:
    return ", ".join(
        _("from %(opens)s to %(closes)s") % {"opens": opens, "closes": closes}
        for opens, closes in spans
    )


def _availability_spoken(result: dict, arguments: dict) -> str:
    day = _day(result["date"])
    if result.get("time_free"):
        return _("Yes, %(time)s on %(date)s is free for %(count)s.") % {
            "time": arguments.get("time"),
            "date": day,
            "count": result["party_size"],
        }
    sentences = [result["message"]] if result.get("message") else []
    if result.get("alternatives"):
        offered = _listed([_moment(value) for value in result["alternatives"]])
        sentences.append(_("I can offer %(times)s.") % {"times": offered})
    elif result.get("times") and "time_free" not in result:
        sentences.append(
            _("Free times on %(date)s: %(times)s.")
            % {"date": day, "times": _listed(result["times"])}
        )
    return " ".join(sentences) or _("Nothing is free on %(date)s.") % {"date": day}


def _booked_spoken(result: dict) -> str:
    values = {
        "reference": result["reference"],
        "count": result["party_size"],
        "when": _moment(result["starts_at"]),
    }
    if result["status"] == ReservationStatus.PENDING:
        return (
            _(
                "Your request for %(count)s on %(when)s is received; the restaurant will confirm "
                "it. Your reference is %(reference)s."
            )
            % values
        )
    return _("Booked: a table for %(count)s on %(when)s. Your reference is %(reference)s.") % values


def _bookings_spoken(result: dict) -> str:
    if not result["bookings"]:
        return _("You have no upcoming bookings.")
    listed = [
        _("%(when)s for %(count)s, reference %(reference)s")
        % {
            "when": _moment(f"{booking['date']}T{booking['time']}"),
            "count": booking["party_size"],
            "reference": booking["reference"],
        }
        for booking in result["bookings"]
    ]
    return _("Your upcoming bookings: %(bookings)s.") % {"bookings": "; ".join(listed)}


def _menu_spoken(result: dict) -> str:
    if not result["dishes"]:
        return _("I found nothing like that on the menu.")
    dishes = [f"{dish['name']}, {dish['price']}" for dish in result["dishes"]]
    return _("On the menu: %(dishes)s.") % {"dishes": "; ".join(dishes[:LISTED_SPOKEN])}


def _hours_spoken(result: dict) -> str:
    if "date" in result:
        day = _day(result["date"])
        if result["closed"]:
            return _("We are closed on %(date)s.") % {"date": day}
        return _("On %(date)s we are open %(hours)s.") % {
            "date": day,
            "hours": _hours(result["hours"]),
        }
    names = get_day_names("wide", locale=translation.get_language())
    days = [
        f"{names[weekday]} {_hours(day['hours']) if day['hours'] else _('closed')}"
        for weekday, day in enumerate(result["week"])
    ]
    return _("Our hours: %(days)s.") % {"days": "; ".join(days)}


def spoken(name: str, result: dict, arguments: dict) -> str:
    """A short sentence in the active language that tells ``result`` of tool ``name``."""
    if not result.get("ok"):
        return result.get("message") or _("Sorry, I could not do that.")
    if name == "check_availability":
        return _availability_spoken(result, arguments)
    if name in ("book", "change_booking"):
        return _booked_spoken(result)
    if name == "cancel_booking":
        return _("Booking %(reference)s is cancelled.") % {"reference": result["reference"]}
    if name == "my_bookings":
        return _bookings_spoken(result)
    if name == "menu":
        return _menu_spoken(result)
    if name == "opening_hours":
        return _hours_spoken(result)
    if name == "hand_off":
        return _("I will pass this on to the team; they will get back to you.")
    return _("Done.")


def status_spoken(status: dict) -> str:
    """The restaurant's state (``selectors.voice_status``) in a sentence or two."""
    today = status["today"]
    sentences = [_("We are open now.") if status["open_now"] else _("We are closed now.")]
    if today["closed"]:
        sentences.append(_("We are closed today."))
    else:
        sentences.append(_("Today we are open %(hours)s.") % {"hours": _hours(today["hours"])})
    if status["free_soon"]:
        sentences.append(
            _("Free soon for %(count)s: %(times)s.")
            % {"count": status["party_size"], "times": _listed(status["free_soon"])}
        )
    return " ".join(sentences)
