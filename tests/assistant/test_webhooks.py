"""Customers' WhatsApp messages in, from Twilio and Meta, on each restaurant's host and on the
platform's shared endpoints: only signed deliveries are taken, the number written to picks
the restaurant, a provider's retry is answered once, and the reply goes out the way the
customer wrote, through the real worker to the providers' APIs (faked at the HTTP boundary).
"""

import hashlib
import hmac
import json
import logging
import time

import pytest
from django.db import connection
from django.test import Client, override_settings
from django_tenants.utils import schema_context, tenant_context
from twilio.request_validator import RequestValidator

from assistant.models import Conversation, ConversationMessage
from notifications import services
from notifications.models import Message, OptOut
from reservations.models import Reservation
from restaurants.models import InboundNumber
from tests.conftest import host_of
from tests.factories import TableFactory, open_every_day

TWILIO_TOKEN = "platform-auth-token"
APP_SECRET = "platform-app-secret"
VERIFY_WORD = "platform-verify-word"
PLATFORM = {
    "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
    "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    "META_APP_SECRET": APP_SECRET,
    "META_VERIFY_TOKEN": VERIFY_WORD,
    # Behind the TLS proxy: providers call https, the proxy forwards plain http.
    "PUBLIC_SCHEME": "https",
}
PLATFORM_HOST = "localhost"
TWILIO_PLATFORM = "/webhooks/twilio/whatsapp/"
META_PLATFORM = "/webhooks/meta/whatsapp/"
NUMBER_A, META_A, SECRET_A, WORD_A = "+14155550101", "1010101010", "casa-azul-secret", "azul"
NUMBER_B, META_B = "+14155550202", "2020202020"
CUSTOMER, WA_ID = "+525512345678", "525512345678"
SID = "SM" + "1" * 32
WAMID = "wamid.HBgMNTIxNTUxMjM0NTY3OBUCABEYEjQ3NjBCQjkyRjQ0RjNDQzQ4QQA="

pytestmark = pytest.mark.usefixtures("platform_settings")


@pytest.fixture
def platform_settings():
    with override_settings(**PLATFORM):
        yield


def messaging_save(restaurant, **fields) -> None:
    with tenant_context(restaurant):
        messaging = services.messaging_settings()
        for name, value in fields.items():
            setattr(messaging, name, value)
        services.messaging_settings_save(messaging=messaging)
    connection.set_schema_to_public()


@pytest.fixture
def numbers(restaurant_a, restaurant_b):
    """Casa Azul with its own Meta app secret and verify word, Bistro Verde on the
    platform's; each with a Twilio WhatsApp number and a Meta number."""
    messaging_save(
        restaurant_a,
        whatsapp_from=NUMBER_A,
        meta_phone_number_id=META_A,
        meta_app_secret=SECRET_A,
        meta_verify_token=WORD_A,
    )
    messaging_save(restaurant_b, whatsapp_from=NUMBER_B, meta_phone_number_id=META_B)


# --- What the providers send ------------------------------------------------------------


def twilio_message(text="hola", *, to=NUMBER_A, sid=SID, **fields) -> dict:
    return {
        "MessageSid": sid,
        "From": f"whatsapp:{CUSTOMER}",
        "To": f"whatsapp:{to}",
        "Body": text,
        "ProfileName": "Lucía",
        "WaId": WA_ID,
        "NumMedia": "0",
        **fields,
    }


def twilio_post(host, path, data, *, token=TWILIO_TOKEN, signed_url=None):
    url = signed_url or f"https://{host}{path}"
    signature = RequestValidator(token).compute_signature(url, data)
    return Client(HTTP_HOST=host).post(path, data, HTTP_X_TWILIO_SIGNATURE=signature)


def meta_text(phone_number_id, text="hola", *, wamid=WAMID, wa_id=WA_ID) -> dict:
    return meta_change(
        phone_number_id,
        contacts=[{"profile": {"name": "Lucía"}, "wa_id": wa_id}],
        messages=[
            {
                "from": wa_id,
                "id": wamid,
                "timestamp": "1764480000",
                "type": "text",
                "text": {"body": text},
            }
        ],
    )


def meta_change(phone_number_id, **value) -> dict:
    return {
        "field": "messages",
        "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_number_id},
            **value,
        },
    }


