"""Logs an operator can ship: JSON lines on demand with the restaurant and the request's id,
and an error tracker that is told nothing about customers."""

import gzip
import io
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from config.sentry import scrub_event
from restaurants.log import JsonFormatter, RestaurantLogFilter
from tests.conftest import ROOT

EMAIL = "lucia.zambrano@example.com"
PHONE = "+52 55 1234 5678"


@pytest.fixture
def json_lines():
    """What Django's request logger writes while the test runs, formatted as JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RestaurantLogFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_a_request_keeps_its_x_request_id_and_its_log_line_names_it_and_the_restaurant(
    client_a, json_lines
):
    response = client_a.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a9c.42")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-7f3a9c.42"
    [line] = [line for line in json_lines() if line["request_id"] == "lb-7f3a9c.42"]
    assert line["schema"] == "casa_azul"
    assert (line["level"], line["logger"]) == ("WARNING", "django.request")
    assert "/no-such-page/" in line["message"]
    assert line["time"].endswith("+00:00")


def test_a_request_without_a_sane_id_gets_a_new_one(client_a):
    given = client_a.get("/robots.txt", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    other = client_a.get("/robots.txt")

    assert given["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(given["X-Request-ID"]) == 32 and given["X-Request-ID"].isalnum()
    assert other["X-Request-ID"] not in ("", given["X-Request-ID"])


def test_an_exception_is_one_json_line_with_its_traceback():
    record = logging.LogRecord("comensal", logging.ERROR, __file__, 1, "failed %s", ("x",), None)
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    RestaurantLogFilter().filter(record)

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed x" and entry["schema"] == "public"
    assert "ValueError: boom" in entry["exception"]


LOG_ONE_LINE = textwrap.dedent(
    """
    import logging, django
    django.setup()
    logging.getLogger("comensal.check").warning("table %s freed", "M01")
    """
)


def _log_one_line(**env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", LOG_ONE_LINE],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stderr.strip().splitlines()[-1]


def test_plain_lines_stay_the_default_and_json_is_one_object_a_line():
    plain = _log_one_line()
    assert " level=WARNING schema=public logger=comensal.check table M01 freed" in plain

    entry = json.loads(_log_one_line(COMENSAL_LOG_FORMAT="json"))
    assert entry["message"] == "table M01 freed"
    assert (entry["level"], entry["schema"], entry["request_id"]) == ("WARNING", "public", "-")


# --- The error tracker ----------------------------------------------------------------------


def test_the_scrubber_leaves_no_email_phone_or_name_in_an_event():
    event = {
        "event_id": "abc",
        "message": f"could not message {PHONE} or {EMAIL}",
        "exception": {
            "values": [{"type": "IntegrityError", "value": f"Key (email)=({EMAIL}) exists"}]
        },
        "request": {
            "url": "https://casa-azul.comensal.example/",
            "method": "POST",
            "data": {"first_name": "Lucía", "last_name": "Zambrano", "phone": PHONE},
            "cookies": {"sessionid": "s"},
            "headers": {"Cookie": "sessionid=s", "Authorization": "Token t"},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"id": 7, "email": EMAIL, "username": EMAIL, "ip_address": "203.0.113.9"},
        "breadcrumbs": {
            "values": [
                {"message": f"SELECT … WHERE phone = '{PHONE}'", "data": {"email": EMAIL}},
                {"message": "reservation ABCD2345 confirmed"},
            ]
        },
        "extra": {"customer": "Lucía Zambrano", "party_size": 4},
    }

    scrubbed = json.dumps(scrub_event(event), ensure_ascii=False)

    for personal in (EMAIL, "lucia.zambrano", "1234 5678", "Lucía", "Zambrano", "203.0.113.9"):
        assert personal not in scrubbed, personal
    assert "sessionid" not in scrubbed and "Token t" not in scrubbed
    kept = scrub_event(event)
    assert kept["user"] == {"id": 7}
    assert kept["request"]["url"] == "https://casa-azul.comensal.example/"
    assert kept["exception"]["values"][0]["type"] == "IntegrityError"
    assert kept["breadcrumbs"]["values"][1]["message"] == "reservation ABCD2345 confirmed"
    assert kept["extra"]["party_size"] == 4


def test_without_a_dsn_the_error_tracker_is_not_started():
    assert not os.environ.get("SENTRY_DSN")
    assert not sentry_sdk.get_client().is_active()


class _FakeSentry(BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


SEND_AN_ERROR = textwrap.dedent(
    f"""
    import logging, django, sentry_sdk
    django.setup()
    try:
        raise RuntimeError("no table for {EMAIL} ({PHONE})")
    except RuntimeError:
        logging.getLogger("booking").exception("booking failed for %s", "{PHONE}")
    sentry_sdk.flush(5)
    """
)


def test_an_error_reaches_the_tracker_without_the_customers_email_or_phone():
    _FakeSentry.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        subprocess.run(
            [sys.executable, "-c", SEND_AN_ERROR],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "SENTRY_DSN": f"http://public@127.0.0.1:{server.server_port}/1",
            },
            capture_output=True,
            timeout=60,
            check=True,
        )
    finally:
        server.shutdown()
        server.server_close()

    sent = b"".join(_FakeSentry.received).decode()
    assert "RuntimeError" in sent and "booking failed for" in sent
    for personal in (EMAIL, "lucia.zambrano", PHONE, "1234 5678"):
        assert personal not in sent, personal
