"""A customer's chat message in, the assistant's answer out: the one path every door takes
(Twilio's and Meta's webhooks, ``manage.py assistant_chat``).

The message, what the assistant did about it and its reply are written in one transaction,
with the conversation's row locked, so that two messages of one customer are answered in
order; the reply is queued in the message log and sent by a worker after the commit. A
provider's retry of a message already taken changes nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone, translation

from assistant import dialogue, live, model_engine
from assistant.models import (
    VOICE,
    AssistantSettings,
    Conversation,
    ConversationMessage,
    Direction,
    HandoffReason,
    Speaker,
    VoiceToolCall,
)
from assistant.tools import tool_run
from notifications.models import Channel
from notifications.services import chat_reply_queue
from reservations.models import Customer, ReservationSource
from restaurants.models import InboundNumber, InboundProvider

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Incoming:
    """A customer's message as a provider delivered it."""

    phone: str
    text: str
    channel: str = Channel.WHATSAPP
    provider: str = ""  # twilio, meta, or "" (the command line)
    receiving: str = ""  # the number (or Meta phone number id) the customer wrote to
    profile_name: str = ""
    provider_message_id: str = ""
    # What a message that is not text is (image, audio, sticker …); "" for text.
    media: str = ""


@dataclass
class Turn:
    """What came of one message: the reply (if any), the bookings it wrote, and whether the
    conversation is now with staff."""

    reply: str = ""
    actions: list[dict] = field(default_factory=list)
    handoff: bool = False
    duplicate: bool = False


def assistant_settings() -> AssistantSettings:
    """This restaurant's assistant settings (created with the defaults on first use)."""
    current = AssistantSettings.objects.first()
    return current if current is not None else AssistantSettings.objects.create()


# WhatsApp still writes Mexican mobiles with the "1" Mexico dropped from its numbering in 2019.
_MEXICAN_MOBILE = re.compile(r"^\+521(\d{10})$")


def whatsapp_phone(phone: str) -> str:
    """A customer's number as the book keeps it (``+521…`` from WhatsApp is ``+52…``)."""
    return _MEXICAN_MOBILE.sub(r"+52\1", phone.strip())


# Countries whose customers are written to in English until they write in Spanish.
_ENGLISH_CALLING_CODES = ("+1", "+44", "+61", "+64", "+353")
_PUERTO_RICO = ("+1787", "+1939")


def _language_of_number(phone: str) -> str:
    """The language to greet a new number in: the restaurant's, or English for a number of an
    English-speaking country (a first message in Spanish switches it)."""
    if phone.startswith(_ENGLISH_CALLING_CODES) and not phone.startswith(_PUERTO_RICO):
        return "en"
    return dialogue.restaurant_language()


def _conversation_open(incoming: Incoming, now: dt.datetime, idle: dt.timedelta) -> Conversation:
    """The customer's open conversation, locked; one idle too long is ended and a new one
    begun."""
    conversation = (
        Conversation.objects.open().select_for_update().filter(phone=incoming.phone).first()
    )
    if conversation is not None and conversation.last_message_at < now - idle:
        conversation.closed_at = conversation.last_message_at + idle
        conversation.save(update_fields=["closed_at"])
        conversation = None
    if conversation is None:
        customer = Customer.objects.filter(phone=incoming.phone, erased_at__isnull=True).first()
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(
                    phone=incoming.phone,
                    channel=incoming.channel,
                    provider=incoming.provider,
                    receiving=incoming.receiving,
                    profile_name=incoming.profile_name[:120],
                    customer=customer,
                    language=(customer.language if customer and customer.language else "")
                    or _language_of_number(incoming.phone),
                    last_message_at=now,
                )
        except IntegrityError:
            # Another message of the same customer began it a moment ago.
            conversation = Conversation.objects.open().select_for_update().get(phone=incoming.phone)
    else:
        # Replies go back the way the customer last wrote.
        conversation.provider = incoming.provider or conversation.provider
        conversation.receiving = incoming.receiving or conversation.receiving
        conversation.profile_name = incoming.profile_name[:120] or conversation.profile_name
    return conversation


