"""Scheduled work on customers' chats, one restaurant per task."""

from __future__ import annotations

from assistant import inbox
from restaurants.tasks import restaurant_task


@restaurant_task("assistant.expire")
def conversations_expire() -> int:
    """End the chats idle for longer than the assistant settings allow."""
    return inbox.conversations_expire()


@restaurant_task("assistant.cleanup")
def conversations_cleanup() -> int:
    """Delete the chats that ended longer ago than the retention."""
    return inbox.conversations_cleanup()
