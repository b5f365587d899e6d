"""The message log in admin: the outbox staff read, phones masked for cashiers; the wording
and the settings, whose Twilio token never goes back to the browser."""

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from notifications.models import Message, MessageTemplate, MessagingSettings
from tests.conftest import MANAGER_A, PASSWORD, host_of

PHONE = "+525512345678"


@pytest.fixture
def manager(restaurant_a) -> Client:
    client = Client(HTTP_HOST=host_of(restaurant_a))
    client.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})
    return client


@pytest.fixture
def logged(restaurant_a):
    with tenant_context(restaurant_a):
        Message.objects.create(
            event="confirmation",
            channel="whatsapp",
            recipient=PHONE,
            language="es",
            body="Hola Lucía, tu reserva en Casa Azul está confirmada.",
            status="sent",
            provider="outbox",
            idempotency_key="admin:1",
        )
    connection.set_schema_to_public()


def test_the_manager_reads_the_outbox_with_the_customers_phone(manager, logged):
    page = manager.get("/admin/notifications/message/?status__exact=sent").content.decode()

    assert PHONE in page
    assert "outbox" in page


def test_a_cashier_sees_the_log_with_the_phone_masked(cashier, logged):
    listing = cashier.get("/admin/notifications/message/").content.decode()
    assert "+52••••••5678" in listing
    assert PHONE not in listing
    assert PHONE not in cashier.get("/admin/notifications/message/?q=%2B5255").content.decode()


def test_a_cashier_cannot_search_the_log_by_phone(cashier, logged):
    page = cashier.get("/admin/notifications/message/?q=12345678").content.decode()

    assert "0 mensajes" in page or "0 resultados" in page


def test_a_wording_with_an_unknown_placeholder_is_refused(manager, restaurant_a):
    response = manager.post(
        "/admin/notifications/messagetemplate/add/",
        {"event": "confirmation", "language": "es", "subject": "", "body": "Hola {{ nombre }}"},
    )

    assert "Marcadores desconocidos: {{ nombre }}" in response.content.decode()
    with tenant_context(restaurant_a):
        assert not MessageTemplate.objects.exists()
    connection.set_schema_to_public()


def test_the_preview_fills_a_wording_with_a_sample_booking(manager, restaurant_a):
    manager.post(
        "/admin/notifications/messagetemplate/add/",
        {
            "event": "reminder",
            "language": "es",
            "subject": "",
            "body": "{{ name }}, hoy a las {{ time }}",
        },
    )
    with tenant_context(restaurant_a):
        template = MessageTemplate.objects.get()
    connection.set_schema_to_public()

    page = manager.get(
        f"/admin/notifications/messagetemplate/{template.pk}/change/"
    ).content.decode()

    assert "Lucía, hoy a las 21:00" in page


def test_the_twilio_token_is_kept_but_never_shown(manager, restaurant_a):
    form = {
        "preferred_channel": "sms",
        "reminder_hours": "24,2",
        "whatsapp_from": "",
        "sms_from": "+15005550006",
        "email_from": "",
        "twilio_account_sid": "AC" + "b" * 32,
        "new_twilio_auth_token": "restaurant-secret-token",
    }
    manager.post("/admin/notifications/messagingsettings/add/", form)
    with tenant_context(restaurant_a):
        settings = MessagingSettings.objects.get()
    connection.set_schema_to_public()
    assert settings.twilio_auth_token == "restaurant-secret-token"

    page = manager.get(f"/admin/notifications/messagingsettings/{settings.pk}/change/")
    assert "restaurant-secret-token" not in page.content.decode()

    manager.post(
        f"/admin/notifications/messagingsettings/{settings.pk}/change/",
        {**form, "preferred_channel": "whatsapp", "new_twilio_auth_token": ""},
    )
    with tenant_context(restaurant_a):
        settings.refresh_from_db()
    connection.set_schema_to_public()
    assert (settings.preferred_channel, settings.twilio_auth_token) == (
        "whatsapp",
        "restaurant-secret-token",
    )
