"""Book, reschedule and move a booking along its lifecycle, from any door.

A booking is more than its row: the customer who made it, the dishes pre-ordered with it,
its consumption note, the messages that tell the customer and the events that tell the
restaurant's partners. Each workflow here calls the domain services below in one
transaction, and what must follow the commit (the message, the partners' webhooks, the live
floor) is scheduled by them with ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.services import note_follow_booking, note_issue, note_void_with_booking
from menu.models import Dish
from menu.services import pre_order_add, pre_orders_release
from notifications.models import PartnerEvent
from notifications.partners import partner_event
from notifications.services import reservation_announce
from reservations import selectors
from reservations.models import (
    ActorKind,
    Customer,
    Reservation,
    ReservationSource,
    ReservationStatus,
    Table,
)
from reservations.services import bookings
from reservations.services.customers import customer_for_contact
from reservations.services.history import status_change_record

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contact:
    """Who is booking, as they typed it (a customer booking for themself)."""

    first_name: str
    last_name: str = ""
    phone: str = ""
    email: str = ""


@transaction.atomic
def booking_create(
    *,
    source: str,
    starts_at: dt.datetime,
    party_size: int,
    customer: Customer | None = None,
    contact: Contact | None = None,
    table: Table | None = None,
    area: str = "",
    special_requests: str = "",
    dishes: dict[Dish, int] | None = None,
    submission_key: str | None = None,
    by=None,
    now: dt.datetime | None = None,
) -> tuple[Reservation, bool]:
    """Book a table from any door (``source``: web, admin, whatsapp, phone, api), with the
    customer (given, or recognised from the ``contact`` they typed), the pre-ordered dishes
    and, for a customer's own booking, its numbered note; the confirmation follows the commit.

    Returns the reservation and whether it was created: the same ``submission_key`` sent
    twice returns the first booking.
    """
    if submission_key:
        existing = Reservation.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    by_customer = source != ReservationSource.ADMIN
    if by_customer:
        _check_online_party(party_size)
    if customer is None:
        if contact is None:
            raise ValueError("booking_create needs a customer or a contact")
        # Messages about the booking are written in the language it was made in.
        language = (translation.get_language() or "")[:2]
        customer, _created = customer_for_contact(
            first_name=contact.first_name,
            last_name=contact.last_name,
            phone=contact.phone,
            email=contact.email,
            language=language if language in ("es", "en") else "",
        )
    reservation = bookings.reservation_create(
        customer=customer,
        starts_at=starts_at,
        party_size=party_size,
        source=source,
        table=table,
        area=area,
        special_requests=special_requests,
        created_by=by,
        submission_key=submission_key,
        now=now,
    )
    for dish, quantity in (dishes or {}).items():
        if quantity:
            pre_order_add(reservation=reservation, dish=dish, quantity=quantity)
    if by_customer:
        # Numbered now, so that the confirmation can name it (a draft: pre-orders changed
        # later follow it, and cancelling voids it).
        note_issue(reservation=reservation)
    if reservation.status == ReservationStatus.CONFIRMED:
        reservation_announce(reservation=reservation, event="confirmation")
    partner_event(event=PartnerEvent.RESERVATION_CREATED, reservation=reservation)
    return reservation, True


def _check_online_party(party_size: int) -> None:
    """Customers book online for up to the policy's largest party; staff take larger ones."""
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


