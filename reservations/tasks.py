"""Scheduled work on reservations, one restaurant per task (its schema in the task headers)."""

from __future__ import annotations

import logging

from config.celery import app
from reservations import services

logger = logging.getLogger(__name__)


@app.task(name="reservations.activate")
def reservations_activate() -> dict[str, int]:
    """Seat and finish this restaurant's bookings as the clock says."""
    moved = services.reservations_activate()
    if any(moved.values()):
        logger.info("activation seated=%s finished=%s", moved["seated"], moved["finished"])
    return moved
