"""The dialogue's side of the customer's own bookings: which one, change, cancel."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assistant.dialogue import words
from assistant.dialogue.common import (
    ABOUT_A_BOOKING,
    LISTED_BOOKINGS,
    Answer,
    booking_action,
    error_text,
    hour_of,
)
from assistant.models import HandoffReason
from assistant.tools import tool_run
from assistant.understanding.text import normalise
from booking.services.bookings import (
    booking_check,
    online_changes_close_at,
)
from reservations.models import Reservation, ReservationSource, ReservationStatus


class OwnBookings:
    """The dialogue's side of the customer's own bookings: which one, change, cancel."""

    def _upcoming(self):
        return Reservation.objects.filter(
            customer__phone=self.conversation.phone,
            status__in=(ReservationStatus.PENDING, ReservationStatus.CONFIRMED),
            starts_at__gte=self.now,
        ).select_related("customer")

    def _own_bookings(self) -> list[Reservation]:
        return list(self._upcoming().order_by("starts_at")[:LISTED_BOOKINGS])

    def _names_a_booking_not_theirs(self) -> bool:
        """Whether the message, about a booking, types a reference that is none of this phone's
        bookings, another customer's or none at all: the two are answered alike."""
        typed = words.references_typed(self.text)
        if not typed:
            return False
        about_a_booking = (
            self.understood.intent in ("change", "cancel")
            or self.slots.get("goal") in ("change", "cancel")
            or self.slots.get("waiting") == "choose_booking"
            or ABOUT_A_BOOKING.search(self.plain)
        )
        if not about_a_booking:
            return False
        own = Reservation.objects.filter(
            customer__phone=self.conversation.phone, reference__in=typed
        )
        return set(typed) - set(own.values_list("reference", flat=True)) != set()

    def _not_theirs(self) -> Answer:
        """Another customer's booking, or one not to be found: staff answer, and the reply says
        nothing of it, not even whether it exists."""
        answer = self._hand_over(HandoffReason.NOT_ALLOWED)
        answer.reply = _(
            "I can't act on that booking from this number. I'm passing you to a person from our "
            "team; they will write to you here."
        )
        return answer

    def _names_own(self, name: str, bookings: list[Reservation]) -> bool:
        """Whether a name said of a booking is the customer's own: of one of their bookings,
        of the customer the chat knows, or the WhatsApp profile's."""
        said = set(normalise(name).split())
        known = [f"{item.customer.first_name} {item.customer.last_name}" for item in bookings]
        customer = self.conversation.customer
        if customer is not None:
            known.append(f"{customer.first_name} {customer.last_name}")
        known.append(self.conversation.profile_name)
        for full_name in known:
            theirs = set(normalise(full_name).split())
            if theirs and (said <= theirs or theirs <= said):
                return True
        return False

    def _own_booking(self, goal: str) -> Answer:
        bookings = self._own_bookings()
        if self.understood.name and not self._names_own(self.understood.name, bookings):
            # "Cámbiame la reserva de Pedro Sánchez": someone else's, or booked from another
            # phone; staff can tell which.
            return self._not_theirs()
        chosen = self.slots.get("booking")
        if chosen is not None:
            reservation = next((item for item in bookings if item.pk == chosen), None)
            if reservation is None:
                self.slots = {}
                return Answer(_("That booking can no longer be changed here."))
            return (
                self._propose_cancel(reservation) if goal == "cancel" else (self._propose_change())
            )
        if not bookings:
            self.slots = {"goal": "book", "waiting": "offer_book"}
            return Answer(
                _(
                    "I can't find any upcoming booking made with this phone number. Do you want "
                    "to make one?"
                )
            )
        typed = words.references_typed(self.text)
        named = [
            item
            for item in bookings
            if item.reference in typed or item.reference.lower() in self.plain
        ]
        if typed and not named:
            # The phone's own reference (another customer's never comes this far): one beyond
            # the listed, or one no longer to be changed.
            named = list(self._upcoming().filter(reference__in=typed))
            if not named:
                self.slots = {}
                return Answer(_("That booking can no longer be changed here."))
        named = named or bookings
        if len(named) > 1:
            named = self._named_by_day(goal, named)
        if len(named) == 1:
            self.slots["booking"] = named[0].pk
            if goal == "cancel":
                return self._propose_cancel(named[0])
            return self._propose_change()
        return self._which_booking(goal, named)

    def _named_by_day(self, goal: str, bookings: list[Reservation]) -> list[Reservation]:
        """Of several bookings, those the message names by their day: "la del sábado"; of a
        change, "move the Friday one to Saturday" names the booking not on the new day."""
        on_the_day = self._on_the_day_named(bookings)
        if len(on_the_day) == 2 and goal == "change" and self.understood.date is not None:
            moved = [
                item
                for item in on_the_day
                if item.starts_at.astimezone(self.zone).date() != self.understood.date
            ]
            on_the_day = moved if len(moved) == 1 else on_the_day
        return on_the_day or bookings

    def _which_booking(self, goal: str, bookings: list[Reservation], preface: str = "") -> Answer:
        self.slots["waiting"] = "choose_booking"
        self.slots["choices"] = [item.pk for item in bookings]
        lines = [f"{number}. {self._describe(item)}" for number, item in enumerate(bookings, 1)]
        question = (
            _("Which booking do you want to cancel?")
            if goal == "cancel"
            else _("Which booking do you want to change?")
        )
        return Answer(" ".join(filter(None, [preface, question])) + "\n" + "\n".join(lines))

    def _booking(self) -> Reservation | None:
        return next(
            (item for item in self._own_bookings() if item.pk == self.slots.get("booking")), None
        )

    def _too_late(self, reservation: Reservation) -> Answer | None:
        """Past the booking layer's cut-off for a customer's own changes, staff decide: the
        customer is told now, not after saying yes."""
        closes_at = online_changes_close_at(reservation)
        if self.now <= closes_at:
            return None
        answer = self._hand_over(HandoffReason.NOT_ALLOWED)
        answer.reply = _(
            "Changes to your booking %(reference)s can no longer be made here: they closed at "
            "%(time)s. I'm passing you to a person from our team; they will write to you here."
        ) % {"reference": reservation.reference, "time": f"{closes_at.astimezone(self.zone):%H:%M}"}
        return answer

    def _propose_cancel(self, reservation: Reservation) -> Answer:
        too_late = self._too_late(reservation)
        if too_late is not None:
            return too_late
        self.slots["waiting"] = "confirm"
        self.slots["proposal"] = {
            "kind": "cancel",
            "booking": reservation.pk,
            "starts_at": reservation.starts_at.isoformat(),
        }
        return Answer(
            _("Shall I cancel your booking %(booking)s? (yes/no)")
            % {"booking": self._describe(reservation)}
        )

    def _cancel(self, proposal: dict) -> Answer:
        reservation = self._booking_of(proposal)
        self.slots = {}
        if reservation is None:
            return Answer(_("That booking can no longer be changed here."))
        result = self._tool("cancel_booking", {"reference": reservation.reference})
        if not result["ok"]:
            return Answer(result.get("message", "") + " " + self._call_us())
        reservation.refresh_from_db()
        return Answer(
            _("Your booking %(reference)s is cancelled. We hope to see you another time!")
            % {"reference": reservation.reference},
            actions=[booking_action("cancelled", reservation)],
        )

    def _tool(self, name: str, arguments: dict, *, key: str = "") -> dict:
        """Run one of the declared tools as this chat's phone: the same tools the model and
        the voice agent use."""
        return tool_run(
            name,
            arguments,
            phone=self.conversation.phone,
            source=ReservationSource.WHATSAPP,
            key=key,
            now=self.now,
        )

    def _booking_of(self, proposal: dict) -> Reservation | None:
        return next(
            (item for item in self._own_bookings() if item.pk == proposal.get("booking")), None
        )

    def _propose_change(self) -> Answer:
        reservation = self._booking()
        if reservation is None:
            self.slots = {}
            return Answer(_("That booking can no longer be changed here."))
        too_late = self._too_late(reservation)
        if too_late is not None:
            return too_late
        local = reservation.starts_at.astimezone(self.zone)
        if not self.slots.get("time") and self.slots.get("hour"):
            # "A las 8 y media en lugar de a las 9" of a booking at 21:00 is 20:30.
            day = self._date() or local.date()
            settled = self._settle_hour(
                hour_of(self.slots.pop("hour")), day, near=local.time().replace(tzinfo=None)
            )
            if settled:
                self.slots["time"] = settled
        new_date, new_time = self.slots.get("date"), self.slots.get("time")
        party_size = self.slots.get("party_size") or reservation.party_size
        remark = self._remark()
        if not (new_date or new_time or self.slots.get("party_size") or remark):
            return self._ask(
                "change",
                _(
                    "What would you like to change in your booking %(booking)s: the day, the time "
                    "or the number of people?"
                )
                % {"booking": self._describe(reservation)},
            )
        if (
            new_date == local.date().isoformat()
            and not new_time
            and not self.slots.get("party_size")
            and not remark
        ):
            return self._ask(
                "change", _("What would you like to change: the time or the number of people?")
            )
        day = dt.date.fromisoformat(new_date) if new_date else local.date()
        time = dt.time.fromisoformat(new_time) if new_time else local.time().replace(tzinfo=None)
        starts_at = dt.datetime.combine(day, time).replace(tzinfo=self.zone)
        if party_size > max(self._policy().online_max_party_size, reservation.party_size):
            return self._hand_over(HandoffReason.LARGE_PARTY)
        unchanged = (starts_at, party_size) == (reservation.starts_at, reservation.party_size)
        if unchanged and not remark:
            for stale in ("date", "time", "party_size"):
                self.slots.pop(stale, None)
            return self._ask(
                "change", _("What would you like to change: the time or the number of people?")
            )
        if party_size != reservation.party_size:
            reason, _problem = self._day_problem(day, party_size)
            if reason == "no_table_fits":
                return self._hand_over_group(party_size)
        if not unchanged:
            try:
                booking_check(
                    starts_at=starts_at,
                    party_size=party_size,
                    source=ReservationSource.WHATSAPP,
                    exclude_reservation=reservation,
                    now=self.now,
                )
            except ValidationError as error:
                return self._offer_alternatives(starts_at, party_size, error_text(error))
        self.slots["waiting"] = "confirm"
        self.slots["proposal"] = {
            "kind": "change",
            "booking": reservation.pk,
            "starts_at": starts_at.isoformat(),
            "party_size": party_size,
            "remark": remark,
        }
        if unchanged:
            return Answer(
                _('Shall I add this note to your booking %(reference)s: "%(remark)s"? (yes/no)')
                % {"reference": reservation.reference, "remark": remark}
            )
        details = ngettext(
            "%(party)s person on %(when)s", "%(party)s people on %(when)s", party_size
        ) % {"party": party_size, "when": self._when(starts_at)}
        if remark:
            details += " — " + _("note: %(remark)s") % {"remark": remark}
        return Answer(
            _("Shall I change your booking %(reference)s to %(details)s? (yes/no)")
            % {"reference": reservation.reference, "details": details}
        )

    def _remark(self) -> str:
        """A remark to add to the booking (an allergy, a birthday), as written."""
        if self.slots.get("remark"):
            return self.slots["remark"]
        if re.search(
            r"\b(?:alergi\w*|allerg\w*|celiac\w*|vegan\w*|vegetarian\w*|cumple\w*|birthday|"
            r"aniversario|anniversary|silla|high ?chair|wheelchair|ruedas|sorpresa|surprise|"
            r"intoleran\w*|sin gluten|gluten)\b",
            self.plain,
        ):
            # "Add a note to my booking: it's a birthday" – the note is what follows the colon.
            lead, colon, note = self.text.partition(":")
            self.slots["remark"] = (note.strip() if colon and note.strip() else lead.strip())[:200]
        return self.slots.get("remark", "")

    def _change(self, proposal: dict) -> Answer:
        reservation = self._booking_of(proposal)
        self.slots = {}
        if reservation is None:
            return Answer(_("That booking can no longer be changed here."))
        starts_before, party_before = reservation.starts_at, reservation.party_size
        local = dt.datetime.fromisoformat(proposal["starts_at"]).astimezone(self.zone)
        result = self._tool(
            "change_booking",
            {
                "reference": reservation.reference,
                "date": local.date().isoformat(),
                "time": f"{local:%H:%M}",
                "party_size": proposal["party_size"],
                "note": proposal.get("remark") or None,
            },
        )
        if not result["ok"]:
            return Answer(result.get("message", "") + " " + self._call_us())
        moved = Reservation.objects.get(pk=reservation.pk)
        if (moved.starts_at, moved.party_size) == (starts_before, party_before):
            reply = _("Done! I've added the note to your booking %(reference)s.") % {
                "reference": moved.reference
            }
        else:
            reply = ngettext(
                "Done! Your booking %(reference)s is now for %(party)s person on %(when)s.",
                "Done! Your booking %(reference)s is now for %(party)s people on %(when)s.",
                moved.party_size,
            ) % {
                "reference": moved.reference,
                "party": moved.party_size,
                "when": self._when(moved.starts_at),
            }
        return Answer(reply, actions=[booking_action("changed", moved)])
