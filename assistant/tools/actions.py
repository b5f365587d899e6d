"""What each tool does, run as the customer of one phone through the booking layer: reads of
the restaurant and of the phone's own bookings, and the booking layer's writes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from assistant.tools.arguments import TEXT_LIMIT
from assistant.understanding.text import normalise
from booking.services.bookings import (
    Contact,
    booking_cancel_by_customer,
    booking_check,
    booking_create,
    booking_reschedule_by_customer,
)
from menu.models import Dish
from reservations import selectors
from reservations.models import Reservation, ReservationStatus
from restaurants.money import money

LISTED_BOOKINGS = 10
LISTED_DISHES = 40
LISTED_TIMES = 64
LISTED_ALTERNATIVES = 3
CLOSED_DAYS_AHEAD = 60
LISTED_CLOSED_DAYS = 10
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class InvalidArgument(Exception):
    """An argument the schema lets through but that means nothing (2030-02-30, 25:00)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class Refusal(Exception):
    """A result that is no answer: the error and what goes with it."""

    def __init__(self, error: str, **details):
        super().__init__(error)
        self.result = {"ok": False, "error": error, **details}


@dataclass(frozen=True)
class Call:
    """One tool call, validated: its arguments and who it runs for."""

    arguments: dict
    phone: str
    source: str
    now: dt.datetime
    # The caller's scope of once-only writes (a confirmation, a model's turn, a phone call;
    # "" none): the same write asked again within it is the first one.
    key: str = ""

    @property
    def zone(self):
        return selectors.restaurant_zone()

    def date(self, name: str = "date") -> dt.date | None:
        value = self.arguments.get(name)
        try:
            return dt.date.fromisoformat(value) if value is not None else None
        except ValueError:
            raise InvalidArgument(name) from None

    def time(self, name: str = "time") -> dt.time | None:
        value = self.arguments.get(name)
        try:
            return dt.time.fromisoformat(value) if value is not None else None
        except ValueError:
            raise InvalidArgument(name) from None

    def starts_at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.zone)

    def local(self, moment: dt.datetime) -> str:
        return moment.astimezone(self.zone).isoformat()

    def own_booking(self) -> Reservation:
        """The phone's booking of the reference given; any other is refused alike (logged)."""
        reference = self.arguments["reference"].strip().upper()
        found = _own(self.phone).filter(reference=reference).first()
        if found is None:
            raise Refusal(
                "not_your_booking",
                message=_("No booking with that reference was made from this phone number."),
            )
        return found


def _own(phone: str):
    return Reservation.objects.filter(customer__phone=phone, customer__erased_at__isnull=True)


def _check_party(party_size: int, allowed: int = 0) -> None:
    """Parties above the online maximum are staff's: the caller hands the chat over."""
    largest = selectors.booking_policy_cached().online_max_party_size
    if party_size > max(largest, allowed):
        raise Refusal(
            "large_party",
            max=largest,
            message=_(
                "Online bookings are for up to %(count)s people; please call us for larger parties."
            )
            % {"count": largest},
        )


def _booked(call: Call, reservation: Reservation) -> dict:
    return {
        "ok": True,
        "reference": reservation.reference,
        "starts_at": call.local(reservation.starts_at),
        "party_size": reservation.party_size,
        "status": reservation.status,
    }


# The tools --------------------------------------------------------------------------------


def check_availability(call: Call) -> dict:
    day, time = call.date(), call.time()
    party_size, area = call.arguments["party_size"], call.arguments["area"] or ""
    _check_party(party_size)
    availability = selectors.availability_for_day(
        day=day, party_size=party_size, area=area, now=call.now
    )
    result = {
        "ok": True,
        "date": day.isoformat(),
        "party_size": party_size,
        "times": [f"{slot.starts_at.astimezone(call.zone):%H:%M}" for slot in availability.slots][
            :LISTED_TIMES
        ],
    }
    if availability.reason:
        result.update(reason=availability.reason, message=availability.reason_text)
    wanted = None
    if time is not None:
        wanted = call.starts_at(day, time)
        try:
            booking_check(starts_at=wanted, party_size=party_size, source=call.source, now=call.now)
        except ValidationError as error:
            result.update(time_free=False, message=" ".join(error.messages))
        else:
            result["time_free"] = True
            return result
    elif not availability.slots:
        opening = selectors.booking_policy_snapshot().periods.get(day.weekday())
        wanted = call.starts_at(day, opening[0][0] if opening else dt.time(12))
    if wanted is not None:
        alternatives = selectors.alternatives_for(
            starts_at=wanted,
            party_size=party_size,
            area=area,
            count=LISTED_ALTERNATIVES,
            now=call.now,
        )
        result["alternatives"] = [call.local(slot.starts_at) for slot in alternatives]
    return result


def _dishes(wanted: list[dict] | None) -> dict[Dish, int]:
    """The pre-ordered dishes by their menu ids; one not on the menu now is refused."""
    quantities: dict[int, int] = {}
    for line in wanted or ():
        quantities[line["dish_id"]] = quantities.get(line["dish_id"], 0) + line["quantity"]
    found = Dish.objects.orderable().in_bulk(list(quantities))
    if len(found) < len(quantities):
        raise Refusal("unknown_dish", message=_("One of those dishes is not on the menu now."))
    return {found[dish_id]: quantity for dish_id, quantity in quantities.items()}


