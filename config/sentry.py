"""The error tracker (Sentry's SDK), on only when ``SENTRY_DSN`` is set, and told nothing
about customers: no request bodies, cookies, headers, users' details or local variables are
sent, and ``scrub_event`` masks emails and phone numbers in whatever text is left (exception
messages, log lines, breadcrumbs, URLs) and drops the values of fields named like a person's
details."""

from __future__ import annotations

import re
from typing import Any

FILTERED = "[Filtered]"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven digits or more, with the spaces, dots, dashes and brackets people write them with.
PHONE = re.compile(r"\+?\(?\d(?:[\s().-]{0,2}\d){6,}")
# Fields whose values are a person's details, wherever they appear in the event.
PERSONAL_KEYS = frozenset(
    {
        "first_name",
        "last_name",
        "name",
        "full_name",
        "customer",
        "email",
        "phone",
        "recipient",
        "address",
        "body",
        "special_requests",
        "username",
        "password",
        "ip_address",
        "cookies",
        "data",
        "authorization",
        "cookie",
        "x-forwarded-for",
    }
)
# Parts of an event that are the SDK's and the machine's, never a person's.
_LEFT_AS_IS = frozenset({"event_id", "timestamp", "start_timestamp", "sdk", "modules", "level"})


def scrub_text(text: str) -> str:
    return PHONE.sub(FILTERED, EMAIL.sub(FILTERED, text))


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            key: value[key]
            if key in _LEFT_AS_IS
            else FILTERED
            if isinstance(key, str) and key.lower() in PERSONAL_KEYS and value[key]
            else _scrub(value[key])
            for key in value
        }
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """The event with no email, phone or person's details left in it (``before_send``)."""
    event = dict(event)
    user = event.pop("user", None)
    if isinstance(user, dict) and user.get("id") is not None:
        event["user"] = {"id": user["id"]}
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {
            key: request[key] for key in ("url", "method", "query_string") if key in request
        }
    return _scrub(event)


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    return _scrub(crumb)


def sentry_init(dsn: str, *, environment: str, release: str = "") -> None:
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        # Errors only: performance tracing is Prometheus's (config/metrics.py).
        traces_sample_rate=0,
    )
