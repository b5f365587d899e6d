"""Read customers' messages as JSON lines on stdin; write what the assistant understood.

One output line per input line, in order, so that a labelled set can be scored against it.
"""

import datetime
import json
import sys
import zoneinfo

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context

from assistant.understanding import understand
from restaurants.models import Restaurant


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = 'Understand chat messages ({"text": …} per line on stdin) for one restaurant.'

    def add_arguments(self, parser):
        parser.add_argument("--restaurant", required=True, help="the restaurant's slug")
        parser.add_argument(
            "--now",
            help="the restaurant's local time, ISO 8601 (default: now in its time zone)",
        )

    def handle(self, *args, restaurant, now, **options):
        lines = options.get("stdin") or sys.stdin
        with schema_context(get_public_schema_name()):
            found = Restaurant.objects.filter(slug=restaurant).first()
        if found is None:
            raise CommandError(f"No restaurant with the slug {restaurant!r}.")
        if now:
            try:
                local_now = datetime.datetime.fromisoformat(now).replace(tzinfo=None)
            except ValueError as error:
                raise CommandError(f"--now is not an ISO 8601 time: {now!r}.") from error
        else:
            zone = zoneinfo.ZoneInfo(found.timezone)
            local_now = datetime.datetime.now(zone).replace(tzinfo=None)
        language = getattr(found, "language", None)
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                text = json.loads(line)["text"]
            except (ValueError, KeyError, TypeError) as error:
                raise CommandError(f"Line {number} is not a JSON object with a text.") from error
            understood = understand(text, now=local_now, language_hint=language)
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
