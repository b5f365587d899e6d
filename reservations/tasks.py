"""Scheduled work on the book itself, one restaurant per task."""

from reservations.services.book_version import book_changes_prune
from restaurants.tasks import restaurant_task


@restaurant_task("reservations.book_changes")
def book_changes_cleanup() -> int:
    """Keep only the newest of the book's change rows (its version)."""
    return book_changes_prune()
