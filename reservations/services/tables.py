"""Tables: saved with their price, and moved between statuses with a record of each move."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from reservations import live, selectors
from reservations.models import Table
from reservations.services.history import status_change_record, statuses_write


def table_price_for_capacity(max_capacity: int) -> Decimal:
    """The reservation price of a table seating up to ``max_capacity``, from the brackets."""
    brackets = selectors.booking_policy_snapshot().price_brackets
    for up_to_capacity, price in brackets:
        if up_to_capacity is None or max_capacity <= up_to_capacity:
            return Decimal(price)
    return Decimal(brackets[-1][1]) if brackets else Decimal("0.00")


@transaction.atomic
def table_save(*, table: Table, by=None) -> Table:
    """Validate and save a table, pricing it from its maximum capacity."""
    table.reservation_price = table_price_for_capacity(table.max_capacity)
    previous_status = (
        Table.objects.filter(pk=table.pk).values_list("status", flat=True).first()
        if table.pk
        else None
    )
    table.full_clean()
    try:
        with transaction.atomic():
            table.save()
    except IntegrityError:
        table.validate_unique()  # another request took the code since full_clean looked
        raise
    if previous_status is not None and previous_status != table.status:
        status_change_record(
            subject=table, from_status=previous_status, to_status=table.status, by=by
        )
    live.table_changed(table)
    return table


@transaction.atomic
def table_update(*, table: Table, changes: dict, by=None) -> Table:
    """Change a table's fields and status as one edit of its locked row: a status moved
    meanwhile is neither written back nor recorded twice (the status goes through
    ``table_set_status``)."""
    locked = Table.objects.select_for_update().get(pk=table.pk)
    fields = {name: value for name, value in changes.items() if name != "status"}
    if fields:
        for name, value in fields.items():
            setattr(locked, name, value)
        locked = table_save(table=locked, by=by)
    if "status" in changes:
        locked = table_set_status(table=locked, to=changes["status"], by=by)
    return locked


@transaction.atomic
def table_delete(*, table: Table) -> None:
    """Delete a table that has never been booked; one with bookings is kept for their record
    (ValidationError): it goes into maintenance instead."""
    locked = Table.objects.select_for_update().get(pk=table.pk)
    if locked.reservations.exists():
        raise ValidationError(
            _("Table %(code)s has bookings and cannot be deleted; put it in maintenance instead.")
            % {"code": locked.code}
        )
    locked.delete()


@transaction.atomic
def table_set_status(*, table: Table, to: str, by=None, actor_kind=None, reason: str = "") -> Table:
    """Move a table to another status and record it; no change, no record."""
    locked = Table.objects.select_for_update().get(pk=table.pk)
    tables_transition([locked], to=to, by=by, actor_kind=actor_kind, reasons={locked.pk: reason})
    return locked


def tables_transition(
    tables: list[Table], *, to: str, by=None, actor_kind=None, reasons: dict[int, str]
) -> list[Table]:
    """Move tables whose rows this transaction has locked, in one UPDATE, and record each
    move (``reasons`` by table id); a table already there is left alone. Returns those moved."""
    moving = list({table.pk: table for table in tables if table.status != to}.values())
    if not moving:
        return []
    statuses_write(moving, to=to, by=by, actor_kind=actor_kind, reasons=reasons)
    for table in moving:
        live.table_changed(table)
    return moving


def tables_reprice() -> int:
    """Re-price every table after the price brackets changed; returns how many changed."""
    changed = 0
    for table in Table.objects.all():
        price = table_price_for_capacity(table.max_capacity)
        if price != table.reservation_price:
            Table.objects.filter(pk=table.pk).update(reservation_price=price)
            changed += 1
    return changed


def table_ensure(*, code: str, min_capacity: int, max_capacity: int, area: str) -> Table:
    """Create the table with this code unless it exists (used by the demo)."""
    existing = Table.objects.filter(code=code).first()
    if existing:
        return existing
    return table_save(
        table=Table(code=code, min_capacity=min_capacity, max_capacity=max_capacity, area=area)
    )
