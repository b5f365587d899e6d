"""Dishes pre-ordered with a booking, with its draft note following them."""

from __future__ import annotations

from django.db import transaction

from billing.services import note_pre_orders_sync
from menu.models import Dish, PreOrder
from menu.services import pre_order_add, pre_order_remove
from reservations.models import Reservation


@transaction.atomic
def booking_pre_order_add(
    *, reservation: Reservation, dish: Dish, quantity: int, remarks: str = ""
) -> PreOrder:
    """Pre-order a dish for a booking (taken from stock) and put it on its draft note."""
    pre_order = pre_order_add(
        reservation=reservation, dish=dish, quantity=quantity, remarks=remarks
    )
    note_pre_orders_sync(reservation=reservation)
    return pre_order


@transaction.atomic
def booking_pre_order_remove(*, pre_order: PreOrder) -> None:
    """Take a dish off a booking (back to stock) and off its draft note."""
    pre_order_remove(pre_order=pre_order)
    note_pre_orders_sync(reservation=pre_order.reservation)
