"""Validly signed Twilio callbacks that cannot be taken as they are (a NUL or another control
character in a field, a sender longer than any address) are answered 400 and change nothing:
Twilio never sends one and does not retry a 4xx, and its debugger shows the refusal."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from notifications.models import Message, OptOut
from tests.notifications import test_webhooks
from tests.notifications.test_webhooks import SID, post_signed

# The signed-callback fixtures of the webhook tests: the same account, URL and message.
settings_behind_proxy = test_webhooks.settings_behind_proxy
sent_message = test_webhooks.sent_message
pytestmark = pytest.mark.usefixtures("settings_behind_proxy")
CUSTOMER = "whatsapp:+525512345678"


def opt_outs(restaurant) -> list[tuple[str, str]]:
    with tenant_context(restaurant):
        rows = list(OptOut.objects.values_list("channel", "address"))
    connection.set_schema_to_public()
    return rows


def message_row(restaurant, message) -> tuple[str, str]:
    with tenant_context(restaurant):
        row = Message.objects.values_list("status", "error").get(pk=message.pk)
    connection.set_schema_to_public()
    return row


@pytest.mark.parametrize(
    "report",
    [
        {"MessageSid": SID + "\x00", "MessageStatus": "delivered"},
        {"MessageSid": SID, "MessageStatus": "undelivered", "ErrorCode": "63016\x00"},
        {"MessageSid": SID, "MessageStatus": "delivered\x00"},
        {"MessageSid": SID, "MessageStatus": "read", "ChannelStatusMessage": "\x1b[2J"},
        {"MessageSid": SID, "MessageStatus": "read", "Campo\x00": "x"},
    ],
    ids=["sid", "error-code", "status", "other-field", "field-name"],
)
def test_a_signed_delivery_report_with_a_control_character_is_a_400_and_changes_nothing(
    restaurant_a, sent_message, report
):
    response = post_signed(restaurant_a, "/twilio/status/", report)

    assert response.status_code == 400
    assert message_row(restaurant_a, sent_message) == ("sent", "")


@pytest.mark.parametrize(
    "reply",
    [
        {"From": CUSTOMER + "\x00", "Body": "STOP"},
        {"From": CUSTOMER, "Body": "STOP\x00"},
        {"From": CUSTOMER, "Body": "STOP", "To": "whatsapp:+14155238886\x00"},
        {"From": CUSTOMER, "Body": "STOP", "ProfileName": "Lucía\x07"},
    ],
    ids=["from", "body", "to", "profile-name"],
)
def test_a_signed_reply_with_a_control_character_is_a_400_and_opts_nobody_out(restaurant_a, reply):
    response = post_signed(restaurant_a, "/twilio/inbound/", reply)

    assert response.status_code == 400
    assert opt_outs(restaurant_a) == []


@pytest.mark.parametrize("sender", ["+52" + "1" * 253, "whatsapp:+52" + "1" * 253])
def test_a_signed_reply_from_a_sender_longer_than_any_address_is_a_400(restaurant_a, sender):
    response = post_signed(restaurant_a, "/twilio/inbound/", {"From": sender, "Body": "STOP"})

    assert response.status_code == 400
    assert opt_outs(restaurant_a) == []


def test_the_longest_address_kept_is_still_opted_out(restaurant_a):
    sender = "whatsapp:+52" + "1" * 251  # 254 characters once "whatsapp:" is off

    response = post_signed(restaurant_a, "/twilio/inbound/", {"From": sender, "Body": "STOP"})

    assert response.status_code == 200
    assert opt_outs(restaurant_a) == [("whatsapp", sender.removeprefix("whatsapp:"))]


def test_an_unsigned_reply_with_a_control_character_is_still_a_403(restaurant_a):
    response = post_signed(
        restaurant_a,
        "/twilio/inbound/",
        {"From": CUSTOMER + "\x00", "Body": "STOP"},
        signed_data={"From": CUSTOMER, "Body": "STOP"},
    )

    assert response.status_code == 403
    assert opt_outs(restaurant_a) == []