# PostgreSQL's "try again" errors: a deadlock between two bookings of one table, a
# serialization failure. The whole turn is run again from the start.
_RETRY_SQLSTATES = {"40P01", "40001"}
ATTEMPTS = 3


def conversation_receive(*, incoming: Incoming, now: dt.datetime | None = None) -> Turn:
    """Take one customer message and answer it (or leave it to staff); returns the turn.

    A turn PostgreSQL gives up on (a deadlock with another customer's booking of the same
    table) is run again, so the customer is answered rather than the provider refused."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _receive(incoming=incoming, now=now)
        except OperationalError as error:
            sqlstate = getattr(error.__cause__, "sqlstate", None)
            if sqlstate not in _RETRY_SQLSTATES or attempt == ATTEMPTS:
                raise
            if connection.in_atomic_block:  # an outer transaction is lost already
                raise
            logger.warning("chat turn run again after %s (attempt %s)", sqlstate, attempt)
    raise AssertionError("unreachable")


@transaction.atomic
def _receive(*, incoming: Incoming, now: dt.datetime | None) -> Turn:
    now = now or timezone.now()
    incoming = dataclasses.replace(incoming, phone=whatsapp_phone(incoming.phone))
    settings = assistant_settings()
    conversation = _conversation_open(incoming, now, dt.timedelta(minutes=settings.idle_minutes))
    try:
        with transaction.atomic():
            received = ConversationMessage.objects.create(
                conversation=conversation,
                direction=Direction.IN,
                author="customer",
                body=incoming.text,
                provider_message_id=incoming.provider_message_id,
                created_at=now,
            )
    except IntegrityError:
        logger.info("chat message taken already provider_id=%s", incoming.provider_message_id)
        return Turn(duplicate=True, handoff=conversation.speaker == Speaker.STAFF)
    conversation.last_message_at = now
    was_with_staff = conversation.speaker == Speaker.STAFF
    if not was_with_staff and not settings.enabled:
        conversation_hand_over(conversation=conversation, reason=HandoffReason.ASSISTANT_OFF)
    if conversation.speaker == Speaker.STAFF:
        conversation.save()
        if was_with_staff:  # a hand-over just now has told the screens already
            live.conversation_changed(conversation)
        return Turn(handoff=True)
    if incoming.media:
        conversation.save()
        with translation.override(conversation.language):
            reply = translation.gettext(
                "I can only read text messages. Could you write it to me, please?"
            )
        reply_send(conversation=conversation, body=reply, now=now)
        return Turn(reply=reply)
    with translation.override(conversation.language):
        answer = model_engine.respond(
            conversation=conversation, text=incoming.text, now=now, settings=settings
        )
    received.intent = answer.intent
    received.save(update_fields=["intent"])
    if answer.handoff_reason:
        conversation_hand_over(conversation=conversation, reason=answer.handoff_reason)
    conversation.save()
    if answer.reply:
        reply_send(conversation=conversation, body=answer.reply, actions=answer.actions, now=now)
    return Turn(
        reply=answer.reply,
        actions=answer.actions,
        handoff=conversation.speaker == Speaker.STAFF,
    )


def conversation_hand_over(*, conversation: Conversation, reason: str) -> None:
    """Give the conversation to staff; the staff screens are told after the commit."""
    conversation.speaker = Speaker.STAFF
    conversation.handoff_reason = reason
    conversation.handoff_at = timezone.now()
    conversation.state = ""
    live.conversation_changed(conversation)


def reply_send(
    *,
    conversation: Conversation,
    body: str,
    actions: list[dict] | None = None,
    staff=None,
    now: dt.datetime | None = None,
) -> ConversationMessage:
    """Write a reply into the conversation and queue it to the customer, the way they wrote."""
    now = now or timezone.now()
    return ConversationMessage.objects.create(
        conversation=conversation,
        direction=Direction.OUT,
        author=Speaker.STAFF if staff else Speaker.ASSISTANT,
        staff=staff,
        body=body,
        actions=actions or [],
        created_at=now,
        sent=chat_reply_queue(
            channel=conversation.channel,
            recipient=conversation.phone,
            body=body,
            language=conversation.language,
            via=conversation.provider,
            sender=conversation.receiving,
        ),
    )


# --- The voice agent --------------------------------------------------------------------------


def assistant_settings_check(*, settings: AssistantSettings) -> None:
    """ValidationError on the agent id if another restaurant's voice agent has it already."""
    agent_id = settings.retell_agent_id
    taken = (
        agent_id
        and InboundNumber.objects.filter(provider=InboundProvider.RETELL, address=agent_id)
        .exclude(restaurant_id=connection.tenant.pk)
        .exists()
    )
    if taken:
        raise ValidationError(
            {
                "retell_agent_id": translation.gettext(
                    "Another restaurant already answers calls with the voice agent %(agent)s."
                )
                % {"agent": agent_id}
            }
        )


