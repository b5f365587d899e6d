"""The inbox: chats handed to staff are listed with their thread, staff reply through the
channel the customer wrote from, take a chat over, hand it back or end it; the live floor
shows the chats waiting, to staff who may read them, in their own restaurant only."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from assistant import inbox
from assistant.models import AssistantSettings, Conversation, ConversationMessage, HandoffReason
from notifications.models import Message
from reservations.services.tables import table_set_status
from tests.assistant.chats import PHONE, assistant_off, chat, customer_writes
from tests.conftest import MANAGER_A, MANAGER_B, PASSWORD, host_of
from tests.factories import TableFactory
from tests.floor.conftest import live_db, open_socket, session_cookie  # noqa: F401 - fixtures

INBOX = "/admin/assistant/conversation/"
CARRERA = "carrera.localhost"
CARLA = "carla@carrera.test"
QUIET = 0.5  # how long "nothing arrives" is watched


def logged_in(restaurant, email: str) -> Client:
    client = Client(HTTP_HOST=host_of(restaurant))
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, "the login failed"
    return client


@pytest.fixture
def manager(restaurant_a) -> Client:
    return logged_in(restaurant_a, MANAGER_A)


@pytest.fixture
def handed_over(restaurant_a) -> Conversation:
    """Lucía's chat, handed to staff as it came in (the assistant is off)."""
    with tenant_context(restaurant_a):
        assistant_off()
        customer_writes("Hola, ¿tienen terraza para 12 personas?")
        conversation = Conversation.objects.get()
    connection.set_schema_to_public()
    return conversation


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def change_url(conversation: Conversation, step: str = "change") -> str:
    return f"{INBOX}{conversation.pk}/{step}/"


# --- The inbox ------------------------------------------------------------------------


def test_a_chat_handed_to_staff_heads_the_inbox_and_shows_its_thread(
    manager, restaurant_a, handed_over
):
    with tenant_context(restaurant_a):
        chat(phone="+525533334444", name="Mario")  # open, with the assistant
        chat(phone="+525555556666", name="Olga", closed_at=timezone.now())
        reason = str(HandoffReason.ASSISTANT_OFF.label)
    connection.set_schema_to_public()

    listing = page(manager, INBOX)
    thread = page(manager, change_url(handed_over))

    assert listing.index("Lucía") < listing.index("Mario") < listing.index("Olga")
    assert reason in listing
    assert PHONE in listing
    assert "Hola, ¿tienen terraza para 12 personas?" in thread
    assert 'name="reply"' in thread
    assert "Devolver al asistente" in thread


def test_a_staff_reply_goes_out_the_way_the_customer_wrote_and_joins_the_thread(
    manager, restaurant_a, handed_over
):
    response = manager.post(change_url(handed_over), {"reply": "¡Hola Lucía! Sí, la tenemos."})

    assert response.status_code == 302
    assert response.url == change_url(handed_over)
    with tenant_context(restaurant_a):
        sent = Message.objects.get(body="¡Hola Lucía! Sí, la tenemos.")
        reply = ConversationMessage.objects.select_related("staff").get(direction="out")
        conversation = Conversation.objects.get()
    connection.set_schema_to_public()
    assert (sent.event, sent.channel, sent.recipient) == ("chat", "whatsapp", PHONE)
    assert (sent.via, sent.sender) == ("meta", "10987654321")
    assert (reply.author, reply.staff.username, reply.sent_id) == ("staff", MANAGER_A, sent.pk)
    assert conversation.speaker == "staff"
    thread = page(manager, change_url(handed_over))
    assert "¡Hola Lucía! Sí, la tenemos." in thread
    assert MANAGER_A in thread  # who answered
    assert sent.get_status_display() in thread  # and whether it reached the customer


def test_an_empty_reply_is_refused_and_nothing_is_sent(manager, restaurant_a, handed_over):
    response = manager.post(change_url(handed_over), {"reply": ""})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    with tenant_context(restaurant_a):
        assert not Message.objects.exists()
    connection.set_schema_to_public()


def test_taking_a_chat_over_keeps_the_assistant_quiet(manager, restaurant_a):
    with tenant_context(restaurant_a):
        conversation = chat(state="party_size", slots={"date": "2026-12-24"})
    connection.set_schema_to_public()

    response = manager.post(change_url(conversation, "take"))

    assert response.status_code == 302
    with tenant_context(restaurant_a):
        taken = Conversation.objects.get()
        turn = customer_writes("¿Siguen ahí?")
        replies = ConversationMessage.objects.filter(direction="out").count()
    connection.set_schema_to_public()
    assert (taken.speaker, taken.handoff_reason, taken.state) == ("staff", "staff", "")
    assert turn.handoff and turn.reply == ""
    assert replies == 1  # the one written with the chat, none since


