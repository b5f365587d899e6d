"""A booking a voice agent makes reaches the staff's live floor, marked as by voice."""

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from assistant import services
from assistant.models import AssistantSettings
from reservations.selectors import restaurant_zone
from restaurants.models import InboundNumber
from tests.factories import TableFactory, open_every_day
from tests.floor.conftest import CARLA, live_db, open_socket, session_cookie  # noqa: F401

CARRERA = "carrera.localhost"
KEY, AGENT = "carrera-retell-key", "agent_carrera"
CALLER = "+525512340000"


@pytest.fixture
def carrera(committed_restaurant, live_db):  # noqa: F811 - the fixture imported above
    with tenant_context(committed_restaurant):
        open_every_day("13:00", "23:30", max_days_ahead=60)
        TableFactory(code="M01", max_capacity=4)
        settings = AssistantSettings.objects.first() or AssistantSettings()
        settings.retell_api_key, settings.retell_agent_id = KEY, AGENT
        services.assistant_settings_save(settings=settings)
        day = (dt.datetime.now(restaurant_zone()) + dt.timedelta(days=2)).date()
    connection.set_schema_to_public()
    yield committed_restaurant, day
    with schema_context("public"):
        InboundNumber.objects.filter(restaurant=committed_restaurant).delete()


def voice_books(day: dt.date):
    document = {
        "name": "book",
        "call": {"call_id": "call_floor", "from_number": CALLER, "agent_id": AGENT},
        "args": {
            "date": day.isoformat(),
            "time": "20:00",
            "party_size": 2,
            "customer_name": "Rosa Vera",
            "area": None,
        },
    }
    body = json.dumps(document).encode()
    at_ms = int(time.time() * 1000)
    digest = hmac.new(KEY.encode(), body + str(at_ms).encode(), hashlib.sha256).hexdigest()
    return Client(HTTP_HOST=CARRERA).post(
        "/voice/retell/tools/",
        body,
        content_type="application/json",
        HTTP_X_RETELL_SIGNATURE=f"v={at_ms},d={digest}",
    )


@pytest.mark.asyncio
async def test_a_booking_by_voice_shows_on_the_live_floor_as_by_voice(
    open_socket,  # noqa: F811
    carrera,
):
    _restaurant, day = carrera
    cookie = await database_sync_to_async(session_cookie)(CARRERA, CARLA)
    socket, connected, _code = await open_socket(CARRERA, cookie=cookie)
    assert connected
    await socket.receive_json_from(timeout=5)  # the floor's state

    response = await database_sync_to_async(voice_books)(day)

    assert response.status_code == 200 and response.json()["result"]["ok"] is True
    while True:
        event = await socket.receive_json_from(timeout=5)
        if event["type"] == "reservation_created":
            break
    booked = event["reservation"]
    assert booked["source"] == "voice"
    assert booked["reference"] == response.json()["result"]["reference"]
    assert (booked["day"], booked["time"], booked["party_size"]) == (day.isoformat(), "20:00", 2)
