"""The assistant with an OpenAI model: the model drives the chat through the declared tools
(Responses API, strict function tools), bounded and answered by the built-in rules whenever it
fails; its prompt holds the restaurant's own data, never another customer's. OpenAI is faked
at the HTTP boundary with respx, so the real ``openai`` client runs."""

import datetime as dt
import json
import logging
import zoneinfo
from io import StringIO
from unittest import mock

import httpx
import httpx2
import pytest
import respx
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import tenant_context

from assistant.models import (
    AssistantSettings,
    Conversation,
    ConversationMessage,
    Direction,
    Engine,
    HandoffReason,
    Speaker,
)
from assistant.services import Incoming, Turn, conversation_receive
from booking.services.bookings import Contact
from reservations.models import Reservation, ReservationSource
from tests.assistant.chats import chat
from tests.factories import TableFactory, book, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
# The chats happen on Monday 2 December 2030 at 10:00 in Casa Azul (Mexico City).
NOW = dt.datetime(2030, 12, 2, 10, 0, tzinfo=MEXICO)
THURSDAY = dt.date(2030, 12, 5)
PHONE = "+525511112222"
# Another customer, named so that any trace of them in a request is found.
STRANGER_PHONE = "+525599998888"
STRANGER_TRACES = ("Zacar", "Quintanilla", "99998888")
RESPONSES = "https://api.openai.com/v1/responses"
ENGINE_LOG = "assistant.model_engine"


@pytest.fixture
def casa_azul(restaurant_a):
    """Casa Azul open 13:00–23:30, a terrace table for four, a model with its own key."""
    with tenant_context(restaurant_a), override_settings(OPENAI_API_KEY="", OPENAI_BASE_URL=""):
        open_every_day("13:00", "23:30", max_days_ahead=60)
        TableFactory(code="M01", max_capacity=4, area="terrace")
        AssistantSettings.objects.update_or_create(
            pk=1, defaults={"openai_api_key": "sk-casa-azul", "max_tool_calls": 3}
        )
        yield restaurant_a
    connection.set_schema_to_public()


@pytest.fixture
def openai_api():
    """A respx router standing in for api.openai.com, the real openai client sending to it."""
    # The openai package sends over httpx2, which respx does not patch: its transport is
    # bridged to the router.
    router = respx.Router(assert_all_mocked=True, assert_all_called=False)

    def handle_request(transport, request: httpx2.Request) -> httpx2.Response:
        faked = httpx.Request(
            request.method, str(request.url), headers=request.headers.raw, content=request.read()
        )
        try:
            response = router.handler(faked)
        except httpx.TimeoutException as error:
            raise httpx2.ReadTimeout(str(error), request=request) from error
        return httpx2.Response(
            response.status_code,
            headers=[(k, v) for k, v in response.headers.raw if k.lower() != b"content-length"],
            content=response.read(),
            request=request,
        )

    with mock.patch.object(httpx2.HTTPTransport, "handle_request", handle_request):
        yield router


def model_says(*items: dict, tokens: tuple[int, int] = (200, 30)) -> httpx.Response:
    """A Responses API answer with ``items`` as its output."""
    return httpx.Response(
        200,
        json={
            "id": "resp_test",
            "object": "response",
            "created_at": 1_900_000_000,
            "status": "completed",
            "model": "gpt-4.1-mini",
            "output": list(items),
            "parallel_tool_calls": False,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": tokens[0],
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": tokens[1],
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": sum(tokens),
            },
        },
    )


def calls(name: str, arguments: dict | str, call_id: str) -> dict:
    return {
        "type": "function_call",
        "id": f"fc_{call_id}",
        "call_id": call_id,
        "name": name,
        "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        "status": "completed",
    }


def text(reply: str) -> dict:
    return {
        "type": "message",
        "id": "msg_test",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": reply, "annotations": []}],
    }


