"""What every partner relies on, whatever the endpoint: the committed OpenAPI schema is the
code's, the docs page works offline, the plan's limit is exact under concurrency, a retried
POST under one Idempotency-Key is done once, and errors have one shape."""

import asyncio
import io
import json
from pathlib import Path

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from api.models import ApiToken, key_hash
from reservations.models import Table
from tests.conftest import MANAGER_A, MANAGER_B, host_of
from tests.factories import api_key_for

SCHEMA = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"
CARLA = "carla@carrera.test"  # manager of "carrera", the restaurant whose writes commit


def token_of(restaurant, email: str) -> str:
    with tenant_context(restaurant):
        user = get_user_model().objects.get(username=email)
        key = api_key_for(user)
    connection.set_schema_to_public()
    return key


@pytest.fixture
def api(restaurant_a):
    key = token_of(restaurant_a, MANAGER_A)
    return Client(HTTP_HOST=host_of(restaurant_a), HTTP_AUTHORIZATION=f"Token {key}")


def tables_of(restaurant) -> list[str]:
    with tenant_context(restaurant):
        codes = list(Table.objects.order_by("code").values_list("code", flat=True))
    connection.set_schema_to_public()
    return codes


# --- The schema and the docs ------------------------------------------------------------


def test_the_committed_schema_is_the_one_the_code_generates(restaurant_a):
    generated = io.StringIO()
    with tenant_context(restaurant_a):
        call_command("spectacular", "--lang", "en", "--validate", stdout=generated)

    assert generated.getvalue() == SCHEMA.read_text(), (
        "api/openapi.yaml is out of date: python3 dev.py manage spectacular --lang en "
        "--validate --file api/openapi.yaml"
    )


