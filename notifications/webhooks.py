"""Twilio calling back: delivery statuses of our messages (customers' messages in are the
assistant's door, assistant/webhooks.py, which checks them the same way).

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

from notifications import selectors, services
from restaurants.parsers import has_forbidden_characters

logger = logging.getLogger(__name__)


def twilio_signed(request, *, public_url: str) -> bool:
    """Whether the platform's or this restaurant's Twilio account signed ``request`` for
    the URL it called on ``public_url``."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    url = public_url + request.get_full_path()
    messaging = selectors.messaging_settings_read()
    tokens = {messaging.twilio_auth_token, settings.TWILIO_AUTH_TOKEN} - {""}
    return any(RequestValidator(token).validate(url, request.POST, signature) for token in tokens)


def has_control_characters(request) -> bool:
    """Whether a posted field's name or value holds a character no field of ours takes."""
    return any(
        has_forbidden_characters(name) or any(map(has_forbidden_characters, values))
        for name, values in request.POST.lists()
    )


def twilio_webhook(view):
    """A view Twilio POSTs to: no CSRF token, and 403 unless Twilio signed the request."""

    @csrf_exempt
    @require_POST
    @functools.wraps(view)
    def signed_view(request):
        if not twilio_signed(request, public_url=services.restaurant_public_url()):
            logger.warning("%s refused: bad or missing signature", view.__name__)
            return HttpResponse(status=403)
        if has_control_characters(request):
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
