"""Customers' WhatsApp (and SMS) messages in, from Twilio and from Meta's WhatsApp Cloud API.

Each provider calls either the restaurant's own host (``/twilio/inbound/``,
``/whatsapp/meta/``) or one platform endpoint shared by every restaurant
(``/webhooks/twilio/whatsapp/``, ``/webhooks/meta/whatsapp/``), where the number the customer
wrote to picks the restaurant from the public table of inbound numbers; the message is then
taken inside that restaurant's schema exactly as on its host. Nothing is written before the
request's signature is checked: Twilio's ``X-Twilio-Signature`` on the public URL rebuilt from
settings, Meta's ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body). Every message goes
through ``conversation_receive``, which takes a provider's retry of a message once; the
reply is sent by a worker.

A message to a number no restaurant receives on is refused and logged with the provider and
that number, never its text: Twilio gets a 404, which its debugger shows; Meta gets a 200,
since it would otherwise retry for days, and a Meta delivery may carry other restaurants'
messages too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_tenants.utils import tenant_context
from rest_framework.exceptions import APIException

from assistant.models import Conversation, ConversationMessage
from assistant.services import Incoming, conversation_receive
from notifications import services as notifications
from notifications.models import E164, Channel, OptOut
from notifications.selectors import messaging_settings_read, restaurant_for_inbound_number
from notifications.webhooks import has_control_characters, twilio_signed, twilio_webhook
from restaurants.models import InboundProvider, Restaurant
from restaurants.parsers import has_forbidden_characters, json_check

logger = logging.getLogger(__name__)

EMPTY_TWIML = "<Response></Response>"
ADDRESS_MAX_LENGTH = OptOut._meta.get_field("address").max_length
RECEIVING_MAX_LENGTH = Conversation._meta.get_field("receiving").max_length
MESSAGE_ID_MAX_LENGTH = ConversationMessage._meta.get_field("provider_message_id").max_length
# A kind of message as a provider names it (image, audio, sticker …), stored as its text.
MEDIA_KIND = re.compile(r"^[a-z_]{1,20}$")
CHALLENGE_MAX_LENGTH = 256


def _twiml() -> HttpResponse:
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


def _media(kind: str) -> str:
    return kind if MEDIA_KIND.match(kind) else "media"


# --- Twilio ---------------------------------------------------------------------------------


def _twilio_take(request) -> HttpResponse:
    """A signed message from Twilio, in the restaurant's schema: STOP or START opt the sender
    out or back in; any other message goes to the assistant."""
    post = request.POST
    sender = post.get("From", "")
    channel = Channel.WHATSAPP if sender.startswith("whatsapp:") else Channel.SMS
    wa_id = post.get("WaId", "")
    phone = sender.removeprefix("whatsapp:") or (f"+{wa_id}" if wa_id else "")
    if len(phone) > ADDRESS_MAX_LENGTH:
        logger.warning("twilio message refused: a sender of %d characters", len(phone))
        return HttpResponse(status=400)
    text = post.get("Body", "")
    if notifications.opt_out_reply_take(
        channel=channel, address=phone, text=text, opt_out_type=post.get("OptOutType", "")
    ):
        return _twiml()
    receiving = post.get("To", "").removeprefix("whatsapp:")
    message_id = post.get("MessageSid", "") or post.get("SmsMessageSid", "")
    if not E164.regex.match(phone):
        logger.warning("twilio message refused: the sender is not a phone number")
        return HttpResponse(status=400)
    if len(receiving) > RECEIVING_MAX_LENGTH or len(message_id) > MESSAGE_ID_MAX_LENGTH:
        logger.warning("twilio message refused: a number or an id too long")
        return HttpResponse(status=400)
    media = "" if text.strip() else _media(post.get("MessageType", "").lower())
    conversation_receive(
        incoming=Incoming(
            phone=phone,
            text=text if not media else f"[{media}]",
            channel=channel,
            provider=InboundProvider.TWILIO,
            receiving=receiving,
            profile_name=post.get("ProfileName", ""),
            provider_message_id=message_id,
            media=media,
        )
    )
    return _twiml()


@twilio_webhook
def twilio_inbound(request):
    """A customer's message to the restaurant, from Twilio, on the restaurant's host."""
    return _twilio_take(request)


@csrf_exempt
@require_POST
def platform_twilio_whatsapp(request):
    """A customer's message from Twilio on the platform's host: the number written to picks
    the restaurant, whose account (or the platform's) must have signed it."""
    receiving = request.POST.get("To", "").removeprefix("whatsapp:")
    restaurant = restaurant_for_inbound_number(provider=InboundProvider.TWILIO, address=receiving)
    if restaurant is None:
        logger.warning("twilio message refused: unknown number to=%r", receiving[:64])
        return HttpResponse(status=404)
    with tenant_context(restaurant):
        if not twilio_signed(request, public_url=notifications.platform_public_url()):
            logger.warning("twilio message refused: bad or missing signature")
            return HttpResponse(status=403)
        if has_control_characters(request):
            logger.warning("twilio message refused: a field holds control characters")
            return HttpResponse(status=400)
        return _twilio_take(request)


# --- Meta -----------------------------------------------------------------------------------


def _meta_verify(request, tokens: set[str]) -> HttpResponse:
    """Meta's subscription check: the challenge back if it knows one of our verify words."""
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    known = any(hmac.compare_digest(token.encode(), word.encode()) for word in tokens - {""})
    if (
        request.GET.get("hub.mode") != "subscribe"
        or not token
        or not known
        or not challenge
        or len(challenge) > CHALLENGE_MAX_LENGTH
        or has_forbidden_characters(challenge)
    ):
        logger.warning("meta webhook verification refused")
        return HttpResponse(status=403)
    return HttpResponse(challenge, content_type="text/plain")


def _meta_signed(body: bytes, signature: str, secret: str) -> bool:
    if not (secret and signature.startswith("sha256=")):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature.removeprefix("sha256=").encode(), expected.encode())


