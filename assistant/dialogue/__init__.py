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
import uuid
from dataclasses import dataclass, field

from babel.dates import format_date, get_day_names
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assistant.dialogue import words
from assistant.models import HandoffReason
from assistant.understanding import understand
from assistant.understanding.dates import WEEKDAYS
from assistant.understanding.dishes import GENERIC, dishes_stated
from assistant.understanding.names import name_stated
from assistant.understanding.text import normalise
from booking.services.bookings import (
    Contact,
    booking_cancel_by_customer,
    booking_check,
    booking_create,
    booking_reschedule_by_customer,
    online_changes_close_at,
)
from menu.models import Dish
from reservations import selectors
from reservations.models import Reservation, ReservationSource, ReservationStatus
from restaurants.money import money

# The parts of the room the understanding names, as the restaurant's table areas.
AREAS = {"terrace": "terrace", "bar": "bar", "private": "vip", "inside": "interior"}
# Whatever the wording, these are never the assistant's to do: staff answer them.
_NOT_ALLOWED = re.compile(
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
_ABOUT_A_BOOKING = re.compile(
    r"\b(?:reserv\w*|booking\w*|referencia|reference|codigo|code|confirmation)\b"
)
MENU_LINES = 40
# Words that begin names on a menu and ask for the whole of it ("platos fuertes", "carta").
_MENU_WORDS = {"plato", "platos", "menu", "carta", "dish", "dishes"}
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


class _Chat:
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
        if _NOT_ALLOWED.search(self.plain):
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

    # Booking ------------------------------------------------------------------------------

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
            settled = self._settle_hour(_hour_of(self.slots.pop("hour")), day)
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
            return self._offer_alternatives(starts_at, party_size, _message(error))
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
        starts_at = dt.datetime.fromisoformat(proposal["starts_at"])
        first_name, _space, last_name = proposal["name"].partition(" ")
        try:
            reservation, _created = booking_create(
                source=ReservationSource.WHATSAPP,
                starts_at=starts_at,
                party_size=proposal["party_size"],
                contact=Contact(
                    first_name=first_name[:80],
                    last_name=last_name[:80],
                    phone=self.conversation.phone,
                ),
                area=proposal.get("area", ""),
                dishes=self._pre_ordered(proposal.get("dishes", {})),
                submission_key=f"chat-{proposal['key']}",
                now=self.now,
            )
        except ValidationError as error:
            if not _is_about_the_time(error):
                # The contact the booking layer refuses (the chat's phone) is no matter of
                # times to offer: staff book it.
                answer = self._hand_over(HandoffReason.NOT_ALLOWED)
                answer.reply = _(
                    "I can't complete this booking here. I'm passing you to a person from our "
                    "team; they will write to you here."
                )
                return answer
            return self._offer_alternatives(starts_at, proposal["party_size"], _message(error))
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
            actions=[_action("booked", reservation)],
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

    # The customer's own bookings ---------------------------------------------------------

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
            or _ABOUT_A_BOOKING.search(self.plain)
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
        try:
            booking_cancel_by_customer(reservation=reservation, now=self.now)
        except ValidationError as error:
            return Answer(_message(error) + " " + self._call_us())
        return Answer(
            _("Your booking %(reference)s is cancelled. We hope to see you another time!")
            % {"reference": reservation.reference},
            actions=[_action("cancelled", reservation)],
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
                _hour_of(self.slots.pop("hour")), day, near=local.time().replace(tzinfo=None)
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
                return self._offer_alternatives(starts_at, party_size, _message(error))
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
        remark = proposal.get("remark", "")
        starts_before, party_before = reservation.starts_at, reservation.party_size
        requests = reservation.special_requests
        if remark:
            requests = f"{requests}\n{remark}".strip()[:500]
        try:
            moved = booking_reschedule_by_customer(
                reservation=reservation,
                starts_at=dt.datetime.fromisoformat(proposal["starts_at"]),
                party_size=proposal["party_size"],
                special_requests=requests if remark else None,
                source=ReservationSource.WHATSAPP,
                now=self.now,
            )
        except ValidationError as error:
            return Answer(_message(error) + " " + self._call_us())
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
        return Answer(reply, actions=[_action("changed", moved)])

    # What the restaurant tells ------------------------------------------------------------

    def _welcome(self) -> str:
        return _(
            "Hello! I'm the assistant of %(restaurant)s. I can book a table, check "
            "availability, change or cancel your booking, and tell you about the menu and "
            "opening hours. How can I help?"
        ) % {"restaurant": connection.tenant.name}

    def _menu(self) -> str:
        dishes = list(
            Dish.objects.orderable()
            .select_related("category")
            .order_by("category__menu_order", "category__name", "name")
        )
        if not dishes:
            return _("Our menu is not online yet; our team can tell you about it.")
        named = self._dishes_named(dishes)
        if named:
            return self._dishes_told(named)
        lines, category = [_("Our menu:")], None
        for dish in dishes[:MENU_LINES]:
            if dish.category_id != category:
                category = dish.category_id
                lines.append(f"*{dish.category.name}*")
            lines.append(f"• {dish.name}: {money(dish.price)}")
        if len(dishes) > MENU_LINES:
            lines.append(_("…and %(count)s more.") % {"count": len(dishes) - MENU_LINES})
        return "\n".join(lines)

    def _small_talk(self) -> bool:
        """A greeting, thanks, yes or no: no dish to look for on the menu."""
        text = self.text
        return any(
            check(text) for check in (words.is_greeting, words.is_thanks, words.is_yes, words.is_no)
        )

    def _dishes_named(self, dishes: list[Dish] | None = None) -> list[Dish]:
        """The dishes the message names ("the mole"), else those of the category it names
        ("los postres")."""
        if dishes is None:
            dishes = list(
                Dish.objects.orderable()
                .select_related("category")
                .order_by("category__menu_order", "category__name", "name")
            )
        named = self._named_of([(dish.pk, dish.name) for dish in dishes])
        if named:
            return [dish for dish in dishes if dish.pk in named]
        categories = {dish.category_id: dish.category.name for dish in dishes}
        named = self._named_of(list(categories.items()))
        return [dish for dish in dishes if dish.category_id in named]

    def _named_of(self, names: list[tuple[int, str]]) -> set[int]:
        """The ids of the names the message states; asking about a dish, its first word alone
        names it when no other begins with it ("how much is the mole?")."""
        found = set(dishes_stated(self.text, names))
        if found:
            return found
        heads: dict[str, list[int]] = {}
        for key, name in names:
            content = [
                word
                for word in re.findall(r"\w+", normalise(name))
                if word not in GENERIC and word not in _MENU_WORDS
            ]
            if content:
                heads.setdefault(content[0], []).append(key)
        said = set(re.findall(r"\w+", self.plain))
        return {
            keys[0]
            for head, keys in heads.items()
            if len(keys) == 1 and len(head) > 2 and said & {head, head + "s", head + "es"}
        }

    def _dishes_told(self, dishes: list[Dish]) -> str:
        lines = [
            f"{dish.name}: {money(dish.price)}"
            + (f" — {dish.description[:160]}" if dish.description else "")
            for dish in dishes[:MENU_LINES]
        ]
        if len(dishes) > MENU_LINES:
            lines.append(_("…and %(count)s more.") % {"count": len(dishes) - MENU_LINES})
        return "\n".join(lines)

    def _hours(self) -> str:
        snapshot = selectors.booking_policy_snapshot()
        today = self.now.astimezone(self.zone).date()
        day = self.understood.date
        if day is not None and day >= today:
            # "¿Abren el martes 9?": that day's hours, or that it is closed.
            periods = () if snapshot.is_closed(day) else snapshot.periods.get(day.weekday())
            if not periods:
                return _("We are closed on %(day)s.") % {"day": self._day_name(day)}
            return _("On %(day)s we are open %(hours)s.") % {
                "day": self._day_name(day),
                "hours": _spans(periods),
            }
        names = get_day_names("wide", locale=self.language)
        lines = [_("Our opening hours:")]
        for weekday in range(7):
            periods = snapshot.periods.get(weekday)
            spans = _spans(periods) if periods else _("closed")
            lines.append(f"{names[weekday].capitalize()}: {spans}")
        closed = [
            today + dt.timedelta(days=offset)
            for offset in range(60)
            if snapshot.is_closed(today + dt.timedelta(days=offset))
        ]
        if closed:
            lines.append(
                _("Closed on: %(days)s.")
                % {"days": ", ".join(self._day_name(day) for day in closed[:6])}
            )
        return "\n".join(lines)

    def _call_us(self) -> str:
        phone = self._policy().phone_display
        if phone:
            return _("You can call us on %(phone)s.") % {"phone": phone}
        return _("Write 'person' and our team will help you.")

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


def _spans(periods) -> str:
    return ", ".join(f"{opens:%H:%M}–{closes:%H:%M}" for opens, closes in periods)


def _hour_of(value: str) -> tuple[int, int]:
    hour, _colon, minute = value.partition(":")
    return int(hour), int(minute)


def _is_about_the_time(error: ValidationError) -> bool:
    """Whether the booking layer refused the time or the table (not the party or contact)."""
    fields = set(getattr(error, "error_dict", {}) or {})
    return fields <= {"starts_at", "table", NON_FIELD_ERRORS}


def _message(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _action(kind: str, reservation: Reservation) -> dict:
    return {
        "type": kind,
        "reference": reservation.reference,
        "starts_at": reservation.starts_at.astimezone(selectors.restaurant_zone()).isoformat(),
        "party_size": reservation.party_size,
    }