def say(message: str, *, phone: str = PHONE) -> Turn:
    return conversation_receive(incoming=Incoming(phone=phone, text=message), now=NOW)


def sent(call) -> dict:
    return json.loads(call.request.content)


def conversation(phone: str = PHONE) -> Conversation:
    return Conversation.objects.open().get(phone=phone)


THURSDAY_AT_NINE = {"date": "2030-12-05", "time": "21:00", "party_size": 2}
ASKED = "Hola, quiero una mesa para 2 el jueves a las 21:00 a nombre de Lucía Prueba"


def test_the_model_books_through_the_tools_and_its_text_is_the_reply(casa_azul, openai_api):
    route = openai_api.post(RESPONSES).mock(
        side_effect=[
            model_says(
                calls("check_availability", {**THURSDAY_AT_NINE, "area": None}, "call_check"),
                tokens=(300, 20),
            ),
            model_says(
                text("El jueves 5 a las 21:00 hay mesa para 2. ¿La reservo?"), tokens=(350, 25)
            ),
            model_says(
                calls(
                    "book",
                    {
                        **THURSDAY_AT_NINE,
                        "customer_name": "Lucía Prueba",
                        "area": None,
                        "dishes": None,
                    },
                    "call_book",
                ),
                tokens=(400, 30),
            ),
            model_says(
                text("¡Listo, Lucía! Te esperamos el jueves a las 21:00."), tokens=(450, 35)
            ),
        ]
    )

    first = say(ASKED)
    assert first.reply == "El jueves 5 a las 21:00 hay mesa para 2. ¿La reservo?"
    assert first.actions == [] and not Reservation.objects.exists()
    turn = say("Sí, por favor")

    assert turn.reply == "¡Listo, Lucía! Te esperamos el jueves a las 21:00."
    booked = Reservation.objects.get()
    assert booked.customer.phone == PHONE and booked.source == ReservationSource.WHATSAPP
    assert booked.starts_at == dt.datetime(2030, 12, 5, 21, 0, tzinfo=MEXICO)
    assert turn.actions == [
        {
            "type": "booked",
            "reference": booked.reference,
            "starts_at": "2030-12-05T21:00:00-06:00",
            "party_size": 2,
        }
    ]
    requests = [sent(call) for call in route.calls]
    assert requests[0]["tools"][0]["strict"] is True
    assert requests[0]["input"][-1] == {"role": "user", "content": ASKED}
    assert requests[0]["store"] is False and requests[0]["parallel_tool_calls"] is False
    checked = requests[1]["input"][-1]
    assert checked["type"] == "function_call_output" and checked["call_id"] == "call_check"
    assert json.loads(checked["output"])["time_free"] is True
    # The next message's request carries the thread so far, the customer's last.
    assert [item["content"] for item in requests[2]["input"]] == [
        ASKED,
        "El jueves 5 a las 21:00 hay mesa para 2. ¿La reservo?",
        "Sí, por favor",
    ]
    answered = requests[3]["input"][-1]
    assert answered["type"] == "function_call_output" and answered["call_id"] == "call_book"
    assert json.loads(answered["output"])["reference"] == booked.reference
    assert requests[3]["input"][-2]["call_id"] == "call_book"
    chat_now = conversation()
    assert (chat_now.tokens_in, chat_now.tokens_out) == (1500, 110)
    received = chat_now.messages.filter(direction=Direction.IN)
    assert list(received.values_list("intent", flat=True)) == ["availability", "book"]
    assert chat_now.messages.filter(direction=Direction.OUT).last().actions == turn.actions


def test_a_model_that_books_the_same_table_twice_in_a_turn_gets_the_first_booking(
    casa_azul, openai_api
):
    booking = {**THURSDAY_AT_NINE, "customer_name": "Lucía Prueba", "area": None, "dishes": None}
    route = openai_api.post(RESPONSES).mock(
        side_effect=[
            model_says(calls("book", booking, "c1")),
            model_says(calls("book", booking, "c2")),
            model_says(text("Reservado.")),
        ]
    )

    turn = say(ASKED)

    booked = Reservation.objects.get()
    again = json.loads(sent(route.calls[2])["input"][-1]["output"])
    assert again["ok"] is True and again["repeated"] is True
    assert again["reference"] == booked.reference
    assert [action["reference"] for action in turn.actions] == [booked.reference]


