"""The book's version (reservations' migration 0012): the triggers add a row per change; the
cleanup job keeps only the newest, and a bulk load done around the triggers marks one."""

from django.db import connection

NOW_MICROSECONDS = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"


def book_changes_prune() -> int:
    """Delete every change row but the newest (the version stays as it is); returns how many
    went."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reservations_bookchange"
            " WHERE changed < (SELECT max(changed) FROM reservations_bookchange)"
        )
        return cursor.rowcount


def book_changed() -> None:
    """Move the version, for a change the triggers did not see (a TRUNCATE)."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO reservations_bookchange (changed) VALUES ({NOW_MICROSECONDS})")
