"""The assistant's figures, computed from a hand-made set of conversations: per day, the
conversations, those booked without staff, hand-offs and why, intents and reply times; a
manager's page only, and one restaurant's conversations only."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from assistant.models import VOICE, Conversation, ConversationMessage, VoiceToolCall
from assistant.selectors import HANDED_BACK, assistant_figures
from notifications.models import Message
from restaurants.roles import CASHIER
from restaurants.services import staff_user_ensure
from tests.conftest import MANAGER_A, PASSWORD, host_of

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
SUNDAY, MONDAY = dt.date(2030, 3, 3), dt.date(2030, 3, 4)
NOW = dt.datetime(2030, 3, 5, 12, 0, tzinfo=MEXICO)
FIGURES = "/admin/assistant/conversation/figures/"
BOOKED = {"type": "booked", "reference": "ABCD2345", "starts_at": "", "party_size": 2}


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=MEXICO)


def conversation(phone: str, started_at: dt.datetime, **fields) -> Conversation:
    chat = Conversation.objects.create(
        phone=phone, last_message_at=started_at, closed_at=started_at, **fields
    )
    Conversation.objects.filter(pk=chat.pk).update(started_at=started_at)
    return chat


def says(chat, when, author="customer", intent="", actions=(), sent=None):
    return ConversationMessage.objects.create(
        conversation=chat,
        direction="in" if author == "customer" else "out",
        author=author,
        body="…",
        intent=intent,
        actions=list(actions),
        sent=sent,
        created_at=when,
    )


def delivery(chat, sent_at) -> Message:
    return Message.objects.create(
        event="chat", channel="whatsapp", recipient=chat.phone, language="es", body="…",
        idempotency_key=f"chat-{chat.pk}-{sent_at.timestamp()}", status="sent", sent_at=sent_at,
    )  # fmt: skip


def hand_made_conversations():
    """Sunday: one booked by the assistant alone, one handed to staff on request. Monday: one
    booked and then handed back by staff, a call booked by the voice agent, a call handed off
    for a large party, and a chat never answered. Saturday night's is outside the period."""
    first = conversation("+525510000001", at(SUNDAY, 10))
    says(first, at(SUNDAY, 10), intent="book")
    says(first, at(SUNDAY, 10), "assistant", sent=delivery(first, at(SUNDAY, 10, 0, 4)))
    says(first, at(SUNDAY, 10, 1), intent="book")
    says(first, at(SUNDAY, 10, 1), "assistant", actions=[BOOKED])

    asked = conversation("+525510000002", at(SUNDAY, 12), speaker="staff", handoff_reason="asked")
    says(asked, at(SUNDAY, 12), intent="human")
    says(asked, at(SUNDAY, 12), "assistant")
    says(asked, at(SUNDAY, 12, 2))
    says(asked, at(SUNDAY, 12, 3))  # a second message before the answer: one wait, not two
    says(asked, at(SUNDAY, 12, 5), "staff")

    handed_back = conversation("+525510000003", at(MONDAY, 9))
    says(handed_back, at(MONDAY, 9), intent="book")
    says(handed_back, at(MONDAY, 9), "assistant", actions=[BOOKED])
    says(handed_back, at(MONDAY, 9, 10), "staff")

    conversation("+525510000004", at(MONDAY, 20), channel=VOICE, call_id="call-booked")
    VoiceToolCall.objects.create(
        call_id="call-booked", name="book", arguments_digest="a" * 64,
        result={"ok": True, "reference": "WXYZ2345"},
    )  # fmt: skip
    VoiceToolCall.objects.create(
        call_id="call-booked", name="book", arguments_digest="b" * 64,
        result={"ok": False, "error": "full"},
    )  # fmt: skip
    conversation("+525510000005", at(MONDAY, 21), channel=VOICE, call_id="call-large")
    VoiceToolCall.objects.create(
        call_id="call-large", name="hand_off", arguments_digest="c" * 64,
        result={"ok": True, "hand_off": True, "reason": "large_party", "summary": "20 people"},
    )  # fmt: skip

    unanswered = conversation("+525510000006", at(MONDAY, 22))
    says(unanswered, at(MONDAY, 22), intent="menu")

    saturday_night = conversation("+525510000007", at(SUNDAY, 0) - dt.timedelta(minutes=30))
    says(saturday_night, saturday_night.last_message_at, intent="cancel")


@pytest.fixture
def conversations(restaurant_a, restaurant_b):
    with tenant_context(restaurant_a):
        hand_made_conversations()
    with tenant_context(restaurant_b):
        other = conversation("+34600000001", at(SUNDAY, 11))
        says(other, at(SUNDAY, 11), intent="availability")
        says(other, at(SUNDAY, 11), "assistant", actions=[BOOKED])
    connection.set_schema_to_public()


