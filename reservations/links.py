"""The signed link that lets a customer see, change or cancel their booking."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from reservations.models import Reservation

# A manage link stays valid this long after the booking's end.
MANAGE_LINK_GRACE = dt.timedelta(days=2)


def _schema_salt() -> str:
    # A link of one restaurant is not valid on another's host.
    return f"comensal.manage:{connection.schema_name}"


def _signer() -> signing.Signer:
    return signing.Signer(salt=_schema_salt())


def manage_token_for(reservation: Reservation) -> str:
    """The signed token of a reservation's manage link; it expires after the booking.

    The same booking always gets the same link (the expiry lives in the payload, not in a
    signing time), so a form sent twice or a message sent again points at one address.
    """
    expires = int((reservation.ends_at + MANAGE_LINK_GRACE).timestamp())
    return _signer().sign_object({"r": reservation.reference, "e": expires}, compress=True)


def _token_data(token: str) -> dict:
    if token.count(":") == 2:
        # Links sent before they were made stable carry a signing time as well.
        return signing.loads(token, salt=_schema_salt())
    return _signer().unsign_object(token)


def reservation_for_token(token: str, *, now: dt.datetime | None = None) -> Reservation:
    """The reservation a manage link points to; a tampered or expired link is refused."""
    try:
        data = _token_data(token)
        reservation = Reservation.objects.select_related("customer", "table").get(
            reference=data["r"]
        )
    except (signing.BadSignature, ValueError, KeyError, TypeError, Reservation.DoesNotExist):
        raise ValidationError(_("This booking link is not valid."), code="invalid") from None
    if (now or timezone.now()).timestamp() > data.get("e", 0):
        raise ValidationError(_("This booking link has expired."), code="expired")
    return reservation
