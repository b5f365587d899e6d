"""Settings come from the environment; a bad variable stops the process with one line."""

import os
import secrets
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def manage(*arguments: str, **environment: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ}
    for name, value in environment.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", None, "DATABASE_URL is not set"),
        (
            "DATABASE_URL",
            "mysql://root@localhost/comensal",
            "DATABASE_URL must be a postgres:// URL",
        ),
        (
            "DATABASE_URL",
            "postgres://postgres@localhost:port/x",
            "DATABASE_URL has an invalid port",
        ),
        ("REDIS_URL", None, "REDIS_URL is not set"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a redis:// URL"),
        ("DJANGO_SECRET_KEY", None, "DJANGO_SECRET_KEY is not set"),
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be true or false"),
        ("DATABASE_CONN_MAX_AGE", "a minute", "DATABASE_CONN_MAX_AGE must be a whole number"),
    ],
)
def test_a_missing_or_malformed_variable_stops_the_process_with_one_line(variable, value, message):
    result = manage("check", **{variable: value})

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {message}")


def test_production_settings_pass_the_deployment_checklist():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="comensal.example,.comensal.example",
        COMENSAL_BASE_DOMAIN="comensal.example",
        DJANGO_MANIFEST_STATIC="true",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_a_short_secret_key_is_refused_in_production():
    result = manage("check", DJANGO_DEBUG="false", DJANGO_SECRET_KEY="short")

    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY must be at least 32 characters" in result.stderr
