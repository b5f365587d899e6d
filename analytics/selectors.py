"""Reads over the floor and the till for metrics and alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q, Sum

from billing.models import ConsumptionNote, NoteStatus
from reservations.models import Reservation, ReservationStatus, Table, TableStatus


def hour_figures(*, hour: dt.datetime) -> dict:
    """Tables occupied, reserved and free during the hour from ``hour``, and what was paid.

    Parties come from the book, not from the tables' current status, so that a late run
    counts an hour as it was: a table is occupied if a party sat at it during the hour,
    reserved if a confirmed or pending party was due in it. The number of tables, and
    those in maintenance, are the floor's when counted (their past is not kept).
    """
    ends = hour + dt.timedelta(hours=1)
    during = Reservation.objects.filter(starts_at__lt=ends, ends_at__gt=hour)
    occupied = set(
        during.filter(
            Q(status=ReservationStatus.SEATED) | Q(status=ReservationStatus.FINISHED)
        ).values_list("table_id", flat=True)
    )
    reserved = (
        set(
            during.filter(
                status__in=[ReservationStatus.CONFIRMED, ReservationStatus.PENDING]
            ).values_list("table_id", flat=True)
        )
        - occupied
    )
    tables = Table.objects.count()
    in_service = tables - Table.objects.filter(status=TableStatus.MAINTENANCE).count()
    revenue = ConsumptionNote.objects.filter(
        status=NoteStatus.PAID, paid_at__gte=hour, paid_at__lt=ends
    ).aggregate(total=Sum("total"))["total"]
    return {
        "tables_total": tables,
        "tables_occupied": len(occupied),
        "tables_reserved": len(reserved),
        "tables_free": max(0, in_service - len(occupied) - len(reserved)),
        "occupancy_rate": (
            (Decimal(100 * len(occupied)) / in_service).quantize(Decimal("0.1"))
            if in_service
            else Decimal("0.0")
        ),
        "revenue": revenue or Decimal("0.00"),
    }


def table_conflicts() -> list[tuple[Table, str]]:
    """Tables whose status disagrees with their bookings, with what is wrong."""
    seated = set(
        Reservation.objects.filter(status=ReservationStatus.SEATED).values_list(
            "table_id", flat=True
        )
    )
    conflicts = []
    for table in Table.objects.order_by("code"):
        if table.pk in seated and table.status != TableStatus.OCCUPIED:
            conflicts.append((table, "seated_not_occupied"))
        elif table.pk not in seated and table.status == TableStatus.OCCUPIED:
            conflicts.append((table, "occupied_nobody_seated"))
    return conflicts
