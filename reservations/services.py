from decimal import Decimal

from django.db import transaction

from reservations.models import Table

# (largest party size of the bracket, price); above the last bracket, the top price.
DEFAULT_TABLE_PRICE_BRACKETS: tuple[tuple[int, Decimal], ...] = (
    (2, Decimal("5.00")),
    (4, Decimal("6.00")),
    (6, Decimal("8.00")),
    (10, Decimal("10.00")),
)
TABLE_PRICE_ABOVE_BRACKETS = Decimal("15.00")


def table_price_for_capacity(max_capacity: int) -> Decimal:
    """The reservation price of a table that seats up to ``max_capacity`` people."""
    for upper_bound, price in DEFAULT_TABLE_PRICE_BRACKETS:
        if max_capacity <= upper_bound:
            return price
    return TABLE_PRICE_ABOVE_BRACKETS


@transaction.atomic
def table_save(*, table: Table) -> Table:
    """Validate and save a table, pricing it from its maximum capacity."""
    table.reservation_price = table_price_for_capacity(table.max_capacity)
    table.full_clean()
    table.save()
    return table


def table_ensure(*, code: str, min_capacity: int, max_capacity: int, area: str) -> Table:
    """Create the table with this code unless it exists (used by the demo)."""
    existing = Table.objects.filter(code=code).first()
    if existing:
        return existing
    return table_save(
        table=Table(code=code, min_capacity=min_capacity, max_capacity=max_capacity, area=area)
    )
