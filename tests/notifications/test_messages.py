"""Messages to customers: written once, sent through the real Twilio client to a fake
Twilio API (``responses``), retried as the policy says, and shown in the outbox."""

import datetime as dt
import re
import zoneinfo
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import requests
import responses
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import translation
from django_tenants.utils import tenant_context

from booking.services.bookings import Contact, booking_create, booking_transition
from notifications import services
from notifications.models import Message, MessageStatus, MessageTemplate, OptOut
from notifications.tasks import message_deliver_task
from reservations.models import Reservation, Table
from reservations.services.tables import table_save
from tests.factories import CustomerFactory, DishFactory, TableFactory, open_every_day
from tests.threads import run_at_once

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
TWILIO_MESSAGES = re.compile(r"https://api\.twilio\.com/2010-04-01/Accounts/AC\w+/Messages\.json")
PLATFORM_ACCOUNT = {
    "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
    "TWILIO_AUTH_TOKEN": "platform-auth-token",
    "TWILIO_WHATSAPP_FROM": "+14155238886",
    "TWILIO_SMS_FROM": "+15005550006",
}
SATURDAY_NINE_PM = dt.datetime(2030, 3, 9, 21, 0, tzinfo=MEXICO)


def twilio_created(sid: str = "SM" + "0" * 32) -> dict:
    return {"sid": sid, "status": "queued", "error_code": None, "error_message": None}


def twilio_error(status: int, code: int, message: str) -> responses.Response:
    return responses.Response(
        responses.POST,
        TWILIO_MESSAGES,
        status=status,
        json={"code": code, "message": message, "more_info": "", "status": status},
    )


def web_booking(**fields) -> Reservation:
    """A booking from the public form, made two days before Saturday 9 March 2030, 21:00."""
    contact = Contact(
        first_name=fields.pop("first_name", "Lucía"),
        last_name=fields.pop("last_name", "Pérez"),
        phone=fields.pop("phone", "+525512345678"),
        email=fields.pop("email", "lucia@example.com"),
    )
    booking = {
        "source": "web",
        "contact": contact,
        "starts_at": SATURDAY_NINE_PM,
        "party_size": 2,
        "submission_key": f"key-{contact.first_name}",
        **fields,
    }
    with time_machine.travel(SATURDAY_NINE_PM - dt.timedelta(days=2), tick=False):
        reservation, _created = booking_create(**booking)
    return reservation


@pytest.fixture
def booked(restaurant_a):
    """A web booking with a pre-order at Casa Azul (MXN, 16 % tax), its message queued."""
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:00", tax_rate=Decimal("16.00"))
        table_save(table=Table(code="T07", area="terrace", min_capacity=2, max_capacity=4))
        tacos = DishFactory(name="Tacos al pastor", price=Decimal("45.00"), stock=10)
        reservation = web_booking(party_size=3, dishes={tacos: 2})
        yield reservation
    connection.set_schema_to_public()


def queued(reservation, event="confirmation") -> Message:
    return services.reservation_message_queue(reservation=reservation, event=event)


def test_the_whatsapp_confirmation_lists_the_booking_and_its_amounts(booked):
    message = queued(booked)

    assert (message.channel, message.recipient, message.status) == (
        "whatsapp",
        "+525512345678",
        "pending",
    )
    lines = message.body.splitlines()
    assert lines[0] == "Hola Lucía, tu reserva en Casa Azul está confirmada."
    assert f"Reserva: {booked.reference}" in lines
    assert "Fecha: sábado, 9 de marzo de 2030" in lines
    assert "Hora: 21:00" in lines
    assert "Mesa: T07 (Terraza)" in lines
    assert "Personas: 3" in lines
    assert f"Nota: {booked.note.number}" in lines
    assert booked.note.number.startswith("NC-20300309-")  # numbered on its service day
    # 2 × 45.00 + table 6.00 = 96.00; 16 % tax = 15.36; total 111.36
    assert "2 × Tacos al pastor: $90.00" in lines
    assert "Precio de la mesa: $6.00" in lines
    assert "Subtotal: $96.00" in lines
    assert "Impuesto: $15.36" in lines
    assert "Total: $111.36" in lines
    manage = next(line for line in lines if line.startswith("Cambiar o cancelar: "))
    assert manage.removeprefix("Cambiar o cancelar: ").startswith(
        "http://casa-azul.localhost/booking/"
    )


