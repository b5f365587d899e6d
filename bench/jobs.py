"""Scheduled jobs benchmark: provisioning 200 restaurants, then one beat's sweep over them.

1. Provisioning: ``restaurant_provision`` creates ``bench-jobs-001`` … ``bench-jobs-200``
   (once; later runs reuse them). Printed: seconds per restaurant created in this run, mean,
   p95 and max, and how much of it is the schema's creation (``Restaurant.create_schema``).
   The first schema this process creates is migrated (and its SQL recorded); the others are
   built from the recording (``restaurants.schemas``); both are printed apart too. When fewer
   than 20 were created in this run, 20 throwaway restaurants are created and deleted again
   (``delete(force_drop=True)``) for the figure.
2. The sweep: each bench restaurant has 10 tables, opening hours all day and 20 reservations
   around now (seeded once, reset before every run so that every run does the same work):
   9 seated four hours ago, due to be finished; 9 starting ten minutes ago, due to be seated;
   one starting in fifteen minutes, whose table is due to be reserved; one later. Its alerts
   are deleted and its metrics are taken up to the hour before the last complete one.
   One real worker (``celery worker --pool solo``, as production starts it but with one
   process) consumes the dedicated queue ``bench-jobs``; this process sends
   ``dispatch("activate")``, ``dispatch("metrics")`` and ``dispatch("alerts")`` as beat does.
   The sweep ends when the broker's queue is empty (``LLEN``) and the worker reports no
   active and no reserved task, twice in a row (polled every 0.25 s; the end is the first
   of the two polls). The tasks run are the worker's own count (``inspect().stats()``); its
   effects are checked in the bench restaurants: 9 seated, 9 finished, 1 table reserved,
   the last hour's metrics snapshot and one high-occupancy alert (9 of 10 tables occupied).
   Every other active restaurant of the database gets its three tasks too, as in production.

Run with ``python3 dev.py bench jobs``; the first run takes minutes (200 schemas).
"""

import datetime as dt
import math
import os
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["CELERY_QUEUE"] = QUEUE = "bench-jobs"  # this process's and the worker's
os.environ.setdefault("LOG_LEVEL", "WARNING")  # no log line per restaurant created

import django

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import get_public_schema_name, schema_exists, tenant_context  # noqa: E402

from analytics.models import Alert, MetricsSnapshot  # noqa: E402
from analytics.services import metrics_take  # noqa: E402
from bench.common import BenchWorker  # noqa: E402
from reservations import selectors  # noqa: E402
from reservations.models import (  # noqa: E402
    Customer,
    OpeningPeriod,
    Reservation,
    ReservationStatus,
    Table,
    TableStatus,
)
from restaurants.models import Restaurant  # noqa: E402
from restaurants.services import restaurant_provision  # noqa: E402
from restaurants.tasks import JOBS as JOB_TASKS  # noqa: E402
from restaurants.tasks import dispatch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESTAURANTS = 200
SLUGS = [f"bench-jobs-{number:03d}" for number in range(1, RESTAURANTS + 1)]
THROWAWAY = 20
THROWAWAY_PATTERN = r"^bench-jobs-(fresh|clone)-"
PASSWORD = "Bench-Password-2030"
PROVISION_TARGET_SECONDS = 2
SWEEP_TARGET_SECONDS = 60
JOBS = ("activate", "metrics", "alerts")

TABLE_CODES = [f"J{number:02d}" for number in range(1, 11)]
# (table, role) of each reservation, in creation order: nine tables each with a party to
# finish and a party to seat, the tenth with a party arriving soon and a later one.
PLAN = [(code, role) for code in TABLE_CODES[:9] for role in ("finish", "seat")]
PLAN += [(TABLE_CODES[9], "arriving"), (TABLE_CODES[9], "later")]
SEATED_TABLES = TABLE_CODES[:9]


# --- Provisioning ---------------------------------------------------------------------------


def provision(slug: str, name: str) -> tuple[Restaurant, bool]:
    return restaurant_provision(
        name=name,
        slug=slug,
        plan="basic",
        timezone="America/Mexico_City",
        currency="USD",
        language="es",
        manager_email=f"manager@{slug}.example.com",
        manager_password=PASSWORD,
    )


def timed(owner, name: str, seconds: list[float]):
    """Patch ``owner.name`` to note how long each call takes."""
    original = getattr(owner, name)

    def call(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - started)

    return mock.patch.object(owner, name, call)


