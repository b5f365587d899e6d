"""Reads of customers' chats (the ones waiting for staff, each one's last message) and what the
voice agent is told of the restaurant."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery

from assistant.models import AssistantSettings, Conversation, ConversationMessage
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
