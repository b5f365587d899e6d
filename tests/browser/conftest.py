"""A real web server (uvicorn, as in production) on the test database, and Debian's Chromium."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import ROOT, database_url_of_test_database

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "var" / "artifacts" / "browser"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="package")
def sync_queries_beside_playwright():
    """Playwright's sync API keeps an event loop running in this thread while the browser is
    open; the tests' own ORM calls are plain sync code, so Django is told so, for this package
    only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def web_server(django_db_setup, django_db_blocker):
    """uvicorn serving config.asgi on a free port, against the test database; stopped, and
    its database sessions gone, before the next package runs."""
    with django_db_blocker.unblock():
        database_url = database_url_of_test_database()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "COMENSAL_RATE_AVAILABILITY_PER_MINUTE": "10000",
        "COMENSAL_RATE_BOOKING_PER_MINUTE": "10000",
        "DATABASE_CONN_MAX_AGE": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                pytest.fail("the web server exited during start-up")
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the web server did not listen within 30 s")
    yield port
    process.terminate()
    process.wait(20)


@pytest.fixture(scope="package")
def chromium(sync_queries_beside_playwright):
    """Debian's Chromium driven by Playwright; CI must have it, elsewhere it is optional."""
    if not CHROMIUM.exists():
        message = "Chromium is not installed: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
        # While Playwright runs, Django's per-context connection is a second one; close it
        # here, in that context, or it would hold the test database open at the end.
        connections.close_all()


@pytest.fixture
def shots(request):
    """Save a screenshot of a page under var/artifacts/browser/<test>/<step>.png."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page, step: str):
        page.screenshot(path=str(folder / f"{step}.png"), full_page=True)

    return shot
