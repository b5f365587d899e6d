"""The platform's table of inbound numbers follows each restaurant's messaging settings: the
numbers its customers write to (Twilio senders, Meta phone number id) are its own, and a
number another restaurant has is refused on its field."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from notifications import services
from notifications.models import MessagingSettings
from restaurants.models import InboundNumber
from tests.conftest import MANAGER_B, PASSWORD, host_of


def numbers() -> set[tuple[str, str, str]]:
    with schema_context("public"):
        return set(InboundNumber.objects.values_list("provider", "address", "restaurant__slug"))


def save(restaurant, **fields) -> MessagingSettings:
    with tenant_context(restaurant):
        messaging = services.messaging_settings()
        for name, value in fields.items():
            setattr(messaging, name, value)
        services.messaging_settings_save(messaging=messaging)
    connection.set_schema_to_public()
    return messaging


def test_saving_the_settings_puts_the_restaurants_numbers_in_the_platform_table(restaurant_a):
    save(
        restaurant_a,
        whatsapp_from="+14155550101",
        sms_from="+14155550102",
        meta_phone_number_id="1010101010",
    )

    assert numbers() == {
        ("twilio", "+14155550101", "casa-azul"),
        ("twilio", "+14155550102", "casa-azul"),
        ("meta", "1010101010", "casa-azul"),
    }


def test_a_changed_or_removed_number_leaves_the_table(restaurant_a):
    save(restaurant_a, whatsapp_from="+14155550101", meta_phone_number_id="1010101010")

    save(restaurant_a, whatsapp_from="+14155550199", meta_phone_number_id="")

    assert numbers() == {("twilio", "+14155550199", "casa-azul")}


def test_one_number_for_whatsapp_and_sms_is_one_row(restaurant_a):
    save(restaurant_a, whatsapp_from="+14155550101", sms_from="+14155550101")

    assert numbers() == {("twilio", "+14155550101", "casa-azul")}


def test_a_number_another_restaurant_has_is_refused_on_its_field(restaurant_a, restaurant_b):
    save(restaurant_a, whatsapp_from="+14155550101", meta_phone_number_id="1010101010")

    with pytest.raises(ValidationError) as refused:
        save(restaurant_b, sms_from="+14155550101", meta_phone_number_id="1010101010")

    assert set(refused.value.message_dict) == {"sms_from", "meta_phone_number_id"}
    assert "+14155550101" in refused.value.message_dict["sms_from"][0]
    assert numbers() == {
        ("twilio", "+14155550101", "casa-azul"),
        ("meta", "1010101010", "casa-azul"),
    }
    with tenant_context(restaurant_b):
        assert services.messaging_settings().sms_from == ""  # nothing of it was saved
    connection.set_schema_to_public()


@pytest.fixture
def manager_b(restaurant_b) -> Client:
    client = Client(HTTP_HOST=host_of(restaurant_b))
    client.post("/admin/login/?next=/admin/", {"username": MANAGER_B, "password": PASSWORD})
    return client


SETTINGS_FORM = {
    "preferred_channel": "whatsapp",
    "reminder_hours": "24,2",
    "whatsapp_from": "",
    "sms_from": "",
    "email_from": "",
    "twilio_account_sid": "",
    "meta_phone_number_id": "",
    "meta_verify_token": "",
}


def test_the_admin_shows_a_taken_number_on_its_field_and_saves_nothing(
    restaurant_a, restaurant_b, manager_b
):
    save(restaurant_a, whatsapp_from="+14155550101")

    page = manager_b.post(
        "/admin/notifications/messagingsettings/add/",
        {**SETTINGS_FORM, "whatsapp_from": "+14155550101"},
    )

    assert page.status_code == 200
    assert "+14155550101" in str(page.context["adminform"].form.errors["whatsapp_from"])
    with tenant_context(restaurant_b):
        assert not MessagingSettings.objects.exists()
    connection.set_schema_to_public()


def test_the_admin_saves_the_numbers_and_keeps_metas_secrets_write_only(restaurant_b, manager_b):
    manager_b.post(
        "/admin/notifications/messagingsettings/add/",
        {
            **SETTINGS_FORM,
            "whatsapp_from": "+14155550202",
            "meta_phone_number_id": "2020202020",
            "new_meta_access_token": "EAAG-secret-access-token",
            "new_meta_app_secret": "bistro-app-secret",
        },
    )
    with tenant_context(restaurant_b):
        messaging = MessagingSettings.objects.get()
    connection.set_schema_to_public()
    assert (messaging.meta_access_token, messaging.meta_app_secret) == (
        "EAAG-secret-access-token",
        "bistro-app-secret",
    )
    assert numbers() == {
        ("twilio", "+14155550202", "bistro-verde"),
        ("meta", "2020202020", "bistro-verde"),
    }

    page = manager_b.get(f"/admin/notifications/messagingsettings/{messaging.pk}/change/")
    assert "EAAG-secret-access-token" not in page.content.decode()
    assert "bistro-app-secret" not in page.content.decode()

    manager_b.post(
        f"/admin/notifications/messagingsettings/{messaging.pk}/change/",
        {**SETTINGS_FORM, "whatsapp_from": "+14155550202", "forget_meta_app_secret": "on"},
    )
    with tenant_context(restaurant_b):
        messaging.refresh_from_db()
    connection.set_schema_to_public()
    assert (messaging.meta_access_token, messaging.meta_app_secret) == (
        "EAAG-secret-access-token",
        "",
    )
    assert numbers() == {("twilio", "+14155550202", "bistro-verde")}


class _SchemaEditor:
    def __init__(self, connection):
        self.connection = connection


def test_the_migration_fills_the_table_from_settings_saved_before_it(restaurant_a, restaurant_b):
    migration = importlib.import_module("notifications.migrations.0004_inbound_numbers_fill")
    for restaurant, number in ((restaurant_a, "+14155550101"), (restaurant_b, "+14155550101")):
        with tenant_context(restaurant):
            MessagingSettings.objects.create(whatsapp_from=number, meta_phone_number_id="30303030")
            migration.inbound_numbers_fill(apps, _SchemaEditor(connection))
    connection.set_schema_to_public()

    # The second restaurant with the same numbers does not take them from the first.
    assert numbers() == {
        ("twilio", "+14155550101", "casa-azul"),
        ("meta", "30303030", "casa-azul"),
    }