def booking_check(
    *,
    starts_at: dt.datetime,
    party_size: int,
    source: str = ReservationSource.ADMIN,
    table: Table | None = None,
    exclude_reservation: Reservation | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Raise what booking (or rescheduling ``exclude_reservation``) would raise, without
    writing: for forms to show next to their fields."""
    bookings.reservation_check(
        starts_at=starts_at,
        party_size=party_size,
        source=source,
        table=table,
        exclude_reservation=exclude_reservation,
        now=now,
    )


@transaction.atomic
def booking_reschedule(
    *,
    reservation: Reservation,
    starts_at: dt.datetime,
    party_size: int,
    table: Table | None = None,
    special_requests: str | None = None,
    by=None,
    source: str = ReservationSource.ADMIN,
    now: dt.datetime | None = None,
) -> Reservation:
    """Give a booking another time, party size or table; its draft note follows it to the
    new service day and table, and a confirmed customer is told of the change."""
    before = (reservation.starts_at, reservation.table_id, reservation.party_size)
    if source != ReservationSource.ADMIN and party_size > reservation.party_size:
        # Customers' doors take parties up to the online maximum; staying as large as
        # booked (staff may have booked it larger) is no new large party.
        _check_online_party(party_size)
    moved = bookings.reservation_reschedule(
        reservation=reservation,
        starts_at=starts_at,
        party_size=party_size,
        table=table,
        special_requests=special_requests,
        by=by,
        source=source,
        now=now,
    )
    if (moved.starts_at, moved.table_id, moved.party_size) == before:
        return moved
    note_follow_booking(reservation=moved, by=by)
    if moved.status == ReservationStatus.CONFIRMED:
        reservation_announce(
            reservation=moved,
            event="change",
            moment=f"{moved.starts_at.astimezone(dt.UTC):%Y%m%dT%H%MZ}-{moved.table_id}"
            f"-{moved.party_size}",
        )
    partner_event(event=PartnerEvent.RESERVATION_UPDATED, reservation=moved)
    return moved


@transaction.atomic
def bookings_transition(
    *, reservations, to: str, by=None, actor_kind: str | None = None, reason: str = ""
) -> tuple[list[Reservation], list[tuple[Reservation, str]]]:
    """Move the bookings of this queryset along their lifecycle (see
    ``reservations.services.bookings.reservations_transition``); returns those moved and
    those refused with the reason. A cancelled booking gives its dishes back to stock and
    voids its draft note; the customer is told of a confirmation or a cancellation."""
    moved, refused = bookings.reservations_transition(
        reservations=reservations, to=to, by=by, actor_kind=actor_kind, reason=reason
    )
    for reservation in moved:
        if to == ReservationStatus.CANCELLED:
            pre_orders_release(reservation=reservation)
            note_void_with_booking(reservation=reservation, reason=_("Booking cancelled"), by=by)
        if to in (ReservationStatus.CONFIRMED, ReservationStatus.CANCELLED):
            event = "confirmation" if to == ReservationStatus.CONFIRMED else "cancellation"
            reservation_announce(reservation=reservation, event=event)
        partner_event(
            event=PartnerEvent.RESERVATION_CANCELLED
            if to == ReservationStatus.CANCELLED
            else PartnerEvent.RESERVATION_UPDATED,
            reservation=reservation,
        )
    return moved, refused


def booking_transition(
    *,
    reservation: Reservation,
    to: str,
    by=None,
    actor_kind: str | None = None,
    reason: str = "",
) -> Reservation:
    """Move one booking along its lifecycle (see ``bookings_transition``); a move the
    lifecycle does not allow is refused with a ``ValidationError``."""
    moved, refused = bookings_transition(
        reservations=Reservation.objects.filter(pk=reservation.pk),
        to=to,
        by=by,
        actor_kind=actor_kind,
        reason=reason,
    )
    return bookings.the_one_moved(reservation, moved, refused)


# --- The customer's own changes, through the manage link --------------------------------


def online_changes_close_at(reservation: Reservation) -> dt.datetime:
    """When the customer's own changes through the manage link close (the cut-off)."""
    cutoff = dt.timedelta(minutes=selectors.booking_policy_cached().cancel_cutoff_minutes)
    return reservation.starts_at - cutoff


def _check_cutoff(reservation: Reservation, now: dt.datetime) -> None:
    if reservation.status not in (ReservationStatus.PENDING, ReservationStatus.CONFIRMED):
        raise ValidationError(
            _("This booking is %(status)s and can no longer be changed online.")
            % {"status": reservation.get_status_display().lower()}
        )
    cutoff = reservation.starts_at - online_changes_close_at(reservation)
    if now > reservation.starts_at - cutoff:
        raise ValidationError(
            _(
                "Online changes close %(minutes)s minutes before the booking; please call "
                "the restaurant."
            )
            % {"minutes": int(cutoff.total_seconds() // 60)}
        )


@transaction.atomic
def booking_cancel_by_customer(
    *, reservation: Reservation, now: dt.datetime | None = None
) -> Reservation:
    """The customer cancels through the manage link, until the restaurant's cut-off."""
    _check_cutoff(reservation, now or timezone.now())
    return booking_transition(
        reservation=reservation,
        to=ReservationStatus.CANCELLED,
        actor_kind=ActorKind.CUSTOMER,
        reason=_("cancelled online"),
    )


@transaction.atomic
def booking_reschedule_by_customer(
    *,
    reservation: Reservation,
    starts_at: dt.datetime | None = None,
    party_size: int | None = None,
    special_requests: str | None = None,
    source: str = ReservationSource.WEB,
    now: dt.datetime | None = None,
) -> Reservation:
    """The customer moves the booking to another free time or party size, or adds a remark
    (through the manage link or a chat), until the cut-off."""
    now = now or timezone.now()
    _check_cutoff(reservation, now)
    starts_at = starts_at or reservation.starts_at
    party_size = party_size or reservation.party_size
    if party_size > reservation.party_size:
        _check_online_party(party_size)
    zone = selectors.restaurant_zone()
    before = reservation.starts_at
    moved = booking_reschedule(
        reservation=reservation,
        starts_at=starts_at,
        party_size=party_size,
        special_requests=special_requests,
        source=source,
        now=now,
    )
    if moved.starts_at != before:
        status_change_record(
            subject=moved,
            from_status=moved.status,
            to_status=moved.status,
            actor_kind=ActorKind.CUSTOMER,
            reason=_("rescheduled online from %(before)s to %(after)s")
            % {
                "before": f"{before.astimezone(zone):%d/%m %H:%M}",
                "after": f"{starts_at.astimezone(zone):%d/%m %H:%M}",
            },
        )
    return moved