def test_a_hand_off_call_gives_the_chat_to_staff(casa_azul, openai_api):
    openai_api.post(RESPONSES).mock(
        return_value=model_says(
            calls("hand_off", {"reason": "asked", "summary": "Quiere hablar con alguien."}, "c1")
        )
    )

    turn = say("Quiero hablar con una persona")

    assert turn.handoff and "persona" in turn.reply
    handed = conversation()
    assert handed.speaker == Speaker.STAFF and handed.handoff_reason == HandoffReason.ASKED
    assert handed.slots == {"summary": "Quiere hablar con alguien."}


FAILURES = {
    "invalid arguments": [
        model_says(
            calls("book", {**THURSDAY_AT_NINE, "date": "el jueves", "customer_name": "Lucía"}, "c1")
        )
    ],
    "arguments not JSON": [model_says(calls("book", "{date: jueves", "c1"))],
    "an unknown tool": [model_says(calls("delete_all_bookings", {}, "c1"))],
    # A booking written on the way is undone with the rest of the turn.
    "a loop beyond max_tool_calls": [
        model_says(
            calls(
                "book",
                {**THURSDAY_AT_NINE, "customer_name": "Lucía Prueba", "area": None, "dishes": None},
                "c1",
            )
        ),
        model_says(calls("my_bookings", {}, "c2")),
        model_says(calls("my_bookings", {}, "c3")),
        model_says(calls("my_bookings", {}, "c4")),
    ],
    "a timeout": [httpx.TimeoutException("read timed out")],
    "a refusal": [
        model_says(
            {
                "type": "message",
                "id": "msg_refusal",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "refusal", "refusal": "I can't help with that."}],
            }
        )
    ],
    "a 429": [httpx.Response(429, json={"error": {"message": "Rate limit", "type": "rate"}})],
    "a 500": [httpx.Response(500, json={"error": {"message": "Server error"}})],
}


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
def test_when_the_model_fails_the_rules_answer_and_nothing_is_written(
    casa_azul, openai_api, caplog, failure
):
    openai_api.post(RESPONSES).mock(side_effect=failure)

    with caplog.at_level(logging.INFO, logger=ENGINE_LOG):
        turn = say("Mesa para 2 el jueves a las 21:00 a nombre de Lucía Prueba")

    # The rules' own answer: the booking repeated back, waiting for a yes.
    assert "21:00" in turn.reply and "jueves 5 de diciembre" in turn.reply
    assert conversation().state == "confirm"
    assert not Reservation.objects.exists()
    logged = [record for record in caplog.records if record.name == ENGINE_LOG]
    assert len(logged) == 1 and "the rules answer" in logged[0].getMessage()


def test_a_model_only_restaurant_hands_the_chat_to_staff_when_the_model_fails(
    casa_azul, openai_api
):
    AssistantSettings.objects.update(engine=Engine.MODEL)
    openai_api.post(RESPONSES).mock(return_value=httpx.Response(500))

    turn = say("Mesa para 2 el jueves a las 21:00 a nombre de Lucía Prueba")

    assert turn.handoff and turn.reply and "21:00" not in turn.reply
    handed = conversation()
    assert handed.speaker == Speaker.STAFF and handed.state == ""
    # Staff see why in the inbox: the model, not the customer, failed.
    assert handed.handoff_reason == HandoffReason.MODEL_UNAVAILABLE
    assert not Reservation.objects.exists()


