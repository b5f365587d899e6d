"""Writes of the menu: categories and dishes, and pre-orders that take and give back stock
(the note follows them in ``booking.services.pre_orders``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from menu.models import Category, Dish, PreOrder
from reservations.models import Reservation, ReservationStatus

# A pre-order can be added while the party has not arrived yet.
PRE_ORDER_STATUSES = (ReservationStatus.PENDING, ReservationStatus.CONFIRMED)


def _menu_row_save(row: Category | Dish, changes: dict | None) -> Category | Dish:
    if row.pk is not None:
        row = type(row).objects.select_for_update().get(pk=row.pk)
        for name, value in (changes or {}).items():
            setattr(row, name, value)
    row.full_clean()
    try:
        with transaction.atomic():
            # An existing row writes only what changed (no change, no write).
            row.save(update_fields=None if row._state.adding else list(changes or {}))
    except IntegrityError:
        # A name taken by another request since full_clean looked.
        row.validate_unique()
        row.validate_constraints()
        raise
    return row


@transaction.atomic
def category_save(*, category: Category, changes: dict | None = None) -> Category:
    """Add a category of the menu, or change the given fields of one."""
    return _menu_row_save(category, changes)


@transaction.atomic
def dish_save(*, dish: Dish, changes: dict | None = None) -> Dish:
    """Add a dish, or change the given fields of one on its locked row: only those are
    written, so stock taken by a pre-order meanwhile is not put back by a change of price."""
    return _menu_row_save(dish, changes)


@transaction.atomic
def pre_order_add(
    *, reservation: Reservation, dish: Dish, quantity: int, remarks: str = ""
) -> PreOrder:
    """Pre-order a dish for a reservation, taking the quantity from stock atomically.

    The stock is decremented by one conditional UPDATE, so concurrent orders of the
    last units can never sell more than there is.
    """
    if not isinstance(quantity, int) or quantity < 1:
        raise ValidationError({"quantity": _("The quantity must be at least 1.")})
    if reservation.status not in PRE_ORDER_STATUSES:
        raise ValidationError(
            _("Dishes can only be pre-ordered for a pending or confirmed booking.")
        )
    current = Dish.objects.select_related("category").get(pk=dish.pk)
    if not (current.is_active and current.category.is_active):
        raise ValidationError(
            {"dish": _("%(dish)s is not on the menu right now.") % {"dish": current.name}}
        )
    taken = Dish.objects.filter(pk=dish.pk, stock__gte=quantity).update(stock=F("stock") - quantity)
    if not taken:
        left = Dish.objects.filter(pk=dish.pk).values_list("stock", flat=True).get()
        raise ValidationError(
            {
                "quantity": _("Only %(left)s of %(dish)s left.")
                % {"left": left, "dish": current.name}
                if left
                else _("%(dish)s is sold out.") % {"dish": current.name}
            }
        )
    pre_order = PreOrder.objects.create(
        reservation=reservation,
        dish=current,
        quantity=quantity,
        unit_price=current.price,
        remarks=remarks.strip(),
    )
    return pre_order


@transaction.atomic
def pre_order_remove(*, pre_order: PreOrder) -> None:
    """Take a dish off a reservation and give its quantity back to stock."""
    Dish.objects.filter(pk=pre_order.dish_id).update(stock=F("stock") + pre_order.quantity)
    pre_order.delete()


@transaction.atomic
def pre_orders_release(*, reservation: Reservation) -> int:
    """Give back to stock every dish pre-ordered for a cancelled reservation."""
    released = 0
    for pre_order in reservation.pre_orders.select_for_update():
        Dish.objects.filter(pk=pre_order.dish_id).update(stock=F("stock") + pre_order.quantity)
        released += pre_order.quantity
    return released
