"""Period reports benchmark: the manager's report page of a busy restaurant's year.

One restaurant, ``bench-reports`` (enterprise plan), seeded once: 30 tables, a menu of 20
dishes, 8,000 customers and 50,000 reservations over the last 365 days (every source;
most finished, some no-shows and cancellations; one in ten with a pre-order; most of the
finished parties with a paid note of two or three dish lines), written in bulk. Its daily
roll-ups are then backfilled (``daily_rollups_backfill``, timed) when any is missing.

The door is measured as a manager hits it: the web tier as production starts it
(``gunicorn -c config/web.py config.asgi:application`` on a free port), first one client
alone (``ALONE`` GETs per door), then a few concurrent clients (``CLIENTS`` threads, each
with its own logged-in session, ``REQUESTS`` GETs per door): the report of the last year, of the last month, and the year's CSV of covers per day;
beside them, in the same run and the same way, the baseline ``GET /robots.txt`` (the
middleware stack and the restaurant lookup, no other work). Printed: p50, p95 and max in
ms per door, and its p50 against the baseline's — the manager's home (``/admin/``) and
the panel it fetches again on live events (``/admin/?panel=home``) too — then one
machine-readable line::

    reports year_p50_ms=… year_p95_ms=… month_p50_ms=… … target_ms=300

Run with ``python3 dev.py bench reports`` (the database is DATABASE_URL's).
"""

import datetime as dt
import itertools
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
CHILD_ENV = dict(os.environ)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from analytics.models import DailyRollup  # noqa: E402
from analytics.selectors import service_day_at  # noqa: E402
from analytics.services import daily_rollups_backfill  # noqa: E402
from bench.common import free_port, process_stop  # noqa: E402
from billing.models import ConsumptionNote, NoteLine, NoteLineKind, NoteStatus  # noqa: E402
from menu.models import Category, Dish, PreOrder  # noqa: E402
from reservations import selectors  # noqa: E402
from reservations.models import (  # noqa: E402
    Customer,
    OpeningPeriod,
    Reservation,
    ReservationSource,
    ReservationStatus,
    Table,
)
from restaurants.services import restaurant_domain_for, restaurant_provision  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "var" / "bench-reports" / "web.log"
SLUG = "bench-reports"
MANAGER, PASSWORD = "manager@bench-reports.example.com", "Bench-Password-2030"
RESERVATIONS, CUSTOMERS, TABLES, DISHES, DAYS = 50_000, 8_000, 30, 20, 365
SLOTS = (12, 14, 16, 18, 20, 22)  # two-hour services: a table's parties never overlap
CLIENTS, REQUESTS, ALONE = 4, 200, 50
WORKERS = str(min(4, 2 * (os.cpu_count() or 1)))  # config/web.py's two per core, at most 4
TARGET_MS = 300


# --- Seeding ----------------------------------------------------------------------------


