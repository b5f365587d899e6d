"""Exact money arithmetic of a consumption note: Decimal only, cents rounded half up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cents(amount: Decimal) -> Decimal:
    """Round to cents, half up (0.005 → 0.01), as the SPEC asks."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class NoteAmounts:
    subtotal: Decimal
    tax: Decimal
    discount: Decimal
    total: Decimal


def note_amounts(
    *, line_amounts: Iterable[Decimal], tax_rate: Decimal, discount: Decimal = ZERO
) -> NoteAmounts:
    """Subtotal = sum of lines; tax = rate % of the subtotal; total = subtotal + tax − discount.

    The caller guarantees 0 ≤ discount ≤ subtotal, so the total is never negative.
    """
    subtotal = to_cents(sum(line_amounts, ZERO))
    tax = to_cents(subtotal * tax_rate / 100)
    discount = to_cents(discount)
    return NoteAmounts(
        subtotal=subtotal, tax=tax, discount=discount, total=subtotal + tax - discount
    )
