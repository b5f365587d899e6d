"""The book's own rules for writing a reservation: validate, place it on a table the
database agrees is free, move it along its lifecycle.

Only the workflows in ``booking.services`` call these (an import-linter contract says so):
a booking also has its pre-order, its note and its messages, which live above this app.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, When
from django.utils import timezone
from django.utils.translation import gettext as _

from reservations import live, selectors
from reservations.models import (
    RESERVATION_TRANSITIONS,
    ActorKind,
    Customer,
    Reservation,
    ReservationSource,
    ReservationStatus,
    Table,
    TableStatus,
)
from reservations.services.history import status_change_record, statuses_write
from reservations.services.tables import tables_transition

logger = logging.getLogger(__name__)

# Sources where a customer books for themself: the minimum notice applies.
CUSTOMER_SOURCES = {
    ReservationSource.WEB,
    ReservationSource.WHATSAPP,
    ReservationSource.PHONE,
    ReservationSource.API,
}
# Attempts at another table when the best one is taken between reading and writing.
BOOKING_ATTEMPTS = 3


def _validate_booking(
    *,
    starts_at: dt.datetime,
    party_size: int,
    source: str,
    table: Table | None,
    now: dt.datetime,
) -> selectors.PolicySnapshot:
    snapshot = selectors.booking_policy_snapshot()
    zone = selectors.restaurant_zone()
    if not isinstance(party_size, int) or party_size < 1:
        raise ValidationError({"party_size": _("The party must be at least one person.")})
    if not snapshot.enabled and source != ReservationSource.ADMIN:
        raise ValidationError(_("The restaurant is not taking reservations right now."))
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": _("The time must carry its time zone.")})
    if starts_at < now:
        raise ValidationError({"starts_at": _("That time has already passed.")})
    if source in CUSTOMER_SOURCES and starts_at < now + snapshot.min_notice:
        minutes = int(snapshot.min_notice.total_seconds() // 60)
        raise ValidationError(
            {"starts_at": _("Bookings need %(minutes)s minutes' notice.") % {"minutes": minutes}}
        )
    local_day = starts_at.astimezone(zone).date()
    if local_day > now.astimezone(zone).date() + dt.timedelta(days=snapshot.max_days_ahead):
        raise ValidationError(
            {
                "starts_at": _("Bookings open %(days)s days ahead at most.")
                % {"days": snapshot.max_days_ahead}
            }
        )
    service_day = selectors.service_day_of(snapshot, starts_at, zone)
    if service_day is None:
        if snapshot.is_closed(local_day) or not snapshot.periods.get(local_day.weekday()):
            raise ValidationError({"starts_at": _("The restaurant is closed that day.")})
        raise ValidationError(
            {
                "starts_at": _(
                    "That time is outside the opening hours (the last booking ends by closing)."
                )
            }
        )
    # Customers book the times they are offered, which pack the tables; staff may write the
    # time a guest actually gives on the phone or at the door.
    if source in CUSTOMER_SOURCES and starts_at not in selectors.service_slots(
        snapshot, service_day, zone
    ):
        minutes = int(snapshot.interval.total_seconds() // 60)
        raise ValidationError(
            {
                "starts_at": _(
                    "Choose one of the times offered: bookings start every %(minutes)s minutes."
                )
                % {"minutes": minutes}
            }
        )
    if table is not None:
        if table.status == TableStatus.MAINTENANCE:
            raise ValidationError(
                {"table": _("Table %(code)s is in maintenance.") % {"code": table.code}}
            )
        if not table.min_capacity <= party_size <= table.max_capacity:
            raise ValidationError(
                {
                    "table": _("Table %(code)s seats %(min)s to %(max)s people.")
                    % {"code": table.code, "min": table.min_capacity, "max": table.max_capacity}
                }
            )
    return snapshot


def _is_overlap(error: IntegrityError) -> bool:
    return "reservation_no_overlap" in str(error)


def _taken_error(table: Table | None):
    if table is None:
        return ValidationError(_("No table is free for that party at that time."))
    return ValidationError(
        {"table": _("Table %(code)s is already booked at that time.") % {"code": table.code}}
    )


def reservation_check(
    *,
    starts_at: dt.datetime,
    party_size: int,
    source: str = ReservationSource.ADMIN,
    table: Table | None = None,
    exclude_reservation: Reservation | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Raise what booking would raise, without writing: for forms to show next to fields.

    When nothing is free, the message names the nearest free times.
    """
    now = now or timezone.now()
    snapshot = _validate_booking(
        starts_at=starts_at, party_size=party_size, source=source, table=table, now=now
    )
    free = selectors.table_best_for(
        starts_at=starts_at,
        party_size=party_size,
        duration=snapshot.duration,
        exclude_reservation=exclude_reservation,
    )
    if table is not None and table.pk in {free_table.id for free_table in free}:
        return
    if table is None and free:
        return
    alternatives = selectors.alternatives_for(starts_at=starts_at, party_size=party_size, now=now)
    error = _taken_error(table)
    if alternatives:
        zone = selectors.restaurant_zone()
        times = ", ".join(f"{slot.starts_at.astimezone(zone):%d/%m %H:%M}" for slot in alternatives)
        message = (
            " ".join(error.messages) + " " + _("Nearest free times: %(times)s.") % {"times": times}
        )
        error = ValidationError({"table": message} if table is not None else message)
    raise error


