"""Reads of customers' chats: the ones waiting for staff, and each one's last message."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from assistant.models import Conversation, ConversationMessage


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