def meta_delivery(*changes) -> dict:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": list(changes)}],
    }


def meta_post(host, path, document, *, secret=APP_SECRET, signature=None, body=None):
    body = body if body is not None else json.dumps(document).encode()
    headers = {}
    if secret is not None or signature is not None:
        digest = hmac.new((secret or "").encode(), body, hashlib.sha256).hexdigest()
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature or f"sha256={digest}"
    return Client(HTTP_HOST=host).post(path, body, content_type="application/json", **headers)


# --- What the restaurants hold ----------------------------------------------------------


def chat(restaurant) -> list[tuple[str, str, str]]:
    """Every chat message in the restaurant's schema: (customer phone, direction, text)."""
    with tenant_context(restaurant):
        rows = list(
            ConversationMessage.objects.order_by("pk").values_list(
                "conversation__phone", "direction", "body"
            )
        )
    connection.set_schema_to_public()
    return rows


def conversation(restaurant) -> Conversation:
    with tenant_context(restaurant):
        found = Conversation.objects.get()
    connection.set_schema_to_public()
    return found


def replies(restaurant) -> list[Message]:
    with tenant_context(restaurant):
        rows = list(Message.objects.filter(event="chat").order_by("pk"))
    connection.set_schema_to_public()
    return rows


# --- Twilio -------------------------------------------------------------------------------


def test_a_twilio_whatsapp_message_on_the_restaurants_host_is_answered(restaurant_a, numbers):
    response = twilio_post(host_of(restaurant_a), "/twilio/inbound/", twilio_message())

    assert response.status_code == 200
    assert response.content == b"<Response></Response>"
    said = chat(restaurant_a)
    assert said[0] == (CUSTOMER, "in", "hola")
    assert [direction for _phone, direction, _text in said] == ["in", "out"]
    chat_with = conversation(restaurant_a)
    assert (chat_with.provider, chat_with.receiving, chat_with.profile_name) == (
        "twilio",
        NUMBER_A,
        "Lucía",
    )
    [reply] = replies(restaurant_a)
    assert (reply.recipient, reply.via, reply.sender, reply.status) == (
        CUSTOMER,
        "twilio",
        NUMBER_A,
        "pending",  # the worker sends it after the commit
    )
    assert reply.body == said[1][2] != ""


def test_the_platforms_twilio_endpoint_takes_it_in_the_schema_of_the_number_written_to(
    restaurant_a, restaurant_b, numbers
):
    response = twilio_post(PLATFORM_HOST, TWILIO_PLATFORM, twilio_message(to=NUMBER_B))

    assert response.status_code == 200
    assert chat(restaurant_b)[0] == (CUSTOMER, "in", "hola")
    assert chat(restaurant_a) == []


def test_the_platforms_twilio_endpoint_takes_a_restaurants_own_account(restaurant_a, numbers):
    messaging_save(restaurant_a, twilio_account_sid="AC" + "b" * 32, twilio_auth_token="own")

    response = twilio_post(PLATFORM_HOST, TWILIO_PLATFORM, twilio_message(), token="own")

    assert response.status_code == 200
    assert len(chat(restaurant_a)) == 2


@pytest.mark.parametrize(
    ("host", "path", "tampering"),
    [
        ("casa-azul.localhost", "/twilio/inbound/", {"token": "another-account"}),
        ("casa-azul.localhost", "/twilio/inbound/", {"signed_url": "https://x.localhost/"}),
        (PLATFORM_HOST, TWILIO_PLATFORM, {"token": "another-account"}),
        # Signed for the restaurant's host, played to the platform's.
        (
            PLATFORM_HOST,
            TWILIO_PLATFORM,
            {"signed_url": "https://casa-azul.localhost/twilio/inbound/"},
        ),
    ],
    ids=["host-token", "host-url", "platform-token", "platform-url"],
)
def test_a_twilio_message_not_signed_for_us_is_refused_and_writes_nothing(
    restaurant_a, numbers, host, path, tampering
):
    response = twilio_post(host, path, twilio_message(), **tampering)

    assert response.status_code == 403
    assert chat(restaurant_a) == []


def test_an_unsigned_twilio_message_is_refused(restaurant_a, numbers):
    response = Client(HTTP_HOST=host_of(restaurant_a)).post("/twilio/inbound/", twilio_message())

    assert response.status_code == 403
    assert chat(restaurant_a) == []