def book(call: Call) -> dict:
    arguments = call.arguments
    name = " ".join(arguments["customer_name"].split())
    if not name:
        raise InvalidArgument("customer_name")
    _check_party(arguments["party_size"])
    first_name, _space, last_name = name.partition(" ")
    reservation, created = booking_create(
        source=call.source,
        starts_at=call.starts_at(call.date(), call.time()),
        party_size=arguments["party_size"],
        contact=Contact(first_name=first_name[:80], last_name=last_name[:80], phone=call.phone),
        area=arguments["area"] or "",
        dishes=_dishes(arguments["dishes"]),
        submission_key=_once_key(call),
        now=call.now,
    )
    return {**_booked(call, reservation), "repeated": not created}


def _once_key(call: Call) -> str | None:
    """The booking's once-only key: the caller's scope, the phone and the arguments."""
    if not call.key:
        return None
    canonical = json.dumps(call.arguments, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{call.key}|{call.phone}|{canonical}".encode()).hexdigest()
    return f"{call.source}-{digest[:40]}"


def my_bookings(call: Call) -> dict:
    upcoming = (
        _own(call.phone)
        .filter(
            status__in=(ReservationStatus.PENDING, ReservationStatus.CONFIRMED),
            starts_at__gte=call.now,
        )
        .order_by("starts_at")[:LISTED_BOOKINGS]
    )
    bookings = []
    for reservation in upcoming:
        local = reservation.starts_at.astimezone(call.zone)
        bookings.append(
            {
                "reference": reservation.reference,
                "date": local.date().isoformat(),
                "time": f"{local:%H:%M}",
                "party_size": reservation.party_size,
                "status": reservation.status,
            }
        )
    return {"ok": True, "bookings": bookings}


def change_booking(call: Call) -> dict:
    arguments = call.arguments
    day, time, note = call.date(), call.time(), (arguments["note"] or "").strip()
    party_size = arguments["party_size"]
    if day is None and time is None and party_size is None and not note:
        raise Refusal("invalid_arguments", message=_("There is nothing to change."))
    reservation = call.own_booking()
    if party_size is not None:
        # Staying as large as booked is no new large party.
        _check_party(party_size, allowed=reservation.party_size)
    local = reservation.starts_at.astimezone(call.zone)
    starts_at = call.starts_at(day or local.date(), time or local.time().replace(tzinfo=None))
    requests = None
    if note:
        requests = f"{reservation.special_requests}\n{note}".strip()[:TEXT_LIMIT]
    moved = booking_reschedule_by_customer(
        reservation=reservation,
        starts_at=starts_at,
        party_size=party_size or reservation.party_size,
        special_requests=requests,
        source=call.source,
        now=call.now,
    )
    return _booked(call, moved)


def cancel_booking(call: Call) -> dict:
    cancelled = booking_cancel_by_customer(reservation=call.own_booking(), now=call.now)
    return {"ok": True, "reference": cancelled.reference, "status": cancelled.status}


def menu(call: Call) -> dict:
    dishes = list(
        Dish.objects.orderable()
        .select_related("category")
        .order_by("category__menu_order", "category__name", "name")
    )
    asked = normalise(call.arguments["dish"] or "").strip()
    if asked:
        dishes = [
            dish
            for dish in dishes
            if asked in normalise(dish.name) or asked in normalise(dish.category.name)
        ]
    return {
        "ok": True,
        "dishes": [
            {
                "id": dish.pk,
                "name": dish.name,
                "category": dish.category.name,
                "price": money(dish.price),
                "description": dish.description[:160],
            }
            for dish in dishes[:LISTED_DISHES]
        ],
        "more": max(len(dishes) - LISTED_DISHES, 0),
    }


def _spans(periods) -> list[list[str]]:
    return [[f"{opens:%H:%M}", f"{closes:%H:%M}"] for opens, closes in periods or ()]


def opening_hours(call: Call) -> dict:
    snapshot = selectors.booking_policy_snapshot()
    day = call.date()
    if day is not None:
        closed = snapshot.is_closed(day) or not snapshot.periods.get(day.weekday())
        return {
            "ok": True,
            "date": day.isoformat(),
            "weekday": WEEKDAYS[day.weekday()],
            "closed": closed,
            "hours": [] if closed else _spans(snapshot.periods.get(day.weekday())),
        }
    today = call.now.astimezone(call.zone).date()
    ahead = (today + dt.timedelta(days=offset) for offset in range(CLOSED_DAYS_AHEAD))
    closed_dates = [day.isoformat() for day in ahead if snapshot.is_closed(day)]
    return {
        "ok": True,
        "week": [
            {"weekday": name, "hours": _spans(snapshot.periods.get(weekday))}
            for weekday, name in enumerate(WEEKDAYS)
        ],
        "closed_dates": closed_dates[:LISTED_CLOSED_DAYS],
    }


def hand_off(call: Call) -> dict:
    # The caller owns the conversation and hands it to staff on this result.
    return {
        "ok": True,
        "hand_off": True,
        "reason": call.arguments["reason"],
        "summary": call.arguments["summary"].strip(),
    }
