"""Scheduled work on bookings, one restaurant per task."""

from __future__ import annotations

import logging

from booking.services.clock import bookings_follow_clock
from restaurants.tasks import restaurant_task

logger = logging.getLogger(__name__)


@restaurant_task("booking.clock")
def bookings_clock() -> dict[str, int]:
    """Expire, seat, finish and mark no-shows, and reserve tables, as the clock says."""
    moved = bookings_follow_clock()
    if any(moved.values()):
        logger.info("activation %s", " ".join(f"{key}={value}" for key, value in moved.items()))
    return moved
