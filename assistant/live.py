"""What the staff screens are told when a customer's chat needs staff, and when it no longer
does."""

from __future__ import annotations

from assistant.models import Conversation, Speaker
from assistant.selectors import conversation_last_message
from restaurants.live import live_event_send

# A screen shows the start of the last message; the inbox has the whole thread.
PREVIEW_LENGTH = 140


def conversation_name(conversation: Conversation) -> str:
    """Who the customer is to staff: their booking name, else their WhatsApp name."""
    if conversation.customer_id:
        return str(conversation.customer)
    return conversation.profile_name


def conversation_payload(conversation: Conversation, *, last_body: str, last_author: str) -> dict:
    return {
        "id": conversation.pk,
        "name": conversation_name(conversation),
        "phone": conversation.phone,
        "channel": conversation.channel,
        "reason": conversation.handoff_reason,
        "waiting_since": conversation.handoff_at.isoformat() if conversation.handoff_at else None,
        "last_message": (last_body or "")[:PREVIEW_LENGTH],
        "last_from": last_author or "",
        "last_message_at": conversation.last_message_at.isoformat(),
    }


def conversation_changed(conversation: Conversation) -> None:
    """A conversation was handed to staff, or a message came for staff: the screens are told
    after the commit; one no longer with staff (handed back, ended) leaves them."""
    if conversation.closed_at is None and conversation.speaker == Speaker.STAFF:
        last_body, last_author = conversation_last_message(conversation=conversation)
        live_event_send(
            type="conversation_waiting",
            conversation=conversation_payload(
                conversation, last_body=last_body, last_author=last_author
            ),
        )
    else:
        live_event_send(type="conversation_closed", conversation={"id": conversation.pk})
