"""The dialogue's booking: the questions, the free times, the alternatives, the booking."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from assistant.dialogue import words
from assistant.dialogue.common import (
    CHOICES,
    LISTED_TIMES,
    Answer,
    booking_action,
    error_text,
    hour_of,
    is_about_the_time,
)
from assistant.models import HandoffReason
from assistant.tools.arguments import TEXT_LIMIT as NAME_LIMIT
from booking.services.bookings import booking_check
from menu.models import Dish
from reservations import selectors
from reservations.models import Reservation, ReservationSource, ReservationStatus
from restaurants.money import money


class BookingSteps:
    """The dialogue's booking: the questions, the free times, the alternatives, the booking."""

    def _date(self) -> dt.date | None:
        value = self.slots.get("date")
        return dt.date.fromisoformat(value) if value else None

    def _starts_at(self) -> dt.datetime | None:
        day, time = self._date(), self.slots.get("time")
        if day is None or not time:
            return None
        wall = dt.datetime.combine(day, dt.time.fromisoformat(time))
        return wall.replace(tzinfo=self.zone)

    def _policy(self):
        return selectors.booking_policy_cached()

    def _ask(self, what: str, question: str) -> Answer:
        self.slots["waiting"] = f"ask_{what}"
        return Answer(question)

    def _day_problem(self, day: dt.date, party_size: int | None) -> tuple[str, str]:
        """Why a day can't be booked (closed, too far, past, full): the availability's reason
        and its wording, or ("", "")."""
        today = self.now.astimezone(self.zone).date()
        if day < today:
            return "past", _("That day has already passed.")
        availability = self._availability_of(day, party_size or 1)
        reasons = {
            "reservations_off": _("We are not taking reservations right now."),
            "closed": _("We are closed on %(day)s.") % {"day": self._day_name(day)},
            "outside_window": _("We take bookings up to %(days)s days ahead.")
            % {"days": self._policy().max_days_ahead},
            "no_times_left": _("There are no times left on %(day)s.")
            % {"day": self._day_name(day)},
            "fully_booked": _("We are fully booked on %(day)s.") % {"day": self._day_name(day)},
        }
        return availability.reason, reasons.get(availability.reason, "")

    def _hand_over_group(self, party_size: int) -> Answer:
        """No table seats the party whatever the day: staff may join tables, another day won't
        help."""
        answer = self._hand_over(HandoffReason.LARGE_PARTY)
        answer.reply = _(
            "We have no table for %(count)s people that can be booked online. I'm passing you to "
            "a person from our team to arrange your group; they will write to you here."
        ) % {"count": party_size}
        return answer

    def _availability_of(self, day: dt.date, party_size: int):
        """The day's free times for the party, read once per message."""
        key = (day, party_size, self.slots.get("area", ""))
        if key not in self._days_read:
            self._days_read[key] = selectors.availability_for_day(
                day=day, party_size=party_size, area=key[2], now=self.now
            )
        return self._days_read[key]

    def _free_times(self, day: dt.date, party_size: int) -> list[dt.datetime]:
        return [slot.starts_at for slot in self._availability_of(day, party_size).slots]

    def _book(self) -> Answer:
        """The next question, the alternatives, or the booking to confirm."""
        party_size = self.slots.get("party_size")
        if party_size and party_size > self._policy().online_max_party_size:
            return self._hand_over(HandoffReason.LARGE_PARTY)
        if party_size is not None and party_size < 1:
            self.slots.pop("party_size")
            return self._ask("party_size", _("How many people will you be?"))
        day = self._date()
        if day is None:
            return self._ask("date", _("What day would you like to come?"))
        reason, problem = self._day_problem(day, party_size)
        if reason == "no_table_fits" and party_size:
            return self._hand_over_group(party_size)
        if problem:
            self.slots.pop("date")
            return self._ask("date", problem + " " + _("Which other day would suit you?"))
        if not party_size:
            return self._ask("party_size", _("How many people will you be?"))
        if not self.slots.get("time") and self.slots.get("hour"):
            settled = self._settle_hour(hour_of(self.slots.pop("hour")), day)
            if settled:
                self.slots["time"] = settled
        starts_at = self._starts_at()
        if starts_at is None:
            return self._ask_time(day, party_size)
        try:
            booking_check(
                starts_at=starts_at,
                party_size=party_size,
                source=ReservationSource.WHATSAPP,
                now=self.now,
            )
        except ValidationError as error:
            return self._offer_alternatives(starts_at, party_size, error_text(error))
        name = self.slots.get("name") or self._known_name()
        if not name:
            return self._ask("name", _("Under what name shall I book?"))
        self.slots["name"] = name
        self.slots["waiting"] = "confirm"
        self.slots["proposal"] = {
            "kind": "book",
            "starts_at": starts_at.isoformat(),
            "party_size": party_size,
            "name": name,
            "area": self.slots.get("area", ""),
            "dishes": self.slots.get("dishes", {}),
            "key": uuid.uuid4().hex,
        }
        question = _(
            "Shall I book a table for %(party)s on %(when)s under the name %(name)s? (yes/no)"
        ) % {"party": party_size, "when": self._when(starts_at), "name": name}
        dishes = self._pre_ordered(self.slots.get("dishes", {}))
        if dishes:
            question += "\n" + _("With these dishes ready for you: %(dishes)s.") % {
                "dishes": ", ".join(
                    f"{quantity} × {dish.name} ({money(dish.price)})"
                    for dish, quantity in dishes.items()
                )
            }
        return Answer(question)

    def _pre_ordered(self, dishes: dict[str, int]) -> dict[Dish, int]:
        found = Dish.objects.orderable().in_bulk([int(key) for key in dishes])
        return {found[int(key)]: quantity for key, quantity in dishes.items() if int(key) in found}

    def _known_name(self) -> str:
        customer = self.conversation.customer
        if customer is not None and customer.first_name:
            return f"{customer.first_name} {customer.last_name}".strip()
        return self.conversation.profile_name.strip()

    def _ask_time(self, day: dt.date, party_size: int) -> Answer:
        free = self._free_times(day, party_size)
        part = self.slots.get("part")
        if part:
            # "El viernes en la noche": the evening's free times.
            free = [
                moment for moment in free if words.in_part(part, moment.astimezone(self.zone).hour)
            ] or free
        question = _("At what time?")
        if free:
            question += " " + _("Free on %(day)s: %(times)s.") % {
                "day": self._day_name(day),
                "times": self._times(free),
            }
        return self._ask("time", question)

    def _times(self, free: list[dt.datetime]) -> str:
        """The free start times; many of them as spans ("13:00–15:30, 20:00–21:30"), so that
        a day's evening shows as well as its noon."""
        local = [moment.astimezone(self.zone) for moment in free]
        if len(local) <= LISTED_TIMES:
            return ", ".join(f"{moment:%H:%M}" for moment in local)
        step = selectors.booking_policy_snapshot().interval
        spans = [[local[0], local[0]]]
        for moment in local[1:]:
            if moment - spans[-1][1] == step:
                spans[-1][1] = moment
            else:
                spans.append([moment, moment])
        return ", ".join(
            f"{first:%H:%M}" if first == last else f"{first:%H:%M}–{last:%H:%M}"
            for first, last in spans[:LISTED_TIMES]
        )

    def _offer_alternatives(self, starts_at: dt.datetime, party_size: int, why: str) -> Answer:
        # The booking layer's message names the nearest times; here they come numbered.
        nearest = _("Nearest free times: %(times)s.").partition("%(times)s")[0].strip()
        why = why.partition(nearest)[0].strip() if nearest else why
        alternatives = selectors.alternatives_for(
            starts_at=starts_at,
            party_size=party_size,
            area=self.slots.get("area", ""),
            count=CHOICES,
            now=self.now,
        )
        self.slots.pop("time", None)
        if not alternatives:
            self.slots.pop("date", None)
            return self._ask("date", why + " " + _("Which other day would suit you?"))
        self.slots["waiting"] = "choose_time"
        self.slots["choices"] = [slot.starts_at.isoformat() for slot in alternatives]
        lines = [
            f"{number}. {self._when(slot.starts_at)}"
            for number, slot in enumerate(alternatives, start=1)
        ]
        return Answer(
            why
            + " "
            + _("The nearest free times are:")
            + "\n"
            + "\n".join(lines)
            + "\n"
            + _("Which one would you like? (1–%(count)s)") % {"count": len(alternatives)}
        )

    def _create(self, proposal: dict) -> Answer:
        """Book what the customer said yes to, through the same ``book`` tool the model and
        the voice agent call; the proposal's key makes a repeated yes the same booking."""
        starts_at = dt.datetime.fromisoformat(proposal["starts_at"])
        local = starts_at.astimezone(self.zone)
        dishes = self._pre_ordered(proposal.get("dishes", {}))
        result = self._tool(
            "book",
            {
                "date": local.date().isoformat(),
                "time": f"{local:%H:%M}",
                "party_size": proposal["party_size"],
                "customer_name": proposal["name"][:NAME_LIMIT],
                "area": proposal.get("area") or None,
                "dishes": [
                    {"dish_id": dish.pk, "quantity": quantity} for dish, quantity in dishes.items()
                ]
                or None,
            },
            key=proposal["key"],
        )
        if not result["ok"]:
            if result["error"] == "large_party":
                return self._hand_over(HandoffReason.LARGE_PARTY)
            if result["error"] != "refused" or not is_about_the_time(result["fields"]):
                # The contact the booking layer refuses (the chat's phone) is no matter of
                # times to offer: staff book it.
                answer = self._hand_over(HandoffReason.NOT_ALLOWED)
                answer.reply = _(
                    "I can't complete this booking here. I'm passing you to a person from our "
                    "team; they will write to you here."
                )
                return answer
            return self._offer_alternatives(starts_at, proposal["party_size"], result["message"])
        reservation = Reservation.objects.select_related("customer").get(
            reference=result["reference"]
        )
        self.conversation.customer = reservation.customer
        self.slots = {}
        if reservation.status == ReservationStatus.CONFIRMED:
            reply = _(
                "Done! Your table for %(party)s on %(when)s is booked. Reference: %(reference)s."
            )
        else:
            reply = _(
                "Thank you! We have your request for %(party)s on %(when)s (reference "
                "%(reference)s); the restaurant will confirm it shortly."
            )
        return Answer(
            reply
            % {
                "party": reservation.party_size,
                "when": self._when(reservation.starts_at),
                "reference": reservation.reference,
            },
            actions=[booking_action("booked", reservation)],
        )

    def _availability(self) -> Answer:
        if re.search(
            r"\b(?:mas grande|mayor|biggest|largest|maxim\w*|cuantas personas)\b", self.plain
        ) and not self.slots.get("party_size"):
            return Answer(
                _(
                    "Online we book tables for up to %(count)s people; for larger groups our "
                    "team will help you."
                )
                % {"count": self._policy().online_max_party_size}
            )
        day = self._date()
        if day is None:
            return self._ask("date", _("For what day?"))
        party_size = self.slots.get("party_size")
        if not party_size:
            return self._ask("party_size", _("For how many people?"))
        if party_size > self._policy().online_max_party_size:
            return self._hand_over(HandoffReason.LARGE_PARTY)
        self.slots["goal"] = "book"
        if self.slots.get("time") or self.slots.get("hour"):
            return self._book()
        reason, problem = self._day_problem(day, party_size)
        if reason == "no_table_fits":
            return self._hand_over_group(party_size)
        if problem:
            self.slots.pop("date")
            return self._ask("date", problem + " " + _("Which other day would suit you?"))
        return self._ask_time(day, party_size)
