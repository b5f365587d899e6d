"""The voice agent's doors (Retell), on each restaurant's host and on the platform's: only calls
signed with the restaurant's key within five minutes are taken, a tool runs as the caller's
phone with the source "voice", the provider's retries are answered once, an ended call keeps its
transcript, and the agent id picks the restaurant without ever mixing two."""

import datetime as dt
import hashlib
import hmac
import json
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, override_settings
from django_tenants.utils import tenant_context

from assistant import inbox, services
from assistant.models import VOICE, AssistantSettings, Conversation, VoiceToolCall
from reservations.models import Reservation, ReservationSource, ReservationStatus
from restaurants.models import InboundNumber
from tests.conftest import MANAGER_A, PASSWORD, host_of
from tests.factories import CustomerFactory, TableFactory, book, open_every_day
from tests.threads import run_at_once

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
# The calls happen on Monday 2 December 2030 at 10:00 in Mexico City.
NOW = dt.datetime(2030, 12, 2, 10, 0, tzinfo=MEXICO)
THURSDAY = "2030-12-05"
KEY_A, AGENT_A = "key_casa_azul", "agent_casa_azul"
KEY_B, AGENT_B = "key_bistro_verde", "agent_bistro_verde"
PLATFORM_KEY = "key_platform"
CALLER = "+525511112222"
STRANGER = "+525599998888"
PLATFORM_HOST = "localhost"
TOOLS, EVENTS, STATUS = "/voice/retell/tools/", "/voice/retell/events/", "/voice/retell/status/"
PLATFORM_TOOLS = "/webhooks/retell/tools/"
PLATFORM_EVENTS = "/webhooks/retell/events/"
PLATFORM_STATUS = "/webhooks/retell/status/"
BOOKING = {
    "date": THURSDAY,
    "time": "20:00",
    "party_size": 2,
    "customer_name": "Lucía García",
    "area": None,
}

pytestmark = pytest.mark.usefixtures("platform_key")


@pytest.fixture
def platform_key():
    with override_settings(RETELL_API_KEY=PLATFORM_KEY):
        yield


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def voice_agent(restaurant, *, key: str, agent_id: str) -> None:
    """The restaurant's Retell key and agent, saved as the admin saves them."""
    with tenant_context(restaurant):
        settings = AssistantSettings.objects.first() or AssistantSettings()
        settings.retell_api_key, settings.retell_agent_id = key, agent_id
        services.assistant_settings_save(settings=settings)
    connection.set_schema_to_public()


def restaurant_open(restaurant, opens="13:00", closes="23:30") -> None:
    with tenant_context(restaurant):
        open_every_day(opens, closes, max_days_ahead=60)
        TableFactory(code="M01", max_capacity=4)
    connection.set_schema_to_public()


@pytest.fixture
def agents(restaurant_a, restaurant_b, clock):
    """Casa Azul and Bistro Verde open every day, each with its own voice agent and key."""
    for restaurant in (restaurant_a, restaurant_b):
        restaurant_open(restaurant)
    voice_agent(restaurant_a, key=KEY_A, agent_id=AGENT_A)
    voice_agent(restaurant_b, key=KEY_B, agent_id=AGENT_B)


def signature(body: bytes, key: str = KEY_A, *, at_ms: int | None = None) -> str:
    at_ms = int(dt.datetime.now().timestamp() * 1000) if at_ms is None else at_ms
    digest = hmac.new(key.encode(), body + str(at_ms).encode(), hashlib.sha256).hexdigest()
    return f"v={at_ms},d={digest}"


def tool_call(name, args=None, *, call_id="call_1", phone=CALLER, agent=AGENT_A) -> dict:
    call = {"call_id": call_id, "from_number": phone, "to_number": "+525500000000"}
    return {"name": name, "call": {**call, "agent_id": agent}, "args": args or {}}


def post(host, path, document, *, key=KEY_A, body=None, signed=None):
    body = body if body is not None else json.dumps(document).encode()
    headers = {} if signed is False else {"HTTP_X_RETELL_SIGNATURE": signed or signature(body, key)}
    return Client(HTTP_HOST=host).post(path, body, content_type="application/json", **headers)


def reservations(restaurant) -> list[Reservation]:
    with tenant_context(restaurant):
        found = list(Reservation.objects.select_related("customer").order_by("pk"))
    connection.set_schema_to_public()
    return found


# --- Tool calls on the restaurant's host ---------------------------------------------------


