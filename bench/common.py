"""What several benchmarks share; imported after Django is set up."""

from django.db import connection

from assistant.models import Conversation
from billing.models import ConsumptionNote
from menu.models import PreOrder
from notifications.models import Message
from reservations.models import Customer, Reservation, StatusChange
from reservations.services.book_version import book_changed

# A restaurant's book: what a run writes and the next run empties.
BOOK_MODELS = [
    Reservation,
    Customer,
    StatusChange,
    Message,
    Conversation,
    ConsumptionNote,
    PreOrder,
]


def book_empty() -> None:
    """Delete every booking, customer, note, message and conversation of the restaurant."""
    tables = ", ".join(
        f'"{connection.schema_name}"."{model._meta.db_table}"' for model in BOOK_MODELS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")
    # Cached calendars are keyed by the book's version: the emptied book is a new one.
    book_changed()


def scale_slug(number: int) -> str:
    """The slug of bench/scale.py's restaurant ``number`` (from 1)."""
    return f"bench-scale-{number:04d}"


def scale_name(number: int) -> str:
    return f"Bench Scale {number:04d}"
