"""Read customers' messages as JSON lines on stdin; write what the assistant understood.

One output line per input line, in order, so that a labelled set can be scored against it.
``--engine openai`` reads them with the restaurant's OpenAI model (a strict JSON schema) instead
of the built-in rules; the lines are the same.
"""

import datetime
import json
import sys
import zoneinfo
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from assistant.management.lines import local_time, restaurant_named, texts_of
from assistant.model_engine import api_key_for, model_understand, openai_client
from assistant.models import AssistantSettings
from assistant.understanding import Understanding, understand


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = 'Understand chat messages ({"text": …} per line on stdin) for one restaurant.'

    def add_arguments(self, parser):
        parser.add_argument("--restaurant", required=True, help="the restaurant's slug")
        parser.add_argument(
            "--now",
            help="the restaurant's local time, ISO 8601 (default: now in its time zone)",
        )
        parser.add_argument(
            "--engine",
            choices=("offline", "openai"),
            default="offline",
            help="the built-in rules (default) or the restaurant's OpenAI model",
        )

    def handle(self, *args, restaurant, now, engine, **options):
        lines = options.get("stdin") or sys.stdin
        found = restaurant_named(restaurant)
        if now:
            local_now = local_time(now)
        else:
            zone = zoneinfo.ZoneInfo(found.timezone)
            local_now = datetime.datetime.now(zone).replace(tzinfo=None)
        read = _reader(engine, found, local_now)
        for text in texts_of(lines):
            understood = read(text)
            self.stdout.write(
                json.dumps(
                    {
                        "intent": understood.intent,
                        "date": understood.date.isoformat() if understood.date else None,
                        "time": understood.time.strftime("%H:%M") if understood.time else None,
                        "party_size": understood.party_size,
                        "name": understood.name,
                    },
                    ensure_ascii=False,
                )
            )


def _reader(engine: str, found, local_now: datetime.datetime) -> Callable[[str], Understanding]:
    """How the engine asked for reads one message."""
    if engine == "offline":
        language = getattr(found, "language", None)
        return lambda text: understand(text, now=local_now, language_hint=language)
    with tenant_context(found):
        settings = AssistantSettings.objects.first() or AssistantSettings()
    api_key = api_key_for(settings)
    if not api_key:
        raise CommandError("No OpenAI key: set OPENAI_API_KEY or the restaurant's own.")
    client = openai_client(api_key=api_key, timeout=settings.model_timeout_seconds)
    return lambda text: model_understand(
        text, now=local_now, client=client, model=settings.openai_model
    )
