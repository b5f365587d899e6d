"""``Idempotency-Key`` on the API's writes: a POST retried with the same key and body gets the
first answer back, and is not done twice.

The first request with a key claims it in Redis (``SET NX``) and runs; its answer (any but a
5xx, a 401, 403 or 429, which a retry may well change) is kept 24 hours under the key. A retry
with the same key and the same method, path and body gets that answer again, marked
``Idempotent-Replayed: true``; with another body it is a 422. A retry arriving while the first
still runs waits for it (a few seconds), then gets its answer, or a 409 if it is still running.
Keys are the caller's: they are kept per restaurant (the cache's keys carry the schema) and
per credentials (the ``Authorization`` header or the session), so two partners' keys never
meet. While Redis is down a POST with a key is answered 503: it could not be kept once.
"""

from __future__ import annotations

import hashlib
import json
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _

from config.cache import REDIS_DOWN
from config.cache import health as redis_health
from restaurants.parsers import has_forbidden_characters

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255
KEPT_SECONDS = 24 * 60 * 60
# How long a claim lasts if its request dies without answering; how long a retry waits.
RUNNING_SECONDS = 60
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05
NOT_KEPT = {401, 403, 429}
RETRY_AFTER_SECONDS = 30


def _error(status: int, code: str, message: str, **headers) -> JsonResponse:
    response = JsonResponse({"code": code, "message": message, "fields": {}}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _digest(*parts: str | bytes) -> str:
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(part if isinstance(part, bytes) else part.encode())
        hashed.update(b"\0")
    return hashed.hexdigest()


class IdempotencyMiddleware:
    """See the module: the API's POSTs with an ``Idempotency-Key`` run once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not key.strip() or len(key) > KEY_MAX_LENGTH or has_forbidden_characters(key):
            return _error(
                400,
                "invalid_idempotency_key",
                _("The Idempotency-Key must be 1 to %(count)s characters.")
                % {"count": KEY_MAX_LENGTH},
            )
        try:
            body = request.body
        except RequestDataTooBig:
            return self.get_response(request)  # answered 413 by the API
        credentials = request.headers.get("Authorization", "") or request.COOKIES.get(
            settings.SESSION_COOKIE_NAME, ""
        )
        slot = cache.make_key(f"idempotency:{_digest(credentials, key)}")
        fingerprint = _digest(
            request.method, request.path, request.META.get("QUERY_STRING", ""), body
        )
        if not cache.reachable():
            return self._unavailable()
        try:
            client = cache._cache.get_client(write=True)
            claim = json.dumps({"fingerprint": fingerprint})
            if client.set(slot, claim, nx=True, ex=RUNNING_SECONDS):
                return self._run(request, client, slot, fingerprint)
            return self._replay(client, slot, fingerprint)
        except REDIS_DOWN as error:
            redis_health.failed(error)
            return self._unavailable()

    def _run(self, request, client, slot: str, fingerprint: str):
        try:
            response = self.get_response(request)
        except BaseException:
            client.delete(slot)
            raise
        kept = (
            response.status_code < 500
            and response.status_code not in NOT_KEPT
            and not response.streaming
        )
        if kept:
            answer = {
                "fingerprint": fingerprint,
                "status": response.status_code,
                "content_type": response.get("Content-Type", ""),
                "body": response.content.decode("utf-8", "replace"),
                "location": response.get("Location", ""),
            }
            client.set(slot, json.dumps(answer), ex=KEPT_SECONDS)
        else:
            client.delete(slot)  # a retry may do better: let it run
        return response

    def _replay(self, client, slot: str, fingerprint: str):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            stored = client.get(slot)
            answer = json.loads(stored) if stored else None
            if answer is not None and answer["fingerprint"] != fingerprint:
                return _error(
                    422,
                    "idempotency_key_reused",
                    _("This Idempotency-Key was already used for another request."),
                )
            if answer is not None and "status" in answer:
                response = JsonResponse({}, status=answer["status"])
                response.content = answer["body"].encode()
                response["Content-Type"] = answer["content_type"]
                if answer["location"]:
                    response["Location"] = answer["location"]
                response["Idempotent-Replayed"] = "true"
                return response
            if answer is None or time.monotonic() >= deadline:
                # Gone (the first request failed) or still running: the caller retries.
                return _error(
                    409,
                    "idempotency_key_in_use",
                    _("A request with this Idempotency-Key is still running. Try again shortly."),
                    **{"Retry-After": "1"},
                )
            time.sleep(POLL_SECONDS)

    @staticmethod
    def _unavailable():
        return _error(
            503,
            "unavailable",
            _("The API is briefly unavailable. Please try again in a moment."),
            **{"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