def _table_to_book(free: list) -> Table:
    """The best of the free tables that no other booking is taking at this moment, locked
    until this booking commits: bookers of one popular time spread over the free tables
    instead of queueing on the best one (the database's overlap check makes the second of
    two on one table wait for the first to commit, then fail). The best table if every one
    is being taken."""
    order = Case(*(When(pk=table.id, then=position) for position, table in enumerate(free)))
    unlocked = (
        Table.objects.select_for_update(skip_locked=True)
        .filter(pk__in=[table.id for table in free])
        .order_by(order)
        .first()
    )
    return unlocked or Table.objects.get(pk=free[0].id)


def reservation_create(
    *,
    customer: Customer,
    starts_at: dt.datetime,
    party_size: int,
    source: str = ReservationSource.ADMIN,
    table: Table | None = None,
    area: str = "",
    special_requests: str = "",
    created_by=None,
    submission_key: str | None = None,
    now: dt.datetime | None = None,
) -> Reservation:
    """Book a table for a party: the chosen one, or the best free one.

    Refuses anything the booking policy forbids. The database's exclusion constraint has
    the last word on overlaps: if another booking took the table meanwhile, the next best
    table is tried; a chosen table that was taken is a validation error.
    """
    now = now or timezone.now()
    snapshot = _validate_booking(
        starts_at=starts_at, party_size=party_size, source=source, table=table, now=now
    )
    if source == ReservationSource.ADMIN or snapshot.auto_confirm:
        status = ReservationStatus.CONFIRMED
    else:
        status = ReservationStatus.PENDING
    tried: set[int] = set()
    for _attempt in range(BOOKING_ATTEMPTS):
        if table is not None:
            candidate = table
        else:
            free = [
                free_table
                for free_table in selectors.table_best_for(
                    starts_at=starts_at,
                    party_size=party_size,
                    area=area,
                    duration=snapshot.duration,
                )
                if free_table.id not in tried
            ]
            if not free:
                raise _taken_error(None)
            candidate = None
        try:
            with transaction.atomic():
                if candidate is None:
                    candidate = _table_to_book(free)
                reservation = Reservation.objects.create(
                    customer=customer,
                    table=candidate,
                    starts_at=starts_at,
                    ends_at=starts_at + snapshot.duration,
                    party_size=party_size,
                    status=status,
                    source=source,
                    special_requests=special_requests.strip(),
                    created_by=created_by,
                    submission_key=submission_key,
                )
                status_change_record(
                    subject=reservation,
                    from_status="",
                    to_status=status,
                    by=created_by,
                    actor_kind=ActorKind.USER if created_by else ActorKind.CUSTOMER,
                    reason=_("booked (%(source)s)") % {"source": source},
                )
        except IntegrityError as error:
            if not _is_overlap(error):
                raise
            if table is not None:
                raise _taken_error(table) from None
            tried.add(candidate.pk)
            continue
        live.reservation_changed(reservation, created=True)
        logger.info(
            "reservation created id=%s table=%s party=%s source=%s",
            reservation.pk,
            candidate.code,
            party_size,
            source,
        )
        return reservation
    raise _taken_error(None)


