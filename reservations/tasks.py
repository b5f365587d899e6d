"""Scheduled work on reservations, one restaurant per task."""

from __future__ import annotations

import logging

from reservations import services
from restaurants.tasks import restaurant_task

logger = logging.getLogger(__name__)


@restaurant_task("reservations.activate")
def reservations_activate() -> dict[str, int]:
    """Seat, finish and mark no-shows, and reserve tables, as the clock says."""
    moved = services.reservations_activate()
    if any(moved.values()):
        logger.info("activation %s", " ".join(f"{key}={value}" for key, value in moved.items()))
    return moved
