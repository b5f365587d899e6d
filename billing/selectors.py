"""Reads of billing: what a pre-order will cost, and the daily cash report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from billing.amounts import ZERO, note_amounts
from billing.models import TENDER_METHODS, ConsumptionNote, NoteStatus, Payment, PaymentMethod
from reservations import selectors as booking
from reservations.models import ReservationStatus


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
    tax_rate = booking.booking_policy_cached().tax_rate
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


@dataclass(frozen=True)
class MethodLine:
    method: str
    label: str
    count: int
    total: Decimal


@dataclass(frozen=True)
class CashierLine:
    cashier: str
    count: int
    total: Decimal


@dataclass
class CashReport:
    """The money of one service day: paid notes by method, what entered the till, voids,
    and the notes still open: those left unpaid after their service (to charge or void) apart
    from those whose booking is still to come or at the table."""

    day: dt.date
    cashier: object | None
    paid: list[ConsumptionNote] = field(default_factory=list)
    voided: list[ConsumptionNote] = field(default_factory=list)
    by_method: list[MethodLine] = field(default_factory=list)
    tenders: list[MethodLine] = field(default_factory=list)
    by_cashier: list[CashierLine] = field(default_factory=list)
    open_after_service: list[ConsumptionNote] = field(default_factory=list)
    open_before_service: list[ConsumptionNote] = field(default_factory=list)
    subtotal: Decimal = ZERO
    tax: Decimal = ZERO
    discount: Decimal = ZERO
    total: Decimal = ZERO
    change_given: Decimal = ZERO

    @property
    def open_count(self) -> int:
        return len(self.open_after_service) + len(self.open_before_service)


def _booking_not_over(note: ConsumptionNote, now: dt.datetime) -> bool:
    """The note's party is at the table, or its booking is still due."""
    reservation = note.reservation
    if reservation.status == ReservationStatus.SEATED:
        return True
    return (
        reservation.status in (ReservationStatus.PENDING, ReservationStatus.CONFIRMED)
        and reservation.ends_at > now
    )


def service_day_today() -> dt.date:
    """The service day running now: after midnight, still last night's late service."""
    local = timezone.now().astimezone(booking.restaurant_zone())
    yesterday = local.date() - dt.timedelta(days=1)
    snapshot = booking.booking_policy_snapshot()
    late_service = any(
        closes_at <= opens_at and local.time() < closes_at
        for opens_at, closes_at in snapshot.periods.get(yesterday.weekday(), ())
    )
    if late_service and not snapshot.is_closed(yesterday):
        return yesterday
    return local.date()


def cash_report(*, day: dt.date, cashier=None, now: dt.datetime | None = None) -> CashReport:
    """The cash report of the notes of one service day, for one cashier or the restaurant.

    Totals by payment method and the till's tenders are summed by the database, apart
    from the listed notes, so the page shows when the two ever disagree. The open notes are
    the restaurant's whoever the cashier: no one has charged them yet.
    """
    now = now or timezone.now()
    notes = ConsumptionNote.objects.filter(service_day=day).select_related(
        "reservation__table", "charged_by", "voided_by"
    )
    paid = notes.filter(status=NoteStatus.PAID)
    voided = notes.filter(status=NoteStatus.VOIDED)
    if cashier is not None:
        paid = paid.filter(charged_by=cashier)
        voided = voided.filter(voided_by=cashier)
    report = CashReport(day=day, cashier=cashier)
    report.paid = list(paid.order_by("number"))
    report.voided = list(voided.order_by("number"))
    open_notes = notes.filter(status__in=(NoteStatus.DRAFT, NoteStatus.FINALISED)).order_by(
        "reservation__starts_at", "number"
    )
    for note in open_notes:
        if _booking_not_over(note, now):
            report.open_before_service.append(note)
        else:
            report.open_after_service.append(note)

    sums = paid.aggregate(
        subtotal=Sum("subtotal"),
        tax=Sum("tax"),
        discount=Sum("discount"),
        total=Sum("total"),
        change_given=Sum("change_given"),
    )
    for name, value in sums.items():
        setattr(report, name, value or ZERO)

    per_method = {
        row["payment_method"]: row
        for row in paid.order_by().values("payment_method").annotate(count=Count("pk"), total=Sum("total"))
    }  # fmt: skip
    report.by_method = [
        MethodLine(
            method=method.value,
            label=str(method.label),
            count=per_method.get(method.value, {}).get("count", 0),
            total=per_method.get(method.value, {}).get("total") or ZERO,
        )
        for method in PaymentMethod
    ]

    tenders = {
        row["method"]: row
        for row in Payment.objects.filter(note__in=paid)
        .order_by()
        .values("method")
        .annotate(count=Count("pk"), total=Sum("amount"))
    }
    report.tenders = [
        MethodLine(
            method=method.value,
            label=str(method.label),
            count=tenders.get(method.value, {}).get("count", 0),
            total=tenders.get(method.value, {}).get("total") or ZERO,
        )
        for method in TENDER_METHODS
    ]

    if cashier is None:
        report.by_cashier = [
            CashierLine(cashier=row["charged_by__username"] or "—", count=row["count"], total=row["total"])
            for row in paid.order_by("charged_by__username")
            .values("charged_by__username")
            .annotate(count=Count("pk"), total=Sum("total"))
        ]  # fmt: skip
    return report


def cashiers_of_day(*, day: dt.date):
    """Users who charged or voided a note of ``day``: the report's cashier choices."""
    from django.contrib.auth import get_user_model

    ids = ConsumptionNote.objects.filter(service_day=day).values_list("charged_by", "voided_by")
    user_ids = {pk for pair in ids for pk in pair if pk}
    return get_user_model().objects.filter(pk__in=user_ids).order_by("username")
