"""The assistant's settings in the admin: its keys are kept but never shown again."""

from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from assistant.models import AssistantSettings
from tests.conftest import MANAGER_A, PASSWORD, host_of

SETTINGS = "/admin/assistant/assistantsettings/"


def test_the_openai_and_retell_keys_are_kept_but_never_shown(restaurant_a):
    manager = Client(HTTP_HOST=host_of(restaurant_a))
    manager.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})
    with tenant_context(restaurant_a):
        settings = AssistantSettings.objects.create()
    connection.set_schema_to_public()
    form = {
        "enabled": "on",
        "idle_minutes": "30",
        "misunderstood_turns": "2",
        "engine": "model_fallback",
        "openai_model": "gpt-4.1-mini",
        "max_tool_calls": "4",
        "model_timeout_seconds": "15",
        "retell_agent_id": "agent_0123456789",
        "new_openai_api_key": "sk-restaurant-secret",
        "new_retell_api_key": "key_retell_secret",
    }

    response = manager.post(f"{SETTINGS}{settings.pk}/change/", form)
    assert response.status_code == 302
    page = manager.get(f"{SETTINGS}{settings.pk}/change/").content.decode()
    assert "sk-restaurant-secret" not in page and "key_retell_secret" not in page

    # Saving again with the key boxes empty keeps them; "remove" removes one.
    blank = {**form, "new_openai_api_key": "", "new_retell_api_key": ""}
    manager.post(f"{SETTINGS}{settings.pk}/change/", {**blank, "forget_retell_api_key": "on"})
    with tenant_context(restaurant_a):
        settings.refresh_from_db()
    connection.set_schema_to_public()
    assert settings.openai_api_key == "sk-restaurant-secret"
    assert settings.retell_api_key == ""
    assert settings.retell_agent_id == "agent_0123456789"