def test_the_same_twilio_message_delivered_twice_is_answered_once(restaurant_a, numbers):
    for _attempt in range(2):
        response = twilio_post(PLATFORM_HOST, TWILIO_PLATFORM, twilio_message())
        assert response.status_code == 200

    assert [direction for _phone, direction, _text in chat(restaurant_a)] == ["in", "out"]
    assert len(replies(restaurant_a)) == 1


def test_stop_still_opts_the_customer_out_and_is_not_a_chat(restaurant_a, numbers):
    twilio_post(host_of(restaurant_a), "/twilio/inbound/", twilio_message("STOP"))

    with tenant_context(restaurant_a):
        assert list(OptOut.objects.values_list("channel", "address")) == [("whatsapp", CUSTOMER)]
    connection.set_schema_to_public()
    assert chat(restaurant_a) == []


def test_yes_from_a_customer_who_never_opted_out_is_an_answer_to_the_assistant(
    restaurant_a, numbers
):
    twilio_post(host_of(restaurant_a), "/twilio/inbound/", twilio_message("yes"))

    assert chat(restaurant_a)[0] == (CUSTOMER, "in", "yes")


def test_a_twilio_photo_without_text_gets_a_polite_reply(restaurant_a, numbers):
    message = twilio_message("", NumMedia="1", MessageType="image")

    response = twilio_post(host_of(restaurant_a), "/twilio/inbound/", message)

    assert response.status_code == 200
    assert chat(restaurant_a)[0] == (CUSTOMER, "in", "[image]")
    [reply] = replies(restaurant_a)
    assert reply.body


def test_a_twilio_message_to_an_unknown_number_is_refused_and_logged_without_its_text(
    restaurant_a, restaurant_b, numbers, caplog
):
    caplog.set_level(logging.INFO)
    message = twilio_message("mi tarjeta es 4111 1111 1111 1111", to="+19995550000")

    response = twilio_post(PLATFORM_HOST, TWILIO_PLATFORM, message)

    assert response.status_code == 404
    assert "+19995550000" in caplog.text and "twilio" in caplog.text
    assert "4111" not in caplog.text and "tarjeta" not in caplog.text
    assert chat(restaurant_a) == chat(restaurant_b) == []


def test_a_signed_twilio_message_with_a_control_character_on_the_platform_is_a_400(
    restaurant_a, numbers
):
    response = twilio_post(PLATFORM_HOST, TWILIO_PLATFORM, twilio_message("hola\x00"))

    assert response.status_code == 400
    assert chat(restaurant_a) == []


# --- Meta ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "path", "word"),
    [
        ("casa-azul.localhost", "/whatsapp/meta/", WORD_A),
        ("casa-azul.localhost", "/whatsapp/meta/", VERIFY_WORD),
        (PLATFORM_HOST, META_PLATFORM, VERIFY_WORD),
    ],
    ids=["restaurant-word", "platform-word-on-host", "platform"],
)
def test_meta_subscribing_with_our_verify_word_gets_its_challenge_back(numbers, host, path, word):
    query = {"hub.mode": "subscribe", "hub.verify_token": word, "hub.challenge": "1158201444"}

    response = Client(HTTP_HOST=host).get(path, query)

    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    ("host", "path", "word"),
    [
        ("casa-azul.localhost", "/whatsapp/meta/", "wrong"),
        ("casa-azul.localhost", "/whatsapp/meta/", ""),
        (PLATFORM_HOST, META_PLATFORM, "wrong"),
        (PLATFORM_HOST, META_PLATFORM, WORD_A),  # a restaurant's word is its host's only
    ],
    ids=["host-wrong", "host-empty", "platform-wrong", "platform-restaurant-word"],
)
def test_meta_subscribing_with_another_word_is_refused(numbers, host, path, word):
    query = {"hub.mode": "subscribe", "hub.verify_token": word, "hub.challenge": "1158201444"}

    response = Client(HTTP_HOST=host).get(path, query)

    assert response.status_code == 403
    assert b"1158201444" not in response.content


