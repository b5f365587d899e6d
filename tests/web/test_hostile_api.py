"""Bad and hostile input to the API is answered 4xx with a message, never a 500, and writes
nothing: tables with bookings, codes taken at the same instant, control characters, deep and
large bodies, and many managers moving the same table at once."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from api.models import ApiToken
from reservations.models import Reservation, StatusChange, Table
from tests.conftest import MANAGER_A, host_of
from tests.factories import CustomerFactory, TableFactory, api_key_for
from tests.threads import run_at_once

CARLA = "carla@carrera.test"  # manager of "carrera", the restaurant whose writes commit
FORBIDDEN = "No se admiten caracteres de control ni caracteres Unicode no válidos."


def assert_refused(response, status: int, code: str, message: str) -> None:
    """An error that is no field's: ``{"code", "message", "fields": {}}``."""
    assert response.status_code == status
    assert response.json() == {"code": code, "message": message, "fields": {}}


def assert_fields_refused(response, fields: dict) -> None:
    """A 400 naming its fields: code "invalid", a general message (whatever its language) and
    exactly these fields' messages."""
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["fields"]) == ("invalid", fields)
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) == {"code", "message", "fields"}


@pytest.fixture(autouse=True)
def _no_plan_limit(settings):
    """The plan's rate limit is not what these tests are about: a limit no test reaches."""
    settings.PLAN_API_RATE_LIMITS = dict.fromkeys(settings.PLAN_API_RATE_LIMITS, 100_000)


def token_client(restaurant, email: str) -> Client:
    with tenant_context(restaurant):
        user = get_user_model().objects.get(username=email)
        key = api_key_for(user)
    connection.set_schema_to_public()
    return Client(HTTP_HOST=host_of(restaurant), HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def api(restaurant_a):
    """Casa Azul's manager through the API, with a token."""
    return token_client(restaurant_a, MANAGER_A)


@pytest.fixture
def carrera_api(committed_restaurant):
    """Carrera's manager through the API, for requests whose writes must commit (threads)."""
    yield lambda: token_client(committed_restaurant, CARLA)
    with tenant_context(committed_restaurant):
        ApiToken.objects.filter(user__username=CARLA).delete()
    connection.set_schema_to_public()


def tables_of(restaurant) -> list[str]:
    with tenant_context(restaurant):
        codes = list(Table.objects.values_list("code", flat=True))
    connection.set_schema_to_public()
    return codes


def booked_table(restaurant) -> Table:
    with tenant_context(restaurant):
        table = TableFactory(code="M07")
        starts_at = timezone.now() + dt.timedelta(days=1)
        Reservation.objects.create(
            customer=CustomerFactory(),
            table=table,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=2),
            party_size=2,
            status="confirmed",
        )
    connection.set_schema_to_public()
    return table


# --- Deleting a table -------------------------------------------------------------------


def test_a_table_with_bookings_is_not_deleted_and_the_manager_is_told_why(restaurant_a, api):
    table = booked_table(restaurant_a)

    response = api.delete(f"/api/v1/tables/{table.pk}/")

    assert_refused(
        response,
        409,
        "table_in_use",
        "La mesa M07 tiene reservas y no se puede borrar; ponla en mantenimiento.",
    )
    assert tables_of(restaurant_a) == ["M07"]


def test_the_refusal_speaks_the_language_the_caller_chose(restaurant_a, api):
    table = booked_table(restaurant_a)
    api.cookies["django_language"] = "en"

    response = api.delete(f"/api/v1/tables/{table.pk}/")

    assert_refused(
        response,
        409,
        "table_in_use",
        "Table M07 has bookings and cannot be deleted; put it in maintenance instead.",
    )


def test_a_table_never_booked_is_deleted(restaurant_a, api):
    with tenant_context(restaurant_a):
        table = TableFactory(code="M08")
    connection.set_schema_to_public()

    assert api.delete(f"/api/v1/tables/{table.pk}/").status_code == 204
    assert tables_of(restaurant_a) == []


# --- The same code at the same instant --------------------------------------------------


