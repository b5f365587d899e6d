"""A chat handed to staff in a real browser: it shows on the live floor, staff answer it in
the inbox, and it leaves the floor when they hand it back to the assistant."""

from django.db import connection
from playwright.sync_api import expect

from assistant.models import ConversationMessage
from tests.assistant.chats import assistant_off, customer_writes
from tests.conftest import PASSWORD

DESKTOP = {"width": 1280, "height": 900}


def test_a_chat_handed_over_shows_on_the_floor_until_staff_answer_it_and_hand_it_back(
    chromium, web_server, committed_restaurant, shots
):
    base = f"http://carrera.localhost:{web_server}"
    context = chromium.new_context(viewport=DESKTOP, locale="es-MX")
    floor = context.new_page()
    floor.goto(f"{base}/admin/login/?next=/admin/live/")
    floor.get_by_label("Nombre de usuario").fill("carla@carrera.test")
    floor.get_by_label("Contraseña").fill(PASSWORD)
    floor.get_by_role("button", name="Iniciar sesión").click()
    floor.wait_for_selector("#connection.online")
    # The list is drawn once the floor's state has come over the socket.
    expect(floor.locator("#chats")).to_have_text("No hay chats esperando.")

    connection.set_tenant(committed_restaurant)
    assistant_off()
    customer_writes("Hola, somos 14 para el viernes, ¿se puede?")

    waiting = floor.locator("#chats li[data-conversation-id]")
    waiting.wait_for()
    shots(floor, "1-waiting")
    assert "Lucía" in waiting.inner_text()
    assert "Hola, somos 14 para el viernes, ¿se puede?" in waiting.inner_text()
    assert floor.get_by_role("heading", name="Chats esperando al personal").is_visible()

    inbox = context.new_page()
    inbox.goto(base + waiting.get_by_role("link", name="Lucía").get_attribute("href"))
    inbox.get_by_label("Respuesta").fill("¡Claro! Te confirmo en un momento.")
    inbox.get_by_role("button", name="Enviar la respuesta").click()
    inbox.wait_for_selector(".chat-thread .chat-out")
    shots(inbox, "2-answered")
    assert "¡Claro! Te confirmo en un momento." in inbox.locator(".chat-thread").inner_text()
    assert ConversationMessage.objects.filter(author="staff").count() == 1

    inbox.get_by_role("button", name="Devolver al asistente").click()
    waiting.wait_for(state="detached")
    shots(floor, "3-handed-back")
    expect(floor.locator("#chats")).to_have_text("No hay chats esperando.")