def test_a_verify_word_or_a_signature_out_of_ascii_is_a_403_not_a_500(restaurant_a, numbers):
    query = {"hub.mode": "subscribe", "hub.verify_token": "contraseña", "hub.challenge": "1"}

    verified = Client(HTTP_HOST=PLATFORM_HOST).get(META_PLATFORM, query)
    delivered = meta_post(
        PLATFORM_HOST, META_PLATFORM, meta_delivery(meta_text(META_A)), signature="sha256=ñ"
    )

    assert (verified.status_code, delivered.status_code) == (403, 403)
    assert chat(restaurant_a) == []


def test_a_meta_text_on_the_restaurants_host_is_answered_through_meta(restaurant_a, numbers):
    response = meta_post(
        host_of(restaurant_a), "/whatsapp/meta/", meta_delivery(meta_text(META_A)), secret=SECRET_A
    )

    assert response.status_code == 200
    said = chat(restaurant_a)
    assert said[0] == (CUSTOMER, "in", "hola")
    assert len(said) == 2
    chat_with = conversation(restaurant_a)
    assert (chat_with.provider, chat_with.receiving, chat_with.profile_name) == (
        "meta",
        META_A,
        "Lucía",
    )
    [reply] = replies(restaurant_a)
    assert (reply.via, reply.sender, reply.recipient) == ("meta", META_A, CUSTOMER)


def test_a_mexican_mobile_as_whatsapp_writes_it_is_the_number_the_book_keeps(restaurant_a, numbers):
    """WhatsApp sends Mexican mobiles as 521 + ten digits; the book writes +52 + ten."""
    document = meta_delivery(meta_text(META_A, wa_id="5215512345678"))

    meta_post(host_of(restaurant_a), "/whatsapp/meta/", document, secret=SECRET_A)

    assert conversation(restaurant_a).phone == "+525512345678"
    [reply] = replies(restaurant_a)
    assert reply.recipient == "+525512345678"


@pytest.mark.parametrize(
    "refusal",
    [
        {"secret": None},  # no signature at all
        {"secret": "someone-elses-secret"},
        {"signature": "sha256=" + "0" * 64},
        {"signature": "sha1=deadbeef"},
        # Signed, then changed on the way.
        {
            "body": json.dumps(meta_delivery(meta_text(META_A, "hola"))).encode(),
            "secret": None,
            "signature": "sha256="
            + hmac.new(APP_SECRET.encode(), b"{}", hashlib.sha256).hexdigest(),
        },
    ],
    ids=["missing", "wrong-secret", "wrong-digest", "other-algorithm", "tampered"],
)
@pytest.mark.parametrize(
    ("host", "path"),
    [("casa-azul.localhost", "/whatsapp/meta/"), (PLATFORM_HOST, META_PLATFORM)],
    ids=["host", "platform"],
)
def test_a_meta_delivery_not_signed_for_us_is_a_403_and_writes_nothing(
    restaurant_a, numbers, host, path, refusal
):
    response = meta_post(host, path, meta_delivery(meta_text(META_A)), **refusal)

    assert response.status_code == 403
    assert chat(restaurant_a) == []


def test_the_same_wamid_delivered_twice_is_answered_once(restaurant_a, numbers):
    for _attempt in range(2):
        response = meta_post(PLATFORM_HOST, META_PLATFORM, meta_delivery(meta_text(META_A)))
        assert response.status_code == 200

    assert [direction for _phone, direction, _text in chat(restaurant_a)] == ["in", "out"]
    assert len(replies(restaurant_a)) == 1


def test_one_meta_delivery_for_two_restaurants_goes_to_each_in_its_own_schema(
    restaurant_a, restaurant_b, numbers
):
    delivery = meta_delivery(
        meta_text(META_A, "hola Casa Azul", wamid="wamid.A"),
        meta_text(META_B, "hola Bistro", wamid="wamid.B"),
    )

    response = meta_post(PLATFORM_HOST, META_PLATFORM, delivery)

    assert response.status_code == 200
    assert chat(restaurant_a)[0] == (CUSTOMER, "in", "hola Casa Azul")
    assert chat(restaurant_b)[0] == (CUSTOMER, "in", "hola Bistro")
    assert "hola Bistro" not in str(chat(restaurant_a))
    assert "hola Casa Azul" not in str(chat(restaurant_b))