def provision_timed(slugs: list[str], *, progress: bool = False):
    """Provision these restaurants; returns them, and the seconds of each one created: in all
    and in ``create_schema``."""
    seconds = {"provision": [], "create_schema": []}
    restaurants = []
    with timed(Restaurant, "create_schema", seconds["create_schema"]):
        for index, slug in enumerate(slugs, start=1):
            started = time.perf_counter()
            restaurant, created = provision(slug, f"Bench Jobs {slug.removeprefix('bench-jobs-')}")
            if created:
                seconds["provision"].append(time.perf_counter() - started)
            restaurants.append(restaurant)
            if progress and created and index % 50 == 0:
                print(f"  {index}/{len(slugs)} provisioned", flush=True)
    return restaurants, seconds


def throwaway_delete(restaurants) -> None:
    connection.set_schema_to_public()
    for restaurant in restaurants:
        restaurant.delete(force_drop=True)
        if schema_exists(restaurant.schema_name):
            raise RuntimeError(f"schema {restaurant.schema_name} left behind by delete")


def throwaway_timed():
    """Create throwaway restaurants and delete them; returns their seconds."""
    slugs = [f"bench-jobs-fresh-{number}" for number in range(1, THROWAWAY + 1)]
    restaurants, seconds = provision_timed(slugs)
    throwaway_delete(restaurants)
    return seconds


def nearest_rank_p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def report_line(label: str, values: list[float]) -> str:
    return (
        f"{label:<34} mean {statistics.fmean(values):5.2f} s   "
        f"p95 {nearest_rank_p95(values):5.2f} s   max {max(values):5.2f} s"
    )


def report_provisioning(seconds: dict[str, list[float]], note: str) -> None:
    total = seconds["provision"]
    mean, p95 = statistics.fmean(total), nearest_rank_p95(total)
    met = mean <= PROVISION_TARGET_SECONDS and p95 <= PROVISION_TARGET_SECONDS
    print(
        f"{report_line('provision per restaurant', total)}   ({note}, {schemas_count()} "
        f"schemas in the database)   target ≤ {PROVISION_TARGET_SECONDS} s (mean and p95): "
        f"{'met' if met else 'MISSED'}"
    )
    print(report_line("  of which create_schema", seconds["create_schema"]))
    print(f"  the first (schema migrated, SQL recorded): {total[0]:5.2f} s")
    if len(total) > 1:
        print(report_line("  the others (schema from the SQL)", total[1:]))


def schemas_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_namespace"
            " WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'"
        )
        return cursor.fetchone()[0]


def provisioning() -> list[Restaurant]:
    connection.set_schema_to_public()
    throwaway_delete(Restaurant.objects.filter(slug__regex=THROWAWAY_PATTERN))
    missing = RESTAURANTS - Restaurant.objects.filter(slug__in=SLUGS).count()
    if missing:
        print(f"provisioning {missing} restaurants (first run only)…", flush=True)
    restaurants, seconds = provision_timed(SLUGS, progress=True)
    if len(seconds["provision"]) >= THROWAWAY:
        note = f"{len(seconds['provision'])} created in this run"
    else:
        seconds = throwaway_timed()
        note = f"{RESTAURANTS} existed: {THROWAWAY} throwaway ones, created and deleted"
    report_provisioning(seconds, note)
    return restaurants


# --- Floor ----------------------------------------------------------------------------------


@transaction.atomic
def floor_seed(slug: str) -> None:
    """Opening hours all day, 10 tables, a customer and the 20 reservations of PLAN."""
    policy = selectors.booking_policy_get()
    policy.periods.all().delete()
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(policy=policy, weekday=day, opens_at=dt.time(0), closes_at=dt.time(23, 59))
        for day in range(7)
    )
    selectors.booking_policy_forget()
    tables = {
        table.code: table
        for table in Table.objects.bulk_create(
            Table(code=code, min_capacity=1, max_capacity=4) for code in TABLE_CODES
        )
    }
    customer = Customer.objects.create(
        first_name="Bench", last_name="Jobs", email=f"guest@{slug}.example.com"
    )
    moment = timezone.now() - dt.timedelta(days=30)
    Reservation.objects.bulk_create(
        Reservation(
            customer=customer,
            table=tables[code],
            starts_at=moment + dt.timedelta(hours=3 * index),
            ends_at=moment + dt.timedelta(hours=3 * index + 2),
            party_size=2,
            status=ReservationStatus.CANCELLED,
        )
        for index, (code, _role) in enumerate(PLAN)
    )


