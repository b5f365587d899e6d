"""Reads of customers' chats (the ones waiting for staff, each one's last message), what the
voice agent is told of the restaurant, and the assistant's figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, TruncDate

from assistant.models import (
    AssistantSettings,
    Conversation,
    ConversationMessage,
    Direction,
    Speaker,
    VoiceToolCall,
)
from reservations import selectors as reservations

# "Free soon" for the voice agent: start times within this long from now.
SOON = dt.timedelta(hours=3)
LISTED_SOON = 6


def with_last_message(conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """``conversations`` with the text (``last_body``) and author (``last_author``) of each
    one's latest message, in the same query."""
    latest = ConversationMessage.objects.filter(conversation=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    return conversations.annotate(
        last_body=Subquery(latest.values("body")[:1]),
        last_author=Subquery(latest.values("author")[:1]),
    )


def conversations_waiting() -> QuerySet[Conversation]:
    """Open conversations handed to staff, the longest waiting first, with their last
    message."""
    return with_last_message(
        Conversation.objects.waiting_for_staff()
        .select_related("customer")
        .order_by("handoff_at", "pk")
    )


def conversation_last_message(*, conversation: Conversation) -> tuple[str, str]:
    """The text and author of the conversation's latest message ("", "" before any)."""
    latest = (
        conversation.messages.order_by("-created_at", "-pk").values_list("body", "author").first()
    )
    return latest or ("", "")


def assistant_settings_read() -> AssistantSettings:
    """This restaurant's assistant settings, or the defaults unsaved: for a door that must
    write nothing before it knows who is calling."""
    return AssistantSettings.objects.first() or AssistantSettings()


def voice_status(*, now: dt.datetime, party_size: int = 2) -> dict:
    """What the voice agent's prompt needs right now: open or not, today's hours, and the
    start times free for ``party_size`` within the next hours."""
    zone = reservations.restaurant_zone()
    local = now.astimezone(zone)
    today = local.date()
    snapshot = reservations.booking_policy_snapshot()
    periods = () if snapshot.is_closed(today) else snapshot.periods.get(today.weekday(), ())
    availability = reservations.availability_for_day(day=today, party_size=party_size, now=now)
    soon = [
        f"{slot.starts_at.astimezone(zone):%H:%M}"
        for slot in availability.slots
        if slot.starts_at <= now + SOON
    ]
    return {
        "now": local.isoformat(timespec="minutes"),
        "open_now": reservations.is_open_at(now),
        "today": {
            "date": today.isoformat(),
            "closed": not periods,
            "hours": [[f"{opens:%H:%M}", f"{closes:%H:%M}"] for opens, closes in periods],
        },
        "party_size": party_size,
        "free_soon": soon[:LISTED_SOON],
    }


# --- The assistant's figures ------------------------------------------------------------------

# What a conversation's hand-off is counted as when staff handed it back (which clears the
# reason): the reason is not kept, only that staff wrote in it.
HANDED_BACK = "handed_back"


@dataclass
class DayFigures:
    """One local day of conversations (by the day each began) and of customers' messages."""

    day: dt.date
    conversations: int = 0
    booked: int = 0  # conversations in which a booking was made
    booked_alone: int = 0  # of them, without staff ever stepping in
    handed_off: int = 0  # conversations handed to staff (or that staff wrote in)
    reasons: dict[str, int] = field(default_factory=dict)
    intents: dict[str, int] = field(default_factory=dict)
    assistant_replies: int = 0
    assistant_reply_seconds: float | None = None
    staff_replies: int = 0
    staff_reply_seconds: float | None = None

    @property
    def booked_alone_share(self) -> int | None:
        """Conversations booked without staff, as a percentage of the day's conversations."""
        return round(100 * self.booked_alone / self.conversations) if self.conversations else None


@dataclass
class AssistantFigures:
    start: dt.date
    end: dt.date
    days: list[DayFigures]
    totals: DayFigures

    @property
    def active_days(self) -> list[DayFigures]:
        """The days with a conversation or a customer's message."""
        return [day for day in self.days if day.conversations or day.intents]


def _seconds_between(later, earlier) -> Func:
    return Func(
        ExpressionWrapper(later - earlier, output_field=DurationField()),
        template="EXTRACT(EPOCH FROM %(expressions)s)",
        output_field=FloatField(),
    )


def assistant_figures(*, start: dt.date, end: dt.date) -> AssistantFigures:
    """How the assistant did each local day from ``start`` to ``end`` (both included): the
    conversations begun, those in which it booked without staff, the hand-offs and their
    reasons, what customers asked for, and how long they waited for an answer.

    A booking is a chat's reply that booked (its ``actions``) or a phone call's successful
    ``book`` tool call. Staff stepped in when the conversation is with them or was (a staff
    message in it: handing it back clears the stored reason, counted as ``handed_back``); a
    call's hand-off is its ``hand_off`` tool call. The assistant's reply is written with the
    customer's message, at the same moment: its wait is until the reply was handed to the
    provider (``sent_at`` of its delivery, else when it was queued). A customer's wait runs
    from their first message not answered yet to the next reply. Four queries.
    """
    zone = reservations.restaurant_zone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    days = {
        start + dt.timedelta(days=offset): DayFigures(day=start + dt.timedelta(days=offset))
        for offset in range((end - start).days + 1)
    }

    chat_booked = Exists(
        ConversationMessage.objects.filter(
            conversation=OuterRef("pk"),
            author=Speaker.ASSISTANT,
            actions__contains=[{"type": "booked"}],
        )
    )
    calls = VoiceToolCall.objects.filter(call_id=OuterRef("call_id"), result__ok=True).exclude(
        call_id=""
    )
    call_handoffs = calls.filter(name="hand_off").order_by("created_at", "pk")
    conversations = (
        Conversation.objects.filter(started_at__gte=since, started_at__lt=until)
        .annotate(
            day=TruncDate("started_at", tzinfo=zone),
            booked=ExpressionWrapper(
                chat_booked | Exists(calls.filter(name="book")), output_field=BooleanField()
            ),
            reason=Case(
                When(~Q(handoff_reason=""), then=F("handoff_reason")),
                When(
                    Exists(call_handoffs),
                    then=Subquery(
                        call_handoffs.annotate(reason=KeyTextTransform("reason", "result")).values(
                            "reason"
                        )[:1]
                    ),
                ),
                When(
                    Exists(
                        ConversationMessage.objects.filter(
                            conversation=OuterRef("pk"), author=Speaker.STAFF
                        )
                    ),
                    then=Value(HANDED_BACK),
                ),
                default=Value(""),
                output_field=CharField(),
            ),
        )
        .order_by()
    )
    for row in conversations.values("day", "reason").annotate(
        conversations=Count("pk"),
        booked=Count("pk", filter=Q(booked=True)),
    ):
        figures = days[row["day"]]
        figures.conversations += row["conversations"]
        figures.booked += row["booked"]
        if row["reason"]:
            figures.handed_off += row["conversations"]
            figures.reasons[row["reason"]] = (
                figures.reasons.get(row["reason"], 0) + row["conversations"]
            )
        else:
            figures.booked_alone += row["booked"]

    customers_messages = ConversationMessage.objects.filter(
        direction=Direction.IN, created_at__gte=since, created_at__lt=until
    )
    for row in (
        customers_messages.exclude(intent="")
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day", "intent")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        intents = days[row["day"]].intents
        intents[row["intent"]] = intents.get(row["intent"], 0) + row["count"]

    # Messages of one moment (a reply is written with the message it answers) go by their id.
    earlier = ConversationMessage.objects.filter(
        Q(created_at__lt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")),
        conversation=OuterRef("conversation"),
    )
    previous_direction = Subquery(earlier.order_by("-created_at", "-pk").values("direction")[:1])
    reply = ConversationMessage.objects.filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk")),
        conversation=OuterRef("conversation"),
        direction=Direction.OUT,
    ).order_by("created_at", "pk")
    replies = (
        customers_messages.annotate(previous=previous_direction)
        .filter(Q(previous__isnull=True) | Q(previous=Direction.OUT))
        .annotate(
            day=TruncDate("created_at", tzinfo=zone),
            replied_by=Subquery(reply.values("author")[:1]),
            replied_at=Subquery(
                reply.annotate(
                    handed_at=Coalesce("sent__sent_at", "sent__created_at", "created_at")
                ).values("handed_at")[:1]
            ),
        )
        .filter(replied_at__isnull=False)
        .values("day", "replied_by")
        .annotate(
            count=Count("pk"), seconds=Avg(_seconds_between(F("replied_at"), F("created_at")))
        )
        .order_by()
    )
    for row in replies:
        figures = days[row["day"]]
        if row["replied_by"] == Speaker.STAFF:
            figures.staff_replies, figures.staff_reply_seconds = row["count"], row["seconds"]
        else:
            figures.assistant_replies = row["count"]
            figures.assistant_reply_seconds = row["seconds"]

    ordered = list(days.values())
    return AssistantFigures(start=start, end=end, days=ordered, totals=_figures_total(ordered))


def _figures_total(days: list[DayFigures]) -> DayFigures:
    total = DayFigures(day=days[-1].day if days else dt.date.today())
    for day in days:
        total.conversations += day.conversations
        total.booked += day.booked
        total.booked_alone += day.booked_alone
        total.handed_off += day.handed_off
        for name in ("reasons", "intents"):
            summed = getattr(total, name)
            for key, count in getattr(day, name).items():
                summed[key] = summed.get(key, 0) + count
    for who in ("assistant", "staff"):
        counted = [
            (getattr(day, f"{who}_replies"), getattr(day, f"{who}_reply_seconds"))
            for day in days
            if getattr(day, f"{who}_replies")
        ]
        replies = sum(count for count, _seconds in counted)
        setattr(total, f"{who}_replies", replies)
        if replies:
            setattr(
                total,
                f"{who}_reply_seconds",
                sum(count * seconds for count, seconds in counted) / replies,
            )
    return total
