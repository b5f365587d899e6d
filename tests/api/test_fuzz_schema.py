"""Schemathesis against the live web tier, from the API's own OpenAPI schema: every
operation, every phase (examples, coverage, fuzzing, stateful), as a manager and as a
cashier. No answer may be a server error or differ from the schema, and no operation may
answer the same with and without the token (``ignored_auth``)."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import tenant_context

from api.models import ApiToken
from restaurants import services
from restaurants.roles import CASHIER
from tests.conftest import (
    PASSWORD,
    database_url_of_test_database,
    free_port,
    host_of,
    web_tier_start,
    web_tier_wait,
)
from tests.factories import TableFactory, api_key_for, open_every_day

CARLA = "carla@carrera.test"
CASHIER_EMAIL = "caja@carrera.test"
# Examples per operation and phase: enough to reach every refusal, bounded for CI.
EXAMPLES = int(os.environ.get("COMENSAL_FUZZ_EXAMPLES", "8"))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "ignored_auth",
    ]
)


@pytest.fixture
def fuzz_server(django_db_setup, django_db_blocker):
    """The web tier as production starts it, with limits high enough for the fuzzer."""
    with django_db_blocker.unblock():
        database_url = database_url_of_test_database()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "COMENSAL_API_RATE_SCALE": "1000"}
    process = web_tier_start(port, env)
    web_tier_wait(process, port)
    yield port
    process.terminate()
    process.wait(30)


@pytest.fixture
def tokens(committed_restaurant):
    """Carrera with a few tables and hours, its manager's and a cashier's tokens."""
    with tenant_context(committed_restaurant):
        open_every_day("13:00", "23:30", max_days_ahead=60)
        for number in range(3):
            TableFactory(code=f"Z{number}", max_capacity=4)
        services.staff_user_ensure(email=CASHIER_EMAIL, password=PASSWORD, role=CASHIER)
        users = get_user_model().objects.filter(username__in=[CARLA, CASHIER_EMAIL])
        keys = {user.username: api_key_for(user) for user in users}
    connection.set_schema_to_public()
    yield {"manager": keys[CARLA], "cashier": keys[CASHIER_EMAIL]}
    with tenant_context(committed_restaurant):
        ApiToken.objects.filter(user__username__in=keys).delete()
    connection.set_schema_to_public()


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(
    fuzz_server, committed_restaurant, tokens, role, tmp_path
):
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"http://127.0.0.1:{fuzz_server}/api/v1/schema/",
        "--header",
        f"Host: {host_of(committed_restaurant)}",
        "--header",
        f"Authorization: Token {tokens[role]}",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--checks",
        CHECKS,
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20261130",
        "--workers",
        "2",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]

    # In the test's own directory: schemathesis keeps its cache of crashes where it runs.
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)

    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
