"""Twilio's REST API and Meta's Graph API as a worker process reaches them in the tests: an
HTTP server on this machine that takes every message, answers as the provider does, and
keeps what it was sent. The real clients (twilio, requests) run unchanged; only their base
URLs (TWILIO_API_URL, META_GRAPH_URL) point here."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TWILIO_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$")
META_MESSAGES = re.compile(r"^/v[\d.]+/(\d+)/messages$")


@dataclass(frozen=True)
class Received:
    provider: str  # twilio or meta
    account: str  # the Twilio account SID, or the Meta phone number id sent from
    authorization: str
    fields: dict  # Twilio's form fields (one value each), or Meta's JSON
    answered_id: str  # the message id the fake gave back


class FakeProviders:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeProviders:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def environment(self) -> dict[str, str]:
        """The variables that send a process's messages here."""
        return {"TWILIO_API_URL": self.url, "META_GRAPH_URL": f"{self.url}/v21.0"}

    def forget(self) -> None:
        with self._lock:
            self.received.clear()

    def wait_for(self, count: int, *, provider: str, timeout: float = 30) -> list[Received]:
        """The first ``count`` messages sent to ``provider``, once they have come (or as
        many as came within ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                got = [item for item in self.received if item.provider == provider]
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.05)

    def _keep(self, provider: str, account: str, authorization: str, fields: dict) -> str:
        with self._lock:
            number = next(self._ids)
            answered_id = f"SM{number:032d}" if provider == "twilio" else f"wamid.FAKE{number}"
            self.received.append(Received(provider, account, authorization, fields, answered_id))
            return answered_id

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                authorization = self.headers.get("Authorization", "")
                if match := TWILIO_MESSAGES.match(self.path):
                    fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                    answered_id = fake._keep("twilio", match[1], authorization, fields)
                    self._answer(201, {"sid": answered_id, "status": "queued"})
                elif match := META_MESSAGES.match(self.path):
                    fields = json.loads(body)
                    answered_id = fake._keep("meta", match[1], authorization, fields)
                    self._answer(
                        200,
                        {
                            "messaging_product": "whatsapp",
                            "contacts": [{"input": fields.get("to"), "wa_id": fields.get("to")}],
                            "messages": [{"id": answered_id}],
                        },
                    )
                else:
                    self._answer(404, {"error": {"message": "unknown path"}})

            def _answer(self, status: int, document: dict) -> None:
                payload = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        return Handler