def test_twelve_managers_creating_the_same_code_at_once_get_one_table_and_eleven_clear_400s(
    committed_restaurant, carrera_api
):
    clients = [carrera_api() for _ in range(12)]

    def create(index):
        response = clients[index].post(
            "/api/v1/tables/", {"code": "T12", "max_capacity": 4}, content_type="application/json"
        )
        return response.status_code, response.json()

    results = run_at_once(committed_restaurant, 12, create)

    assert all(outcome == "ok" for outcome, _answer in results), results
    answers = [answer for _outcome, answer in results]
    assert sorted(status for status, _body in answers) == [201] + [400] * 11
    refusals = [body for status, body in answers if status == 400]
    assert [(body["code"], body["fields"]) for body in refusals] == [
        ("invalid", {"code": ["Ya existe Mesa con este Código."]})
    ] * 11
    assert all(isinstance(body["message"], str) and body["message"] for body in refusals)
    assert tables_of(committed_restaurant) == ["T12"]


def test_a_code_already_taken_gets_the_same_message_as_one_taken_at_the_same_instant(
    restaurant_a, api
):
    with tenant_context(restaurant_a):
        TableFactory(code="T13")
    connection.set_schema_to_public()

    response = api.post(
        "/api/v1/tables/", {"code": "T13", "max_capacity": 4}, content_type="application/json"
    )

    assert_fields_refused(response, {"code": ["Ya existe Mesa con este Código."]})


# --- Control characters -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["\x00", "pagada\x00", "\x1b[2J", "\x7f"])
def test_a_control_character_in_a_notes_filter_is_a_400_naming_it(api, value):
    response = api.get("/api/v1/notes/", {"status": value})

    assert_fields_refused(response, {"status": [FORBIDDEN]})


def test_a_control_character_in_any_query_parameter_is_a_400(api):
    response = api.get("/api/v1/tables/", {"page_size": "1", "orden\x00": "x"})

    # No field to name: the refusal is the message.
    assert_refused(response, 400, "invalid", FORBIDDEN)


def test_a_stranger_with_control_characters_is_still_told_to_authenticate_first(restaurant_a):
    response = Client(HTTP_HOST=host_of(restaurant_a)).get("/api/v1/notes/", {"status": "\x00"})

    assert response.status_code in (401, 403)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "M21", "max_capacity": 2, "description": "ventana\x00"}, "description"),
        ({"code": "M21", "max_capacity": 2, "description": "ventana\x01"}, "description"),
        ({"code": "M21", "max_capacity": 2, "area": "vip\x0b"}, "area"),
        ({"code": "M21", "max_capacity": 2, "extra": {"deep": ["\x00"]}}, "extra"),
        ({"code": "M21", "max_capacity": 2, "nombre\x00": "x"}, "non_field_errors"),
    ],
    ids=["nul", "soh", "vertical-tab", "nested", "in-a-name"],
)
def test_a_control_character_in_a_json_field_is_a_400_and_no_table(restaurant_a, api, body, field):
    response = api.post("/api/v1/tables/", body, content_type="application/json")

    if field == "non_field_errors":  # no field to name: the refusal is the message
        assert_refused(response, 400, "invalid", FORBIDDEN)
    else:
        assert_fields_refused(response, {field: [FORBIDDEN]})
    assert tables_of(restaurant_a) == []


def test_a_lone_surrogate_in_json_is_a_400_and_no_table(restaurant_a, api):
    body = b'{"code": "M22", "max_capacity": 2, "description": "ventana \\ud800"}'

    response = api.post("/api/v1/tables/", body, content_type="application/json")

    assert_fields_refused(response, {"description": [FORBIDDEN]})
    assert tables_of(restaurant_a) == []


def test_a_control_character_in_a_form_field_is_a_400_and_no_table(restaurant_a, api):
    response = api.post(
        "/api/v1/tables/",
        "code=M23&max_capacity=2&description=ventana%01",
        content_type="application/x-www-form-urlencoded",
    )

    assert_fields_refused(response, {"description": [FORBIDDEN]})
    assert tables_of(restaurant_a) == []


