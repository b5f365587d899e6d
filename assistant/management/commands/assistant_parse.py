"""Read customers' messages as JSON lines on stdin; write what the assistant understood.

One output line per input line, in order, so that a labelled set can be scored against it.
"""

import datetime
import json
import sys
import zoneinfo

from django.core.management.base import BaseCommand

from assistant.management.lines import local_time, restaurant_named, texts_of
from assistant.understanding import understand


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
        found = restaurant_named(restaurant)
        if now:
            local_now = local_time(now)
        else:
            zone = zoneinfo.ZoneInfo(found.timezone)
            local_now = datetime.datetime.now(zone).replace(tzinfo=None)
        language = getattr(found, "language", None)
        for text in texts_of(lines):
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
