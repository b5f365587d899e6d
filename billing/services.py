"""Writes of billing: consumption notes, their lines, discounts, payments and voids.

Only a draft note is ever changed; every service locks the note's row first, so two
cashiers working on one note take turns and the second sees the first one's result.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.amounts import ZERO, note_amounts, to_cents
from billing.models import (
    NOTE_TRANSITIONS,
    TENDER_METHODS,
    ConsumptionNote,
    NoteCounter,
    NoteLine,
    NoteLineKind,
    NoteStatus,
    Payment,
    PaymentMethod,
)
from menu.models import Dish
from reservations import selectors
from reservations.models import Reservation, ReservationStatus
from reservations.services.history import status_change_apply, status_change_record
from restaurants.money import money, percent

MAX_AMOUNT = Decimal("99999999.99")


def _note_number(day) -> str:
    """The next number of ``day``; the counter row stays locked until the transaction ends,
    so concurrent issues queue up and a rolled-back issue gives its number back."""
    table = NoteCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last_number) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [day],
        )
        (sequence,) = cursor.fetchone()
    return f"NC-{day:%Y%m%d}-{sequence:06d}"


def _service_day(reservation: Reservation):
    zone = selectors.restaurant_zone()
    snapshot = selectors.booking_policy_snapshot()
    return (
        selectors.service_day_of(snapshot, reservation.starts_at, zone)
        or reservation.starts_at.astimezone(zone).date()
    )


def _money(value, *, field: str, label: str) -> Decimal:
    """A non-negative amount with at most two decimals, or a clear error for ``field``."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            {field: _("%(label)s must be an amount.") % {"label": label}}
        ) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError(
            {field: _("%(label)s cannot be negative.") % {"label": label}}
        ) from None
    if amount != to_cents(amount):
        raise ValidationError(
            {field: _("%(label)s has more than two decimals.") % {"label": label}}
        )
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("%(label)s is too large.") % {"label": label}})
    return amount


def _locked(note: ConsumptionNote) -> ConsumptionNote:
    return ConsumptionNote.objects.select_for_update().get(pk=note.pk)


def _locked_draft(note: ConsumptionNote) -> ConsumptionNote:
    locked = _locked(note)
    if locked.status != NoteStatus.DRAFT:
        raise ValidationError(
            _("Note %(number)s is %(status)s: it can no longer be changed.")
            % {"number": locked.number, "status": locked.get_status_display().lower()}
        )
    return locked


def _move(note: ConsumptionNote, to: str, *, by, reason: str = "", fields: Iterable[str] = ()):
    """Save ``fields`` and the new status of a locked note, and record the move."""
    if to not in NOTE_TRANSITIONS[note.status]:
        raise ValidationError(
            _("A note in status «%(from)s» cannot move to «%(to)s».")
            % {"from": note.get_status_display(), "to": NoteStatus(to).label}
        )
    if fields:
        note.save(update_fields=[*fields, "updated_at"])
    status_change_apply(subject=note, to=to, by=by, reason=reason)


def _too_large() -> str:
    return _("The note's amounts cannot go above %(amount)s.") % {"amount": money(MAX_AMOUNT)}


def _recompute(note: ConsumptionNote, *, fields: Iterable[str] = ()) -> ConsumptionNote:
    """Set the note's amounts from its lines, tax rate and discount; save them with ``fields``
    in one write, so that the database's check that they add up always holds."""
    line_total = note.lines.aggregate(total=Sum("amount"))["total"] or ZERO
    if note.discount > line_total:
        raise ValidationError(
            {"discount": _("The discount cannot be larger than the subtotal (%(subtotal)s).")
             % {"subtotal": money(line_total, note.currency)}}
        )  # fmt: skip
    amounts = note_amounts(
        line_amounts=[line_total], tax_rate=note.tax_rate, discount=note.discount
    )
    if max(amounts.subtotal, amounts.total) > MAX_AMOUNT:
        raise ValidationError(_too_large())
    note.subtotal, note.tax, note.total = amounts.subtotal, amounts.tax, amounts.total
    note.save(update_fields=["subtotal", "tax", "total", *fields, "updated_at"])
    return note


# --- Issuing ----------------------------------------------------------------------------