def test_one_customer_writing_to_two_restaurants_has_two_separate_chats(
    restaurant_a, restaurant_b, numbers
):
    twilio_post(PLATFORM_HOST, TWILIO_PLATFORM, twilio_message("hola azul", to=NUMBER_A))
    meta_post(PLATFORM_HOST, META_PLATFORM, meta_delivery(meta_text(META_B, "hola verde")))
    twilio_post(
        PLATFORM_HOST, TWILIO_PLATFORM, twilio_message("otra vez azul", to=NUMBER_A, sid="SM2")
    )

    customer_said_a = [text for _phone, direction, text in chat(restaurant_a) if direction == "in"]
    customer_said_b = [text for _phone, direction, text in chat(restaurant_b) if direction == "in"]
    assert customer_said_a == ["hola azul", "otra vez azul"]
    assert customer_said_b == ["hola verde"]
    assert {reply.sender for reply in replies(restaurant_a)} == {NUMBER_A}
    assert {reply.sender for reply in replies(restaurant_b)} == {META_B}


def test_a_restaurants_own_secret_vouches_for_its_own_numbers_only(
    restaurant_a, restaurant_b, numbers
):
    only_b = meta_delivery(meta_text(META_B, "soy de otro", wamid="wamid.B"))
    both = meta_delivery(
        meta_text(META_A, "hola Casa Azul", wamid="wamid.A"),
        meta_text(META_B, "soy de otro", wamid="wamid.B2"),
    )

    assert meta_post(PLATFORM_HOST, META_PLATFORM, only_b, secret=SECRET_A).status_code == 403
    assert meta_post(PLATFORM_HOST, META_PLATFORM, both, secret=SECRET_A).status_code == 200

    assert chat(restaurant_a)[0] == (CUSTOMER, "in", "hola Casa Azul")
    assert chat(restaurant_b) == []


def test_a_change_for_another_restaurants_number_is_not_taken_on_a_restaurants_host(
    restaurant_a, restaurant_b, numbers
):
    delivery = meta_delivery(meta_text(META_B, "para Bistro"))

    response = meta_post(host_of(restaurant_a), "/whatsapp/meta/", delivery)

    assert response.status_code == 200
    assert chat(restaurant_a) == chat(restaurant_b) == []


def test_a_meta_message_to_an_unknown_number_is_answered_200_and_logged_without_its_text(
    restaurant_a, restaurant_b, numbers, caplog
):
    caplog.set_level(logging.INFO)
    delivery = meta_delivery(meta_text("9090909090", "mi tarjeta es 4111 1111 1111 1111"))

    response = meta_post(PLATFORM_HOST, META_PLATFORM, delivery)

    assert response.status_code == 200  # Meta would otherwise retry it for days
    assert "9090909090" in caplog.text and "meta" in caplog.text
    assert "4111" not in caplog.text and "tarjeta" not in caplog.text
    assert chat(restaurant_a) == chat(restaurant_b) == []


@pytest.mark.parametrize(
    ("message", "stored"),
    [
        ({"type": "image", "image": {"id": "1", "mime_type": "image/jpeg"}}, "[image]"),
        ({"type": "audio", "audio": {"id": "2", "voice": True}}, "[audio]"),
        ({"type": "location", "location": {"latitude": 19.4, "longitude": -99.1}}, "[location]"),
        ({"type": "unsupported", "errors": [{"code": 131051}]}, "[unsupported]"),
        ({"type": "image", "image": {"id": "3", "caption": "mesa para 2"}}, "mesa para 2"),
    ],
    ids=["image", "audio", "location", "unsupported", "image-with-caption"],
)
def test_a_meta_message_that_is_not_text_is_kept_and_answered_never_a_500(
    restaurant_a, numbers, message, stored
):
    change = meta_change(
        META_A,
        contacts=[{"profile": {"name": "Lucía"}, "wa_id": WA_ID}],
        messages=[{"from": WA_ID, "id": WAMID, "timestamp": "1764480000", **message}],
    )

    response = meta_post(PLATFORM_HOST, META_PLATFORM, meta_delivery(change))

    assert response.status_code == 200
    said = chat(restaurant_a)
    assert said[0] == (CUSTOMER, "in", stored)
    assert said[1][1] == "out" and said[1][2]


