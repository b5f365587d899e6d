"""The booking policy, its opening hours and its closed dates: each change checked as the
admin's form checks it, and the cached policy forgotten so that the next booking sees it."""

from __future__ import annotations

from django.db import transaction

from reservations import selectors
from reservations.models import BookingPolicy, ClosedDate, OpeningPeriod


def _forget() -> None:
    selectors.booking_policy_forget()
    # Again once committed: a booking read meanwhile may have cached the policy as it was.
    transaction.on_commit(selectors.booking_policy_forget)


@transaction.atomic
def booking_policy_update(*, changes: dict) -> BookingPolicy:
    """Change some of the restaurant's booking settings on the locked policy row."""
    policy = BookingPolicy.objects.select_for_update().get(pk=selectors.booking_policy_get().pk)
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.full_clean()  # also writes the phone in E.164
    policy.save()
    _forget()
    return policy


@transaction.atomic
def opening_period_save(*, period: OpeningPeriod) -> OpeningPeriod:
    """Add or change a service period of the restaurant's opening hours."""
    if period.policy_id is None:
        period.policy = selectors.booking_policy_get()
    period.full_clean()
    period.save()
    _forget()
    return period


@transaction.atomic
def opening_period_delete(*, period: OpeningPeriod) -> None:
    """Remove a service period: no more bookings are offered in it."""
    period.delete()
    _forget()


@transaction.atomic
def closed_date_save(*, closed_date: ClosedDate) -> ClosedDate:
    """Add or change a day without service (once, or every year)."""
    if closed_date.policy_id is None:
        closed_date.policy = selectors.booking_policy_get()
    closed_date.full_clean()
    closed_date.save()
    _forget()
    return closed_date


@transaction.atomic
def closed_date_delete(*, closed_date: ClosedDate) -> None:
    """Open again on a day that was closed."""
    closed_date.delete()
    _forget()
