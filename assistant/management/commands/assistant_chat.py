"""Chat with a restaurant's assistant as one customer: JSON lines in, JSON lines out.

Each input line ``{"text": …}`` is one customer message; each output line is the answer,
``{"reply": …, "actions": […], "handoff": …}``, produced by exactly the code the WhatsApp
webhooks run (``assistant.services.conversation_receive``), bookings and replies included.
"""

import datetime
import json
import sys
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from assistant.management.lines import local_time, restaurant_named, texts_of
from assistant.services import Incoming, conversation_receive
from notifications.models import E164


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = 'Chat with the assistant as the customer --phone ({"text": …} per line on stdin).'

    def add_arguments(self, parser):
        parser.add_argument("--restaurant", required=True, help="the restaurant's slug")
        parser.add_argument("--phone", required=True, help="the customer's phone, +E.164")
        parser.add_argument(
            "--now",
            help="the restaurant's local time, ISO 8601 (default: now); each message is a "
            "second after the one before",
        )

    def handle(self, *args, restaurant, phone, now, **options):
        lines = options.get("stdin") or sys.stdin
        found = restaurant_named(restaurant)
        try:
            E164(phone)
        except ValidationError as error:
            raise CommandError(f"--phone is not an international number: {phone!r}.") from error
        zone = zoneinfo.ZoneInfo(found.timezone)
        moment = local_time(now).replace(tzinfo=zone) if now else None
        with tenant_context(found):
            for text in texts_of(lines):
                turn = conversation_receive(incoming=Incoming(phone=phone, text=text), now=moment)
                if moment is not None:
                    moment += datetime.timedelta(seconds=1)
                self.stdout.write(
                    json.dumps(
                        {"reply": turn.reply, "actions": turn.actions, "handoff": turn.handoff},
                        ensure_ascii=False,
                    )
                )
