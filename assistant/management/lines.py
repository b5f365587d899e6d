"""What the assistant's commands share: the restaurant named, its local "now", and the
customer messages read as JSON lines."""

import datetime
import json
from collections.abc import Iterable, Iterator

from django.core.management.base import CommandError
from django_tenants.utils import get_public_schema_name, schema_context

from restaurants.models import Restaurant


def restaurant_named(slug: str) -> Restaurant:
    with schema_context(get_public_schema_name()):
        found = Restaurant.objects.filter(slug=slug).first()
    if found is None:
        raise CommandError(f"No restaurant with the slug {slug!r}.")
    return found


def local_time(value: str, *, flag: str = "--now") -> datetime.datetime:
    """An ISO 8601 wall-clock time, without its zone (the restaurant's is meant)."""
    try:
        return datetime.datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError as error:
        raise CommandError(f"{flag} is not an ISO 8601 time: {value!r}.") from error


def texts_of(lines: Iterable[str]) -> Iterator[str]:
    """The ``text`` of each non-empty JSON line, in order."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield str(json.loads(line)["text"])
        except (ValueError, KeyError, TypeError) as error:
            raise CommandError(f"Line {number} is not a JSON object with a text.") from error
