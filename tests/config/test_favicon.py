"""Browsers find the site's icon at /favicon.ico on every host, and the pages point to it."""

import pytest
from PIL import Image

from tests.conftest import MANAGER_A, PASSWORD


@pytest.mark.parametrize("host", ["casa-azul.localhost", "localhost"])
def test_favicon_is_an_image_on_a_restaurant_host_and_on_the_platforms(db, client, host):
    response = client.get("/favicon.ico", HTTP_HOST=host)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an icon file, not a page


def test_favicon_holds_the_sizes_browser_tabs_use(settings):
    with Image.open(settings.WHITENOISE_ROOT / "favicon.ico") as icon:
        assert {(16, 16), (32, 32)} <= set(icon.info["sizes"])


def test_the_booking_page_and_the_admin_link_to_the_favicon(client_a):
    booking_page = client_a.get("/").content.decode()
    login_page = client_a.get("/admin/login/").content.decode()
    client_a.post("/admin/login/", {"username": MANAGER_A, "password": PASSWORD})
    admin_page = client_a.get("/admin/").content.decode()

    for page in (booking_page, login_page, admin_page):
        assert '<link rel="icon" href="/favicon.ico"' in page