def test_the_schema_is_served_and_lists_every_resource_of_the_root(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    root = api.get("/api/v1/")

    assert schema.status_code == 200 and root.status_code == 200
    paths = json.loads(schema.content)["paths"]
    for name in root.json():
        assert f"/api/v1/{name}/" in paths, name
    assert {"tables", "notes"} <= set(root.json())


def test_the_docs_page_loads_its_scripts_from_our_own_static_files(restaurant_a):
    page = Client(HTTP_HOST=host_of(restaurant_a)).get("/api/v1/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html and "/api/v1/schema/" in html
    assert "cdn" not in html.lower() and "https://" not in html
    script = next(
        part.split('"')[0] for part in html.split('src="')[1:] if "swagger-ui-bundle" in part
    )
    assert script.startswith("/static/")


# --- One error shape ----------------------------------------------------------------------


def test_errors_have_one_shape_in_the_callers_language(api, restaurant_a):
    unauthenticated = Client(HTTP_HOST=host_of(restaurant_a)).get("/api/v1/tables/")
    invalid = api.post("/api/v1/tables/", {"max_capacity": 0}, content_type="application/json")
    english = api.get("/api/v1/tables/999999/", HTTP_ACCEPT_LANGUAGE="en")

    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["code"] == "not_authenticated"
    assert invalid.status_code == 400
    body = invalid.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == "invalid"
    assert {"code", "max_capacity"} <= set(body["fields"])
    assert body["message"] == "Algunos campos no son válidos."
    assert english.status_code == 404
    assert english.json() == {"code": "not_found", "message": "Not found.", "fields": {}}


# --- Idempotency-Key ----------------------------------------------------------------------


def test_a_retried_post_with_its_key_returns_the_first_answer_and_writes_once(api, restaurant_a):
    table = {"code": "I01", "max_capacity": 4}

    first = api.post(
        "/api/v1/tables/", table, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = api.post(
        "/api/v1/tables/", table, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert tables_of(restaurant_a) == ["I01"]


def test_the_same_key_with_another_body_is_a_422_and_writes_nothing(api, restaurant_a):
    api.post(
        "/api/v1/tables/",
        {"code": "I02", "max_capacity": 4},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )

    other = api.post(
        "/api/v1/tables/",
        {"code": "I03", "max_capacity": 4},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused" and other.json()["message"]
    assert tables_of(restaurant_a) == ["I02"]


def test_a_refused_post_is_kept_too_and_a_new_key_runs_anew(api, restaurant_a):
    refused = {"code": "I04", "max_capacity": 0}

    first = api.post(
        "/api/v1/tables/", refused, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    fixed = api.post(
        "/api/v1/tables/",
        {**refused, "max_capacity": 4},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-4",
    )

    assert first.status_code == 400 and fixed.status_code == 201
    assert tables_of(restaurant_a) == ["I04"]


def test_keys_are_the_callers_own(api, restaurant_a, restaurant_b):
    """Another restaurant's caller with the same key writes in its own restaurant."""
    other = Client(
        HTTP_HOST=host_of(restaurant_b),
        HTTP_AUTHORIZATION=f"Token {token_of(restaurant_b, MANAGER_B)}",
    )
    table = {"code": "I05", "max_capacity": 4}

    mine = api.post(
        "/api/v1/tables/", table, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same"
    )
    theirs = other.post(
        "/api/v1/tables/", table, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same"
    )

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert tables_of(restaurant_a) == ["I05"] and "I05" in tables_of(restaurant_b)


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "k\x00"])
def test_an_unusable_key_is_a_400(api, restaurant_a, key):
    response = api.post(
        "/api/v1/tables/",
        {"code": "I06", "max_capacity": 4},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert tables_of(restaurant_a) == []


# --- Under concurrency, through the web tier ---------------------------------------------


@pytest.fixture
def carrera_token(committed_restaurant):
    key = token_of(committed_restaurant, CARLA)
    yield key
    with tenant_context(committed_restaurant):
        ApiToken.objects.filter(key_hash=key_hash(key)).delete()
    connection.set_schema_to_public()


async def _at_once(port: int, count: int, send) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
    ) as client:
        return await asyncio.gather(*(send(client) for _ in range(count)))


def test_two_hundred_requests_at_once_against_a_limit_of_one_hundred_let_exactly_one_hundred_in(
    web_server, committed_restaurant, carrera_token
):
    assert committed_restaurant.plan == "basic"
    headers = {"Host": host_of(committed_restaurant), "Authorization": f"Token {carrera_token}"}

    answers = asyncio.run(
        _at_once(web_server, 200, lambda client: client.get("/api/v1/tables/", headers=headers))
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 100 + [429] * 100
    refused = [answer for answer in answers if answer.status_code == 429]
    assert all(int(answer.headers["Retry-After"]) > 0 for answer in refused)
    assert {answer.headers["RateLimit-Limit"] for answer in answers} == {"100"}
    remaining = sorted(
        int(answer.headers["RateLimit-Remaining"])
        for answer in answers
        if answer.status_code == 200
    )
    assert remaining == list(range(100))


def test_twenty_posts_at_once_with_one_key_make_one_table(
    web_server, committed_restaurant, carrera_token
):
    headers = {
        "Host": host_of(committed_restaurant),
        "Authorization": f"Token {carrera_token}",
        "Idempotency-Key": "twenty-at-once",
    }
    table = {"code": "K20", "max_capacity": 4}

    answers = asyncio.run(
        _at_once(
            web_server,
            20,
            lambda client: client.post("/api/v1/tables/", json=table, headers=headers),
        )
    )

    assert [answer.status_code for answer in answers] == [201] * 20
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 19
    assert tables_of(committed_restaurant) == ["K20"]


def test_a_path_without_its_final_slash_is_sent_on_and_an_unknown_one_is_a_json_404(api):
    unslashed = api.get("/api/v1/tables?page_size=2")
    unknown = api.patch("/api/v1/tables/1.5/", {}, content_type="application/json")

    assert unslashed.status_code == 308
    assert unslashed["Location"] == "/api/v1/tables/?page_size=2"
    assert unknown.status_code == 404
    assert unknown.json() == {"code": "not_found", "message": "No encontrado.", "fields": {}}
