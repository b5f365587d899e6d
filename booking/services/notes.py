"""A booking's bill paid: the note charged and, with it, the party's table freed."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from billing.models import ConsumptionNote
from billing.services import note_charge
from booking.services.bookings import bookings_transition
from notifications.models import PartnerEvent
from notifications.partners import partner_event
from reservations import selectors
from reservations.models import Reservation, ReservationStatus


@transaction.atomic
def booking_note_charge(
    *, note: ConsumptionNote, payments: dict[str, Decimal], by=None
) -> ConsumptionNote:
    """Charge the note (see ``billing.services.note_charge``); when the restaurant says so
    (on by default), the seated party whose bill this is is finished and its table freed,
    recorded in the history as the cashier's act. Partners are told of the paid bill."""
    paid = note_charge(note=note, payments=payments, by=by)
    if selectors.booking_policy_get().finish_when_paid:
        bookings_transition(
            reservations=Reservation.objects.filter(
                pk=paid.reservation_id, status=ReservationStatus.SEATED
            ),
            to=ReservationStatus.FINISHED,
            by=by,
            reason=_("bill %(number)s paid") % {"number": paid.number},
        )
    # After the finish, so that the paid bill's booking is shown as it stands at the commit.
    partner_event(event=PartnerEvent.NOTE_PAID, note=paid)
    return paid
