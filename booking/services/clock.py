"""Bookings and tables moved as the clock says, by the system, one restaurant at a time."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.services.bookings import bookings_transition
from reservations import selectors
from reservations.models import ActorKind, Reservation, ReservationStatus, Table, TableStatus
from reservations.services.tables import tables_transition


def bookings_follow_clock(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Move bookings and tables as the clock says; running it twice moves nothing twice.

    - a pending booking nobody confirmed by its start expires: cancelled, with its dishes
      back in stock, its note voided and the customer told;
    - a confirmed booking's table is ``reserved`` from ``seat_window`` before its start;
    - a confirmed booking is seated from its start until ``seat_window`` after it (a run
      that comes later does not seat guests who may never have come);
    - a seated booking is finished ``finish_after_minutes`` after it was seated;
    - a confirmed booking never seated is a no-show ``no_show_after_minutes`` after its
      start (unless the restaurant turned that off).
    Each kind of move is one ``bookings_transition`` as the system, which locks the rows
    and refuses a move already made.
    """
    now = now or timezone.now()
    policy = selectors.booking_policy_get()
    window = dt.timedelta(minutes=policy.seat_window_minutes)
    moves = [
        (
            ReservationStatus.CANCELLED,
            Q(status=ReservationStatus.PENDING, starts_at__lte=now),
            _("not confirmed in time"),
        ),
        (
            ReservationStatus.FINISHED,
            Q(
                status=ReservationStatus.SEATED,
                seated_at__lte=now - dt.timedelta(minutes=policy.finish_after_minutes),
            ),
            "",
        ),
        (
            ReservationStatus.SEATED,
            Q(status=ReservationStatus.CONFIRMED, starts_at__lte=now, starts_at__gte=now - window),
            "",
        ),
    ]
    if policy.no_show_after_minutes is not None:
        late = now - dt.timedelta(minutes=policy.no_show_after_minutes)
        moves.append(
            (
                ReservationStatus.NO_SHOW,
                Q(status=ReservationStatus.CONFIRMED, starts_at__lte=late),
                "",
            )
        )
    moved = {"expired": 0, "reserved": 0, "seated": 0, "finished": 0, "no_show": 0}
    # Most minutes, most restaurants have nothing due: one query says so.
    due = _arriving(now, window) & Q(table__status=TableStatus.AVAILABLE)
    for _to, condition, _reason in moves:
        due |= condition
    if not Reservation.objects.filter(due).exists():
        return moved
    for to, condition, reason in moves:
        done, _refused = bookings_transition(
            reservations=Reservation.objects.filter(condition),
            to=to,
            actor_kind=ActorKind.SYSTEM,
            reason=reason,
        )
        moved["expired" if to == ReservationStatus.CANCELLED else to] += len(done)
    moved["reserved"] = _tables_reserve_for_arrivals(now=now, window=window)
    return moved


def _arriving(now: dt.datetime, window: dt.timedelta) -> Q:
    """Confirmed parties due within ``window``: their tables are to be reserved."""
    return Q(status=ReservationStatus.CONFIRMED, starts_at__gt=now, starts_at__lte=now + window)


@transaction.atomic
def _tables_reserve_for_arrivals(*, now: dt.datetime, window: dt.timedelta) -> int:
    """Mark reserved the free tables of parties due within ``window``; a table that changed
    since it was read is left alone (its status is checked again under the lock)."""
    arriving = Reservation.objects.filter(_arriving(now, window))
    tables = list(
        Table.objects.select_for_update()
        .filter(status=TableStatus.AVAILABLE, pk__in=arriving.values("table_id"))
        .order_by("pk")
    )
    if not tables:
        return 0
    # Each table's reason: the reference of the first party due at it.
    reasons = dict(arriving.order_by("-starts_at").values_list("table_id", "reference"))
    return len(
        tables_transition(
            tables, to=TableStatus.RESERVED, actor_kind=ActorKind.SYSTEM, reasons=reasons
        )
    )