@pytest.fixture
def sent_reply(restaurant_a, numbers) -> Message:
    with tenant_context(restaurant_a):
        message = services.chat_reply_queue(
            channel="whatsapp",
            recipient=CUSTOMER,
            body="¡Hola!",
            language="es",
            via="meta",
            sender=META_A,
            key="chat:status",
        )
        Message.objects.filter(pk=message.pk).update(
            status="sent", provider="meta", provider_message_id=WAMID
        )
    connection.set_schema_to_public()
    return message


def meta_status(status: str, **fields) -> dict:
    return meta_change(
        META_A,
        statuses=[
            {
                "id": WAMID,
                "status": status,
                "timestamp": "1764480100",
                "recipient_id": WA_ID,
                **fields,
            }
        ],
    )


def test_metas_delivery_statuses_move_the_reply_along_and_never_back(restaurant_a, sent_reply):
    for status in ("delivered", "read", "delivered"):
        response = meta_post(PLATFORM_HOST, META_PLATFORM, meta_delivery(meta_status(status)))
        assert response.status_code == 200

    with tenant_context(restaurant_a):
        sent_reply.refresh_from_db()
    connection.set_schema_to_public()
    assert sent_reply.status == "read"
    assert sent_reply.delivered_at and sent_reply.read_at


def test_a_failed_status_keeps_metas_error_code(restaurant_a, sent_reply):
    failed = meta_status("failed", errors=[{"code": 131047, "title": "Re-engagement message"}])

    meta_post(host_of(restaurant_a), "/whatsapp/meta/", meta_delivery(failed), secret=SECRET_A)

    with tenant_context(restaurant_a):
        sent_reply.refresh_from_db()
    connection.set_schema_to_public()
    assert (sent_reply.status, sent_reply.error) == ("failed", "Meta error 131047 (failed)")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"entry": [{"changes": "\\u0000"}]}', 400),
        (b"[" * 100 + b"]" * 100, 400),
        (b"not json", 400),
        (b"[]", 400),
        (b'{"entry": NaN}', 400),
        (b'{"x": "' + b"a" * (1024 * 1024 + 1) + b'"}', 413),
    ],
    ids=["control-character", "too-deep", "not-json", "not-an-object", "nan", "too-large"],
)
@pytest.mark.parametrize(
    ("host", "path"),
    [("casa-azul.localhost", "/whatsapp/meta/"), (PLATFORM_HOST, META_PLATFORM)],
    ids=["host", "platform"],
)
def test_a_signed_meta_body_we_cannot_take_is_refused_with_a_4xx(
    restaurant_a, numbers, host, path, body, status
):
    response = meta_post(host, path, None, body=body)

    assert response.status_code == status
    assert chat(restaurant_a) == []


def test_a_meta_delivery_of_odd_shapes_changes_nothing_and_is_not_a_500(restaurant_a, numbers):
    odd = {
        "object": "whatsapp_business_account",
        "entry": [
            "text",
            {"changes": [None, {"field": "messages", "value": []}]},
            {"changes": [{"field": "messages", "value": {"metadata": {"phone_number_id": 7}}}]},
            {"changes": [meta_change(META_A, messages=[{"from": "not a phone", "id": "x"}])]},
            {"changes": [meta_change(META_A, messages=[{"type": "text"}], statuses=[{}])]},
        ],
    }

    response = meta_post(PLATFORM_HOST, META_PLATFORM, odd)

    assert response.status_code == 200
    assert chat(restaurant_a) == []


# --- The whole way, with the worker -------------------------------------------------------


