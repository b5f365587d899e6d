"""The assistant's side of a chat: what it says and does for each customer message.

It gathers a booking's details one question at a time (any of them may come at any time,
in any order), repeats the booking back and waits for a yes, and books, changes or cancels
only through the ``booking`` layer, always as the customer of the phone it is talking to.
When the time asked for is taken it offers the nearest free ones as a numbered list. What
it must not do, or cannot understand twice, it hands to staff. What it is waiting for and
what it has gathered live on the conversation (``state``, ``slots``) between messages.
"""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assistant.dialogue import words
from assistant.dialogue.booking import BookingSteps
from assistant.dialogue.common import (
    AREAS,
    NOT_ALLOWED,
)
from assistant.dialogue.common import (
    Answer as Answer,
)
from assistant.dialogue.common import (
    restaurant_language as restaurant_language,
)
from assistant.dialogue.facts import RestaurantFacts
from assistant.dialogue.own import OwnBookings
from assistant.models import HandoffReason
from assistant.understanding import understand
from assistant.understanding.dates import WEEKDAYS
from assistant.understanding.dishes import dishes_stated
from assistant.understanding.names import name_stated
from assistant.understanding.text import normalise
from menu.models import Dish
from reservations import selectors
from reservations.models import Reservation


def respond(*, conversation, text: str, now: dt.datetime, settings) -> Answer:
    """The assistant's answer to one customer message, its state kept on ``conversation``."""
    zone = selectors.restaurant_zone()
    local_now = now.astimezone(zone).replace(tzinfo=None)
    understood = understand(text, now=local_now, language_hint=conversation.language)
    if understood.language != conversation.language and _says_enough(text):
        conversation.language = understood.language
    with translation.override(conversation.language):
        chat = _Chat(conversation, text, understood, now, zone, settings)
        answer = chat.answer()
    answer.intent = answer.intent or understood.intent
    return answer


def _says_enough(text: str) -> bool:
    # A "ok" or "3" says nothing of the language; a sentence does.
    return len(re.findall(r"[^\W\d_]{2,}", text)) >= 2


