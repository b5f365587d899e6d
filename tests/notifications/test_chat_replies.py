"""Replies in customers' chats go back the way the customer wrote: through Meta's Graph API
(``/{phone_number_id}/messages``) or Twilio, from the number written to; without an account
they stay in the outbox. Faked at the HTTP boundary (``responses``): the real clients run."""

import json
import re
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.test import override_settings
from django_tenants.utils import tenant_context

from notifications import services
from notifications.models import Message

CUSTOMER = "+525512345678"
META_NUMBER = "1010101010"
GRAPH_MESSAGES = f"https://graph.facebook.com/v21.0/{META_NUMBER}/messages"
TWILIO_MESSAGES = re.compile(r"https://api\.twilio\.com/2010-04-01/Accounts/AC\w+/Messages\.json")
RESTAURANT_TOKEN = "restaurant-meta-access-token"
PLATFORM = {
    "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
    "TWILIO_AUTH_TOKEN": "platform-auth-token",
    "TWILIO_WHATSAPP_FROM": "+14155238886",
    "META_ACCESS_TOKEN": "platform-meta-access-token",
}


@pytest.fixture
def casa_azul(restaurant_a):
    with tenant_context(restaurant_a), override_settings(**PLATFORM):
        yield restaurant_a


def meta_token(token: str) -> None:
    messaging = services.messaging_settings()
    messaging.meta_access_token = token
    services.messaging_settings_save(messaging=messaging)


def reply(*, via: str, sender: str, key: str = "chat:1") -> Message:
    return services.chat_reply_queue(
        channel="whatsapp",
        recipient=CUSTOMER,
        body="¡Hola! ¿En qué te ayudo?",
        language="es",
        via=via,
        sender=sender,
        key=key,
    )


def meta_accepted(
    message_id: str = "wamid.HBgMNTIxNTUxMjM0NTY3OBUCABEYEjQ3NjBCQjkyRjQ0RjNDQzQ4QQA=",
):
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "525512345678", "wa_id": "525512345678"}],
        "messages": [{"id": message_id}],
    }


def meta_error(status: int, code: int, text: str) -> responses.Response:
    return responses.Response(
        responses.POST,
        GRAPH_MESSAGES,
        status=status,
        json={"error": {"message": text, "type": "OAuthException", "code": code}},
    )


@responses.activate
def test_a_reply_to_a_meta_chat_goes_to_the_graph_api_from_the_number_written_to(casa_azul):
    responses.add(responses.POST, GRAPH_MESSAGES, json=meta_accepted())
    meta_token(RESTAURANT_TOKEN)
    message = reply(via="meta", sender=META_NUMBER)

    assert services.message_deliver(message_id=message.pk) == "sent"

    request = responses.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {RESTAURANT_TOKEN}"
    assert json.loads(request.body) == {
        "messaging_product": "whatsapp",
        "to": "525512345678",
        "type": "text",
        "text": {"body": "¡Hola! ¿En qué te ayudo?"},
    }
    message.refresh_from_db()
    assert (message.provider, message.provider_message_id) == (
        "meta",
        meta_accepted()["messages"][0]["id"],
    )


@responses.activate
def test_without_its_own_token_a_restaurant_replies_with_the_platforms(casa_azul):
    responses.add(responses.POST, GRAPH_MESSAGES, json=meta_accepted())
    message = reply(via="meta", sender=META_NUMBER)

    services.message_deliver(message_id=message.pk)

    assert (
        responses.calls[0].request.headers["Authorization"] == "Bearer platform-meta-access-token"
    )


@responses.activate
def test_without_any_meta_token_the_reply_stays_in_the_outbox(casa_azul, settings):
    settings.META_ACCESS_TOKEN = ""
    message = reply(via="meta", sender=META_NUMBER)

    assert services.message_deliver(message_id=message.pk) == "sent"

    message.refresh_from_db()
    assert message.provider == "outbox"
    assert not responses.calls


@responses.activate
@pytest.mark.parametrize(
    "failure",
    [
        meta_error(429, 80007, "Rate limit hit"),
        meta_error(500, 1, "An unknown error occurred"),
        meta_error(400, 130429, "Rate limit hit"),  # throughput: Meta answers 400
        responses.Response(responses.POST, GRAPH_MESSAGES, body=requests.ReadTimeout()),
        responses.Response(responses.POST, GRAPH_MESSAGES, body=requests.ConnectionError()),
    ],
    ids=["429", "500", "throughput", "timeout", "unreachable"],
)
def test_a_passing_meta_failure_is_retried_and_the_reply_stays_pending(casa_azul, failure):
    responses.add(failure)
    meta_token(RESTAURANT_TOKEN)
    message = reply(via="meta", sender=META_NUMBER)

    with pytest.raises(services.senders.SendFailed):
        services.message_deliver(message_id=message.pk, last_attempt=False)

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.error and RESTAURANT_TOKEN not in message.error


@responses.activate
@pytest.mark.parametrize(
    ("status", "code"),
    [(400, 131026), (401, 190)],  # the number cannot receive it; an expired token
)
def test_a_meta_refusal_retrying_cannot_mend_fails_at_once(casa_azul, status, code):
    responses.add(meta_error(status, code, "Message undeliverable"))
    meta_token(RESTAURANT_TOKEN)
    message = reply(via="meta", sender=META_NUMBER)

    assert services.message_deliver(message_id=message.pk, last_attempt=False) == "failed"

    message.refresh_from_db()
    assert message.error == f"Meta {status} (code {code}): Message undeliverable"
    assert RESTAURANT_TOKEN not in message.error


@responses.activate
def test_a_reply_to_a_twilio_chat_goes_from_the_number_written_to(casa_azul):
    responses.add(
        responses.POST,
        TWILIO_MESSAGES,
        status=201,
        json={"sid": "SM" + "3" * 32, "status": "queued"},
    )
    message = reply(via="twilio", sender="+14155550101")

    assert services.message_deliver(message_id=message.pk) == "sent"

    sent = parse_qs(responses.calls[0].request.body)
    assert sent["From"] == ["whatsapp:+14155550101"]
    assert sent["To"] == [f"whatsapp:{CUSTOMER}"]


@responses.activate
def test_a_reply_with_no_sender_goes_from_the_accounts_number(casa_azul):
    responses.add(
        responses.POST,
        TWILIO_MESSAGES,
        status=201,
        json={"sid": "SM" + "4" * 32, "status": "queued"},
    )
    message = reply(via="", sender="")

    services.message_deliver(message_id=message.pk)

    assert parse_qs(responses.calls[0].request.body)["From"] == ["whatsapp:+14155238886"]


def test_metas_statuses_move_a_reply_along_and_keep_metas_error(casa_azul):
    message = reply(via="meta", sender=META_NUMBER)
    Message.objects.filter(pk=message.pk).update(
        status="sent", provider="meta", provider_message_id="wamid.ABC"
    )

    services.message_status_record(
        provider_message_id="wamid.ABC",
        provider_status="failed",
        error_code="131047",
        provider="meta",
    )

    message.refresh_from_db()
    assert (message.status, message.error) == ("failed", "Meta error 131047 (failed)")