def test_a_signed_booking_by_voice_is_the_callers_and_reaches_the_live_floor(
    restaurant_a, agents, monkeypatch, django_capture_on_commit_callbacks
):
    events = []
    monkeypatch.setattr("restaurants.live._publish", lambda schema, event: events.append(event))

    with django_capture_on_commit_callbacks(execute=True):
        response = post(host_of(restaurant_a), TOOLS, tool_call("book", BOOKING))

    assert response.status_code == 200
    answer = response.json()
    [reservation] = reservations(restaurant_a)
    assert answer["result"]["ok"] is True
    assert answer["result"]["reference"] == reservation.reference
    assert reservation.customer.phone == CALLER
    assert reservation.source == ReservationSource.VOICE
    # Read out in the restaurant's language (Casa Azul's is Spanish).
    assert reservation.reference in answer["say"] and "jueves" in answer["say"]
    [created] = [event for event in events if event["type"] == "reservation_created"]
    assert created["reservation"]["source"] == "voice"
    assert created["reservation"]["reference"] == reservation.reference


def test_arguments_at_the_bodys_root_are_taken_as_the_arguments(restaurant_a, agents):
    asked = {"date": THURSDAY, "party_size": 2, "time": "20:00", "area": None}
    document = {**tool_call("check_availability"), **asked}
    del document["args"]

    response = post(host_of(restaurant_a), TOOLS, document)

    assert response.json()["result"]["time_free"] is True
    assert "20:00" in response.json()["say"]


def test_a_booking_with_its_arguments_at_the_root_is_made_in_the_callers_name(restaurant_a, agents):
    document = {**tool_call("book"), **BOOKING}
    del document["args"]

    response = post(host_of(restaurant_a), TOOLS, document)

    assert response.json()["result"]["ok"] is True
    [reservation] = reservations(restaurant_a)
    assert reservation.customer.phone == CALLER
    assert (reservation.customer.first_name, reservation.customer.last_name) == (
        "Lucía",
        "García",
    )


def test_optional_arguments_the_caller_did_not_say_may_be_left_out(restaurant_a, agents):
    response = post(
        host_of(restaurant_a),
        TOOLS,
        tool_call("check_availability", {"date": THURSDAY, "party_size": 2}),
    )

    result = response.json()["result"]
    assert result["ok"] is True and result["times"]


def stale(body: bytes) -> str:
    six_minutes_ago = int((dt.datetime.now() - dt.timedelta(minutes=6)).timestamp() * 1000)
    return signature(body, at_ms=six_minutes_ago)


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(lambda body: False, id="unsigned"),
        pytest.param(stale, id="six-minutes-old"),
        pytest.param(lambda body: signature(body.replace(b"20:00", b"21:00")), id="tampered"),
        pytest.param(lambda body: signature(body, KEY_B), id="another-restaurants-key"),
        pytest.param(lambda body: "v=123,d=nothex", id="malformed"),
    ],
)
def test_a_tool_call_not_signed_by_the_restaurant_now_is_a_401_and_books_nothing(
    restaurant_a, agents, forged
):
    body = json.dumps(tool_call("book", BOOKING)).encode()

    response = post(host_of(restaurant_a), TOOLS, None, body=body, signed=forged(body))

    assert response.status_code == 401
    assert reservations(restaurant_a) == []
    with tenant_context(restaurant_a):
        assert not VoiceToolCall.objects.exists()


def test_the_platforms_key_signs_for_a_restaurant_on_its_host(restaurant_a, agents):
    response = post(host_of(restaurant_a), TOOLS, tool_call("book", BOOKING), key=PLATFORM_KEY)

    assert response.status_code == 200
    assert len(reservations(restaurant_a)) == 1


def test_the_same_call_and_arguments_retried_five_times_books_once(restaurant_a, agents):
    answers = [
        post(host_of(restaurant_a), TOOLS, tool_call("book", BOOKING)).json() for _ in range(5)
    ]

    assert len(reservations(restaurant_a)) == 1
    assert all(answer == answers[0] for answer in answers)
    # Other arguments in the same call are another request, run in its own right.
    later = post(host_of(restaurant_a), TOOLS, tool_call("my_bookings"))
    assert later.json()["result"]["bookings"][0]["reference"] == answers[0]["result"]["reference"]
    with tenant_context(restaurant_a):
        assert VoiceToolCall.objects.count() == 2
    connection.set_schema_to_public()


@pytest.fixture
def carrera(committed_restaurant, clock):
    """Carrera (committed, for threads) open every day, signing with Casa Azul's key value."""
    connection.set_tenant(committed_restaurant)
    open_every_day("13:00", "23:30", max_days_ahead=60)
    TableFactory(code="M01", max_capacity=4)
    AssistantSettings.objects.create(retell_api_key=KEY_A)
    connection.set_schema_to_public()
    return committed_restaurant