def test_tabs_and_line_breaks_in_a_description_are_kept(restaurant_a, api):
    response = api.post(
        "/api/v1/tables/",
        {"code": "M24", "max_capacity": 2, "description": "junto a la ventana\r\n\tsin sol"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["description"] == "junto a la ventana\r\n\tsin sol"


# --- Deep and large bodies --------------------------------------------------------------


def test_a_json_body_nested_100000_levels_is_a_400_and_no_table(restaurant_a, api):
    body = '{"code": "M30", "max_capacity": 2, "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"

    response = api.post("/api/v1/tables/", body, content_type="application/json")

    assert_refused(
        response,
        400,
        "parse_error",
        "El JSON tiene demasiados niveles de anidamiento (32 como máximo).",
    )
    assert tables_of(restaurant_a) == []


@pytest.mark.parametrize(("levels", "status"), [(32, 201), (33, 400)])
def test_json_up_to_32_levels_is_taken(restaurant_a, api, levels, status):
    # The table itself is one level; the rest nest in a field the API ignores.
    extra = "[" * (levels - 1) + "]" * (levels - 1)
    body = '{"code": "M31", "max_capacity": 2, "extra": ' + extra + "}"

    response = api.post("/api/v1/tables/", body, content_type="application/json")

    assert response.status_code == status
    assert tables_of(restaurant_a) == (["M31"] if status == 201 else [])


@pytest.mark.parametrize(
    "body",
    [b'{"code": "M32", "max_capacity": 2, "description": "\xff"}', b'{"code": ', b"NaN"],
    ids=["invalid-utf8", "truncated", "nan"],
)
def test_a_body_that_is_not_json_is_a_400_in_spanish(restaurant_a, api, body):
    response = api.post("/api/v1/tables/", body, content_type="application/json")

    assert_refused(response, 400, "parse_error", "El cuerpo de la petición no es JSON válido.")
    assert tables_of(restaurant_a) == []


def test_a_body_over_one_megabyte_is_a_413_with_a_message_and_no_table(restaurant_a, api):
    body = json.dumps({"code": "M33", "max_capacity": 2, "description": "x" * 1_100_000})

    response = api.post("/api/v1/tables/", body, content_type="application/json")

    assert_refused(
        response,
        413,
        "too_large",
        "El cuerpo de la petición es demasiado grande (1,0\xa0MB como máximo).",
    )
    assert tables_of(restaurant_a) == []


# --- Moving a table's status through the API --------------------------------------------


def test_twelve_patches_to_maintenance_at_once_record_one_change_naming_the_manager(
    committed_restaurant, carrera_api
):
    with tenant_context(committed_restaurant):
        table = TableFactory(code="M40")
    connection.set_schema_to_public()
    clients = [carrera_api() for _ in range(12)]

    def patch(index):
        return clients[index].patch(
            f"/api/v1/tables/{table.pk}/",
            {"status": "maintenance"},
            content_type="application/json",
        )

    results = run_at_once(committed_restaurant, 12, patch)

    assert [(outcome, response.status_code) for outcome, response in results] == [("ok", 200)] * 12
    with tenant_context(committed_restaurant):
        changes = list(
            StatusChange.objects.filter(
                object_id=table.pk, content_type__model="table"
            ).values_list("from_status", "to_status", "actor_kind", "actor_label", "user__username")
        )
        assert Table.objects.get(pk=table.pk).status == "maintenance"
    connection.set_schema_to_public()
    assert changes == [("available", "maintenance", "user", CARLA, CARLA)]


def test_a_patch_that_leaves_the_status_as_it_was_records_no_change(restaurant_a, api):
    with tenant_context(restaurant_a):
        table = TableFactory(code="M41", status="maintenance")
    connection.set_schema_to_public()

    response = api.patch(
        f"/api/v1/tables/{table.pk}/",
        {"description": "junto a la barra", "status": "maintenance"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert (response.json()["description"], response.json()["status"]) == (
        "junto a la barra",
        "maintenance",
    )
    with tenant_context(restaurant_a):
        assert not StatusChange.objects.filter(object_id=table.pk).exists()
    connection.set_schema_to_public()
