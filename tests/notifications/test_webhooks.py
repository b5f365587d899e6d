"""Twilio calling back: only what the account signed for the exact public URL is taken."""

import pytest
from django.db import connection
from django.test import Client, override_settings
from django_tenants.utils import tenant_context
from twilio.request_validator import RequestValidator

from notifications.models import Message, OptOut
from tests.conftest import host_of
from tests.factories import CustomerFactory

TOKEN = "platform-auth-token"
SID = "SM" + "7" * 32
# Behind the TLS proxy: Twilio calls https, the proxy forwards plain http.
BEHIND_PROXY = {
    "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
    "TWILIO_AUTH_TOKEN": TOKEN,
    "PUBLIC_SCHEME": "https",
}
pytestmark = pytest.mark.usefixtures("settings_behind_proxy")


@pytest.fixture
def settings_behind_proxy():
    with override_settings(**BEHIND_PROXY):
        yield


@pytest.fixture
def sent_message(restaurant_a):
    with tenant_context(restaurant_a):
        message = Message.objects.create(
            event="confirmation",
            channel="whatsapp",
            recipient="+525512345678",
            language="es",
            body="Hola",
            status="sent",
            provider="twilio",
            provider_message_id=SID,
            idempotency_key="test:sent",
        )
    connection.set_schema_to_public()
    return message


def post_signed(restaurant, path: str, data: dict, *, signed_url=None, signed_data=None):
    url = f"https://{host_of(restaurant)}{path}"
    signature = RequestValidator(TOKEN).compute_signature(
        signed_url or url, signed_data if signed_data is not None else data
    )
    client = Client(HTTP_HOST=host_of(restaurant))
    return client.post(path, data, HTTP_X_TWILIO_SIGNATURE=signature)


def status_of(restaurant, message) -> tuple[str, str]:
    with tenant_context(restaurant):
        message.refresh_from_db()
    connection.set_schema_to_public()
    return message.status, message.error


def test_a_signed_delivery_report_updates_the_log(restaurant_a, sent_message):
    response = post_signed(
        restaurant_a, "/twilio/status/", {"MessageSid": SID, "MessageStatus": "delivered"}
    )

    assert response.status_code == 204
    assert status_of(restaurant_a, sent_message)[0] == "delivered"


def test_an_undelivered_report_keeps_twilios_error_code(restaurant_a, sent_message):
    post_signed(
        restaurant_a,
        "/twilio/status/",
        {"MessageSid": SID, "MessageStatus": "undelivered", "ErrorCode": "63016"},
    )

    status, error = status_of(restaurant_a, sent_message)
    assert status == "failed" and "63016" in error


@pytest.mark.parametrize(
    "tampering",
    [
        {"signed_url": "https://casa-azul.localhost/twilio/status/?x=1"},
        {"signed_url": "http://casa-azul.localhost/twilio/status/"},  # not the public URL
        {"signed_data": {"MessageSid": SID, "MessageStatus": "read"}},
    ],
    ids=["other-url", "proxy-url", "other-body"],
)
def test_a_tampered_report_is_refused_and_changes_nothing(restaurant_a, sent_message, tampering):
    response = post_signed(
        restaurant_a,
        "/twilio/status/",
        {"MessageSid": SID, "MessageStatus": "delivered"},
        **tampering,
    )

    assert response.status_code == 403
    assert status_of(restaurant_a, sent_message)[0] == "sent"


def test_an_unsigned_report_is_refused(restaurant_a, sent_message):
    client = Client(HTTP_HOST=host_of(restaurant_a))

    response = client.post("/twilio/status/", {"MessageSid": SID, "MessageStatus": "delivered"})

    assert response.status_code == 403
    assert status_of(restaurant_a, sent_message)[0] == "sent"


def test_a_late_or_replayed_report_never_moves_a_message_back(restaurant_a, sent_message):
    for status in ("read", "delivered", "sent"):
        post_signed(restaurant_a, "/twilio/status/", {"MessageSid": SID, "MessageStatus": status})

    assert status_of(restaurant_a, sent_message)[0] == "read"


def test_another_restaurants_host_cannot_touch_the_message(
    restaurant_a, restaurant_b, sent_message
):
    response = post_signed(
        restaurant_b, "/twilio/status/", {"MessageSid": SID, "MessageStatus": "read"}
    )

    assert response.status_code == 204  # nothing of its own by that id
    assert status_of(restaurant_a, sent_message)[0] == "sent"


def test_a_customer_who_replies_stop_gets_no_more_whatsapp(restaurant_a):
    with tenant_context(restaurant_a):
        CustomerFactory(phone="+525512345678")
    connection.set_schema_to_public()

    response = post_signed(
        restaurant_a,
        "/twilio/inbound/",
        {"From": "whatsapp:+525512345678", "To": "whatsapp:+14155238886", "Body": " stop "},
    )
    assert response.status_code == 200
    with tenant_context(restaurant_a):
        assert list(OptOut.objects.values_list("channel", "address")) == [
            ("whatsapp", "+525512345678")
        ]
    connection.set_schema_to_public()

    post_signed(
        restaurant_a,
        "/twilio/inbound/",
        {"From": "whatsapp:+525512345678", "To": "whatsapp:+14155238886", "Body": "START"},
    )
    with tenant_context(restaurant_a):
        assert not OptOut.objects.exists()
    connection.set_schema_to_public()