@transaction.atomic
def note_issue(*, reservation: Reservation, by=None) -> ConsumptionNote:
    """Issue the reservation's note, numbered on its service day, with the table price and
    the pre-ordered dishes already on it."""
    locked = (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("table")
        .get(pk=reservation.pk)
    )
    if locked.status == ReservationStatus.CANCELLED:
        raise ValidationError(
            _("Reservation %(reference)s is cancelled: it cannot have a consumption note.")
            % {"reference": locked.reference}
        )
    existing = ConsumptionNote.objects.filter(reservation=locked).values_list("number", flat=True)
    if existing:
        raise ValidationError(
            _("Reservation %(reference)s already has the note %(number)s.")
            % {"reference": locked.reference, "number": existing[0]}
        )
    day = _service_day(locked)
    tax_rate = selectors.booking_policy_cached().tax_rate
    note = ConsumptionNote(
        number=_note_number(day),
        reservation=locked,
        service_day=day,
        currency=getattr(connection.tenant, "currency", "") or "USD",
        tax_rate=tax_rate,
        issued_by=by,
    )
    lines = _pre_order_lines(note, locked)
    if locked.table.reservation_price > 0:
        lines.insert(
            0,
            NoteLine(
                note=note,
                kind=NoteLineKind.TABLE,
                description=locked.table.code,
                quantity=1,
                unit_price=locked.table.reservation_price,
                amount=locked.table.reservation_price,
            ),
        )
    # Its amounts written with it (one INSERT, not an INSERT and an UPDATE after the lines).
    amounts = note_amounts(line_amounts=[line.amount for line in lines], tax_rate=tax_rate)
    note.subtotal, note.tax, note.total = amounts.subtotal, amounts.tax, amounts.total
    note.save()
    NoteLine.objects.bulk_create(lines)
    status_change_record(
        subject=note, from_status="", to_status=NoteStatus.DRAFT, by=by, reason=locked.reference
    )
    return note


def _pre_order_lines(note: ConsumptionNote, reservation: Reservation) -> list[NoteLine]:
    return [
        NoteLine(
            note=note,
            kind=NoteLineKind.PRE_ORDER,
            dish=pre_order.dish,
            description=pre_order.dish.name,
            quantity=pre_order.quantity,
            unit_price=pre_order.unit_price,
            amount=pre_order.subtotal,
        )
        for pre_order in reservation.pre_orders.select_related("dish").order_by("pk")
    ]


@transaction.atomic
def note_pre_orders_sync(*, reservation: Reservation) -> None:
    """Keep a draft note's pre-ordered lines as the reservation's pre-orders are now; a
    finalised or paid note is never edited, so its pre-orders cannot change any more."""
    note = ConsumptionNote.objects.select_for_update().filter(reservation=reservation).first()
    if note is None or note.status == NoteStatus.VOIDED:
        return
    if note.status != NoteStatus.DRAFT:
        raise ValidationError(
            _("The note %(number)s is %(status)s: its pre-ordered dishes can no longer change.")
            % {"number": note.number, "status": note.get_status_display().lower()}
        )
    note.lines.filter(kind=NoteLineKind.PRE_ORDER).delete()
    NoteLine.objects.bulk_create(_pre_order_lines(note, reservation))
    _recompute(note)


@transaction.atomic
def note_follow_booking(*, reservation: Reservation, by=None) -> ConsumptionNote | None:
    """Keep a draft note with its rescheduled booking: numbered on the booking's new service
    day (the old number is recorded as replaced, never left live beside the new one) and
    with the price of the table it now has. A finalised or paid note is left as it is."""
    note = (
        ConsumptionNote.objects.select_for_update()
        .filter(reservation=reservation, status=NoteStatus.DRAFT)
        .first()
    )
    if note is None:
        return None
    table = reservation.table
    table_line = note.lines.filter(kind=NoteLineKind.TABLE).first()
    if table_line is not None and table_line.description != table.code:
        table_line.description = table.code
        table_line.unit_price = table_line.amount = table.reservation_price
        table_line.save(update_fields=["description", "unit_price", "amount"])
        _recompute(note)
    elif table_line is None and table.reservation_price > 0:
        NoteLine.objects.create(
            note=note,
            kind=NoteLineKind.TABLE,
            description=table.code,
            quantity=1,
            unit_price=table.reservation_price,
            amount=table.reservation_price,
        )
        _recompute(note)
    day = _service_day(reservation)
    if note.service_day != day:
        replaced = note.number
        note.number, note.service_day = _note_number(day), day
        note.save(update_fields=["number", "service_day", "updated_at"])
        status_change_record(
            subject=note,
            from_status=note.status,
            to_status=note.status,
            by=by,
            reason=_("replaces %(number)s: the booking moved to %(day)s")
            % {"number": replaced, "day": f"{day:%d/%m/%Y}"},
        )
    return note


