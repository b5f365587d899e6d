"""Twilio calling back: delivery statuses of our messages, and customers' replies (STOP).

Only requests signed by the account that sent the restaurant's messages are taken; the
signature covers the exact public URL Twilio called, which behind a proxy is rebuilt from
settings, not from what the proxy forwards. The restaurant is the host's.

A signed callback we cannot take as it is (a NUL or another control character in a field, a
sender longer than any address) is answered 400 and changes nothing: Twilio never sends one,
does not retry a 4xx, and shows it in its debugger, where an operator can see it; a 200 would
hide it.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from notifications import services
from notifications.models import Channel, OptOut
from restaurants.parsers import has_forbidden_characters

logger = logging.getLogger(__name__)

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "BAJA", "ALTO", "PARAR"}
START_WORDS = {"START", "UNSTOP", "YES", "ALTA", "INICIO"}
ADDRESS_MAX_LENGTH = OptOut._meta.get_field("address").max_length


def _signed(request) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    url = services.restaurant_public_url() + request.get_full_path()
    messaging = services.messaging_settings()
    tokens = {messaging.twilio_auth_token, settings.TWILIO_AUTH_TOKEN} - {""}
    return any(RequestValidator(token).validate(url, request.POST, signature) for token in tokens)


def twilio_webhook(view):
    """A view Twilio POSTs to: no CSRF token, and 403 unless Twilio signed the request."""

    @csrf_exempt
    @require_POST
    @functools.wraps(view)
    def signed_view(request):
        if not _signed(request):
            logger.warning("%s refused: bad or missing signature", view.__name__)
            return HttpResponse(status=403)
        if any(
            has_forbidden_characters(name) or any(map(has_forbidden_characters, values))
            for name, values in request.POST.lists()
        ):
            logger.warning("%s refused: a field holds control characters", view.__name__)
            return HttpResponse(status=400)
        return view(request)

    return signed_view


@twilio_webhook
def twilio_status(request):
    """A message's delivery status, as Twilio reports it."""
    services.message_status_record(
        provider_message_id=request.POST.get("MessageSid", ""),
        provider_status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)


@twilio_webhook
def twilio_inbound(request):
    """A customer's reply: STOP opts the number out of that channel, START back in."""
    sender = request.POST.get("From", "")
    channel = Channel.WHATSAPP if sender.startswith("whatsapp:") else Channel.SMS
    address = sender.removeprefix("whatsapp:")
    if len(address) > ADDRESS_MAX_LENGTH:
        logger.warning("twilio_inbound refused: a sender of %d characters", len(address))
        return HttpResponse(status=400)
    word = request.POST.get("Body", "").strip().upper()
    opt_out_type = request.POST.get("OptOutType", "").upper()
    if address and (opt_out_type == "STOP" or word in STOP_WORDS):
        services.opt_out(channel=channel, address=address)
    elif address and (opt_out_type == "START" or word in START_WORDS):
        services.opt_in(channel=channel, address=address)
    return HttpResponse("<Response></Response>", content_type="text/xml")
