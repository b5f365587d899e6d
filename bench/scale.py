"""A thousand restaurants on one database, or on a Citus cluster: what an operator waits for.

    python3 dev.py bench scale            on the DATABASE_URL server (dev.py's or the given one)
    python3 dev.py bench scale --citus    on the Citus cluster of ``dev.py cluster`` (started
                                          when it is not running; database ``comensal_scale``)

Options (also in ``BENCH_SCALE_OPTIONS``): ``--restaurants N`` (default 1,000), ``--skip
provision,migrate,sweep,requests,memory,http,move`` to leave phases out.

1. Provisioning. ``bench-scale-0001`` … ``bench-scale-1000``, each through
   ``restaurant_provision`` (what the platform admin and the ``provision`` command call: its
   schema, host, roles and manager, whose password is hashed) and seeded like the demo
   restaurant without its past (``seed_restaurant(history_days=0, past_days=0)``: 10 tables,
   opening hours, 24 dishes, 40 customers and the next two weeks' ~115 bookings). Once: later
   runs reuse them. Two processes provision at once (the machine's cores). Printed: seconds
   of ``restaurant_provision`` per restaurant (p50, p95, max), of the seeding, and in all.
   When they exist, 20 more are provisioned one at a time beside them, timed, and deleted.
2. Migrations, as a deploy runs them (``manage.py migrate_schemas``, its own process): every
   schema is first taken back one migration (menu 0004, two triggers; not timed), which stands
   for a release with one new migration; then ``migrate_schemas`` brings them all forward
   (target ≤ 180 s) and runs once more with nothing to apply (target ≤ 30 s).
3. The beat sweep: every job of ``restaurants.tasks.JOBS`` dispatched once, as beat does, to
   one worker started as ``dev.py up`` starts it (prefork, ``--concurrency 2``), on its own
   queue; timed until the queue is empty and the worker idle twice in a row; then a second
   sweep, steady (target ≤ 60 s for the slower of the two).
   Then the worker's memory: the resident size of its main process and of each child, having
   run tasks for every restaurant.
4. Per request: requests through Django's handler in this process (the middleware stack the
   web tier runs; Django's test client) to random restaurants: the booking page, the
   availability fragment and robots.txt, 600 in all; counted at the driver (psycopg), per
   request, the ``SET search_path`` statements and the restaurant lookups (queries of
   ``restaurants_domain``) — target ≤ 1 each.
5. Web memory: one web worker (``gunicorn -c config/web.py``, one uvicorn worker) asked for
   the booking page of every restaurant once; its resident size before and after.
6. Mixed HTTP: bench/http.py's phase C (64 clients for 20 s, 200 live-floor sockets, its mix
   of pages, availability, bookings, manage links, the API and the admin) spread over all the
   restaurants (``BENCH_HTTP_FLEET=scale:<n>``); its p95 of all requests — target ≤ 250 ms —
   with the rest of its report.

With ``--citus``, also: where the restaurants' schemas live (schemas and bookings per worker,
from ``citus_schemas`` and ``citus_shards``), and one restaurant's schema moved to the other
worker (``citus_schema_move``, logical replication) while four threads book into it through
the booking service: the move's seconds, the bookings made during it, and each one found
afterwards on the new worker (none lost).
"""