@transaction.atomic
def reservation_reschedule(
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
    """Give a pending or confirmed reservation another time, party size or table.

    ``source`` says who moves it: a customer's move keeps to the minimum notice."""
    now = now or timezone.now()
    locked = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if locked.status not in (ReservationStatus.PENDING, ReservationStatus.CONFIRMED):
        raise ValidationError(
            _("A reservation in status «%(status)s» can no longer be changed.")
            % {"status": locked.get_status_display()}
        )
    snapshot = _validate_booking(
        starts_at=starts_at,
        party_size=party_size,
        source=source,
        table=table,
        now=now,
    )
    if table is None:
        free = selectors.table_best_for(
            starts_at=starts_at,
            party_size=party_size,
            duration=snapshot.duration,
            exclude_reservation=locked,
        )
        keep = next((f for f in free if f.id == locked.table_id), None)
        if keep is None and not free:
            raise _taken_error(None)
        table = locked.table if keep else Table.objects.get(pk=free[0].id)
    locked.table = table
    locked.starts_at = starts_at
    locked.ends_at = starts_at + snapshot.duration
    locked.party_size = party_size
    if special_requests is not None:
        locked.special_requests = special_requests.strip()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as error:
        if _is_overlap(error):
            raise _taken_error(table) from None
        raise
    live.reservation_changed(locked)
    return locked


def reservation_transition(
    *,
    reservation: Reservation,
    to: str,
    by=None,
    actor_kind: str | None = None,
    reason: str = "",
) -> Reservation:
    """Move one reservation along its lifecycle (see ``reservations_transition``); a move
    that is not in the lifecycle's table is refused with a ``ValidationError``."""
    moved, refused = reservations_transition(
        reservations=Reservation.objects.filter(pk=reservation.pk),
        to=to,
        by=by,
        actor_kind=actor_kind,
        reason=reason,
    )
    return the_one_moved(reservation, moved, refused)


def the_one_moved(
    reservation: Reservation, moved: list[Reservation], refused: list[tuple[Reservation, str]]
) -> Reservation:
    """The outcome of moving one reservation: refused with the lifecycle's reason, gone, or
    moved (``reservation`` takes its new status)."""
    if refused:
        raise ValidationError(refused[0][1])
    if not moved:
        raise Reservation.DoesNotExist(f"reservation {reservation.pk} does not exist")
    reservation.status = moved[0].status
    return moved[0]


@transaction.atomic
def reservations_transition(
    *,
    reservations,
    to: str,
    by=None,
    actor_kind: str | None = None,
    reason: str = "",
) -> tuple[list[Reservation], list[tuple[Reservation, str]]]:
    """Move the reservations of this queryset to ``to`` in one transaction; returns those
    moved and those refused, with the reason (a move not in the lifecycle's table).

    Their rows and their tables' rows are locked first, by the queryset's own conditions
    (checked again on rows changed meanwhile). Seating occupies the tables; finishing,
    no-show and cancelling free a table nobody else is seated at. Every move is recorded in
    the audit history and sent to the live floor; what a move means beyond the book (stock,
    the note, the customer's message) is the workflow's (``booking.services``). The writes
    are a few statements, whatever the number of moves.
    """
    locked = list(
        reservations.select_for_update(of=("self", "table"))
        .select_related("table", "customer")
        .order_by("pk")
    )
    moved, refused = [], []
    for reservation in locked:
        if to in RESERVATION_TRANSITIONS.get(reservation.status, ()):
            moved.append(reservation)
            continue
        message = _("A reservation in status «%(from)s» cannot move to «%(to)s».") % {
            "from": reservation.get_status_display(),
            "to": ReservationStatus(to).label if to in ReservationStatus.values else to,
        }
        refused.append((reservation, message))
    if not moved:
        return moved, refused

    statuses_write(
        moved,
        to=to,
        by=by,
        actor_kind=actor_kind,
        reasons=dict.fromkeys((reservation.pk for reservation in moved), reason),
        **({"seated_at": timezone.now()} if to == ReservationStatus.SEATED else {}),
    )

    table_reasons = {reservation.table_id: reservation.reference for reservation in moved}
    if to == ReservationStatus.SEATED:
        tables_transition(
            [reservation.table for reservation in moved],
            to=TableStatus.OCCUPIED,
            by=by,
            actor_kind=actor_kind,
            reasons=table_reasons,
        )
    elif to in (ReservationStatus.FINISHED, ReservationStatus.NO_SHOW, ReservationStatus.CANCELLED):
        still_seated = set(
            Reservation.objects.filter(
                table_id__in=table_reasons, status=ReservationStatus.SEATED
            ).values_list("table_id", flat=True)
        )
        tables_transition(
            [
                reservation.table
                for reservation in moved
                if reservation.table_id not in still_seated
                and reservation.table.status in (TableStatus.OCCUPIED, TableStatus.RESERVED)
            ],
            to=TableStatus.AVAILABLE,
            by=by,
            actor_kind=actor_kind,
            reasons=table_reasons,
        )
    for reservation in moved:
        live.reservation_changed(reservation)
    return moved, refused
