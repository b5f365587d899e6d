"""Email messages through Django's SMTP backend to a real SMTP server on this machine
(aiosmtpd) that accepts, refuses an address, or asks to try again later."""

from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.test import override_settings
from django_tenants.utils import tenant_context

from notifications import services
from notifications.models import Message
from notifications.senders import SendFailed
from tests.conftest import free_port


class Mailbox:
    """What the server received, and how it answers the next recipient and the data."""

    def __init__(self):
        self.received = []
        self.rcpt_answer = "250 OK"
        self.data_answer = "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.rcpt_answer.startswith("250"):
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_answer.startswith("250"):
            self.received.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return self.data_answer


@pytest.fixture
def mailbox():
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            yield box
    finally:
        controller.stop()


@pytest.fixture
def email_message(restaurant_a):
    with tenant_context(restaurant_a):
        message = Message.objects.create(
            event="confirmation",
            channel="email",
            recipient="lucia@example.com",
            language="es",
            subject="Tu reserva en Casa Azul",
            body="Hola Lucía, tu reserva en Casa Azul está confirmada.",
            idempotency_key="email:1",
        )
        yield message
    connection.set_schema_to_public()


def test_an_email_is_handed_to_the_mail_server(mailbox, email_message):
    assert services.message_deliver(message_id=email_message.pk) == "sent"

    (_sender, recipients, content) = mailbox.received[0]
    email = message_from_bytes(content)
    assert recipients == ["lucia@example.com"]
    assert email["Subject"] == "Tu reserva en Casa Azul"
    assert "Hola Luc" in email.get_payload(decode=True).decode()
    email_message.refresh_from_db()
    assert (email_message.provider, email_message.status) == ("email", "sent")


def test_an_address_the_server_refuses_fails_at_once(mailbox, email_message):
    mailbox.rcpt_answer = "550 5.1.1 No such user"

    status = services.message_deliver(message_id=email_message.pk, last_attempt=False)

    email_message.refresh_from_db()
    assert status == "failed" and email_message.attempts == 1
    assert "550" in email_message.error and "No such user" in email_message.error
    assert mailbox.received == []


def test_a_server_that_asks_to_try_later_is_retried(mailbox, email_message):
    mailbox.data_answer = "451 4.3.0 Try again later"

    with pytest.raises(SendFailed):
        services.message_deliver(message_id=email_message.pk, last_attempt=False)
    mailbox.data_answer = "250 OK"
    assert services.message_deliver(message_id=email_message.pk) == "sent"

    email_message.refresh_from_db()
    assert (email_message.attempts, email_message.error) == (2, "")
    assert len(mailbox.received) == 1


def test_an_unreachable_server_is_retried(email_message):
    nobody_listens = override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=free_port(),
        EMAIL_USE_TLS=False,
    )
    with nobody_listens, pytest.raises(SendFailed, match="could not be reached"):
        services.message_deliver(message_id=email_message.pk, last_attempt=False)

    email_message.refresh_from_db()
    assert email_message.status == "pending"
