"""The assistant's side of the conversation (to be written)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection


@dataclass
class Answer:
    reply: str
    intent: str = ""
    actions: list[dict] = field(default_factory=list)
    handoff_reason: str = ""


def restaurant_language() -> str:
    return getattr(connection.tenant, "language", "es") or "es"


def respond(*, conversation, text: str, now: dt.datetime, settings) -> Answer:
    raise NotImplementedError