def test_the_figures_of_each_day(conversations, restaurant_a, django_assert_max_num_queries):
    with tenant_context(restaurant_a), django_assert_max_num_queries(4):
        figures = assistant_figures(start=SUNDAY, end=MONDAY)
    connection.set_schema_to_public()
    sunday, monday = figures.days

    assert (sunday.day, monday.day) == (SUNDAY, MONDAY)
    assert (sunday.conversations, sunday.booked, sunday.booked_alone) == (2, 1, 1)
    assert sunday.booked_alone_share == 50
    assert (sunday.handed_off, sunday.reasons) == (1, {"asked": 1})
    assert sunday.intents == {"book": 2, "human": 1}
    # The assistant's replies: 4 s until WhatsApp took the first, the others with no delivery
    # yet count from when they were written (at once).
    assert sunday.assistant_replies == 3
    assert sunday.assistant_reply_seconds == pytest.approx(4 / 3)
    assert (sunday.staff_replies, sunday.staff_reply_seconds) == (1, pytest.approx(180))

    assert (monday.conversations, monday.booked, monday.booked_alone) == (4, 2, 1)
    assert monday.reasons == {HANDED_BACK: 1, "large_party": 1}
    assert monday.intents == {"book": 1, "menu": 1}
    assert (monday.assistant_replies, monday.staff_replies) == (1, 0)

    totals = figures.totals
    assert (totals.conversations, totals.booked_alone, totals.handed_off) == (6, 2, 3)
    assert totals.booked_alone_share == 33
    assert totals.intents == {"book": 3, "human": 1, "menu": 1}
    assert totals.assistant_reply_seconds == pytest.approx(1.0)


def test_a_day_without_conversations_is_there_with_nothing(conversations, restaurant_a):
    with tenant_context(restaurant_a):
        figures = assistant_figures(start=MONDAY, end=MONDAY + dt.timedelta(days=2))
    connection.set_schema_to_public()

    assert [day.conversations for day in figures.days] == [4, 0, 0]
    assert figures.days[1].booked_alone_share is None


def logged_in(restaurant, email: str) -> Client:
    client = Client(HTTP_HOST=host_of(restaurant))
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            "/admin/login/?next=/admin/", {"username": email, "password": PASSWORD}
        )
    assert response.status_code == 302
    return client


def test_the_manager_reads_the_last_30_days_by_default(conversations, restaurant_a):
    manager = logged_in(restaurant_a, MANAGER_A)

    with time_machine.travel(NOW, tick=False):
        page = manager.get(FIGURES)
        inbox = manager.get("/admin/assistant/conversation/").content.decode()
        home = manager.get("/admin/").content.decode()

    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["figures"].start == NOW.date() - dt.timedelta(days=29)
    assert html.count('<tr data-day="2030-') >= 30
    total = re.search(r'<tr data-day="total">.*?</tr>', html, re.S).group(0)
    assert re.search(r"data-conversations>7<", total)  # Saturday night's is within 30 days
    assert re.search(r"data-booked-alone>2 ", total)
    assert re.search(r"data-handed-off>3<", total)
    sunday = re.search(rf'<tr data-day="{SUNDAY:%Y-%m-%d}">.*?</tr>', html, re.S).group(0)
    assert "data-staff-wait>3 min 0 s<" in sunday
    assert 'id="figures-reasons"' in html and 'id="figures-intents"' in html
    assert f'href="{FIGURES}"' in inbox and f'href="{FIGURES}"' in home


def test_a_chosen_period_and_a_wrong_one(conversations, restaurant_a):
    manager = logged_in(restaurant_a, MANAGER_A)

    with time_machine.travel(NOW, tick=False):
        monday = manager.get(FIGURES, {"start": "2030-03-04", "end": "2030-03-04"})
        backwards = manager.get(FIGURES, {"start": "2030-03-04", "end": "2030-03-01"})

    assert [day.conversations for day in monday.context["figures"].days] == [4]
    assert backwards.status_code == 200 and backwards.context["figures"] is None
    assert backwards.context["form"].non_field_errors()


def test_only_managers_see_the_figures(conversations, restaurant_a, client_a):
    with tenant_context(restaurant_a):
        staff_user_ensure(email="caja@casa-azul.test", password=PASSWORD, role=CASHIER)
    connection.set_schema_to_public()
    cashier = logged_in(restaurant_a, "caja@casa-azul.test")

    with time_machine.travel(NOW, tick=False):
        refused = cashier.get(FIGURES)
        anonymous = client_a.get(FIGURES)

    assert refused.status_code == 403
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_another_restaurants_conversations_are_not_counted(conversations, restaurant_b):
    with tenant_context(restaurant_b):
        figures = assistant_figures(start=SUNDAY, end=MONDAY)
    connection.set_schema_to_public()

    assert figures.totals.conversations == 1
    assert figures.totals.intents == {"availability": 1}
