"""Admin logins: an account tried with wrong passwords from one address is locked out for a
while, at its own restaurant only, with a message on the login page in the user's language."""

import datetime as dt
import logging

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from restaurants.roles import MANAGER
from restaurants.services import staff_user_ensure
from tests.conftest import MANAGER_A, MANAGER_B, PASSWORD, host_of

LOGIN = "/admin/login/?next=/admin/"
WRONG = "Tabla-de-quesos-41"
LOCKED_ES = (
    "Demasiados intentos fallidos con esta cuenta desde tu conexión. "
    "Vuelve a intentarlo dentro de 15 minutos."
)
LOCKED_EN = (
    "Too many failed logins with this account from your connection. Try again in 15 minutes."
)
WRONG_PASSWORD_ES = "Introduce el nombre de usuario y la contraseña correctos"


def log_in(client: Client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password})


def fail_five_times(client: Client, email: str) -> list:
    return [log_in(client, email, f"{WRONG}{attempt}") for attempt in range(5)]


def is_logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(client_a):
    answers = fail_five_times(client_a, MANAGER_A)

    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 429]
    assert WRONG_PASSWORD_ES in answers[0].content.decode()
    right = log_in(client_a, MANAGER_A, PASSWORD)
    assert right.status_code == 429
    page = right.content.decode()
    assert LOCKED_ES in page
    assert WRONG_PASSWORD_ES not in page  # the password was right: it says why it is refused
    assert 'name="password"' in page  # still the login page
    assert not is_logged_in(client_a)


def test_the_same_email_typed_in_capitals_is_the_same_account(client_a):
    for attempt in range(5):
        log_in(client_a, MANAGER_A.upper() if attempt % 2 else MANAGER_A, f"{WRONG}{attempt}")

    assert log_in(client_a, MANAGER_A, PASSWORD).status_code == 429


def test_a_lockout_ends_after_fifteen_minutes(client_a):
    locked_at = timezone.now()
    with time_machine.travel(locked_at, tick=False):
        fail_five_times(client_a, MANAGER_A)
    with time_machine.travel(locked_at + dt.timedelta(minutes=14), tick=False):
        assert log_in(client_a, MANAGER_A, PASSWORD).status_code == 429

    with time_machine.travel(locked_at + dt.timedelta(minutes=16), tick=False):
        assert log_in(client_a, MANAGER_A, PASSWORD).status_code == 302
        assert is_logged_in(client_a)


def test_a_successful_login_forgets_the_earlier_mistakes(client_a):
    for attempt in range(4):
        log_in(client_a, MANAGER_A, f"{WRONG}{attempt}")
    assert log_in(client_a, MANAGER_A, PASSWORD).status_code == 302
    client_a.post("/admin/logout/")

    assert log_in(client_a, MANAGER_A, WRONG).status_code == 200  # one mistake, not the fifth
    assert log_in(client_a, MANAGER_A, PASSWORD).status_code == 302


def test_a_lockout_at_one_restaurant_leaves_the_same_email_at_another_alone(
    client_a, client_b, restaurant_b
):
    with tenant_context(restaurant_b):
        staff_user_ensure(email=MANAGER_A, password=PASSWORD, role=MANAGER)
    connection.set_schema_to_public()
    fail_five_times(client_a, MANAGER_A)
    assert log_in(client_a, MANAGER_A, PASSWORD).status_code == 429

    assert log_in(client_b, MANAGER_A, PASSWORD).status_code == 302
    assert is_logged_in(client_b)
    other_manager = Client(HTTP_HOST=host_of(restaurant_b))
    assert log_in(other_manager, MANAGER_B, PASSWORD).status_code == 302


def test_other_staff_of_the_locked_restaurant_still_log_in(client_a, restaurant_a):
    with tenant_context(restaurant_a):
        staff_user_ensure(email="caja@casa-azul.test", password=PASSWORD, role="Cashier")
    connection.set_schema_to_public()
    fail_five_times(client_a, MANAGER_A)

    cashier = Client(HTTP_HOST=host_of(restaurant_a))
    assert log_in(cashier, "caja@casa-azul.test", PASSWORD).status_code == 302


def test_the_lockout_message_is_in_the_users_language(client_b):
    answers = fail_five_times(client_b, MANAGER_B)

    assert answers[-1].status_code == 429
    assert LOCKED_EN in answers[-1].content.decode()  # Bistro Verde speaks English
    client_b.cookies["django_language"] = "es"
    assert LOCKED_ES in log_in(client_b, MANAGER_B, PASSWORD).content.decode()


def test_the_lockout_is_logged_without_the_password_or_the_email(client_a, caplog):
    with caplog.at_level(logging.INFO):
        fail_five_times(client_a, MANAGER_A)
        log_in(client_a, MANAGER_A, PASSWORD)

    lines = [record.getMessage() for record in caplog.records]
    assert any("Locking out" in line and "/admin/login/" in line for line in lines), lines
    logged = "\n".join(lines)
    assert PASSWORD not in logged and WRONG not in logged
    assert MANAGER_A not in logged and "127.0.0.1" not in logged


@pytest.fixture
def operator(db):
    with schema_context("public"):
        User.objects.create_superuser("operador@comensal.test", "operador@comensal.test", PASSWORD)


def test_the_platform_admin_locks_out_too(operator, platform_client, client_a):
    fail_five_times(platform_client, "operador@comensal.test")

    refused = log_in(platform_client, "operador@comensal.test", PASSWORD)
    assert refused.status_code == 429
    assert LOCKED_ES in refused.content.decode()
    assert log_in(client_a, MANAGER_A, PASSWORD).status_code == 302  # restaurants unaffected