class _Chat(BookingSteps, OwnBookings, RestaurantFacts):
    def __init__(self, conversation, text, understood, now, zone, settings):
        self.conversation = conversation
        self.slots = dict(conversation.slots or {})
        self.text = text
        self.plain = normalise(text)
        self.understood = understood
        self.now = now
        self.zone = zone
        self.settings = settings
        self.language = conversation.language
        self._days_read: dict = {}
        # "a las 8 y media": hours said without am or pm, which the day's hours may settle.
        self.hours_said = words.clock_hours(text) if understood.time is None else []
        self._took: bool | None = None

    # The turn -----------------------------------------------------------------------------

    def answer(self) -> Answer:
        if NOT_ALLOWED.search(self.plain):
            return self._hand_over(HandoffReason.NOT_ALLOWED)
        if self._names_a_booking_not_theirs():
            return self._not_theirs()
        intent = self.understood.intent
        if intent == "human":
            return self._hand_over(HandoffReason.ASKED)
        pending = self._pending()
        if pending is not None:
            return self._done(pending)
        if intent in ("menu", "hours"):
            reply = self._menu() if intent == "menu" else self._hours()
            return self._done(Answer(reply))
        took = self._take_details()
        goal = self._goal(intent, took)
        if goal is None and not took and not self._small_talk():
            # "And the chiles en nogada?": a dish named is a question about the menu.
            dishes = self._dishes_named()
            if dishes:
                return self._done(Answer(self._dishes_told(dishes)))
        if goal is None:
            return self._not_understood(took)
        self.slots["goal"] = goal
        if goal == "book":
            return self._done(self._book())
        if goal == "availability":
            return self._done(self._availability())
        return self._done(self._own_booking(goal))

    def _done(self, answer: Answer) -> Answer:
        self.conversation.misunderstood = 0
        self._save()
        return answer

    def _save(self) -> None:
        self.conversation.slots = self.slots
        self.conversation.state = self.slots.get("waiting", "")

    def _goal(self, intent: str, took: bool) -> str | None:
        current = self.slots.get("goal")
        if intent in ("book", "availability", "change") and current in ("book", "change"):
            # "No, better at 9pm" while booking is the booking still, not a change.
            return current
        if intent in ("book", "availability", "cancel", "change"):
            return intent
        if self.slots.get("goal") and (took or self._stated_anything()):
            return self.slots["goal"]
        return None

    def _stated_anything(self) -> bool:
        understood = self.understood
        return bool(self.hours_said) or any(
            value is not None
            for value in (understood.date, understood.time, understood.party_size, understood.name)
        )

    def _take_details(self) -> bool:
        """Keep what the message states; returns whether it stated anything (once a turn)."""
        if self._took is not None:
            return self._took
        understood = self.understood
        took = False
        if understood.date is not None and not self._past_day_alone():
            self.slots["date"] = understood.date.isoformat()
            took = True
        part = words.part_of_day(self.text)
        if part:
            self.slots["part"] = part
            took = True
        if understood.time is not None:
            self.slots["time"] = f"{understood.time:%H:%M}"
            self.slots.pop("hour", None)
            took = True
        elif self.hours_said:
            # Of a change, the new hour is said last ("de las 9 a las 8"); of a booking, first.
            changing = "change" in (understood.intent, self.slots.get("goal"))
            hour = self.hours_said[-1 if changing else 0]
            settled = self._settle_hour(hour, self._date())
            if settled:
                self.slots["time"] = settled
                self.slots.pop("hour", None)
            else:
                # Settled once the day is known, or against the booking being changed.
                self.slots["hour"] = "{:02d}:{:02d}".format(*hour)
                self.slots.pop("time", None)
            took = True
        if understood.party_size is not None:
            self.slots["party_size"] = understood.party_size
            took = True
        if understood.name:
            self.slots["name"] = understood.name
            took = True
        if understood.area and understood.area in AREAS:
            self.slots["area"] = AREAS[understood.area]
            took = True
        if understood.intent == "book":
            dishes = self._dishes_to_pre_order()
            if dishes:
                self.slots["dishes"] = dishes
        self._took = took
        return took

    def _past_day_alone(self) -> bool:
        """ "Lo que te dije ayer": a day gone by, said with nothing else and with nothing asked
        for, is no booking's day."""
        understood = self.understood
        today = self.now.astimezone(self.zone).date()
        return (
            understood.date < today
            and understood.intent not in ("book", "availability", "change", "cancel")
            and not self.slots.get("goal")
            and understood.time is None
            and understood.party_size is None
            and not understood.name
            and not self.hours_said
        )

    def _dishes_to_pre_order(self) -> dict[str, int]:
        """The menu's dishes a booking message orders ahead ("…y 2 ceviches"), by id."""
        if not re.search(r"[^\W\d_]{3,}", self.plain):
            return {}
        menu = list(Dish.objects.orderable().values_list("pk", "name"))
        return {str(dish): quantity for dish, quantity in dishes_stated(self.text, menu).items()}

    def _not_understood(self, took: bool) -> Answer:
        if words.is_greeting(self.text):
            return self._done(Answer(self._welcome()))
        if words.is_thanks(self.text) or (took and not self.slots.get("goal")):
            reply = _("You're welcome! Write whenever you want to book, change or cancel.")
            if took:
                reply = _("Noted. Do you want to book a table with that?")
                self.slots["goal"] = "book"
                self.slots["waiting"] = "offer_book"
            return self._done(Answer(reply))
        if words.is_yes(self.text) or words.is_no(self.text):
            if words.is_no(self.text):
                # A no to whatever was being asked ends it.
                self.slots = {}
            return self._done(Answer(_("All right. Is there anything else I can do for you?")))
        self.conversation.misunderstood += 1
        self._save()
        if self.conversation.misunderstood >= self.settings.misunderstood_turns:
            return self._hand_over(HandoffReason.NOT_UNDERSTOOD)
        return Answer(
            _(
                "Sorry, I did not understand. I can book a table, check availability, change "
                "or cancel your booking, and tell you about the menu and opening hours. What "
                "do you need?"
            )
        )

    def _hand_over(self, reason: str) -> Answer:
        self.slots = {}
        self._save()
        replies = {
            HandoffReason.ASKED: _(
                "I'm passing you to a person from our team; they will write to you here as "
                "soon as they can."
            ),
            HandoffReason.NOT_UNDERSTOOD: _(
                "I'm not understanding you well, so I'm passing you to a person from our "
                "team; they will write to you here shortly."
            ),
            HandoffReason.NOT_ALLOWED: _(
                "That is something only our team can handle. I'm passing your message to a "
                "person; they will write to you here."
            ),
            HandoffReason.LARGE_PARTY: _(
                "Online bookings are for up to %(count)s people. I'm passing you to a person "
                "from our team to arrange your group; they will write to you here."
            )
            % {"count": self._policy().online_max_party_size},
        }
        return Answer(replies[reason], handoff_reason=reason)

    # What the assistant was waiting for --------------------------------------------------

    def _pending(self) -> Answer | None:
        waiting = self.slots.get("waiting", "")
        if waiting == "confirm":
            return self._on_confirm()
        if waiting == "offer_book":
            return self._on_offer_book()
        if waiting == "choose_time":
            index = self._chosen_time()
            if index is not None:
                self.slots["waiting"] = ""
                starts_at = dt.datetime.fromisoformat(self.slots.pop("choices")[index])
                local = starts_at.astimezone(self.zone)
                self.slots["date"] = local.date().isoformat()
                self.slots["time"] = f"{local:%H:%M}"
                if self.slots.get("goal") == "change":
                    return self._propose_change()
                return self._book()
        if waiting == "choose_booking":
            index = words.choice_of(self.text, len(self.slots.get("choices", [])))
            if index is None:
                index = self._booking_named()
            if index is not None:
                self.slots["waiting"] = ""
                self.slots["booking"] = self.slots.pop("choices")[index]
                return self._own_booking(self.slots.get("goal", "cancel"))
        if waiting in ("choose_time", "choose_booking"):
            # A yes or a no to a numbered list picks none of it.
            if words.is_no(self.text):
                self.slots = {}
                return Answer(
                    _("All right, I have not changed anything. What would you like to do?")
                )
            if words.is_yes(self.text):
                return Answer(_("Which one? Write its number, please."))
        if not waiting.startswith("ask_"):
            return None
        # The answer to the question asked, or any other detail: "a las 9" when the party was
        # asked for is the time.
        took = self._take_bare_answer(waiting.removeprefix("ask_"))
        if self._take_details() or took:
            self.slots["waiting"] = ""
            goal = self.slots.get("goal", "book")
            if goal == "change":
                return self._propose_change()
            return self._availability() if goal == "availability" else self._book()
        return None

    def _on_offer_book(self) -> Answer | None:
        """The answer to "do you want to book?"."""
        self.slots["waiting"] = ""
        if words.is_no(self.text):
            self.slots = {}
            return Answer(_("All right. Is there anything else I can do for you?"))
        if words.is_yes(self.text):
            self.slots["goal"] = "book"
            if not self._stated_anything():
                return self._book()
        return None

    def _chosen_time(self) -> int | None:
        choices = self.slots.get("choices", [])
        index = words.choice_of(self.text, len(choices))
        if index is not None:
            return index
        wanted = self.understood.time
        hour = words.bare_hour(self.text) or (self.hours_said[0] if self.hours_said else None)
        for number, value in enumerate(choices):
            local = dt.datetime.fromisoformat(value).astimezone(self.zone)
            if wanted is not None and local.time() == wanted:
                return number
            if hour and (local.hour % 12, local.minute) == (hour[0] % 12, hour[1]):
                return number
        return None

    def _booking_named(self) -> int | None:
        """The listed booking whose reference or day the message names."""
        choices = self.slots.get("choices", [])
        found = list(Reservation.objects.filter(pk__in=choices))
        for reservation in found:
            if reservation.reference.lower() in self.plain:
                return choices.index(reservation.pk)
        on_the_day = self._on_the_day_named(found)
        if len(on_the_day) == 1:
            return choices.index(on_the_day[0].pk)
        return None

    def _on_the_day_named(self, bookings: list[Reservation]) -> list[Reservation]:
        """The bookings on the day the message names, by its date or its weekday ("the one on
        Saturday", "la del sábado")."""
        said = set(re.findall(r"\w+", self.plain))
        weekdays = {number for word, number in WEEKDAYS.items() if word in said}
        return [
            reservation
            for reservation in bookings
            if (local := reservation.starts_at.astimezone(self.zone).date()) == self.understood.date
            or local.weekday() in weekdays
        ]

    def _take_bare_answer(self, asked: str) -> bool:
        """The answer to the question asked, given alone ("4", "Ana", "9"); and a name alone
        whatever was asked, while the booking has none yet."""
        if asked == "party_size" and self.understood.party_size is None:
            number = words.bare_number(self.text)
            if number:
                self.slots["party_size"] = number
                return True
        if asked == "name" and not self.understood.name:
            name = words.bare_name(self.text)
            if name:
                self.slots["name"] = name
                return True
        elif (
            self.slots.get("goal", "book") == "book"
            and not self.slots.get("name")
            and not self._stated_anything()
        ):
            # "Pablo Ruiz" when the time was asked: a given name, or two capitalised words.
            name = name_stated(self.text, bare_names=True)
            if name:
                self.slots["name"] = name
                return True
        if asked == "time" and self.understood.time is None and not self.hours_said:
            hour = words.bare_hour(self.text)
            if hour:
                settled = self._settle_hour(hour, self._date())
                if settled:
                    self.slots["time"] = settled
                else:
                    self.slots["hour"] = "{:02d}:{:02d}".format(*hour)
                return True
        return asked == "change" and bool(self._remark())

    def _settle_hour(
        self, hour: tuple[int, int], day: dt.date | None, near: dt.time | None = None
    ) -> str | None:
        """An hour said without am or pm, in 24 hours: the one in the part of the day the
        customer named ("en la noche", "para comer"), else the one the restaurant opens at on
        ``day``, else, both open, the one nearer ``near`` (the booking being changed)."""
        given, minute = hour
        if given == 0 or given > 12:
            return f"{given:02d}:{minute:02d}" if given < 24 else None
        candidates = [given, (given + 12) % 24]
        part = self.slots.get("part")
        if part:
            in_part = [candidate for candidate in candidates if words.in_part(part, candidate)]
            if len(in_part) == 1:
                return f"{in_part[0]:02d}:{minute:02d}"
        if day is None:
            return None
        open_ones = [
            candidate for candidate in candidates if self._opens_at(day, candidate, minute)
        ]
        if len(open_ones) == 2 and near is not None:
            said = [candidate * 60 + minute for candidate in open_ones]
            booked = near.hour * 60 + near.minute
            open_ones = [open_ones[min(range(2), key=lambda index: abs(said[index] - booked))]]
        if len(open_ones) == 1:
            return f"{open_ones[0]:02d}:{minute:02d}"
        return None

    def _opens_at(self, day: dt.date, hour: int, minute: int) -> bool:
        """Whether the restaurant takes bookings at about that time of ``day``."""
        snapshot = selectors.booking_policy_snapshot()
        wall = dt.datetime.combine(day, dt.time(hour, minute))
        return any(
            slot <= wall < slot + snapshot.interval
            for slot in (
                start.replace(tzinfo=None)
                for start in selectors.service_slots(snapshot, day, self.zone)
            )
        )

    def _on_confirm(self) -> Answer | None:
        proposal = self.slots.get("proposal", {})
        if self._stated_anything() and (not words.is_yes(self.text) or self._contradicts(proposal)):
            # "No, better at 9pm" or "yes, but at 9pm": new values instead of a yes.
            self.slots["waiting"] = ""
            self.slots.pop("proposal", None)
            if proposal.get("kind") == "cancel":
                self.slots.pop("booking", None)
            return None
        if words.is_yes(self.text):
            self.slots["waiting"] = ""
            self.slots.pop("proposal", None)
            if proposal.get("kind") == "cancel":
                return self._cancel(proposal)
            if proposal.get("kind") == "change":
                return self._change(proposal)
            return self._create(proposal)
        if words.is_no(self.text):
            self.slots = {}
            return Answer(_("All right, I have not changed anything. What would you like to do?"))
        return Answer(_("Please answer yes or no."))

    def _contradicts(self, proposal: dict) -> bool:
        """Whether the message states a day, time, party or name other than the proposal's."""
        understood = self.understood
        if proposal.get("starts_at"):
            local = dt.datetime.fromisoformat(proposal["starts_at"]).astimezone(self.zone)
            if understood.date is not None and understood.date != local.date():
                return True
            if understood.time is not None and understood.time != local.time():
                return True
            # "Sí, pero a las 8": an hour said without am or pm, other than the proposal's.
            if self.hours_said and (local.hour % 12, local.minute) not in {
                (hour % 12, minute) for hour, minute in self.hours_said
            }:
                return True
        party_size = proposal.get("party_size")
        if understood.party_size is not None and party_size and understood.party_size != party_size:
            return True
        name = proposal.get("name")
        return bool(understood.name and name and normalise(understood.name) not in normalise(name))

    # Wording ------------------------------------------------------------------------------

    def _day_name(self, day: dt.date) -> str:
        pattern = "EEEE d 'de' MMMM" if self.language == "es" else "EEEE d MMMM"
        return format_date(day, pattern, locale=self.language)

    def _when(self, starts_at: dt.datetime) -> str:
        local = starts_at.astimezone(self.zone)
        return _("%(day)s at %(time)s") % {
            "day": self._day_name(local.date()),
            "time": f"{local:%H:%M}",
        }

    def _describe(self, reservation: Reservation) -> str:
        return ngettext(
            "%(reference)s: %(when)s, %(party)s person",
            "%(reference)s: %(when)s, %(party)s people",
            reservation.party_size,
        ) % {
            "reference": reservation.reference,
            "when": self._when(reservation.starts_at),
            "party": reservation.party_size,
        }