import argparse
import datetime as dt
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def options_parse():
    parser = argparse.ArgumentParser(description="a thousand restaurants: the operator's figures")
    parser.add_argument("--restaurants", type=int, default=1000)
    parser.add_argument("--citus", action="store_true", help="on the Citus cluster")
    parser.add_argument("--skip", default="", help="phases to leave out, comma-separated")
    parser.add_argument("--provision-part", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--parts", type=int, default=2, help=argparse.SUPPRESS)
    options = parser.parse_args(
        shlex.split(os.environ.get("BENCH_SCALE_OPTIONS", "")) + sys.argv[1:]
    )
    options.skip = {phase.strip() for phase in options.skip.split(",") if phase.strip()}
    return options


OPTIONS = options_parse()
if OPTIONS.citus and OPTIONS.provision_part is None:
    from tools import citus

    citus.up()
    os.environ["DATABASE_ENGINE"] = "citus"
    os.environ["DATABASE_URL"] = citus.database("comensal_scale")
    subprocess.run(
        [sys.executable, "manage.py", "migrate_schemas", "--noinput", "-v", "0"],
        cwd=ROOT, env=os.environ.copy(), check=True,
    )  # fmt: skip
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["CELERY_QUEUE"] = QUEUE = "bench-scale"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from bench.common import (  # noqa: E402
    SCALE_PASSWORD,
    BenchWorker,
    free_port,
    process_stop,
    scale_name,
    scale_slug,
)
from booking.demo import seed_restaurant  # noqa: E402
from booking.services.bookings import Contact, booking_create  # noqa: E402
from reservations import selectors  # noqa: E402
from reservations.models import Reservation  # noqa: E402
from restaurants.models import Plan, Restaurant  # noqa: E402
from restaurants.services import restaurant_provision  # noqa: E402
from restaurants.tasks import JOBS, dispatch  # noqa: E402

WORKER_CONCURRENCY = 2  # as dev.py up starts it
REQUESTS_COUNTED = 600
MOVE_THREADS = 4
THROWAWAY = 20
TARGETS = {
    "migrate one new migration": 180,
    "migrate nothing to apply": 30,
    "beat sweep": 60,
    "SET search_path per request": 1,
    "restaurant lookups per request": 1,
    "mixed HTTP p95 ms": 250,
}
RESULTS: dict[str, float] = {}


def say(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def backends_mb() -> str:
    """The private memory (RssAnon) of the PostgreSQL backends serving this database, when
    PostgreSQL runs on this machine: their catalog caches grow with the schemas they touch."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, coalesce(application_name, '') FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = cursor.fetchall()
    sizes = []
    for pid, name in backends:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("RssAnon:"):
                    sizes.append((int(line.split()[1]) / 1024, name or "?"))
    if not backends:
        return "no other backend connected"
    if not sizes:
        return "not readable (PostgreSQL on another machine)"
    sizes.sort(reverse=True)
    return f"{len(sizes)} backends, largest " + ", ".join(
        f"{mb:.0f} MB ({name})" for mb, name in sizes[:4]
    )


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


# --- 1. Provisioning ----------------------------------------------------------------------------


def provision_one(slug: str, name: str) -> tuple[Restaurant, float]:
    started = time.perf_counter()
    restaurant, _created = restaurant_provision(
        name=name,
        slug=slug,
        plan=Plan.ENTERPRISE,
        timezone="America/Mexico_City",
        currency="USD",
        language="es",
        country="MX",
        manager_email=f"manager@{slug}.example.com",
        manager_password=SCALE_PASSWORD,
    )
    return restaurant, time.perf_counter() - started


def provision_part(part: int, parts: int, count: int) -> None:
    """A child process: provision and seed every ``parts``-th missing restaurant from ``part``,
    one JSON line each."""
    existing = set(Restaurant.objects.values_list("slug", flat=True))
    for number in range(1 + part, count + 1, parts):
        slug = scale_slug(number)
        if slug in existing:
            continue
        restaurant, seconds = provision_one(slug, scale_name(number))
        seeding = time.perf_counter()
        with tenant_context(restaurant):
            seed_restaurant(history_days=0, past_days=0, seed=number)
        seeded = time.perf_counter() - seeding
        print(json.dumps({"slug": slug, "provision": seconds, "seed": seeded}), flush=True)
        # A new connection for the next one, as a ``provision`` command per restaurant has:
        # a PostgreSQL backend that built hundreds of schemas keeps every one of their
        # tables in its caches (hundreds of MB), and rebuilding them all whenever the other
        # process's DDL overflows the invalidation queue is what slowed this down.
        connection.close()


def provisioning_beside(count: int) -> None:
    """The fleet exists: ``THROWAWAY`` more restaurants provisioned beside it, one at a time,
    timed, and deleted again (their schemas dropped)."""
    seconds = []
    for number in range(1, THROWAWAY + 1):
        restaurant, took = provision_one(f"bench-scale-extra-{number:02d}", f"Extra {number:02d}")
        seconds.append(took)
        restaurant.delete(force_drop=True)
    connection.set_schema_to_public()
    say(
        f"1. provisioning beside the {count} restaurants (earlier run): {THROWAWAY} more, one at "
        f"a time, restaurant_provision p50 {statistics.median(seconds):.2f} s, "
        f"p95 {percentile(seconds, 0.95):.2f} s, max {max(seconds):.2f} s (then deleted)"
    )
    RESULTS["provision p50 s"] = statistics.median(seconds)
    RESULTS["provision p95 s"] = percentile(seconds, 0.95)


def provisioning(count: int) -> None:
    missing = count - Restaurant.objects.filter(slug__startswith="bench-scale-").count()
    if missing <= 0:
        return provisioning_beside(count)
    say(f"1. provisioning {missing} restaurants in {OPTIONS.parts} processes (once) …")
    connections.close_all()
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.scale",
                "--provision-part",
                str(part),
                "--parts",
                str(OPTIONS.parts),
                "--restaurants",
                str(count),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "DATABASE_POOL_MAX_SIZE": "0"},
        )
        for part in range(OPTIONS.parts)
    ]
    rows: list[dict] = []
    lock = threading.Lock()

    def read(child):
        for line in child.stdout:
            if line.startswith("{"):
                with lock:
                    rows.append(json.loads(line))
                    if len(rows) % 100 == 0:
                        say(f"   {len(rows)}/{missing} ({time.perf_counter() - started:.0f} s)")

    readers = [threading.Thread(target=read, args=(child,)) for child in children]
    for reader in readers:
        reader.start()
    for child, reader in zip(children, readers, strict=True):
        reader.join()
        if child.wait():
            raise SystemExit(f"a provisioning process failed ({child.returncode})")
    seconds = [row["provision"] for row in rows]
    seeds = [row["seed"] for row in rows]
    say(
        f"   restaurant_provision: p50 {statistics.median(seconds):.2f} s, "
        f"p95 {percentile(seconds, 0.95):.2f} s, max {max(seconds):.2f} s "
        f"({len(rows)} restaurants, 2 at once); seeding p50 {statistics.median(seeds):.2f} s; "
        f"all in {time.perf_counter() - started:.0f} s"
    )
    RESULTS["provision p50 s"] = statistics.median(seconds)
    RESULTS["provision p95 s"] = percentile(seconds, 0.95)


# --- 2. Migrations ------------------------------------------------------------------------------


def manage(*arguments: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=os.environ.copy(),
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started, done.stdout


def migrations() -> None:
    say("2. migrations (manage.py migrate_schemas, its own process)")
    connections.close_all()
    seconds, _ = manage("migrate_schemas", "--tenant", "--noinput", "-v", "0", "menu", "0003")
    say(f"   every schema taken back one migration (menu 0004): {seconds:.1f} s (not a target)")
    seconds, output = manage("migrate_schemas", "--noinput", "-v", "1")
    summary = [line for line in output.splitlines() if line.startswith("[comensal] ")]
    say(f"   one new migration for every schema: {seconds:.1f} s  ({'; '.join(summary)})")
    RESULTS["migrate one new migration"] = seconds
    seconds, output = manage("migrate_schemas", "--noinput", "-v", "1")
    summary = [line for line in output.splitlines() if line.startswith("[comensal] ")]
    say(f"   nothing to apply: {seconds:.1f} s  ({'; '.join(summary)})")
    RESULTS["migrate nothing to apply"] = seconds


# --- 3. The beat sweep --------------------------------------------------------------------------


def sweep(count: int) -> None:
    active = Restaurant.objects.filter(is_active=True).exclude(schema_name="public").count()
    say(f"3. the beat sweep: {len(JOBS)} jobs × {active} active restaurants, one worker "
        f"(prefork, --concurrency {WORKER_CONCURRENCY})")  # fmt: skip
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(QUEUE)
    connections.close_all()
    environment = {
        **os.environ,
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": "",
        "EMAIL_HOST": "",
    }
    worker = BenchWorker(QUEUE, "--concurrency", str(WORKER_CONCURRENCY), environment=environment)
    process = worker.start()
    expected = active * sum(map(len, JOBS.values()))
    sweeps = []
    try:
        # The first sweep does whatever catching up is due (the hours and days since the last
        # run, or since a new restaurant was created); the second is a steady one.
        for sweep_name in ("first", "again"):
            ran_before = Counter(worker.tasks_run())
            started = time.perf_counter()
            for job in JOBS:
                dispatch.delay(job)
            seconds = worker.drained_at(broker) - started
            ran = Counter(worker.tasks_run()) - ran_before
            tasks = sum(number for name, number in ran.items() if name != "restaurants.dispatch")
            say(f"   {sweep_name}: {seconds:.1f} s for {tasks} per-restaurant tasks (expected "
                f"{expected}) = {tasks / seconds:.0f} tasks/s")  # fmt: skip
            sweeps.append(seconds)
        memory = [rss_mb(process.pid)] + [rss_mb(child) for child in children_of(process.pid)]
        backends = backends_mb()
    finally:
        worker.stop()
    seconds = max(sweeps)
    say("   by task, each sweep: " + ", ".join(f"{name} {ran[name]}" for name in sorted(ran)))
    say(f"   worker memory after the sweep: main {memory[0]:.0f} MB, children "
        + ", ".join(f"{value:.0f} MB" for value in memory[1:]))  # fmt: skip
    say(f"   PostgreSQL after the sweep: {backends}")
    RESULTS["beat sweep"] = seconds
    RESULTS["worker child MB"] = max(memory[1:] or [0])


# --- 4. Per request -----------------------------------------------------------------------------


class StatementCounter:
    """Counts, at the driver, what every cursor of this process sends."""

    def __init__(self):
        self.counts = Counter()
        self.original = psycopg.Cursor.execute

    def __enter__(self):
        counter, original = self.counts, self.original

        def execute(cursor, query, params=None, **options):
            text = query if isinstance(query, str) else getattr(query, "as_string", str)(cursor)
            head = text.lstrip()[:40].upper()
            counter["search_path"] += head.startswith("SET SEARCH_PATH")
            counter["lookups"] += "restaurants_domain" in text
            counter["queries"] += 1
            return original(cursor, query, params, **options)

        psycopg.Cursor.execute = execute
        return self.counts

    def __exit__(self, *exc):
        psycopg.Cursor.execute = self.original


def per_request(count: int) -> None:
    hosts = [
        f"{scale_slug(number)}.{settings.TENANT_BASE_DOMAIN}" for number in range(1, count + 1)
    ]
    randomizer = random.Random(5)
    day = (timezone.now() + dt.timedelta(days=3)).date().isoformat()
    paths = ["/", f"/availability/?day={day}&party_size=2", "/robots.txt"]
    statuses = Counter()
    with StatementCounter() as counts:
        for index in range(REQUESTS_COUNTED):
            client = Client(
                HTTP_HOST=randomizer.choice(hosts), REMOTE_ADDR=f"127.0.1.{index % 250 + 1}"
            )
            statuses[client.get(paths[index % len(paths)]).status_code] += 1
    per = {key: counts[key] / REQUESTS_COUNTED for key in ("search_path", "lookups", "queries")}
    say(f"4. per request ({REQUESTS_COUNTED} requests over {count} restaurants: booking page, "
        f"availability, robots; statuses {dict(statuses)}): SET search_path {per['search_path']:.2f}, "
        f"restaurant lookups {per['lookups']:.2f}, statements in all {per['queries']:.1f}")  # fmt: skip
    RESULTS["SET search_path per request"] = per["search_path"]
    RESULTS["restaurant lookups per request"] = per["lookups"]


# --- 5. Web memory ------------------------------------------------------------------------------


def web_memory(count: int) -> None:
    port = free_port()
    environment = {**os.environ, "COMENSAL_BIND": f"127.0.0.1:{port}", "COMENSAL_WEB_WORKERS": "1"}
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/web.py", "config.asgi:application"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:

        def get(slug: str) -> int:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/",
                headers={"Host": f"{slug}.{settings.TENANT_BASE_DOMAIN}:{port}"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status

        deadline = time.monotonic() + 60
        while True:
            try:
                get(scale_slug(1))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the web worker did not answer") from None
                time.sleep(0.5)
        worker_pid = children_of(web.pid)[0]
        before = rss_mb(worker_pid)
        started = time.perf_counter()
        statuses = Counter(get(scale_slug(number)) for number in range(1, count + 1))
        seconds = time.perf_counter() - started
        after = rss_mb(worker_pid)
        backends = backends_mb()
    finally:
        process_stop(web)
    say(f"5. one web worker: {before:.0f} MB after its first page, {after:.0f} MB after the "
        f"booking page of all {count} restaurants ({dict(statuses)}, {seconds:.1f} s, one at a time)")  # fmt: skip
    say(f"   PostgreSQL after it: {backends}")
    RESULTS["web worker MB"] = after


# --- 6. Mixed HTTP ------------------------------------------------------------------------------


def mixed_http(count: int) -> None:
    say(f"6. mixed HTTP over the {count} restaurants: bench/http.py phase C")
    connections.close_all()
    environment = {**os.environ, "BENCH_HTTP_FLEET": f"scale:{count}"}
    environment.pop("CELERY_QUEUE")
    done = subprocess.run(
        [sys.executable, "-m", "bench.http", "--phases", "C", "--idle-watch", "0"],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )  # fmt: skip
    report = done.stdout.splitlines()
    for line in report:
        say(f"   | {line}")
    if done.returncode:
        say(done.stderr[-3000:])
        raise SystemExit("bench/http.py failed")
    # Its door table: door, req/s, p50, p95, p99 …; the "overall" row is the mix.
    for line in report:
        fields = line.split()
        if fields[:1] == ["overall"]:
            RESULTS["mixed HTTP req/s"] = float(fields[1])
            RESULTS["mixed HTTP p95 ms"] = float(fields[3])


# --- Citus --------------------------------------------------------------------------------------


def placements() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shard.nodeport, count(DISTINCT schema.schema_name)"
            " FROM citus_schemas schema JOIN citus_shards shard"
            " ON shard.colocation_id = schema.colocation_id"
            " GROUP BY shard.nodeport ORDER BY 1"
        )
        by_worker = cursor.fetchall()
    say("   schemas per worker (citus_schemas × citus_shards): "
        + ", ".join(f"port {port}: {schemas}" for port, schemas in by_worker))  # fmt: skip


def worker_of(schema_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT shard.nodeport FROM citus_schemas schema"
            " JOIN citus_shards shard ON shard.colocation_id = schema.colocation_id"
            " WHERE schema.schema_name = %s::regnamespace",
            [schema_name],
        )
        return cursor.fetchone()[0]


def move_under_load() -> None:
    from tools import citus

    restaurant = Restaurant.objects.get(slug=scale_slug(1))
    source = worker_of(restaurant.schema_name)
    target = next(
        port for name, port in citus.NODES.items() if name != "coordinator" and port != source
    )
    stop_booking = threading.Event()
    made: list[int] = []
    refused = Counter()
    lock = threading.Lock()

    def book(thread: int) -> None:
        randomizer = random.Random(thread)
        with tenant_context(restaurant):
            snapshot = selectors.booking_policy_snapshot()
            zone = selectors.restaurant_zone()
            today = timezone.now().astimezone(zone).date()
            slots = [slot for offset in range(15, 45)
                     for slot in selectors.service_slots(snapshot, today + dt.timedelta(days=offset), zone)]  # fmt: skip
            number = 0
            while not stop_booking.is_set():
                number += 1
                try:
                    reservation, _created = booking_create(
                        contact=Contact(first_name="Mudanza", last_name=f"{thread}-{number}",
                                        phone=f"+5255{thread}{number % 10_000_000:07d}"),
                        starts_at=randomizer.choice(slots),
                        party_size=randomizer.choice([2, 2, 4]),
                        source="web",
                    )  # fmt: skip
                except Exception as error:  # noqa: BLE001 — counted and printed
                    with lock:
                        refused[type(error).__name__] += 1
                    continue
                with lock:
                    made.append(reservation.pk)
        connection.close()

    threads = [threading.Thread(target=book, args=(thread,)) for thread in range(MOVE_THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    before_move = len(made)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT citus_schema_move(%s::regnamespace, %s, %s, 'force_logical')",
            [restaurant.schema_name, citus.HOST, target],
        )
    seconds = time.perf_counter() - started
    during = len(made) - before_move
    time.sleep(2)
    stop_booking.set()
    for thread in threads:
        thread.join()
    with tenant_context(restaurant):
        found = Reservation.objects.filter(pk__in=made).count()
    now_on = worker_of(restaurant.schema_name)
    say(f"   moved {restaurant.schema_name} from port {source} to {now_on} in {seconds:.1f} s "
        f"while {MOVE_THREADS} threads booked: {len(made)} bookings made ({during} during the "
        f"move), {found} found afterwards, {len(made) - found} lost; refused or failed: "
        f"{dict(refused) or 'none'}")  # fmt: skip
    RESULTS["move seconds"] = seconds
    RESULTS["bookings lost in the move"] = len(made) - found


# --- Main ---------------------------------------------------------------------------------------


def main() -> int:
    count = OPTIONS.restaurants
    if OPTIONS.provision_part is not None:
        provision_part(OPTIONS.provision_part, OPTIONS.parts, count)
        return 0
    where = "Citus (coordinator + 2 workers)" if OPTIONS.citus else "PostgreSQL"
    say(f"{count} restaurants on {where}, {os.cpu_count()} cores; database "
        f"{connection.settings_dict['NAME']}")  # fmt: skip
    phases = [
        ("provision", provisioning),
        ("migrate", lambda _count: migrations()),
        ("sweep", sweep),
        ("requests", per_request),
        ("memory", web_memory),
        ("http", mixed_http),
    ]
    for name, phase in phases:
        if name not in OPTIONS.skip:
            phase(count)
            connection.set_schema_to_public()
    if OPTIONS.citus:
        say("7. Citus")
        placements()
        if "move" not in OPTIONS.skip:
            move_under_load()
            placements()
    say("targets:")
    for name, target in TARGETS.items():
        if name in RESULTS:
            verdict = "met" if RESULTS[name] <= target else "MISSED"
            say(f"   {name}: {RESULTS[name]:.2f} (≤ {target}) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