@transaction.atomic
def assistant_settings_save(*, settings: AssistantSettings) -> AssistantSettings:
    """Save this restaurant's assistant settings and put its voice agent's id in the public
    table the platform's voice webhooks find restaurants by; an id another restaurant has is
    refused (ValidationError on its field)."""
    assistant_settings_check(settings=settings)
    settings.save()
    restaurant = connection.tenant
    InboundNumber.objects.filter(
        provider=InboundProvider.RETELL, restaurant_id=restaurant.pk
    ).delete()
    if settings.retell_agent_id:
        try:
            with transaction.atomic():
                InboundNumber.objects.create(
                    provider=InboundProvider.RETELL,
                    address=settings.retell_agent_id,
                    restaurant_id=restaurant.pk,
                )
        except IntegrityError:
            # Another restaurant took the id since the check above.
            assistant_settings_check(settings=settings)
            raise
    return settings


def _arguments_digest(arguments: dict | str) -> str:
    if isinstance(arguments, str):
        with contextlib.suppress(ValueError):
            arguments = json.loads(arguments or "{}")
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def voice_tool_call(
    *, call_id: str, name: str, arguments: dict | str, phone: str, now: dt.datetime | None = None
) -> dict:
    """Run a voice agent's tool as the caller of ``phone`` once per call, tool and arguments;
    the provider's retries, even at the same moment, get the first result back.

    The call's row is inserted first, in the tool's own transaction: a retry arriving while
    the tool runs waits on the unique index, then reads the committed result (or, if the
    first attempt failed and rolled back, runs the tool itself)."""
    digest = _arguments_digest(arguments)
    try:
        with transaction.atomic():
            record = VoiceToolCall.objects.create(
                call_id=call_id, name=name[:40], arguments_digest=digest
            )
    except IntegrityError:
        logger.info("voice tool call answered again tool=%s", name[:40])
        return VoiceToolCall.objects.get(
            call_id=call_id, name=name[:40], arguments_digest=digest
        ).result
    # Within one call, the agent asking the same booking twice gets the first one back.
    record.result = tool_run(
        name, arguments, phone=phone, source=ReservationSource.VOICE, key=call_id, now=now
    )
    record.save(update_fields=["result"])
    return record.result


def voice_call_end(
    *,
    call_id: str,
    phone: str,
    receiving: str,
    transcript: str,
    ended_at: dt.datetime | None = None,
) -> tuple[Conversation, bool]:
    """Keep an ended phone call with the voice agent as an ended conversation with its
    transcript; the same call delivered again changes nothing. Returns it and whether it is
    new."""
    ended_at = ended_at or timezone.now()
    existing = Conversation.objects.filter(call_id=call_id).first()
    if existing is not None:
        return existing, False
    customer = (
        Customer.objects.filter(phone=phone, erased_at__isnull=True).first() if phone else None
    )
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                phone=phone,
                channel=VOICE,
                provider=InboundProvider.RETELL,
                receiving=receiving,
                customer=customer,
                language=(customer.language if customer and customer.language else "")
                or dialogue.restaurant_language(),
                call_id=call_id,
                transcript=transcript,
                last_message_at=ended_at,
                # A call is over when it is kept: it never holds the phone's open chat.
                closed_at=ended_at,
            )
    except IntegrityError:
        return Conversation.objects.get(call_id=call_id), False
    return conversation, True