def test_handed_back_the_assistant_answers_the_next_message(manager, restaurant_a, handed_over):
    with tenant_context(restaurant_a):
        Conversation.objects.update(state="time", slots={"party_size": 4}, misunderstood=1)
    connection.set_schema_to_public()

    response = manager.post(change_url(handed_over, "hand-back"))

    assert response.status_code == 302
    with tenant_context(restaurant_a):
        back = Conversation.objects.get()
        assert not ConversationMessage.objects.filter(direction="out").exists()
        AssistantSettings.objects.update(enabled=True)
        turn = customer_writes("¿A qué hora abren el sábado?")
        answer = ConversationMessage.objects.filter(direction="out").get()
    connection.set_schema_to_public()
    assert (back.speaker, back.handoff_reason, back.handoff_at) == ("assistant", "", None)
    assert (back.state, back.slots, back.misunderstood) == ("", {}, 0)
    assert turn.reply and not turn.handoff
    assert (answer.author, answer.body) == ("assistant", turn.reply)


def test_an_ended_chat_leaves_the_next_message_to_a_new_one(manager, restaurant_a, handed_over):
    response = manager.post(change_url(handed_over, "end"))

    assert response.status_code == 302
    with tenant_context(restaurant_a):
        customer_writes("Otra cosa: ¿tienen estacionamiento?")
        old, new = Conversation.objects.order_by("pk")
    connection.set_schema_to_public()
    assert old.closed_at is not None
    assert new.closed_at is None and new.pk != old.pk


def test_a_reply_to_an_ended_chat_opens_it_again_unless_the_customer_began_another(
    manager, restaurant_a
):
    with tenant_context(restaurant_a):
        ended = chat(closed_at=timezone.now() - dt.timedelta(minutes=5))
        other_ended = chat(phone="+525577778888", closed_at=timezone.now() - dt.timedelta(hours=1))
        chat(phone="+525577778888", name="Lucía otra vez")
    connection.set_schema_to_public()

    manager.post(change_url(ended), {"reply": "Perdón la demora, ¿sigue en pie?"})
    refused = manager.post(change_url(other_ended), {"reply": "¿Hola?"}, follow=True)

    assert "conversación más nueva" in refused.content.decode()
    with tenant_context(restaurant_a):
        ended.refresh_from_db()
        other_ended.refresh_from_db()
        assert list(Message.objects.values_list("body", flat=True)) == [
            "Perdón la demora, ¿sigue en pie?"
        ]
    connection.set_schema_to_public()
    assert (ended.closed_at, ended.speaker) == (None, "staff")
    assert other_ended.closed_at is not None


def test_staff_end_chats_from_the_list_and_a_chat_ended_already_is_named(manager, restaurant_a):
    with tenant_context(restaurant_a):
        first = chat(phone="+525500000001", name="Ana")
        second = chat(phone="+525500000002", name="Beto", closed_at=timezone.now())
    connection.set_schema_to_public()

    response = manager.post(
        INBOX, {"action": "close", "_selected_action": [first.pk, second.pk]}, follow=True
    )

    text = response.content.decode()
    assert "1 conversación terminada" in text
    assert "Beto: Esta conversación ya terminó." in text


def test_the_inbox_and_a_thread_cost_the_same_queries_however_many_chats_and_messages(
    manager, restaurant_a
):
    def queries(url: str) -> int:
        with CaptureQueriesContext(connections["default"]) as captured:
            page(manager, url)
        return len(captured)

    with tenant_context(restaurant_a):
        first = chat(phone="+525500000001", messages=2)
    connection.set_schema_to_public()
    few = queries(INBOX), queries(change_url(first))
    with tenant_context(restaurant_a):
        for number in range(2, 12):
            chat(phone=f"+5255000000{number:02d}", messages=2, speaker="staff")
        ConversationMessage.objects.bulk_create(
            ConversationMessage(
                conversation=first,
                direction="out",
                author="assistant",
                body="…",
                created_at=timezone.now(),
            )
            for _ in range(10)
        )
    connection.set_schema_to_public()

    assert (queries(INBOX), queries(change_url(first))) == few


# --- Who sees it ----------------------------------------------------------------------


def test_a_cashier_has_no_inbox(cashier, restaurant_a, handed_over):
    assert INBOX not in page(cashier, "/admin/")
    assert cashier.get(INBOX).status_code == 403
    assert cashier.get(change_url(handed_over)).status_code == 403
    assert cashier.post(change_url(handed_over), {"reply": "hola"}).status_code == 403
    assert cashier.post(change_url(handed_over, "take")).status_code == 403
    assert cashier.get("/admin/assistant/assistantsettings/").status_code == 403
    with tenant_context(restaurant_a):
        assert not Message.objects.exists()
    connection.set_schema_to_public()


def test_the_manager_finds_the_inbox_and_the_assistant_settings(manager):
    index = page(manager, "/admin/")

    assert f'href="{INBOX}"' in index
    assert page(manager, "/admin/assistant/assistantsettings/")
    assert manager.get(f"{INBOX}add/").status_code == 403