def test_the_prompt_holds_the_restaurants_data_and_no_other_customers(casa_azul, openai_api):
    book(
        source=ReservationSource.WEB,
        contact=Contact(first_name="Zacarías", last_name="Quintanilla", phone=STRANGER_PHONE),
        starts_at=dt.datetime(2030, 12, 5, 21, 0, tzinfo=MEXICO),
        party_size=2,
        now=NOW - dt.timedelta(days=1),
    )
    chat(phone=STRANGER_PHONE, name="Zacarías Quintanilla", last_message_at=NOW)
    route = openai_api.post(RESPONSES).mock(
        return_value=model_says(text("¡Hola! ¿En qué te ayudo?"))
    )

    say("Hola, ¿qué tal?")

    request = route.calls.last.request
    body = request.content.decode()
    instructions = json.loads(body)["instructions"]
    assert "Casa Azul" in instructions and "13:00-23:30" in instructions
    assert "terrace" in instructions and "Spanish" in instructions
    assert not [trace for trace in STRANGER_TRACES if trace in body]
    assert request.headers["Authorization"] == "Bearer sk-casa-azul"


@override_settings(OPENAI_API_KEY="sk-platform")
def test_without_its_own_key_a_restaurant_uses_the_platforms(casa_azul, openai_api):
    AssistantSettings.objects.update(openai_api_key="")
    route = openai_api.post(RESPONSES).mock(return_value=model_says(text("¡Hola!")))

    assert say("Hola").reply == "¡Hola!"
    assert route.calls.last.request.headers["Authorization"] == "Bearer sk-platform"


@pytest.mark.parametrize(
    ("engine", "key"),
    [(Engine.OFFLINE, "sk-casa-azul"), (Engine.MODEL, "")],
    ids=["offline", "no key"],
)
def test_the_rules_answer_without_calling_openai(casa_azul, openai_api, engine, key):
    AssistantSettings.objects.update(engine=engine, openai_api_key=key)
    route = openai_api.post(RESPONSES).mock(return_value=model_says(text("never")))

    turn = say("Mesa para 2 el jueves a las 21:00 a nombre de Lucía Prueba")

    assert not route.called
    assert "jueves 5 de diciembre" in turn.reply and conversation().tokens_in == 0
    assert ConversationMessage.objects.filter(direction=Direction.OUT).count() == 1


def parse(slug: str, texts: list[str], *options: str) -> list[dict]:
    stdin = StringIO("".join(json.dumps({"text": line}) + "\n" for line in texts))
    stdout = StringIO()
    call_command("assistant_parse", "--restaurant", slug, *options, stdin=stdin, stdout=stdout)
    return [json.loads(line) for line in stdout.getvalue().splitlines()]


@override_settings(OPENAI_API_KEY="sk-platform")
def test_assistant_parse_with_openai_gives_the_same_lines(restaurant_a, openai_api):
    understood = {
        "intent": "book",
        "date": "2026-11-21",
        "time": "21:00",
        "party_size": 4,
        "name": "Lucía",
        "language": "es",
    }
    route = openai_api.post(RESPONSES).mock(
        return_value=model_says(text(json.dumps(understood, ensure_ascii=False)))
    )

    lines = parse(
        restaurant_a.slug,
        ["Hola, soy Lucía: mesa para 4 mañana a las 9 de la noche"],
        "--now",
        "2026-11-20T10:00",
        "--engine",
        "openai",
    )

    assert lines == [
        {"intent": "book", "date": "2026-11-21", "time": "21:00", "party_size": 4, "name": "Lucía"}
    ]
    request = sent(route.calls.last)
    assert request["text"]["format"]["type"] == "json_schema"
    assert request["text"]["format"]["strict"] is True
    assert "2026-11-20 10:00" in request["instructions"]


@override_settings(OPENAI_API_KEY="")
def test_assistant_parse_with_openai_and_no_key_says_so(restaurant_a):
    with pytest.raises(CommandError, match="OpenAI key"):
        parse(restaurant_a.slug, ["hola"], "--engine", "openai")
