"""Customers booking for themselves: the public page's and the widget's services.

The same booking services as the admin run underneath; this module adds what only a
customer needs: one transaction for the booking and its pre-order, the one-time
submission key, the signed manage link, and the cancellation cut-off.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.amounts import note_amounts
from billing.services import note_issue
from menu.models import Dish
from menu.services import pre_order_add
from reservations import selectors, services
from reservations.models import ActorKind, Reservation, ReservationSource, ReservationStatus

logger = logging.getLogger(__name__)

# A manage link stays valid this long after the booking's end.
MANAGE_LINK_GRACE = dt.timedelta(days=2)


@dataclass(frozen=True)
class PreOrderEstimate:
    """What the consumption note will say for the table price and the pre-ordered dishes."""

    lines: list[tuple[str, int, Decimal, Decimal]]
    table_price: Decimal
    subtotal: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal


def pre_order_estimate(
    *, table_price: Decimal, items: list[tuple[str, int, Decimal]]
) -> PreOrderEstimate:
    """Subtotal, tax and total as the note will compute them (billing's own arithmetic).

    ``items`` are (dish name, quantity, unit price)."""
    lines = [(name, quantity, price, price * quantity) for name, quantity, price in items]
    tax_rate = selectors.booking_policy_cached().tax_rate
    amounts = note_amounts(
        line_amounts=[table_price, *(amount for *_, amount in lines)], tax_rate=tax_rate
    )
    return PreOrderEstimate(
        lines=lines,
        table_price=table_price,
        subtotal=amounts.subtotal,
        tax_rate=tax_rate,
        tax=amounts.tax,
        total=amounts.total,
    )


def _schema_salt() -> str:
    # A link of one restaurant is not valid on another's host.
    return f"comensal.manage:{connection.schema_name}"


def manage_token_for(reservation: Reservation) -> str:
    """The signed token of a reservation's manage link; it expires after the booking."""
    expires = int((reservation.ends_at + MANAGE_LINK_GRACE).timestamp())
    return signing.dumps({"r": reservation.reference, "e": expires}, salt=_schema_salt())


def reservation_for_token(token: str, *, now: dt.datetime | None = None) -> Reservation:
    """The reservation a manage link points to; a tampered or expired link is refused."""
    try:
        data = signing.loads(token, salt=_schema_salt())
        reservation = Reservation.objects.select_related("customer", "table").get(
            reference=data["r"]
        )
    except (signing.BadSignature, KeyError, TypeError, Reservation.DoesNotExist):
        raise ValidationError(_("This booking link is not valid."), code="invalid") from None
    if (now or timezone.now()).timestamp() > data.get("e", 0):
        raise ValidationError(_("This booking link has expired."), code="expired")
    return reservation


@transaction.atomic
def reservation_book_online(
    *,
    first_name: str,
    last_name: str,
    phone: str,
    email: str,
    starts_at: dt.datetime,
    party_size: int,
    special_requests: str = "",
    dishes: dict[Dish, int] | None = None,
    submission_key: str,
    now: dt.datetime | None = None,
) -> tuple[Reservation, bool]:
    """Book from the public form: customer, reservation and pre-order, all or nothing.

    Returns the reservation and whether it was created; the same submission sent twice
    returns the first booking.
    """
    existing = Reservation.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return existing, False
    largest = selectors.booking_policy_cached().online_max_party_size
    if party_size > largest:
        raise ValidationError(
            {
                "party_size": _(
                    "Online bookings are for up to %(count)s people; please call us for "
                    "larger parties."
                )
                % {"count": largest}
            }
        )
    # Messages about the booking are written in the language it was made in.
    language = (translation.get_language() or "")[:2]
    customer, _created = services.customer_get_or_create(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone,
        email=email,
        **({"language": language} if language in ("es", "en") else {}),
    )
    if language in ("es", "en") and customer.language != language:
        customer.language = language
        customer.save(update_fields=["language", "updated_at"])
    reservation = services.reservation_create(
        customer=customer,
        starts_at=starts_at,
        party_size=party_size,
        source=ReservationSource.WEB,
        special_requests=special_requests,
        submission_key=submission_key,
        now=now,
    )
    for dish, quantity in (dishes or {}).items():
        if quantity:
            pre_order_add(reservation=reservation, dish=dish, quantity=quantity)
    # Numbered now, so that the confirmation can name it (a draft: pre-orders changed later
    # in admin follow it, and cancelling voids it).
    note_issue(reservation=reservation)
    return reservation, True


def _check_cutoff(reservation: Reservation, now: dt.datetime) -> None:
    if reservation.status not in (ReservationStatus.PENDING, ReservationStatus.CONFIRMED):
        raise ValidationError(
            _("This booking is %(status)s and can no longer be changed online.")
            % {"status": reservation.get_status_display().lower()}
        )
    cutoff = dt.timedelta(minutes=selectors.booking_policy_cached().cancel_cutoff_minutes)
    if now > reservation.starts_at - cutoff:
        raise ValidationError(
            _(
                "Online changes close %(minutes)s minutes before the booking; please call "
                "the restaurant."
            )
            % {"minutes": int(cutoff.total_seconds() // 60)}
        )


@transaction.atomic
def reservation_cancel_online(
    *, reservation: Reservation, now: dt.datetime | None = None
) -> Reservation:
    """The customer cancels through the manage link, until the restaurant's cut-off."""
    now = now or timezone.now()
    _check_cutoff(reservation, now)
    return services.reservation_transition(
        reservation=reservation,
        to=ReservationStatus.CANCELLED,
        actor_kind=ActorKind.CUSTOMER,
        reason=_("cancelled online"),
    )


@transaction.atomic
def reservation_move_online(
    *, reservation: Reservation, starts_at: dt.datetime, now: dt.datetime | None = None
) -> Reservation:
    """The customer moves the booking to another free time, until the cut-off."""
    now = now or timezone.now()
    _check_cutoff(reservation, now)
    zone = selectors.restaurant_zone()
    before = reservation.starts_at
    moved = services.reservation_update(
        reservation=reservation,
        starts_at=starts_at,
        party_size=reservation.party_size,
        source=ReservationSource.WEB,
        now=now,
    )
    services.status_change_record(
        subject=moved,
        from_status=moved.status,
        to_status=moved.status,
        actor_kind=ActorKind.CUSTOMER,
        reason=_("moved online from %(before)s to %(after)s")
        % {
            "before": f"{before.astimezone(zone):%d/%m %H:%M}",
            "after": f"{starts_at.astimezone(zone):%d/%m %H:%M}",
        },
    )
    return moved
