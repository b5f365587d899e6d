"""Debian's Chromium driven by Playwright (the web server is tests/conftest.py's)."""

from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "var" / "artifacts" / "browser"


@pytest.fixture(scope="package")
def sync_queries_beside_playwright():
    """Playwright's sync API keeps an event loop running in this thread while the browser is
    open; the tests' own ORM calls are plain sync code, so Django is told so, for this package
    only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def chromium(sync_queries_beside_playwright):
    """Debian's Chromium driven by Playwright (``dev.py test`` installs it where it can)."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def shots(request):
    """Save a screenshot of a page under var/artifacts/browser/<test>/<step>.png."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page, step: str):
        page.screenshot(path=str(folder / f"{step}.png"), full_page=True)

    return shot