def test_five_retries_at_the_same_moment_book_once_and_answer_alike(carrera):
    body = json.dumps(tool_call("book", BOOKING, agent="")).encode()

    results = run_at_once(
        carrera,
        5,
        lambda index: post(host_of(carrera), TOOLS, None, body=body).json(),
    )

    assert [outcome for outcome, _answer in results] == ["ok"] * 5, results
    assert len({json.dumps(answer, sort_keys=True) for _ok, answer in results}) == 1
    assert results[0][1]["result"]["ok"] is True
    assert len(reservations(carrera)) == 1


def test_another_phones_booking_is_not_the_callers_to_cancel(restaurant_a, agents):
    with tenant_context(restaurant_a):
        theirs = book(
            customer=CustomerFactory(phone=STRANGER),
            starts_at=dt.datetime(2030, 12, 5, 20, 0, tzinfo=MEXICO),
            party_size=2,
        )
    connection.set_schema_to_public()

    response = post(
        host_of(restaurant_a), TOOLS, tool_call("cancel_booking", {"reference": theirs.reference})
    )

    assert response.status_code == 200
    assert response.json()["result"]["error"] == "not_your_booking"
    with tenant_context(restaurant_a):
        theirs.refresh_from_db()
    assert theirs.status != ReservationStatus.CANCELLED


def test_a_call_of_another_restaurants_agent_is_not_taken_on_a_restaurants_host(
    restaurant_a, restaurant_b, agents
):
    response = post(
        host_of(restaurant_a), TOOLS, tool_call("book", BOOKING, agent=AGENT_B), key=PLATFORM_KEY
    )

    assert response.status_code == 404
    assert reservations(restaurant_a) == reservations(restaurant_b) == []


# --- Call events ---------------------------------------------------------------------------


def call_ended(call_id="call_1", agent=AGENT_A) -> dict:
    return {
        "event": "call_ended",
        "call": {
            "call_id": call_id,
            "agent_id": agent,
            "from_number": CALLER,
            "to_number": "+525500000000",
            "transcript": "Agent: Hola, Casa Azul.\nUser: Quiero reservar para dos.",
        },
    }


def test_an_ended_call_keeps_its_transcript_once(restaurant_a, agents):
    for _delivery in range(3):
        response = post(host_of(restaurant_a), EVENTS, call_ended())
        assert response.status_code == 204

    with tenant_context(restaurant_a):
        [conversation] = Conversation.objects.all()
    connection.set_schema_to_public()
    assert conversation.channel == VOICE
    assert conversation.provider == "retell"
    assert (conversation.call_id, conversation.phone) == ("call_1", CALLER)
    assert conversation.transcript.startswith("Agent: Hola, Casa Azul.")
    assert conversation.closed_at is not None


def test_an_unsigned_call_event_keeps_nothing(restaurant_a, agents):
    assert post(host_of(restaurant_a), EVENTS, call_ended(), signed=False).status_code == 401
    with tenant_context(restaurant_a):
        assert not Conversation.objects.exists()


# --- The restaurant's state ----------------------------------------------------------------


def status(host, path=STATUS, key=KEY_A):
    return Client(HTTP_HOST=host).get(path, HTTP_X_RETELL_SIGNATURE=signature(b"", key))


def test_the_status_tells_open_now_todays_hours_and_the_free_times_soon(restaurant_a, agents):
    with time_machine.travel(dt.datetime(2030, 12, 2, 18, 0, tzinfo=MEXICO), tick=False):
        response = status(host_of(restaurant_a))

    assert response.status_code == 200
    state = response.json()
    assert state["open_now"] is True
    assert state["today"] == {"date": "2030-12-02", "closed": False, "hours": [["13:00", "23:30"]]}
    # An hour's notice: from 19:00, within the next three hours.
    assert state["free_soon"][0] == "19:00"
    assert all("19:00" <= time <= "21:00" for time in state["free_soon"])
    assert "13:00" in state["say"]


def test_the_status_before_opening_says_closed_now(restaurant_a, agents):
    state = status(host_of(restaurant_a)).json()

    assert state["open_now"] is False
    assert state["today"]["hours"] == [["13:00", "23:30"]]


def test_an_unsigned_status_is_a_401(restaurant_a, agents):
    assert Client(HTTP_HOST=host_of(restaurant_a)).get(STATUS).status_code == 401


# --- The platform's host -------------------------------------------------------------------