def floor_reset(now: dt.datetime, last_hour: dt.datetime) -> None:
    """Put the reservations, tables, alerts and metrics where the sweep finds its work."""
    reservations = list(Reservation.objects.order_by("pk"))
    # Out of the overlap constraint while their times move.
    Reservation.objects.update(status=ReservationStatus.CANCELLED)
    for reservation, (_code, role) in zip(reservations, PLAN, strict=True):
        starts_in = {"finish": -240, "seat": -10, "arriving": 15, "later": 180}[role]
        reservation.starts_at = now + dt.timedelta(minutes=starts_in)
        reservation.ends_at = reservation.starts_at + dt.timedelta(hours=2)
        reservation.status = (
            ReservationStatus.SEATED if role == "finish" else ReservationStatus.CONFIRMED
        )
        reservation.seated_at = reservation.starts_at if role == "finish" else None
    Reservation.objects.bulk_update(reservations, ["status", "starts_at", "ends_at", "seated_at"])
    Table.objects.update(status=TableStatus.AVAILABLE)
    Table.objects.filter(code__in=SEATED_TABLES).update(status=TableStatus.OCCUPIED)
    Alert.objects.all().delete()
    MetricsSnapshot.objects.filter(hour__gte=last_hour).delete()
    metrics_take(now=now - dt.timedelta(hours=1))  # up to the hour before ``last_hour``


def floors_ready(restaurants, now: dt.datetime, last_hour: dt.datetime) -> None:
    for restaurant in restaurants:
        with tenant_context(restaurant):
            if not Table.objects.filter(code__in=TABLE_CODES).exists():
                floor_seed(restaurant.slug)
            floor_reset(now, last_hour)


def effects(restaurants, sent_at: dt.datetime, last_hour: dt.datetime) -> dict[str, int]:
    found = dict.fromkeys(("seated", "finished", "reserved", "snapshots", "alerts"), 0)
    for restaurant in restaurants:
        with tenant_context(restaurant):
            found["seated"] += Reservation.objects.filter(
                status=ReservationStatus.SEATED, seated_at__gte=sent_at
            ).count()
            found["finished"] += Reservation.objects.filter(
                status=ReservationStatus.FINISHED
            ).count()
            found["reserved"] += Table.objects.filter(status=TableStatus.RESERVED).count()
            found["snapshots"] += MetricsSnapshot.objects.filter(hour=last_hour).count()
            found["alerts"] += Alert.objects.count()
    return found


# --- The worker -----------------------------------------------------------------------------


def sweep(restaurants) -> None:
    connection.set_schema_to_public()
    active = (
        Restaurant.objects.filter(is_active=True).exclude(schema_name=get_public_schema_name())
    ).count()
    now = timezone.now()
    last_hour = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    floors_ready(restaurants, now, last_hour)
    connection.set_schema_to_public()
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(QUEUE)  # anything left by an interrupted run
    worker = BenchWorker(QUEUE, "--pool", "solo")
    worker.start()
    try:
        sent_at = timezone.now()
        started = time.perf_counter()
        for job in JOBS:
            dispatch.delay(job)
        seconds = worker.drained_at(broker) - started
        ran = worker.tasks_run()
    finally:
        worker.stop()
    tasks = sum(ran.get(name, 0) for job in JOBS for name in JOB_TASKS[job])
    verdict = "met" if seconds <= SWEEP_TARGET_SECONDS else "MISSED"
    print(
        f"{'sweep (activate, metrics, alerts)':<34} {seconds:6.1f} s for {tasks} per-restaurant "
        f"tasks (expected {active} active restaurants × {len(JOBS)} = {active * len(JOBS)}) "
        f"and {ran.get('restaurants.dispatch', 0)} dispatchers   "
        f"target ≤ {SWEEP_TARGET_SECONDS} s: {verdict}"
    )
    print("  tasks run by the worker: " + ", ".join(f"{name} {ran[name]}" for name in sorted(ran)))
    found = effects(restaurants, sent_at, last_hour)
    due = RESTAURANTS * len(SEATED_TABLES)
    print(
        f"  effects in the {RESTAURANTS} bench restaurants: "
        f"{found['seated']}/{due} seated, {found['finished']}/{due} finished, {found['reserved']}/{RESTAURANTS} tables reserved, "
        f"{found['snapshots']}/{RESTAURANTS} snapshots of {last_hour:%H:%M} UTC, "
        f"{found['alerts']}/{RESTAURANTS} alerts raised"
    )


def main() -> None:
    restaurants = provisioning()
    sweep(restaurants)


if __name__ == "__main__":
    main()
