"""Availability engine benchmark.

A restaurant with 40 tables, 50,000 past and 2,000 future reservations: day availability
for a party of 4 and best-table assignment, p50 and p95 over 500 calls each, and the SQL
queries per call. Run with ``python3 dev.py bench``; the data is created once and reused.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from reservations import selectors  # noqa: E402
from reservations.models import Customer, OpeningPeriod, Reservation, Table  # noqa: E402
from restaurants.services import restaurant_provision  # noqa: E402

CALLS = 500
PAST, FUTURE, TABLES = 50_000, 2_000, 40
AREAS = ["interior", "terrace", "vip", "bar"]


def seed(now: dt.datetime) -> None:
    if Reservation.objects.count() >= PAST + FUTURE:
        return
    print("seeding 40 tables, 50,000 past and 2,000 future reservations (once)…", flush=True)
    Reservation.objects.all().delete()
    Table.objects.all().delete()
    policy = selectors.booking_policy_get()
    policy.periods.all().delete()
    policy.slot_interval_minutes = 15
    policy.duration_minutes = 120
    policy.min_notice_minutes = 0
    policy.max_days_ahead = 90
    policy.save()
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(policy=policy, weekday=day, opens_at=dt.time(12), closes_at=dt.time(23, 59))
        for day in range(7)
    )
    selectors.booking_policy_forget()
    capacities = [2] * 12 + [4] * 16 + [6] * 8 + [8] * 4
    tables = Table.objects.bulk_create(
        Table(code=f"B{index:02d}", min_capacity=1, max_capacity=capacity, area=AREAS[index % 4])
        for index, capacity in enumerate(capacities)
    )
    customer, _ = Customer.objects.get_or_create(
        email="bench@example.com", defaults={"first_name": "Bench", "phone": "+525500000000"}
    )
    zone = selectors.restaurant_zone()
    randomizer = random.Random(1)
    rows = []

    def add(day, hour, table, status):
        starts_at = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
        rows.append(
            Reservation(
                customer=customer,
                table=table,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=2),
                party_size=min(table.max_capacity, randomizer.randint(1, 6)),
                status=status,
            )
        )

    today = now.astimezone(zone).date()
    past_days = PAST // (TABLES * 2) + 1
    for offset in range(1, past_days + 1):
        for table in tables:
            for hour in (13, 20):
                if len(rows) < PAST:
                    add(today - dt.timedelta(days=offset), hour, table, "finished")
    future = 0
    for offset in range(1, 90):
        for table in tables:
            for hour in (14, 19, 21):
                if future < FUTURE and randomizer.random() < 0.3:
                    add(today + dt.timedelta(days=offset), hour, table, "confirmed")
                    future += 1
    Reservation.objects.bulk_create(rows, batch_size=2000)


def measure(name: str, call) -> None:
    timings, queries = [], []
    for index in range(CALLS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call(index)
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"{name:<28} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   "
        f"SQL queries per call: max {max(queries)}, typical {statistics.mode(queries)}"
    )


def main() -> None:
    restaurant, _ = restaurant_provision(
        name="Bench",
        slug="bench",
        plan="enterprise",
        timezone="America/Mexico_City",
        currency="USD",
        language="es",
        manager_email="bench@example.com",
        manager_password="Bench-Password-2030",
    )
    now = django.utils.timezone.now()
    with tenant_context(restaurant):
        seed(now)
        zone = selectors.restaurant_zone()
        today = now.astimezone(zone).date()
        print(
            f"restaurant: {Table.objects.count()} tables, "
            f"{Reservation.objects.filter(starts_at__lt=now).count()} past and "
            f"{Reservation.objects.filter(starts_at__gte=now).count()} future reservations"
        )
        selectors.booking_policy_snapshot()  # warm the policy cache, as in service
        randomizer = random.Random(2)
        days = [today + dt.timedelta(days=randomizer.randint(1, 14)) for _ in range(CALLS)]
        starts = [
            dt.datetime.combine(day, dt.time(randomizer.choice([13, 14, 19, 20, 21])), tzinfo=zone)
            for day in days
        ]
        measure(
            "day availability (party 4)",
            lambda index: selectors.availability_for_day(day=days[index], party_size=4, now=now),
        )
        measure(
            "best table (party 4)",
            lambda index: selectors.table_best_for(starts_at=starts[index], party_size=4),
        )


if __name__ == "__main__":
    main()