class BadBody(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _raw_body(request) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise BadBody(413) from None


def _document(body: bytes) -> dict:
    """The JSON body, refused (400) when it is not an object, too deep or holds a control
    character, as the API refuses it."""
    try:
        document = json.loads(body.decode(), parse_constant=_no_constant)
        json_check(document)
    except (ValueError, RecursionError, APIException):
        raise BadBody(400) from None
    if not isinstance(document, dict):
        raise BadBody(400)
    return document


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _string(value) -> str:
    return value if isinstance(value, str) else ""


def _meta_values(document: dict) -> Iterator[tuple[str, dict]]:
    """Each change about messages in a delivery: (the phone number id it is for, its value)."""
    for entry in _list(document.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            value = _dict(change.get("value"))
            if change.get("field") != "messages" or not value:
                continue
            phone_number_id = _string(_dict(value.get("metadata")).get("phone_number_id"))
            yield phone_number_id, value


def _meta_text(message: dict) -> tuple[str, str]:
    """What a Meta message says, and what it is if it is not text: (text, media)."""
    kind = _string(message.get("type"))
    if kind == "text":
        text = _string(_dict(message.get("text")).get("body"))
    elif kind == "button":
        text = _string(_dict(message.get("button")).get("text"))
    elif kind == "interactive":
        interactive = _dict(message.get("interactive"))
        reply = _dict(interactive.get("button_reply")) or _dict(interactive.get("list_reply"))
        text = _string(reply.get("title"))
    else:
        text = _string(_dict(message.get(kind)).get("caption")) if kind else ""
    if text.strip():
        return text, ""
    media = _media(kind)
    return f"[{media}]", media


def _meta_value_take(phone_number_id: str, value: dict) -> None:
    """One change from Meta, in the restaurant's schema: STOP and START opt the sender out
    and back in, its other messages go to the assistant, its statuses to the message log."""
    names = {
        _string(contact.get("wa_id")): _string(_dict(contact.get("profile")).get("name"))
        for contact in map(_dict, _list(value.get("contacts")))
    }
    for message in map(_dict, _list(value.get("messages"))):
        wa_id = _string(message.get("from"))
        message_id = _string(message.get("id"))
        phone = f"+{wa_id}"
        if not E164.regex.match(phone) or not message_id or len(message_id) > MESSAGE_ID_MAX_LENGTH:
            logger.warning("meta message skipped: no sender or id as Meta sends them")
            continue
        text, media = _meta_text(message)
        if not media and notifications.opt_out_reply_take(
            channel=Channel.WHATSAPP, address=phone, text=text
        ):
            continue
        conversation_receive(
            incoming=Incoming(
                phone=phone,
                text=text,
                channel=Channel.WHATSAPP,
                provider=InboundProvider.META,
                receiving=phone_number_id,
                profile_name=names.get(wa_id, ""),
                provider_message_id=message_id,
                media=media,
            )
        )
    for status in map(_dict, _list(value.get("statuses"))):
        error = _dict(next(iter(_list(status.get("errors"))), None))
        notifications.message_status_record(
            provider_message_id=_string(status.get("id")),
            provider_status=_string(status.get("status")),
            error_code=str(error.get("code", ""))[:20],
            provider=InboundProvider.META,
        )


def _phone_number_id_valid(phone_number_id: str) -> bool:
    return phone_number_id.isdigit() and len(phone_number_id) <= RECEIVING_MAX_LENGTH


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_whatsapp(request):
    """Meta's webhook on the restaurant's host: its subscription check (GET) and its
    deliveries (POST), signed with the restaurant's app secret or the platform's. A change
    for a number another restaurant receives on is not taken here."""
    messaging = messaging_settings_read()
    if request.method == "GET":
        return _meta_verify(request, {messaging.meta_verify_token, settings.META_VERIFY_TOKEN})
    try:
        body = _raw_body(request)
        signature = request.headers.get("X-Hub-Signature-256", "")
        secrets = {messaging.meta_app_secret, settings.META_APP_SECRET}
        if not any(_meta_signed(body, signature, secret) for secret in secrets):
            logger.warning("meta delivery refused: bad or missing signature")
            return HttpResponse(status=403)
        document = _document(body)
    except BadBody as refused:
        logger.warning("meta delivery refused: a body we cannot take (%s)", refused.status)
        return HttpResponse(status=refused.status)
    for phone_number_id, value in _meta_values(document):
        if not _phone_number_id_valid(phone_number_id):
            logger.warning("meta change skipped: no phone number id")
            continue
        owner = restaurant_for_inbound_number(
            provider=InboundProvider.META, address=phone_number_id
        )
        if owner is not None and owner.pk != connection.tenant.pk:
            logger.warning(
                "meta change skipped: another restaurant's number phone_number_id=%s",
                phone_number_id,
            )
            continue
        _meta_value_take(phone_number_id, value)
    return HttpResponse(status=200)


def _restaurant_secret_signed(restaurant: Restaurant, body: bytes, signature: str) -> bool:
    with tenant_context(restaurant):
        return _meta_signed(body, signature, messaging_settings_read().meta_app_secret)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def platform_meta_whatsapp(request):
    """Meta's webhook on the platform's host: each change is taken in the schema of the
    restaurant whose phone number id it is for, if the platform's app secret or that
    restaurant's own signed the delivery."""
    if request.method == "GET":
        return _meta_verify(request, {settings.META_VERIFY_TOKEN})
    try:
        body = _raw_body(request)
        document = _document(body)
    except BadBody as refused:
        logger.warning("meta delivery refused: a body we cannot take (%s)", refused.status)
        return HttpResponse(status=refused.status)
    changes = [
        (phone_number_id, value)
        for phone_number_id, value in _meta_values(document)
        if _phone_number_id_valid(phone_number_id)
    ]
    owners = {
        phone_number_id: restaurant_for_inbound_number(
            provider=InboundProvider.META, address=phone_number_id
        )
        for phone_number_id, _value in changes
    }
    signature = request.headers.get("X-Hub-Signature-256", "")
    platform_signed = _meta_signed(body, signature, settings.META_APP_SECRET)
    # A restaurant's own secret vouches for its own numbers only: with it, one restaurant
    # could otherwise write into another's chats.
    vouched = {
        restaurant.pk
        for restaurant in {owner for owner in owners.values() if owner is not None}
        if platform_signed or _restaurant_secret_signed(restaurant, body, signature)
    }
    if not (platform_signed or vouched):
        logger.warning("meta delivery refused: bad or missing signature")
        return HttpResponse(status=403)
    for phone_number_id, value in changes:
        restaurant = owners[phone_number_id]
        if restaurant is None:
            logger.warning(
                "meta message refused: unknown number phone_number_id=%s", phone_number_id
            )
        elif restaurant.pk not in vouched:
            logger.warning(
                "meta change skipped: not signed for its restaurant phone_number_id=%s",
                phone_number_id,
            )
        else:
            with tenant_context(restaurant):
                _meta_value_take(phone_number_id, value)
    return HttpResponse(status=200)