def seed(today: dt.date) -> bool:
    """Write the year's book once; True when it was written in this run."""
    if Reservation.objects.count() >= RESERVATIONS:
        return False
    print(f"seeding {RESERVATIONS:,} reservations over {DAYS} days (once)…", flush=True)
    started = time.perf_counter()
    randomizer = random.Random(7)
    policy = selectors.booking_policy_get()
    policy.periods.all().delete()
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(policy=policy, weekday=day, opens_at=dt.time(12), closes_at=dt.time(23, 59))
        for day in range(7)
    )
    selectors.booking_policy_forget()
    capacities = [2] * 10 + [4] * 12 + [6] * 6 + [8] * 2
    tables = Table.objects.bulk_create(
        Table(code=f"R{index:02d}", min_capacity=1, max_capacity=capacity)
        for index, capacity in enumerate(capacities, start=1)
    )
    category = Category.objects.create(name="Carta")
    dishes = Dish.objects.bulk_create(
        Dish(category=category, name=f"Plato {n:02d}", price=Decimal(8 + n), stock=1_000_000)
        for n in range(1, DISHES + 1)
    )
    customers = Customer.objects.bulk_create(
        (
            Customer(first_name=f"Cliente {n}", phone=f"+5255{30000000 + n:08d}")
            for n in range(CUSTOMERS)
        ),
        batch_size=4000,
    )
    zone = selectors.restaurant_zone()
    sources = ReservationSource.values
    per_day = RESERVATIONS // DAYS + 1
    rows = []
    for offset in range(DAYS, 0, -1):
        day = today - dt.timedelta(days=offset)
        places = randomizer.sample([(table, hour) for table in tables for hour in SLOTS], per_day)
        for table, hour in places:
            if len(rows) == RESERVATIONS:
                break
            starts_at = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
            roll = randomizer.random()
            status = (
                ReservationStatus.CANCELLED
                if roll < 0.08
                else ReservationStatus.NO_SHOW
                if roll < 0.13
                else ReservationStatus.FINISHED
            )
            rows.append(
                Reservation(
                    customer=randomizer.choice(customers),
                    table=table,
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(hours=2),
                    party_size=randomizer.randint(1, table.max_capacity),
                    status=status,
                    source=randomizer.choice(sources),
                    seated_at=starts_at if status == ReservationStatus.FINISHED else None,
                )
            )
    parties = Reservation.objects.bulk_create(rows, batch_size=5000)
    # created_at is set on insert: spread it back, so that lead times are days, not a year.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reservations_reservation SET created_at = starts_at - "
            "make_interval(hours => (id % 240)::int)"
        )
    PreOrder.objects.bulk_create(
        (
            PreOrder(
                reservation=party,
                dish=randomizer.choice(dishes),
                quantity=randomizer.randint(1, 3),
                unit_price=Decimal(10),
            )
            for party in parties
            if party.status != ReservationStatus.CANCELLED and randomizer.random() < 0.1
        ),
        batch_size=5000,
    )
    notes, lines = [], []
    for number, party in enumerate(parties):
        if party.status != ReservationStatus.FINISHED or randomizer.random() < 0.3:
            continue
        picked = randomizer.sample(dishes, randomizer.randint(2, 3))
        amounts = [(dish, randomizer.randint(1, party.party_size), dish.price) for dish in picked]
        total = sum((quantity * price for _dish, quantity, price in amounts), Decimal(0))
        note = ConsumptionNote(
            number=f"NC-BENCH-{number:07d}",
            reservation=party,
            service_day=party.starts_at.astimezone(zone).date(),
            status=NoteStatus.PAID,
            currency="MXN",
            tax_rate=Decimal("0"),
            subtotal=total,
            total=total,
            payment_method="cash",
            paid_at=party.ends_at,
        )
        notes.append(note)
        lines.extend(
            NoteLine(
                note=note,
                kind=NoteLineKind.EXTRA,
                dish=dish,
                description=dish.name,
                quantity=quantity,
                unit_price=price,
                amount=quantity * price,
            )
            for dish, quantity, price in amounts
        )
    ConsumptionNote.objects.bulk_create(notes, batch_size=5000)
    NoteLine.objects.bulk_create(lines, batch_size=5000)
    print(
        f"  {len(parties):,} reservations, {len(notes):,} paid notes, {len(lines):,} lines "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return True


# --- The web tier and its clients ---------------------------------------------------------


def web_start(port: int) -> subprocess.Popen:
    LOG.parent.mkdir(parents=True, exist_ok=True)
    env = {**CHILD_ENV, "COMENSAL_BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "WARNING"}
    env.setdefault("COMENSAL_WEB_WORKERS", WORKERS)
    with LOG.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/web.py", "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def web_wait(web: subprocess.Popen, base: str, host: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {web.returncode}; see {LOG}")
        request = urllib.request.Request(f"{base}/robots.txt", headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the web tier did not answer in {timeout:.0f} s; see {LOG}")


def logged_in(base: str, host: str) -> requests.Session:
    session = requests.Session()
    session.headers["Host"] = host
    session.get(f"{base}/admin/login/")
    answer = session.post(
        f"{base}/admin/login/?next=/admin/",
        data={
            "username": MANAGER,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"http://{host}/admin/login/"},
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login refused: {answer.status_code}")
    return session


def measure(sessions: list[requests.Session], url, *, expect: str, count: int = REQUESTS) -> dict:
    """``count`` GETs of ``url`` spread over the clients, each a closed loop; ``url`` may be
    a function of the request's number (a different address each time)."""
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    numbers = itertools.count(1)
    address = url if callable(url) else lambda _number: url

    def client(session: requests.Session, count: int) -> None:
        for _ in range(count):
            with lock:
                number = next(numbers)
            started = time.perf_counter()
            answer = session.get(address(number), allow_redirects=False)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if answer.status_code == 200 and expect in answer.text:
                    timings.append(elapsed)
                else:
                    errors.append(f"{answer.status_code} {answer.text[:120]!r}")

    for session in sessions:  # one warm-up request each: the worker's first is not timed
        session.get(address(0))
    threads = [
        threading.Thread(target=client, args=(session, count // len(sessions)))
        for session in sessions
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(f"  {len(errors)} errors, first: {errors[0]}")
    timings.sort()
    return {
        "p50": statistics.median(timings) if timings else float("nan"),
        "p95": timings[max(0, int(len(timings) * 0.95) - 1)] if timings else float("nan"),
        "max": timings[-1] if timings else float("nan"),
        "errors": len(errors),
    }


def print_figures(name: str, figures: dict, baseline: dict) -> None:
    print(
        f"  {name:<9} p50 {figures['p50']:7.1f} ms   p95 {figures['p95']:7.1f} ms   "
        f"max {figures['max']:7.1f} ms   p50 ×{figures['p50'] / baseline['p50']:.1f} the baseline"
    )


def main() -> int:
    restaurant, _created = restaurant_provision(
        name="Bench Reports",
        slug=SLUG,
        plan="enterprise",
        timezone="America/Mexico_City",
        currency="MXN",
        language="es",
        manager_email=MANAGER,
        manager_password=PASSWORD,
    )
    with tenant_context(restaurant):
        today = service_day_at(timezone.now())
        seeded = seed(today)
        if (
            seeded
            or DailyRollup.objects.filter(day__gt=today - dt.timedelta(days=DAYS)).count() < DAYS
        ):
            started = time.perf_counter()
            daily_rollups_backfill(days=DAYS + 1)
            seconds = time.perf_counter() - started
            print(
                f"backfill: {DAYS + 1} roll-ups in {seconds:.1f} s ({seconds / (DAYS + 1) * 1000:.0f} ms a day)"
            )
        print(
            f"restaurant: {Table.objects.count()} tables, {Reservation.objects.count():,} "
            f"reservations, {DailyRollup.objects.count()} daily roll-ups"
        )
    connection.close()

    port = free_port()
    host = f"{restaurant_domain_for(SLUG)}:{port}"
    base = f"http://127.0.0.1:{port}"
    web = web_start(port)
    workers = CHILD_ENV.get("COMENSAL_WEB_WORKERS", WORKERS)
    try:
        web_wait(web, base, host)
        sessions = [logged_in(base, host) for _ in range(CLIENTS)]
        year = f"period=custom&start={today - dt.timedelta(days=DAYS - 1)}&end={today}"
        first_day = today - dt.timedelta(days=DAYS - 1)
        combinations = 366 * 30
        run = random.Random().randrange(combinations)  # another run's periods, mostly

        def cold_year(number: int) -> str:
            # A period not read before (in this run; another run within the cache's hour
            # picks the same one in about one case in fifty): from a year and up to 365
            # more days back to today or up to 29 days before it.
            pick = (run + number * 7919) % combinations
            start = first_day - dt.timedelta(days=pick % 366)
            end = today - dt.timedelta(days=pick // 366)
            return f"{base}/admin/reports/?period=custom&start={start}&end={end}"

        doors = {
            "baseline": (f"{base}/robots.txt", "User-agent"),
            "year_cold": (cold_year, 'id="report-data"'),
            "year": (f"{base}/admin/reports/?{year}", 'id="report-data"'),
            "month": (f"{base}/admin/reports/?period=month&day={today}", 'id="report-data"'),
            "csv": (f"{base}/admin/reports/?{year}&format=csv&table=covers", str(today)),
            "home": (f"{base}/admin/", 'id="home-today"'),
            "home_panel": (f"{base}/admin/?panel=home", 'id="home-today"'),
        }
        print(
            f"web tier on {base} (Host {host}), {workers} worker processes, {os.cpu_count()} cores"
        )
        print(f"one client alone, {ALONE} GETs per door:")
        alone = {}
        for name, (url, expect) in doors.items():
            alone[name] = figures = measure(sessions[:1], url, expect=expect, count=ALONE)
            print_figures(name, figures, alone["baseline"])
        print(f"{CLIENTS} concurrent clients, {REQUESTS} GETs per door:")
        results = {}
        for name, (url, expect) in doors.items():
            results[name] = figures = measure(sessions, url, expect=expect)
            print_figures(name, figures, results["baseline"])
    finally:
        process_stop(web, 30)
    measured = ("year_cold", "year", "month", "csv", "home", "home_panel")
    worst = max(results[name]["p95"] for name in measured)
    print(
        "reports "
        + " ".join(
            f"{name}_{stat}_ms={results[name][stat]:.1f}"
            for name in (*measured, "baseline")
            for stat in ("p50", "p95")
        )
        + " "
        + " ".join(f"alone_{name}_p50_ms={alone[name]['p50']:.1f}" for name in alone)
        + f" clients={CLIENTS} errors={sum(result['errors'] for result in results.values())}"
        + f" target_ms={TARGET_MS}"
    )
    print(
        f"target: p95 ≤ {TARGET_MS} ms with {CLIENTS} clients — "
        + ("met" if worst <= TARGET_MS else "NOT met")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