def note_void_with_booking(*, reservation: Reservation, reason: str, by=None) -> None:
    """Void the draft note of a cancelled booking, if it has one."""
    note = ConsumptionNote.objects.filter(reservation=reservation, status=NoteStatus.DRAFT).first()
    if note is not None:
        note_void(note=note, reason=reason, by=by)


# --- Lines and discount (draft only) ----------------------------------------------------


def _line_values(*, dish: Dish | None, description: str, quantity, unit_price):
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 999:
        raise ValidationError({"quantity": _("The quantity must be a whole number from 1 to 999.")})
    description = (description or "").strip()
    if unit_price is None or unit_price == "":
        if dish is None:
            raise ValidationError({"unit_price": _("Give the price of a line without a dish.")})
        unit_price = dish.price
    unit_price = _money(unit_price, field="unit_price", label=_("The unit price"))
    if unit_price * quantity > MAX_AMOUNT:
        raise ValidationError({"quantity": _too_large()})
    if not description:
        if dish is None:
            raise ValidationError({"description": _("Choose a dish or describe the line.")})
        description = dish.name
    return description[:200], quantity, unit_price


@transaction.atomic
def note_line_add(
    *,
    note: ConsumptionNote,
    quantity: int,
    dish: Dish | None = None,
    description: str = "",
    unit_price: Decimal | None = None,
) -> NoteLine:
    """Add what the table consumed to a draft note; the price defaults to the dish's."""
    locked = _locked_draft(note)
    description, quantity, unit_price = _line_values(
        dish=dish, description=description, quantity=quantity, unit_price=unit_price
    )
    line = NoteLine.objects.create(
        note=locked,
        kind=NoteLineKind.EXTRA,
        dish=dish,
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        amount=unit_price * quantity,
    )
    _recompute(locked)
    return line


def _locked_extra_line(line: NoteLine) -> tuple[ConsumptionNote, NoteLine]:
    locked = _locked_draft(line.note)
    current = NoteLine.objects.get(pk=line.pk, note=locked)
    if current.kind != NoteLineKind.EXTRA:
        raise ValidationError(
            _("«%(line)s» comes from the reservation and stays as it is; grant a discount instead.")
            % {"line": current.label}
        )
    return locked, current


@transaction.atomic
def note_line_change(
    *,
    line: NoteLine,
    quantity: int,
    dish: Dish | None = None,
    description: str = "",
    unit_price: Decimal | None = None,
) -> NoteLine:
    """Correct a consumed line of a draft note."""
    locked, current = _locked_extra_line(line)
    description, quantity, unit_price = _line_values(
        dish=dish, description=description, quantity=quantity, unit_price=unit_price
    )
    current.dish, current.description = dish, description
    current.quantity, current.unit_price, current.amount = (
        quantity,
        unit_price,
        unit_price * quantity,
    )
    current.save()
    _recompute(locked)
    return current


@transaction.atomic
def note_line_remove(*, line: NoteLine) -> None:
    """Take a consumed line off a draft note."""
    locked, current = _locked_extra_line(line)
    current.delete()
    _recompute(locked)


@transaction.atomic
def note_discount_set(
    *, note: ConsumptionNote, amount, reason: str = "", by=None
) -> ConsumptionNote:
    """Grant (or take back, with 0) a discount on a draft note.

    Above the restaurant's cashier limit (a share of the subtotal) only someone with the
    manager's permission may grant it; a reason is always required.
    """
    locked = _locked_draft(note)
    amount = _money(amount, field="discount", label=_("The discount"))
    reason = (reason or "").strip()
    if amount > 0 and not reason:
        raise ValidationError({"discount_reason": _("Say why the discount is granted.")})
    if amount > locked.subtotal:
        raise ValidationError(
            {"discount": _("The discount cannot be larger than the subtotal (%(subtotal)s).")
             % {"subtotal": money(locked.subtotal, locked.currency)}}
        )  # fmt: skip
    limit_rate = selectors.booking_policy_get().cashier_discount_limit
    limit = to_cents(locked.subtotal * limit_rate / 100)
    if amount > limit and not (by is not None and by.has_perm("billing.grant_large_discount")):
        raise ValidationError(
            {"discount": _("Discounts above %(rate)s%% of the subtotal (%(limit)s) need a manager.")
             % {"rate": percent(limit_rate), "limit": money(limit, locked.currency)}}
        )  # fmt: skip
    locked.discount = amount
    locked.discount_reason = reason if amount > 0 else ""
    locked.discount_by = by if amount > 0 else None
    return _recompute(locked, fields=["discount", "discount_reason", "discount_by"])