def test_each_restaurant_sees_only_its_own_chats(restaurant_a, restaurant_b):
    with tenant_context(restaurant_a):
        in_a = chat(name="Lucía de Casa Azul")
    with tenant_context(restaurant_b):
        in_b = chat(name="Bruno del Bistro")
    connection.set_schema_to_public()
    manager_a = logged_in(restaurant_a, MANAGER_A)
    manager_b = logged_in(restaurant_b, MANAGER_B)

    listing_a, listing_b = page(manager_a, INBOX), page(manager_b, INBOX)

    assert "Lucía de Casa Azul" in listing_a and "Bruno del Bistro" not in listing_a
    assert "Bruno del Bistro" in listing_b and "Lucía de Casa Azul" not in listing_b
    # Whatever number is asked for, a restaurant's page reads its own schema only.
    for conversation in (in_a, in_b):
        answer = manager_a.get(change_url(conversation), follow=True).content.decode()
        assert "Bruno del Bistro" not in answer


def test_the_floor_page_has_the_chats_panel_for_staff_who_may_read_chats(manager, restaurant_a):
    with tenant_context(restaurant_a):
        watcher = floor_watcher()
    connection.set_schema_to_public()

    assert 'id="chats"' in page(manager, "/admin/live/")
    assert 'id="chats"' not in page(logged_in(restaurant_a, watcher.username), "/admin/live/")


def floor_watcher():
    """Staff who may watch the floor (tables, bookings) but not read customers' chats."""
    user, _created = get_user_model().objects.get_or_create(
        username="puerta@test", defaults={"is_staff": True}
    )
    user.set_password(PASSWORD)
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="reservations", codename__in=["view_table", "view_reservation"]
        )
    )
    return user


# --- The live floor -------------------------------------------------------------------


@pytest.fixture
def carrera(committed_restaurant, live_db):  # noqa: F811 - the fixture imported above
    return committed_restaurant


def in_schema(restaurant, function, *args, **kwargs):
    """Run a write in the restaurant's schema on a worker thread; it commits."""

    def run():
        with tenant_context(restaurant):
            return function(*args, **kwargs)

    return database_sync_to_async(run)()


def hand_over_lucia():
    assistant_off()
    customer_writes("Necesito hablar con alguien, por favor")
    return Conversation.objects.get(phone=PHONE)


async def next_event(socket, type_: str, timeout: float = 5):
    while True:
        message = await socket.receive_json_from(timeout=timeout)
        if message["type"] == type_:
            return message


@pytest.mark.asyncio
async def test_a_chat_handed_over_reaches_the_floor_and_leaves_it_when_handed_back(
    open_socket,  # noqa: F811
    carrera,
):
    cookie = await database_sync_to_async(session_cookie)(CARRERA, CARLA)
    socket, connected, _code = await open_socket(CARRERA, cookie=cookie)
    state = await socket.receive_json_from(timeout=5)
    assert connected and state["conversations"] == []

    conversation = await in_schema(carrera, hand_over_lucia)

    waiting = (await next_event(socket, "conversation_waiting"))["conversation"]
    assert waiting["id"] == conversation.pk
    assert (waiting["name"], waiting["phone"], waiting["reason"]) == (
        "Lucía",
        PHONE,
        "assistant_off",
    )
    assert (waiting["last_message"], waiting["last_from"]) == (
        "Necesito hablar con alguien, por favor",
        "customer",
    )
    assert waiting["waiting_since"]

    await in_schema(carrera, inbox.conversation_hand_back, conversation=conversation, staff=None)

    closed = await next_event(socket, "conversation_closed")
    assert closed["conversation"] == {"id": conversation.pk}


@pytest.mark.asyncio
async def test_a_screen_opened_later_shows_the_chats_waiting(
    open_socket,  # noqa: F811
    carrera,
):
    conversation = await in_schema(carrera, hand_over_lucia)
    cookie = await database_sync_to_async(session_cookie)(CARRERA, CARLA)

    socket, _connected, _code = await open_socket(CARRERA, cookie=cookie)
    state = await socket.receive_json_from(timeout=5)

    assert [chat["id"] for chat in state["conversations"]] == [conversation.pk]
    assert state["conversations"][0]["last_message"] == "Necesito hablar con alguien, por favor"


@pytest.mark.asyncio
async def test_staff_who_may_not_read_chats_get_none_on_the_floor(
    open_socket,  # noqa: F811
    carrera,
):
    await in_schema(carrera, hand_over_lucia)
    table = await in_schema(carrera, TableFactory, code="M01")
    watcher = await in_schema(carrera, floor_watcher)
    cookie = await database_sync_to_async(session_cookie)(CARRERA, watcher.username)

    socket, connected, _code = await open_socket(CARRERA, cookie=cookie)
    state = await socket.receive_json_from(timeout=5)
    assert connected and "conversations" not in state

    await in_schema(carrera, customer_writes, "¿Hola? ¿Alguien?")
    await in_schema(carrera, table_set_status, table=table, to="maintenance")

    # The chat's event came first and was kept back; the table's reaches the screen.
    assert (await socket.receive_json_from(timeout=5))["type"] == "table_status_changed"
    assert await socket.receive_nothing(timeout=QUIET)
