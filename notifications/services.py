"""Messages to customers. Until the providers are wired, a confirmation is logged only."""

import logging

from reservations.models import Reservation

logger = logging.getLogger(__name__)


def reservation_confirmation_send(*, reservation_id: int) -> None:
    """Hand a booking's confirmation to the customer's channel (logged for now)."""
    reservation = Reservation.objects.select_related("customer").get(pk=reservation_id)
    logger.info(
        "confirmation queued reservation=%s status=%s", reservation.reference, reservation.status
    )