# --- Lifecycle --------------------------------------------------------------------------


@transaction.atomic
def note_finalise(*, note: ConsumptionNote, by=None) -> ConsumptionNote:
    """Close a draft note for charging: from here on it is never edited."""
    locked = _locked_draft(note)
    if locked.total <= 0:
        raise ValidationError(
            _("Note %(number)s has nothing to charge; void it instead.") % {"number": locked.number}
        )
    locked.finalised_at = timezone.now()
    _move(locked, NoteStatus.FINALISED, by=by, fields=["finalised_at"])
    return locked


@transaction.atomic
def note_charge(*, note: ConsumptionNote, payments: dict[str, Decimal], by=None) -> ConsumptionNote:
    """Charge a finalised note with one or several payments ({method: amount received}).

    Card and transfer are taken exactly; cash may be more than what is left to pay and
    the difference is the change handed back.
    """
    locked = _locked(note)
    if locked.status == NoteStatus.DRAFT:
        raise ValidationError(
            _("Note %(number)s is a draft: finalise it before charging it.")
            % {"number": locked.number}
        )
    if locked.status != NoteStatus.FINALISED:
        raise ValidationError(
            _("Note %(number)s is %(status)s: it cannot be charged.")
            % {"number": locked.number, "status": locked.get_status_display().lower()}
        )
    received: dict[str, Decimal] = {}
    for method, value in payments.items():
        if method not in TENDER_METHODS:
            raise ValidationError(_("Unknown payment method «%(method)s».") % {"method": method})
        amount = _money(value or 0, field=method, label=PaymentMethod(method).label)
        if amount > 0:
            received[method] = amount
    if not received:
        raise ValidationError(_("Enter the amount received."))
    exact = sum((v for m, v in received.items() if m != PaymentMethod.CASH), ZERO)
    if exact > locked.total:
        raise ValidationError(
            _("Card and transfer payments (%(exact)s) cannot exceed the total (%(total)s).")
            % {
                "exact": money(exact, locked.currency),
                "total": money(locked.total, locked.currency),
            }
        )
    paid = sum(received.values(), ZERO)
    if paid < locked.total:
        raise ValidationError(
            _("The payments add up to %(paid)s: %(missing)s short of the total %(total)s.")
            % {
                "paid": money(paid, locked.currency),
                "missing": money(locked.total - paid, locked.currency),
                "total": money(locked.total, locked.currency),
            }
        )
    change = paid - locked.total
    Payment.objects.bulk_create(
        Payment(
            note=locked,
            method=method,
            amount=amount - change if method == PaymentMethod.CASH else amount,
            tendered=amount,
        )
        for method, amount in received.items()
    )
    locked.payment_method = next(iter(received)) if len(received) == 1 else PaymentMethod.MIXED
    locked.change_given = change
    locked.paid_at = timezone.now()
    locked.charged_by = by
    _move(
        locked,
        NoteStatus.PAID,
        by=by,
        fields=["payment_method", "change_given", "paid_at", "charged_by"],
    )
    return locked


@transaction.atomic
def note_void(*, note: ConsumptionNote, reason: str, by=None) -> ConsumptionNote:
    """Void a draft or finalised note: it keeps its number, gives nothing back, and says why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the note is voided.")})
    locked = _locked(note)
    locked.void_reason = reason[:255]
    locked.voided_at = timezone.now()
    locked.voided_by = by
    _move(
        locked,
        NoteStatus.VOIDED,
        by=by,
        reason=reason,
        fields=["void_reason", "voided_at", "voided_by"],
    )
    return locked