def test_the_platform_picks_the_restaurant_by_the_agent_id(restaurant_a, restaurant_b, agents):
    response = post(
        PLATFORM_HOST, PLATFORM_TOOLS, tool_call("book", BOOKING, agent=AGENT_B), key=KEY_B
    )

    assert response.status_code == 200
    [booked] = reservations(restaurant_b)
    assert booked.source == ReservationSource.VOICE and booked.customer.phone == CALLER
    assert reservations(restaurant_a) == []
    # Read out in Bistro Verde's language.
    assert "Thursday" in response.json()["say"]


def test_on_the_platform_a_restaurants_key_signs_for_its_own_agent_only(
    restaurant_a, restaurant_b, agents
):
    response = post(
        PLATFORM_HOST, PLATFORM_TOOLS, tool_call("book", BOOKING, agent=AGENT_B), key=KEY_A
    )

    assert response.status_code == 401
    assert reservations(restaurant_a) == reservations(restaurant_b) == []


def test_an_unknown_agent_on_the_platform_is_a_404_and_writes_nothing(
    restaurant_a, restaurant_b, agents
):
    document = tool_call("book", BOOKING, agent="agent_nobody")

    assert post(PLATFORM_HOST, PLATFORM_TOOLS, document, key=PLATFORM_KEY).status_code == 404
    assert post(PLATFORM_HOST, PLATFORM_EVENTS, call_ended(agent="agent_nobody")).status_code == 404
    for restaurant in (restaurant_a, restaurant_b):
        assert reservations(restaurant) == []
        with tenant_context(restaurant):
            assert not VoiceToolCall.objects.exists() and not Conversation.objects.exists()
    connection.set_schema_to_public()


def test_the_platforms_call_events_and_status_go_to_the_agents_restaurant(
    restaurant_a, restaurant_b, agents
):
    assert (
        post(PLATFORM_HOST, PLATFORM_EVENTS, call_ended(agent=AGENT_B), key=KEY_B).status_code
        == 204
    )
    state = status(PLATFORM_HOST, f"{PLATFORM_STATUS}?agent_id={AGENT_B}", key=KEY_B)

    assert state.status_code == 200
    assert state.json()["today"]["date"] == "2030-12-02"  # Madrid is already at 17:00
    with tenant_context(restaurant_b):
        assert Conversation.objects.get().call_id == "call_1"
    with tenant_context(restaurant_a):
        assert not Conversation.objects.exists()
    connection.set_schema_to_public()
    assert status(PLATFORM_HOST, f"{PLATFORM_STATUS}?agent_id=agent_nobody").status_code == 404


# --- The agent id in the settings ----------------------------------------------------------


def test_an_agent_id_another_restaurant_has_is_refused(restaurant_a, restaurant_b, agents):
    with pytest.raises(ValidationError) as refused, tenant_context(restaurant_b):
        settings = AssistantSettings.objects.get()
        settings.retell_agent_id = AGENT_A
        services.assistant_settings_save(settings=settings)
    connection.set_schema_to_public()

    assert "retell_agent_id" in refused.value.message_dict
    assert InboundNumber.objects.get(provider="retell", address=AGENT_A).restaurant == restaurant_a


def test_the_admin_shows_an_agent_id_another_restaurant_has_as_a_form_error(
    restaurant_a, restaurant_b, agents
):
    with tenant_context(restaurant_a):
        pk = AssistantSettings.objects.get().pk
    connection.set_schema_to_public()
    manager = Client(HTTP_HOST=host_of(restaurant_a))
    manager.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})
    form = {
        "enabled": "on",
        "idle_minutes": "30",
        "misunderstood_turns": "2",
        "engine": "model_fallback",
        "openai_model": "gpt-4.1-mini",
        "max_tool_calls": "4",
        "model_timeout_seconds": "15",
        "retell_agent_id": AGENT_B,
    }

    response = manager.post(f"/admin/assistant/assistantsettings/{pk}/change/", form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "errornote" in page and f"agente de voz {AGENT_B}" in page
    assert InboundNumber.objects.get(provider="retell", address=AGENT_A).restaurant == restaurant_a
    assert InboundNumber.objects.get(provider="retell", address=AGENT_B).restaurant == restaurant_b


def test_voice_tool_calls_of_past_days_are_cleaned_up(restaurant_a, agents, clock):
    post(host_of(restaurant_a), TOOLS, tool_call("my_bookings"))
    clock.shift(dt.timedelta(days=2))

    with tenant_context(restaurant_a):
        inbox.conversations_cleanup()
        assert not VoiceToolCall.objects.exists()
    connection.set_schema_to_public()