def test_without_an_account_the_message_goes_to_the_outbox(booked):
    message = queued(booked)

    assert services.message_deliver(message_id=message.pk) == "sent"

    message.refresh_from_db()
    assert (message.provider, message.attempts, message.error) == ("outbox", 1, "")
    assert message.sent_at is not None


def test_a_booking_made_in_english_gets_its_messages_in_english(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:00")
        TableFactory(code="T01")
        with translation.override("en"):
            reservation = web_booking(first_name="Ann", phone="+447911123456", email="")
        message = queued(reservation)
    connection.set_schema_to_public()

    assert message.language == "en"
    assert message.body.startswith("Hello Ann, your booking at Casa Azul is confirmed.")
    assert "Date: Saturday, March 9, 2030" in message.body.splitlines()


def test_the_restaurants_own_wording_is_used_and_cannot_run_template_code(booked):
    MessageTemplate.objects.create(
        event="confirmation",
        language="es",
        body="{{ name }}: {{ date }} {% debug %} {{ settings.SECRET_KEY }} {{ name.__class__ }}",
    )

    message = queued(booked)

    # Only the listed placeholders are filled; anything else is text or nothing.
    assert message.body == "Lucía: sábado, 9 de marzo de 2030 {% debug %}"


@override_settings(**PLATFORM_ACCOUNT)
@responses.activate
def test_twilio_takes_the_whatsapp_message_with_its_status_callback(booked):
    responses.add(responses.POST, TWILIO_MESSAGES, status=201, json=twilio_created("SM" + "1" * 32))
    message = queued(booked)

    assert services.message_deliver(message_id=message.pk) == "sent"

    sent = parse_qs(responses.calls[0].request.body)
    assert sent["To"] == ["whatsapp:+525512345678"]
    assert sent["From"] == ["whatsapp:+14155238886"]
    assert sent["Body"] == [message.body]
    assert sent["StatusCallback"] == ["http://casa-azul.localhost/twilio/status/"]
    message.refresh_from_db()
    assert (message.provider, message.provider_message_id) == ("twilio", "SM" + "1" * 32)


@override_settings(**PLATFORM_ACCOUNT)
@responses.activate
@pytest.mark.parametrize(
    ("status", "code", "text"),
    [
        (400, 63024, "Invalid message recipient"),  # cannot receive WhatsApp
        (401, 20003, "Authenticate"),
    ],
)
def test_a_refusal_that_retrying_cannot_mend_fails_at_once(booked, status, code, text):
    responses.add(twilio_error(status, code, text))
    message = queued(booked)

    assert services.message_deliver(message_id=message.pk, last_attempt=False) == "failed"

    message.refresh_from_db()
    assert message.attempts == 1
    assert message.error.startswith(f"Twilio {status} (code {code}): ")
    assert text in message.error
    assert Reservation.objects.get(pk=booked.pk).status == "confirmed"  # the booking stands
    assert PLATFORM_ACCOUNT["TWILIO_AUTH_TOKEN"] not in message.error


@override_settings(**PLATFORM_ACCOUNT)
@responses.activate
@pytest.mark.parametrize(
    "failure",
    [
        twilio_error(429, 20429, "Too Many Requests"),
        twilio_error(500, 20500, "Internal Server Error"),
        responses.Response(responses.POST, TWILIO_MESSAGES, body=requests.ReadTimeout()),
        responses.Response(responses.POST, TWILIO_MESSAGES, body=requests.ConnectionError()),
    ],
    ids=["429", "500", "timeout", "unreachable"],
)
def test_a_passing_failure_is_retried_and_the_message_stays_pending(booked, failure):
    responses.add(failure)
    message = queued(booked)

    with pytest.raises(services.senders.SendFailed):
        services.message_deliver(message_id=message.pk, last_attempt=False)

    message.refresh_from_db()
    assert (message.status, message.attempts, message.claimed_until) == ("pending", 1, None)
    assert message.error


@override_settings(**PLATFORM_ACCOUNT)
@responses.activate
def test_the_task_retries_then_sends(booked, restaurant_a):
    responses.add(twilio_error(500, 20500, "Internal Server Error"))
    responses.add(twilio_error(429, 20429, "Too Many Requests"))
    responses.add(responses.POST, TWILIO_MESSAGES, status=201, json=twilio_created())
    message = queued(booked)

    message_deliver_task.apply(args=[restaurant_a.schema_name, message.pk])

    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("sent", 3, "")
    assert len(responses.calls) == 3


@override_settings(**PLATFORM_ACCOUNT)
@responses.activate
def test_the_task_gives_up_after_its_retries_and_keeps_the_error(booked, restaurant_a):
    responses.add(twilio_error(503, 20503, "Service Unavailable"))
    message = queued(booked)

    message_deliver_task.apply(args=[restaurant_a.schema_name, message.pk])

    message.refresh_from_db()
    assert message.status == "failed"
    assert message.attempts == message_deliver_task.max_retries + 1 == 6
    assert "Twilio 503" in message.error and message.failed_at is not None


def test_asking_twice_queues_one_message(booked):
    first, second = queued(booked), queued(booked)

    assert first.pk == second.pk
    assert Message.objects.filter(reservation=booked).count() == 1


def test_a_customer_who_opted_out_of_whatsapp_is_written_by_sms(booked):
    OptOut.objects.create(channel="whatsapp", address="+525512345678")

    message = queued(booked)

    assert (message.channel, message.recipient) == ("sms", "+525512345678")


def test_cancelling_announces_it_after_the_commit(booked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking_transition(reservation=booked, to="cancelled")

    cancellation = Message.objects.get(reservation=booked, event="cancellation")
    assert cancellation.body == (
        f"Hola Lucía, tu reserva {booked.reference} en Casa Azul para el "
        "sábado, 9 de marzo de 2030 a las 21:00 está cancelada."
    )


@override_settings(**PLATFORM_ACCOUNT)
@responses.activate
def test_the_same_confirmation_asked_for_ten_times_at_once_is_sent_once(committed_restaurant):
    responses.add(responses.POST, TWILIO_MESSAGES, status=201, json=twilio_created())
    connection.set_tenant(committed_restaurant)
    reservation = Reservation.objects.create(
        customer=CustomerFactory(phone="+525512345678"),
        table=TableFactory(code="T01"),
        starts_at=SATURDAY_NINE_PM,
        ends_at=SATURDAY_NINE_PM + dt.timedelta(hours=2),
        party_size=2,
        status="confirmed",
    )

    def queue_and_deliver(_index):
        message = queued(reservation)
        return services.message_deliver(message_id=message.pk)

    results = run_at_once(committed_restaurant, 10, queue_and_deliver)

    # The one that claimed it says sent; the others saw it pending (under way) or sent.
    assert {outcome for outcome, _status in results} == {"ok"}
    assert {status for _outcome, status in results} <= {"pending", "sent"}
    message = Message.objects.get(reservation=reservation)
    # One delivery in all: here (through Twilio), or by a test worker that took the task
    # queued after the commit (it has no Twilio account: the outbox).
    assert message.attempts == 1
    assert len(responses.calls) == (1 if message.provider == "twilio" else 0)
    assert message.status == MessageStatus.SENT


def test_a_delivery_task_for_another_restaurants_message_sends_nothing(
    booked, restaurant_a, restaurant_b
):
    message = queued(booked)

    assert message_deliver_task.apply(args=[restaurant_b.schema_name, message.pk]).result == ""

    with tenant_context(restaurant_a):
        message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)
