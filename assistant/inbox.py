"""Staff's side of customers' chats (the admin's inbox): take a chat over from the assistant,
reply in it, hand it back, end it; and the scheduled end of idle chats and removal of old ones.

Each write locks the conversation's row, as a customer's message does
(``services.conversation_receive``), so that a staff reply and a message coming in are
taken one after the other; the staff screens are told after the commit.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistant import live
from assistant.models import (
    Conversation,
    ConversationMessage,
    HandoffReason,
    Speaker,
    VoiceToolCall,
)
from assistant.services import assistant_settings, reply_send
from reservations.selectors import booking_policy_get

EXPIRE_BATCH = 500
CLEANUP_BATCH = 500
VOICE_RETRIES_KEPT = dt.timedelta(days=1)


def _locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def _refuse_ended(conversation: Conversation) -> None:
    if conversation.closed_at is not None:
        raise ValidationError(_("This conversation has ended."))


def _take(conversation: Conversation, now: dt.datetime) -> None:
    """Staff answer from now on; a conversation handed over already keeps its reason."""
    if conversation.speaker != Speaker.STAFF:
        conversation.speaker = Speaker.STAFF
        conversation.handoff_reason = HandoffReason.STAFF
        conversation.handoff_at = now
    conversation.state = ""


@transaction.atomic
def conversation_take(*, conversation: Conversation, staff) -> Conversation:
    """Staff take the chat over from the assistant: it stops answering this customer."""
    conversation = _locked(conversation)
    _refuse_ended(conversation)
    _take(conversation, timezone.now())
    conversation.save()
    live.conversation_changed(conversation)
    return conversation


@transaction.atomic
def conversation_reply(*, conversation: Conversation, body: str, staff) -> ConversationMessage:
    """Send a staff reply through the channel the customer wrote from; the chat stays with
    staff. A chat that ended since is opened again, unless the customer has begun another."""
    body = body.strip()
    if not body:
        raise ValidationError(_("Write the reply first."))
    conversation = _locked(conversation)
    now = timezone.now()
    if conversation.closed_at is not None:
        newer = Conversation.objects.open().filter(phone=conversation.phone)
        if newer.exists():
            raise ValidationError(_("The customer has begun a newer conversation: reply there."))
        # Staff answer a customer nobody answered in time: the chat goes on where it was.
        conversation.closed_at = None
    _take(conversation, now)
    message = reply_send(conversation=conversation, body=body, staff=staff, now=now)
    # A staff reply keeps the chat alive as a customer's message does.
    conversation.last_message_at = now
    conversation.save()
    live.conversation_changed(conversation)
    return message


@transaction.atomic
def conversation_hand_back(*, conversation: Conversation, staff) -> Conversation:
    """Give the chat back to the assistant, which answers the customer's next message from
    a clean start (nothing is sent to the customer now)."""
    conversation = _locked(conversation)
    _refuse_ended(conversation)
    if conversation.speaker == Speaker.ASSISTANT:
        raise ValidationError(_("The assistant is answering this conversation already."))
    conversation.speaker = Speaker.ASSISTANT
    conversation.handoff_reason = ""
    conversation.handoff_at = None
    conversation.state = ""
    conversation.slots = {}
    conversation.misunderstood = 0
    conversation.save()
    live.conversation_changed(conversation)
    return conversation


@transaction.atomic
def conversation_close(*, conversation: Conversation, staff) -> Conversation:
    """End the chat: the customer's next message begins a new one, with the assistant."""
    conversation = _locked(conversation)
    _refuse_ended(conversation)
    conversation.closed_at = timezone.now()
    conversation.save(update_fields=["closed_at"])
    live.conversation_changed(conversation)
    return conversation


def conversations_expire(*, now: dt.datetime | None = None) -> int:
    """End the chats idle for longer than the assistant settings allow, as a customer's next
    message would (``services.conversation_receive``), so that the inbox and the screens do
    not keep them; returns how many ended."""
    now = now or timezone.now()
    idle = dt.timedelta(minutes=assistant_settings().idle_minutes)
    ended = 0
    while True:
        with transaction.atomic():
            # A chat whose customer is writing right now is locked: it is not idle.
            batch = list(
                Conversation.objects.open()
                .filter(last_message_at__lt=now - idle)
                .select_for_update(skip_locked=True)
                .order_by("pk")[:EXPIRE_BATCH]
            )
            for conversation in batch:
                conversation.closed_at = conversation.last_message_at + idle
                if conversation.speaker == Speaker.STAFF:
                    live.conversation_changed(conversation)
            Conversation.objects.bulk_update(batch, ["closed_at"])
        ended += len(batch)
        if len(batch) < EXPIRE_BATCH:
            return ended


def conversations_cleanup(*, now: dt.datetime | None = None) -> int:
    """End idle chats, then delete, with their messages and in batches, those that ended
    longer ago than the booking policy's retention, and the voice tool calls of past days;
    returns how many chats were deleted."""
    now = now or timezone.now()
    conversations_expire(now=now)
    # A provider retries a voice tool call within minutes: a day later its result is no use.
    VoiceToolCall.objects.filter(created_at__lt=now - VOICE_RETRIES_KEPT).delete()
    cutoff = now - dt.timedelta(days=booking_policy_get().retention_days)
    old = Conversation.objects.filter(closed_at__lt=cutoff)
    deleted = 0
    while batch := list(old.values_list("pk", flat=True)[:CLEANUP_BATCH]):
        _total, by_model = Conversation.objects.filter(pk__in=batch).delete()
        deleted += by_model.get(Conversation._meta.label, 0)
    return deleted
