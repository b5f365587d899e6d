"""Amounts of a note: exact to the cent, whatever the lines, rate and discount."""

from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.amounts import note_amounts
from billing.models import ConsumptionNote, NoteLineKind
from billing.services import note_discount_set, note_issue, note_line_add
from reservations.selectors import booking_policy_forget, booking_policy_get
from tests.billing.conftest import book


def test_the_spec_example_to_the_cent():
    amounts = note_amounts(line_amounts=[Decimal("37.50"), Decimal("8.00")], tax_rate=Decimal("15"))

    assert (amounts.subtotal, amounts.tax, amounts.total) == (
        Decimal("45.50"),
        Decimal("6.83"),
        Decimal("52.33"),
    )


def test_a_note_issued_for_the_spec_example_carries_its_amounts(seed_note):
    lines = {(line.kind, line.label, line.amount) for line in seed_note.lines.all()}

    assert lines == {
        (NoteLineKind.TABLE, "Reserva de la mesa M01", Decimal("8.00")),
        (NoteLineKind.PRE_ORDER, "Mole poblano", Decimal("18.50")),
        (NoteLineKind.PRE_ORDER, "Chiles en nogada", Decimal("19.00")),
    }
    stored = ConsumptionNote.objects.get(pk=seed_note.pk)
    assert (stored.subtotal, stored.tax_rate, stored.tax, stored.discount, stored.total) == (
        Decimal("45.50"),
        Decimal("15.00"),
        Decimal("6.83"),
        Decimal("0.00"),
        Decimal("52.33"),
    )


cents = st.integers(min_value=0, max_value=999_999)  # up to 9,999.99
lines_strategy = st.lists(
    st.tuples(st.integers(min_value=1, max_value=40), cents), min_size=1, max_size=12
)
rates = st.integers(min_value=0, max_value=10_000)  # hundredths of a percent: 0.00 … 100.00


def half_up_tax_cents(subtotal_cents: int, rate_hundredths: int) -> int:
    """Tax in cents by integer arithmetic: subtotal × rate / 10 000, halves rounded up."""
    return (subtotal_cents * rate_hundredths + 5_000) // 10_000


@given(lines=lines_strategy, rate=rates, discount_share=st.fractions(0, 1))
def test_amounts_always_add_up_and_tax_rounds_half_up(lines, rate, discount_share):
    subtotal_cents = sum(quantity * price for quantity, price in lines)
    discount_cents = int(subtotal_cents * discount_share)
    amounts = note_amounts(
        line_amounts=[Decimal(quantity * price) / 100 for quantity, price in lines],
        tax_rate=Decimal(rate) / 100,
        discount=Decimal(discount_cents) / 100,
    )

    assert amounts.subtotal == Decimal(subtotal_cents) / 100
    assert amounts.tax == Decimal(half_up_tax_cents(subtotal_cents, rate)) / 100
    assert amounts.total == amounts.subtotal + amounts.tax - amounts.discount
    assert amounts.total >= 0
    for amount in (amounts.subtotal, amounts.tax, amounts.total):
        assert amount.as_tuple().exponent == -2


class _Undo(Exception):
    pass


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=lines_strategy, rate=rates, discount_share=st.fractions(0, 1))
def test_notes_saved_through_the_services_keep_the_same_arithmetic(
    salon, manager_user, lines, rate, discount_share
):
    try:
        with transaction.atomic():
            policy = booking_policy_get()
            policy.tax_rate = Decimal(rate) / 100
            policy.save()
            booking_policy_forget()
            note = note_issue(reservation=book(table=salon["table"]), by=manager_user)
            for quantity, price in lines:
                note_line_add(
                    note=note,
                    description="Línea",
                    quantity=quantity,
                    unit_price=Decimal(price) / 100,
                )
            subtotal_cents = 800 + sum(quantity * price for quantity, price in lines)  # + table
            discount_cents = int(subtotal_cents * discount_share)
            if discount_cents:
                note_discount_set(
                    note=note,
                    amount=Decimal(discount_cents) / 100,
                    reason="prueba",
                    by=manager_user,
                )
            note.refresh_from_db()

            assert note.subtotal == sum(line.amount for line in note.lines.all())
            assert note.subtotal == Decimal(subtotal_cents) / 100
            assert note.tax == Decimal(half_up_tax_cents(subtotal_cents, rate)) / 100
            assert note.total == note.subtotal + note.tax - note.discount >= 0
            raise _Undo
    except _Undo:
        booking_policy_forget()