def wait_until(condition, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            return found
        time.sleep(0.1)
    return found


CARRERA_NUMBER, CARRERA_META = "+14155550303", "3030303030"
CARRERA_SID = "AC" + "c" * 32


@pytest.fixture
def carrera(committed_restaurant, fake_providers, celery_worker):
    """'carrera' with its own Twilio account and Meta app, committed, and a worker sending
    to the fake providers; its inbound numbers are removed afterwards."""
    messaging_save(
        committed_restaurant,
        whatsapp_from=CARRERA_NUMBER,
        twilio_account_sid=CARRERA_SID,
        twilio_auth_token="carrera-auth-token",
        meta_phone_number_id=CARRERA_META,
        meta_access_token="carrera-access-token",
        meta_app_secret="carrera-app-secret",
    )
    fake_providers.forget()
    yield committed_restaurant
    with schema_context("public"):
        InboundNumber.objects.filter(restaurant=committed_restaurant).delete()


def reply_sent(restaurant) -> Message | None:
    with tenant_context(restaurant):
        found = Message.objects.filter(event="chat", status="sent").first()
    connection.set_schema_to_public()
    return found


def test_a_twilio_chat_is_answered_through_twilio_by_the_worker(carrera, fake_providers):
    message = twilio_message(to=CARRERA_NUMBER)
    for _delivery in range(2):  # Twilio's retry of the same message
        response = twilio_post(
            host_of(carrera), "/twilio/inbound/", message, token="carrera-auth-token"
        )
        assert response.status_code == 200

    [sent] = fake_providers.wait_for(1, provider="twilio")
    reply = wait_until(lambda: reply_sent(carrera))
    assert sent.account == CARRERA_SID
    assert sent.fields["From"] == f"whatsapp:{CARRERA_NUMBER}"
    assert sent.fields["To"] == f"whatsapp:{CUSTOMER}"
    assert sent.fields["Body"]
    assert reply is not None and reply.body == sent.fields["Body"]
    assert (reply.provider, reply.provider_message_id) == ("twilio", sent.answered_id)
    assert [direction for _phone, direction, _text in chat(carrera)] == ["in", "out"]
    assert len(replies(carrera)) == len(fake_providers.received) == 1


def test_a_meta_chat_is_answered_through_the_graph_api_by_the_worker(carrera, fake_providers):
    delivery = meta_delivery(meta_text(CARRERA_META))
    for _delivery in range(2):  # Meta's retry of the same message
        response = meta_post(PLATFORM_HOST, META_PLATFORM, delivery, secret="carrera-app-secret")
        assert response.status_code == 200

    [sent] = fake_providers.wait_for(1, provider="meta")
    reply = wait_until(lambda: reply_sent(carrera))
    assert sent.account == CARRERA_META
    assert sent.authorization == "Bearer carrera-access-token"
    assert sent.fields["to"] == WA_ID and sent.fields["type"] == "text"
    assert sent.fields["text"]["body"]
    assert reply is not None and reply.body == sent.fields["text"]["body"]
    assert (reply.provider, reply.provider_message_id) == ("meta", sent.answered_id)

    read = meta_change(CARRERA_META, statuses=[{"id": reply.provider_message_id, "status": "read"}])
    meta_post(PLATFORM_HOST, META_PLATFORM, meta_delivery(read), secret="carrera-app-secret")

    with tenant_context(carrera):
        assert Message.objects.get(pk=reply.pk).status == "read"
    connection.set_schema_to_public()
    assert [direction for _phone, direction, _text in chat(carrera)] == ["in", "out"]
    assert len(replies(carrera)) == len(fake_providers.received) == 1


def test_a_whole_booking_chat_through_twilios_webhook_is_answered_and_confirmed_by_the_worker(
    carrera, fake_providers
):
    with tenant_context(carrera):
        open_every_day("12:00", "23:30")
        TableFactory(code="M01", max_capacity=4)
    connection.set_schema_to_public()
    said = [
        "hola",
        "quiero una mesa para 2 mañana a las 20:00",
        "a nombre de Ana Ruiz",
        "sí",
    ]
    for number, text in enumerate(said):
        response = twilio_post(
            host_of(carrera),
            "/twilio/inbound/",
            twilio_message(text, to=CARRERA_NUMBER, sid=f"SM{number:032d}"),
            token="carrera-auth-token",
        )
        assert response.status_code == 200

    # Four replies and the booking's confirmation, all from the number the customer wrote to.
    sent = fake_providers.wait_for(5, provider="twilio")
    assert len(sent) == 5
    assert {item.fields["From"] for item in sent} == {f"whatsapp:{CARRERA_NUMBER}"}
    assert {item.fields["To"] for item in sent} == {f"whatsapp:{CUSTOMER}"}
    with tenant_context(carrera):
        reservation = Reservation.objects.get()
        assert reservation.source == "whatsapp"
        assert reservation.customer.phone == CUSTOMER
        assert reservation.party_size == 2
        bodies = {item.fields["Body"] for item in sent}
        assert sum(reservation.reference in body for body in bodies) >= 2  # reply + confirmation
    connection.set_schema_to_public()
