"""factory_boy factories for a restaurant's data (use inside its tenant context)."""

import datetime as dt
from decimal import Decimal

import factory

from booking.services.bookings import booking_create
from menu.models import Category, Dish
from reservations.models import Customer, OpeningPeriod, Reservation, ReservationSource, Table
from reservations.selectors import booking_policy_forget, booking_policy_get


class TableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Table

    code = factory.Sequence(lambda n: f"M{n + 1:02d}")
    min_capacity = 1
    max_capacity = 4
    area = "interior"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Sequence(lambda n: f"Cliente{n}")
    last_name = "Prueba"
    phone = factory.Sequence(lambda n: f"+5255{10000000 + n:08d}")
    email = factory.Sequence(lambda n: f"cliente{n}@example.com")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Categoría {n}")


class DishFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dish

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Plato {n}")
    price = Decimal("12.50")
    stock = 10


def open_every_day(opens: str = "12:00", closes: str = "23:00", **policy_fields):
    """Give the current restaurant the same opening period every day, and these settings."""
    policy = booking_policy_get()
    for name, value in policy_fields.items():
        setattr(policy, name, value)
    policy.save()
    policy.periods.all().delete()
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(
            policy=policy,
            weekday=weekday,
            opens_at=dt.time.fromisoformat(opens),
            closes_at=dt.time.fromisoformat(closes),
        )
        for weekday in range(7)
    )
    booking_policy_forget()
    return policy


def book(*, source: str = ReservationSource.ADMIN, created_by=None, **details) -> Reservation:
    """A booking made through the workflow every door uses (``booking_create``): with its
    confirmation, and for a customer's own source its note."""
    reservation, _created = booking_create(source=source, by=created_by, **details)
    return reservation


def api_key_for(user, *, name: str = "Tests") -> str:
    """A new API token of ``user`` in the current restaurant; its key."""
    from api.services import api_token_issue

    return api_token_issue(user=user, name=name)[1]
