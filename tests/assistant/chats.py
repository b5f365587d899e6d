"""Customers' chats for the inbox's and the cleanup's tests (inside a restaurant's schema)."""

import datetime as dt

from django.utils import timezone

from assistant.models import AssistantSettings, Conversation, ConversationMessage
from assistant.services import Incoming, conversation_receive

PHONE = "+525511112222"


def assistant_off() -> None:
    """Customers' messages go straight to staff: a hand-off without the dialogue."""
    AssistantSettings.objects.update_or_create(pk=1, defaults={"enabled": False})


def customer_writes(
    text: str,
    *,
    phone: str = PHONE,
    name: str = "Lucía",
    now: dt.datetime | None = None,
    provider: str = "meta",
    receiving: str = "10987654321",
):
    """A customer's message through the path every door takes (as Meta delivers it)."""
    incoming = Incoming(
        phone=phone, text=text, provider=provider, receiving=receiving, profile_name=name
    )
    return conversation_receive(incoming=incoming, now=now)


def chat(
    *,
    phone: str = PHONE,
    name: str = "Lucía",
    last_message_at: dt.datetime | None = None,
    closed_at: dt.datetime | None = None,
    messages: int = 2,
    **fields,
) -> Conversation:
    """A conversation written directly, with ``messages`` messages in and out."""
    last_message_at = last_message_at or timezone.now()
    conversation = Conversation.objects.create(
        phone=phone,
        profile_name=name,
        provider="meta",
        receiving="10987654321",
        last_message_at=last_message_at,
        closed_at=closed_at,
        **fields,
    )
    ConversationMessage.objects.bulk_create(
        ConversationMessage(
            conversation=conversation,
            direction="in" if number % 2 == 0 else "out",
            author="customer" if number % 2 == 0 else "assistant",
            body=f"mensaje {number}",
            created_at=last_message_at - dt.timedelta(minutes=messages - number),
        )
        for number in range(messages)
    )
    return conversation
