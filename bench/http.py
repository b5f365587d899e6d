"""HTTP benchmark: the web tier as production runs it, door by door and all doors mixed.

The platform's web tier is started as the README's production section does,
``gunicorn -c config/web.py config.asgi:application`` (``COMENSAL_WEB_WORKERS`` uvicorn
worker processes, default two per core), on ``127.0.0.1:<free port>``, with
``COMENSAL_SERVER_TIMING=true``, plus one Celery worker (``celery -A config worker -Q
bench-http --concurrency 1``) that sends the booking confirmations, as in production (to
the outbox: the children get no Twilio account and no email server). Both are stopped at
the end, whatever happens; their output is kept in ``var/bench-http/`` and scanned for
tracebacks, which are printed.

Restaurants: ``bench-http-01`` … ``bench-http-30``, provisioned once through
``restaurant_provision`` (enterprise plan) and seeded like the demo restaurant
(``booking.demo.seed_restaurant``: its 10 tables, opening hours — closed on Mondays, so
six days in seven are bookable —, menu, 40 customers, 90 days of past service and 14 days
ahead), with a manager and two more manager-role API users, each with an API token. Later
runs reuse them. What earlier runs booked through the public page and the API (customers at
``@guests.bench-http.example.com``, with their reservations, draft notes, messages and
status history) is deleted at the start of a run, so that every run finds the same book.

Load: ``--load-processes`` separate processes (default 2, so that one saturated process
cannot cap the figures; their CPU is printed) drive aiohttp clients, each a closed loop
(next request when the last answered, 10 s timeout, bounded in count and time), always to
``127.0.0.1:<port>`` with ``Host: <slug>.localhost:<port>``, over random restaurants:

A. The ceiling: ``GET /robots.txt`` — the whole middleware stack and the restaurant lookup
   (cached by each process for a few seconds), no other database work — 32 clients for 5 s
   (``--door-seconds``).
B. Each door alone, 32 clients, 5 s each: the booking page ``GET /``; the availability
   fragment ``GET /availability/?day=<one of the next 30 days>&party_size=<1..6>``; the
   booking ``POST /`` (a random start time of the restaurant's opening hours in the next 30
   days, not checked for a free table first, party of 1–6, a new customer each time, no
   pre-order; a 302 to the manage link is a booking, a 200 saying no table is free is
   *refused*, counted apart and not an error, any other 200 is a form error); the manage-link
   page (the URLs the POSTs were redirected to); the API list ``GET /api/v1/tables/`` and
   detail ``GET /api/v1/tables/<id>/`` with ``Authorization: Token …``; the API booking
   ``POST /api/v1/reservations/`` (JSON: ``date`` and ``time`` picked as the booking POST
   picks them, party of 1–6, a new contact each time — first and last name, phone, email —,
   source left to the serializer's default ``api``; with ``Authorization: Token …`` and a
   fresh ``Idempotency-Key`` per request; a 201 is a booking, a 400 whose message says no
   table is free is *refused*, counted apart and not an error, anything else is an error),
   after which the bench counts in the database the pairs of pending, confirmed or seated
   reservations of one table whose ``[starts_at, ends_at)`` overlap, over every bench
   restaurant's schema (what the exclusion constraint forbids; printed as ``overlaps: <n>``,
   and again after phase C); the admin lists
   ``/admin/reservations/reservation/`` and ``/admin/reservations/table/`` as a logged-in
   manager (a 302 there means the session was lost: an error).
C. Mixed: 64 clients for 20 s (``--seconds``) over all 30 restaurants with the weights
   printed (mostly the page and the availability; 2 in 100 API bookings), while 200
   live-floor WebSockets
   (``/ws/live/``, a manager's session cookie, same-host Origin, first message
   ``initial_state``) stay open across the restaurants; at the end each must still be open
   and answer a ``resync`` with a fresh ``initial_state``.

Set-up that is not timed: before a phase's clock starts, each client logs in once through
``/admin/login/`` (with its CSRF token; 60 s allowed, as the password's hash is slow by
design) to its home restaurant (client ``i`` to restaurant
``i mod 30``; the sockets use these sessions), and each load process fetches the booking
page of every restaurant once for a CSRF cookie and token, which its POSTs reuse.

Limits the load stays within, because a refusal would measure the limit, not the door:
- Public pages count per client address and restaurant and minute (5 bookings, 30
  availability requests by default; ``COMENSAL_RATE_*_PER_MINUTE``). The booking POSTs and
  the availability requests are sent from loopback addresses 127.0.0.2–127.0.0.250
  (aiohttp ``TCPConnector(local_addr=…)``), split between the load processes; each process
  counts what it sent per address, restaurant and minute and picks an address with room
  left (a request near a minute's end is counted in the next one too).
- The API allows 2,000 requests per 15 minutes per restaurant on the enterprise plan, shared
  by all its tokens: ~59,400 over the 30 restaurants, fewer than the API doors send (the
  booking door alone aims at 120/s). So the bench runs the web tier, and reads the limits
  itself, with ``COMENSAL_API_RATE_SCALE=100`` (unless the environment gives another
  factor), which multiplies every plan's limit: 200,000 per restaurant. The limit is still
  counted on every API request (the same Redis round trip); its exact value is tested in
  tests/, not here. Before the load, the bench reads each restaurant's throttle history
  from the cache (what earlier runs used) and gives the load processes the remainder less a
  margin of 20; a request goes to a restaurant with budget left, with one of its tokens
  (the manager's or another user's); a door out of budget would stop and say so. A 429 is
  counted as an error.

Printed per door and phase: requests per second answered within the phase (2xx/3xx, and
refused bookings), p50/p95/p99 latency of every request sent in the phase (errors
included), errors by kind with the status codes seen, SQL queries per request (from the
``Server-Timing: db;…;desc="<n> queries"`` header; "-" when absent; for the two booking
doors also the bookings made per second within the phase, the refusals, and the median
database time per request from the same header), the peak number of
PostgreSQL connections to the database (``pg_stat_activity``, polled every 0.25 s from this
process, its own poller left out, anything else connected to that database counted), CPU
from ``/proc`` as % of all the machine's cores — gunicorn's worker processes, the Celery
worker, the PostgreSQL backends serving the database (when PostgreSQL runs on this
machine), the whole machine busy — and the load processes' CPU (% of one core each), and
each door's req/s as a ratio of the trivial view's (phase A) in the same run. After the
load, the connection count every 5 s for up to 60 s, until it is back to the pools' idle
size: (web workers + the Celery worker's process) × ``DATABASE_POOL_MIN_SIZE``; then the
message status of every booking confirmation of the run (once the worker's queue is empty,
at most 30 s later), the servers' tracebacks and ERROR lines, and last the targets, met or
missed.

Run with ``python3 dev.py bench http``; options go in ``BENCH_HTTP_OPTIONS`` (e.g.
``BENCH_HTTP_OPTIONS="--seconds 60"``) or after the script when it is run directly with
the same environment. The first run provisions the 30 restaurants (a few minutes).
"""

import sys
from pathlib import Path

# This file is named like the standard library's ``http`` package: its own folder must not
# be on the path, or every ``import http`` (Django, aiohttp) would import this script.
BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH_DIR]
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shlex  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
import uuid  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from html import escape  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

# The API's plan limits raised for the whole run (this process reads them for the budgets,
# the web tier enforces them): at the enterprise plan's 2,000 requests per 15 minutes the API
# write door would measure the limit; the limit itself is tested exactly in tests/.
API_RATE_SCALE_DEFAULT = 100
os.environ.setdefault("COMENSAL_API_RATE_SCALE", str(API_RATE_SCALE_DEFAULT))
# The children (web tier, worker) get the environment as it was given; this process keeps
# no pooled connection of its own, so that the connections counted are the servers'.
CHILD_ENV = dict(os.environ)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_POOL_MAX_SIZE"] = "0"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import aiohttp  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from api.services import api_token_issue  # noqa: E402
from bench.common import SCALE_PASSWORD, free_port, scale_name, scale_slug  # noqa: E402
from billing.models import ConsumptionNote  # noqa: E402
from booking.demo import seed_restaurant  # noqa: E402
from notifications.models import Message  # noqa: E402
from reservations import selectors  # noqa: E402
from reservations.links import manage_token_for  # noqa: E402
from reservations.models import (  # noqa: E402
    ACTIVE_STATUSES,
    Customer,
    Reservation,
    ReservationStatus,
    StatusChange,
    Table,
)
from restaurants import roles  # noqa: E402
from restaurants.models import Plan, Restaurant  # noqa: E402
from restaurants.services import restaurant_provision  # noqa: E402
from restaurants.throttling import plan_requests_used  # noqa: E402

# The restaurants: this bench's own 30, or with ``BENCH_HTTP_FLEET=scale:<n>`` the first n
# of bench/scale.py's thousand (provisioned and seeded by it: two weeks ahead, no past).
FLEET = os.environ.get("BENCH_HTTP_FLEET", "")
if FLEET.startswith("scale:"):
    RESTAURANTS = int(FLEET.removeprefix("scale:"))
    SLUGS = [scale_slug(number) for number in range(1, RESTAURANTS + 1)]
    NAMES = [scale_name(number) for number in range(1, RESTAURANTS + 1)]
    SEEDED = True  # by bench/scale.py
    PASSWORD = SCALE_PASSWORD  # its managers'
else:
    RESTAURANTS = 30
    SLUGS = [f"bench-http-{number:02d}" for number in range(1, RESTAURANTS + 1)]
    NAMES = [f"Bench HTTP {number:02d}" for number in range(1, RESTAURANTS + 1)]
    SEEDED = False
    PASSWORD = "Bench-Http-Password-2030"
API_USERS = 3  # per restaurant: the manager and two more, each with a token
GUEST_DOMAIN = "guests.bench-http.example.com"
QUEUE = "bench-http"
WORKER_NAME = "bench-http@%h"
LOG_DIR = ROOT / "var" / "bench-http"

CLIENTS_ALONE = 32
CLIENTS_MIXED = 64
SOCKETS = 200
DOOR_SECONDS = 5
MIXED_SECONDS = 20
LOAD_PROCESSES = 2
BOOKING_DAYS = 30
PARTY_SIZES = range(1, 7)
REQUEST_TIMEOUT = 10
# Logins before a phase's clock: each hashes the password (PBKDF2, ~0.5 s of CPU on this
# 2-core machine when others use it), 8 at a time behind 8 threads; 10 s was not always enough.
SETUP_TIMEOUT = 60
MAX_REQUESTS_PER_CLIENT = 50_000
LOGINS_AT_ONCE = 8
CSRF_FETCHES_AT_ONCE = 16
SOCKETS_AT_ONCE = 25
MANAGE_FALLBACK = 20  # manage links of seeded bookings per restaurant, before any POST
MANAGE_KEPT = 500  # manage links kept per restaurant and load process
SOURCE_ADDRESSES = [f"127.0.0.{last}" for last in range(2, 251)]
API_WINDOW_MARGIN = 20
POLL_SECONDS = 0.25
IDLE_WATCH_SECONDS = 60
IDLE_WATCH_EVERY = 5
OPEN_FILES = 8192

DOORS = {
    "robots": "GET /robots.txt (trivial)",
    "page": "booking page GET /",
    "availability": "availability GET",
    "booking": "booking POST /",
    "manage": "manage-link page",
    "api_list": "API tables list",
    "api_detail": "API table detail",
    "api_booking": "API booking POST",
    "admin_reservations": "admin reservations list",
    "admin_tables": "admin tables list",
}
PHASE_B_DOORS = [door for door in DOORS if door != "robots"]
# A Friday rush as a restaurant sees it: customers land on the page and look through days
# and party sizes, some book, some come back through their manage link; partners read the
# API and book through it; staff follow the night on the live floor (the 200 sockets) and
# open an admin list now and then.
MIXED_WEIGHTS = {
    "page": 34,
    "availability": 34,
    "booking": 4,
    "manage": 6,
    "api_list": 7,
    "api_detail": 7,
    "api_booking": 2,
    "admin_reservations": 3,
    "admin_tables": 3,
}
WRITE_DOORS = {"booking", "api_booking"}
ADMIN_DOORS = {
    "admin_reservations": "/admin/reservations/reservation/",
    "admin_tables": "/admin/reservations/table/",
}

TARGET_MIXED_RPS = 400
TARGET_P95_MS = 250
TARGET_AVAILABILITY_RPS = 150
TARGET_API_LIST_RPS = 400
TARGET_API_BOOKING_RPS = 120  # bookings made (201) per second, the door alone
TARGET_API_BOOKING_P99_MS = 250
TARGET_RATIO = 0.30
TARGET_IDLE_SECONDS = 60

QUERIES = re.compile(r'desc="(\d+) queries"')
DB_MS = re.compile(r"db;dur=([\d.]+)")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_ERROR = re.compile(
    r'(?:class="errors" role="alert"><p>|class="field-error"[^>]*>|class="errorlist[^"]*"[^>]*>(?:<li>)?)([^<]{1,160})'
)


# --- Provisioning (this process, before the servers start) ----------------------------------


def restaurant_ready(slug: str, number: int) -> dict:
    """Provision and seed one bench restaurant (once), forget earlier runs' bookings, and
    return what the load processes need to know about it."""
    restaurant, created = restaurant_provision(
        name=NAMES[number - 1],
        slug=slug,
        plan=Plan.ENTERPRISE,
        timezone="America/Mexico_City",
        currency="USD",
        language="es",
        manager_email=f"manager@{slug}.example.com",
        manager_password=PASSWORD,
    )
    if restaurant.plan != Plan.ENTERPRISE:
        raise RuntimeError(f"{slug} is on the {restaurant.plan} plan; the bench needs enterprise")
    with tenant_context(restaurant):
        if not SEEDED:
            seed_restaurant(past_days=90)
        users = [api_user_ready(f"manager@{slug}.example.com")]
        users += [
            api_user_ready(f"api-{index}@{slug}.example.com") for index in range(1, API_USERS)
        ]
        forgotten = bench_bookings_forget()
        tokens = [api_token_issue(user=user, name="bench")[1] for user in users]
        budget = api_budget()
        snapshot = selectors.booking_policy_snapshot()
        zone = selectors.restaurant_zone()
        today = timezone.now().astimezone(zone).date()
        days = [today + dt.timedelta(days=offset) for offset in range(1, BOOKING_DAYS + 1)]
        slots = [
            (day.isoformat(), f"{slot.astimezone(zone):%H:%M}")
            for day in days
            for slot in selectors.service_slots(snapshot, day, zone)
        ]
        seeded = Reservation.objects.filter(
            status__in=[ReservationStatus.CONFIRMED, ReservationStatus.PENDING],
            starts_at__gt=timezone.now() + dt.timedelta(hours=2),
        ).exclude(customer__email__endswith="@" + GUEST_DOMAIN)
        manage = [
            f"/booking/{manage_token_for(reservation)}/"
            for reservation in seeded.order_by("starts_at")[:MANAGE_FALLBACK]
        ]
        return {
            "slug": slug,
            "host": f"{slug}.{settings.TENANT_BASE_DOMAIN}",
            "manager": f"manager@{slug}.example.com",
            "tables": list(Table.objects.order_by("pk").values_list("pk", flat=True)),
            "tokens": tokens,
            "api_budget": budget,
            "days": [day.isoformat() for day in days],
            "slots": slots,
            "manage": manage,
            "created": created,
            "forgotten": forgotten,
        }


@functools.cache
def password_hash() -> str:
    return make_password(PASSWORD)


def api_user_ready(email: str):
    """A manager of the current restaurant (once), as ``staff_user_ensure`` makes one, but
    with the password hashed once for all of them: hashing it per user (PBKDF2) took a
    quarter of an hour for a thousand restaurants."""
    user, created = get_user_model().objects.get_or_create(
        username=email, defaults={"email": email, "is_staff": True, "password": password_hash()}
    )
    if created:
        user.groups.add(Group.objects.get(name=roles.MANAGER))
    return user


@transaction.atomic
def bench_bookings_forget() -> int:
    """Delete what earlier runs booked through the public page, and all that hangs off it."""
    reservations = Reservation.objects.filter(customer__email__endswith="@" + GUEST_DOMAIN)
    reservation_ids = list(reservations.values_list("pk", flat=True))
    notes = ConsumptionNote.objects.filter(reservation_id__in=reservation_ids)
    note_ids = list(notes.values_list("pk", flat=True))
    for app_label, model, ids in (
        ("reservations", "reservation", reservation_ids),
        ("billing", "consumptionnote", note_ids),
    ):
        StatusChange.objects.filter(
            content_type__app_label=app_label, content_type__model=model, object_id__in=ids
        ).delete()
    Message.objects.filter(reservation_id__in=reservation_ids).delete()
    notes.delete()
    reservations.delete()
    Customer.objects.filter(email__endswith="@" + GUEST_DOMAIN).delete()
    return len(reservation_ids)


def api_rate_scale() -> int:
    """The factor the API's plan limits are raised by in this run (see the module)."""
    return int(os.environ["COMENSAL_API_RATE_SCALE"])


def api_budget() -> int:
    """Requests the current restaurant (all its tokens together) may still make in the plan's
    window (raised by ``COMENSAL_API_RATE_SCALE``), less a margin."""
    used = plan_requests_used()
    return max(0, settings.PLAN_API_RATE_LIMITS[Plan.ENTERPRISE] - used - API_WINDOW_MARGIN)


def provisioning() -> list[dict]:
    started = time.perf_counter()
    restaurants = []
    for number, slug in enumerate(SLUGS, start=1):
        restaurants.append(restaurant_ready(slug, number))
        if restaurants[-1]["created"]:
            print(f"  {slug} provisioned and seeded", flush=True)
    connections.close_all()
    created = sum(restaurant["created"] for restaurant in restaurants)
    forgotten = sum(restaurant["forgotten"] for restaurant in restaurants)
    budget = sum(restaurant["api_budget"] for restaurant in restaurants)
    print(
        f"{RESTAURANTS} restaurants ready in {time.perf_counter() - started:.1f} s "
        f"({created} created in this run); {forgotten} bookings of earlier runs deleted; "
        f"API budget left: {budget:,} requests over {RESTAURANTS} restaurants "
        f"({RESTAURANTS * API_USERS} tokens; plan limits × {api_rate_scale()} by "
        f"COMENSAL_API_RATE_SCALE: enterprise "
        f"{settings.PLAN_API_RATE_LIMITS[Plan.ENTERPRISE]:,} per 15 min and restaurant)",
        flush=True,
    )
    return restaurants


def refusal_texts(*, html: bool = True) -> list[str]:
    """The booking page's (``html``) or the API's words for 'nothing free at that time', in
    both languages."""
    texts = []
    for language in ("es", "en"):
        with translation.override(language):
            text = translation.gettext("No table is free for that party at that time.")
            texts.append(escape(text) if html else text)
    return texts


def overlaps_count() -> dict[str, int]:
    """Pairs of reservations holding the same table at overlapping times (the statuses the
    exclusion constraint covers), per bench restaurant: what the constraint forbids, counted
    in the database after the writes."""
    table = Reservation._meta.db_table
    statuses = [str(status) for status in ACTIVE_STATUSES]
    found = {}
    for restaurant in Restaurant.objects.filter(slug__in=SLUGS).order_by("slug"):
        with tenant_context(restaurant), connections["default"].cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {table} a JOIN {table} b"
                " ON a.table_id = b.table_id AND a.id < b.id"
                " AND tstzrange(a.starts_at, a.ends_at, '[)')"
                " && tstzrange(b.starts_at, b.ends_at, '[)')"
                " WHERE a.status = ANY(%s) AND b.status = ANY(%s)",
                [statuses, statuses],
            )
            found[restaurant.slug] = cursor.fetchone()[0]
    connections.close_all()
    return found


# --- The servers ----------------------------------------------------------------------------


def server_environment(port: int) -> dict[str, str]:
    return {
        **CHILD_ENV,
        "COMENSAL_BIND": f"127.0.0.1:{port}",
        "COMENSAL_SERVER_TIMING": "true",
        "CELERY_QUEUE": QUEUE,
        # Nothing leaves the machine: confirmations stay in the outbox.
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": "",
        "EMAIL_HOST": "",
    }


class Servers:
    """gunicorn (the web tier) and one Celery worker, with their output in ``LOG_DIR``."""

    def __init__(self, port: int):
        self.port = port
        self.web = self.worker = None
        self.web_log = LOG_DIR / "web.log"
        self.worker_log = LOG_DIR / "worker.log"
        self.seen: set[tuple[int, str]] = set()  # (pid, start time) of every child seen

    def remember(self) -> None:
        for pid in self.web_workers() + self.worker_pids():
            started = process_start(pid)
            if started:
                self.seen.add((pid, started))

    def start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        env = server_environment(self.port)
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(QUEUE)
        with self.web_log.open("w") as web_log, self.worker_log.open("w") as worker_log:
            self.web = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "config/web.py",
                    "config.asgi:application",
                ],
                cwd=ROOT,
                env=env,
                stdout=web_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    QUEUE,
                    "--concurrency",
                    "1",
                    "-n",
                    WORKER_NAME,
                    "-l",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def web_workers(self) -> list[int]:
        return children_of(self.web.pid) if self.web and self.web.poll() is None else []

    def worker_pids(self) -> list[int]:
        if not self.worker or self.worker.poll() is not None:
            return []
        return [self.worker.pid, *children_of(self.worker.pid)]

    def wait_healthy(self, host: str, timeout: float = 90) -> None:
        """Until ``/health`` answers 200 (database, Redis and the Celery worker up)."""
        deadline = time.monotonic() + timeout
        answer = "no answer"
        while time.monotonic() < deadline:
            for process, name in ((self.web, "gunicorn"), (self.worker, "the Celery worker")):
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}; see {LOG_DIR}")
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.port}/health", headers={"Host": f"{host}:{self.port}"}
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        self.remember()
                        return
            except urllib.error.HTTPError as error:
                answer = f"{error.code} {error.read()[:300].decode(errors='replace')}"
            except OSError as error:
                answer = repr(error)
            time.sleep(0.5)
        raise RuntimeError(f"/health did not answer 200 in {timeout:.0f} s: {answer}")

    def stop(self) -> None:
        self.remember()
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                process.terminate()
        for process in (self.web, self.worker):
            if process is None:
                continue
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for pid, started in self.seen:  # a worker process its parent left behind
            if process_start(pid) == started:  # the same process, not a reused pid
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def process_start(pid: int) -> str | None:
    """When the process started (clock ticks since boot), to tell it from a reused pid."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def tracebacks(log: Path) -> list[str]:
    """The tracebacks and ERROR lines a server wrote."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    found, current, error_line = [], None, None
    for number, line in enumerate(lines):
        if current is not None:
            current.append(line)
            if (
                line
                and not line.startswith((" ", "\t", "Traceback", "During handling", "The above"))
                and len(current) > 1
            ):
                found.append("\n".join(current))
                current = None
            continue
        if line.startswith("Traceback (most recent call last)"):
            current = [line]
            if error_line == number - 1:  # the logged error this traceback belongs to
                current.insert(0, found.pop())
        elif "level=ERROR" in line or "level=CRITICAL" in line or "[ERROR]" in line:
            found.append(line)
            error_line = number
    if current:
        found.append("\n".join(current))
    return found


def report_server_errors(servers: Servers) -> int:
    total = 0
    for log in (servers.web_log, servers.worker_log):
        entries = tracebacks(log)
        total += len(entries)
        if not entries:
            continue
        kinds = Counter(entry.strip().splitlines()[-1][:200] for entry in entries)
        print(f"\nserver errors in {log.relative_to(ROOT)}: {len(entries)} entries")
        for kind, count in kinds.most_common(10):
            print(f"  {count:5d} × {kind}")
        shown = set()
        for entry in entries:
            key = entry.strip().splitlines()[-1][:200]
            if key in shown or "Traceback" not in entry:
                continue
            shown.add(key)
            print("  first traceback of this kind:")
            print("    " + "\n    ".join(entry.splitlines()[:60]))
            if len(shown) >= 3:
                break
    return total


# --- Measuring (this process) ---------------------------------------------------------------


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores so far."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle, total


class CpuWindow:
    """CPU used by groups of processes between ``start()`` and ``stop()``."""

    def __init__(self, groups: dict):
        self.groups = groups  # name -> callable returning the group's pids

    def _sample(self):
        return {
            name: {pid: cpu_seconds(pid) for pid in pids()} for name, pids in self.groups.items()
        }, machine_busy()

    def start(self) -> None:
        self.before, self.machine_before = self._sample()
        self.wall = time.monotonic()

    def stop(self) -> dict:
        after, machine_after = self._sample()
        seconds = time.monotonic() - self.wall
        used = {}
        for name, pids in after.items():
            total = 0.0
            for pid, spent in pids.items():
                if spent is None:
                    continue
                total += spent - (self.before[name].get(pid) or 0.0)
            used[name] = total / seconds
        busy = machine_after[0] - self.machine_before[0]
        total = machine_after[1] - self.machine_before[1]
        used["machine"] = busy / total if total else 0.0
        # A server process that went away is news (a crash, a restart); a database backend
        # closed by its pool is not.
        used["gone"] = {
            name: sorted(set(self.before[name]) - set(after[name]))
            for name in self.before
            if name != "postgres"
        }
        return used


class ConnectionPoller(threading.Thread):
    """PostgreSQL connections to the bench's database, every ``POLL_SECONDS``."""

    def __init__(self):
        super().__init__(daemon=True)
        database = settings.DATABASES["default"]
        self.connection = psycopg.connect(
            host=database["HOST"] or None,
            port=database["PORT"] or None,
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
            dbname=database["NAME"],
            autocommit=True,
        )
        self.lock = threading.Lock()
        self.current = self.peak = 0
        self.backends: list[int] = []
        self.stopping = threading.Event()
        self.error = None

    def backends_now(self) -> list[int]:
        """Process ids of the server backends connected to the database, but the poller's."""
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return [row[0] for row in rows]

    def count(self) -> int:
        return len(self.backends_now())

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                backends = self.backends_now()
            except psycopg.Error as error:
                self.error = error
                return
            with self.lock:
                self.backends = backends
                self.current = len(backends)
                self.peak = max(self.peak, self.current)
            self.stopping.wait(POLL_SECONDS)

    def backend_pids(self) -> list[int]:
        with self.lock:
            return list(self.backends)

    def peak_reset(self) -> None:
        with self.lock:
            self.peak = self.current

    def peak_get(self) -> int:
        if self.error is not None:
            raise RuntimeError(f"counting PostgreSQL connections failed: {self.error}")
        with self.lock:
            return self.peak


# --- The load processes ---------------------------------------------------------------------


class DoorStats:
    def __init__(self):
        self.latencies: list[float] = []
        self.ends: list[float] = []
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.queries: list[int] = []
        self.db_ms: list[float] = []
        self.refused_ends: list[float] = []
        self.refused = self.booked = self.skipped = 0

    def record(self, started: float, outcome: str, status: int | None, headers=None) -> None:
        ended = time.monotonic()
        self.latencies.append((ended - started) * 1000)
        if status is not None:
            self.statuses[status] += 1
        if headers is not None:
            timing = headers.get("Server-Timing", "")
            match = QUERIES.search(timing)
            if match:
                self.queries.append(int(match.group(1)))
            match = DB_MS.search(timing)
            if match:
                self.db_ms.append(float(match.group(1)))
        if outcome in ("ok", "refused"):
            self.ends.append(ended)
            if outcome == "refused":
                self.refused += 1
                self.refused_ends.append(ended)
        else:
            self.errors[outcome] += 1

    def as_dict(self, deadline: float) -> dict:
        return {
            "latencies": self.latencies,
            "answered": sum(1 for ended in self.ends if ended <= deadline),
            "refused_answered": sum(1 for ended in self.refused_ends if ended <= deadline),
            "statuses": dict(self.statuses),
            "errors": dict(self.errors),
            "queries": self.queries,
            "db_ms": self.db_ms,
            "refused": self.refused,
            "booked": self.booked,
            "skipped": self.skipped,
        }


class Client:
    def __init__(self, number: int, home_address: int, restaurant: dict, seed: int):
        self.number = number
        self.address = home_address  # index into the process's source addresses
        self.restaurant = restaurant  # home restaurant: its admin, its sockets
        self.random = random.Random(seed)


class Load:
    """One load process: its clients, its source addresses and its share of the budgets."""

    def __init__(self, setup: dict):
        self.port = setup["port"]
        self.base = f"http://127.0.0.1:{self.port}"
        self.index, self.processes = setup["index"], setup["processes"]
        self.restaurants = setup["restaurants"]
        self.addresses = SOURCE_ADDRESSES[self.index :: self.processes]
        self.limits = setup["limits"]
        self.refusals = [text.encode() for text in setup["refusals"]]
        self.api_refusals = setup["api_refusals"]
        self.sessions: dict[str, aiohttp.ClientSession] = {}
        self.csrf: dict[str, tuple[str, str]] = {}
        self.logins: dict[int, str] = {}
        self.manage: dict[str, list[str]] = defaultdict(list)
        self.sent: Counter = Counter()  # (bucket, address, slug, minute) -> requests
        for restaurant in self.restaurants:  # this process's share of each restaurant's budget
            restaurant["api_budget"] //= self.processes
        self.sockets: list[dict] = []
        self.socket_failures: Counter = Counter()
        self.clients: dict[int, Client] = {}

    # -- plumbing

    def session(self, address: str) -> aiohttp.ClientSession:
        if address not in self.sessions:
            self.sessions[address] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    local_addr=(address, 0),
                    limit=0,
                    keepalive_timeout=3,  # under the server's 5 s
                ),
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            )
        return self.sessions[address]

    def client(self, number: int) -> Client:
        if number not in self.clients:
            self.clients[number] = Client(
                number,
                (number // self.processes) % len(self.addresses),
                self.restaurants[number % len(self.restaurants)],
                seed=number,
            )
        return self.clients[number]

    def origin(self, restaurant: dict) -> str:
        return f"http://{restaurant['host']}:{self.port}"

    async def call(self, stats, method, path, restaurant, address, *, headers=None, data=None):
        """One request; returns (started, status, headers, cookies, body), or None once a
        connection error or timeout is recorded."""
        started = time.monotonic()
        try:
            async with self.session(address).request(
                method,
                self.base + path,
                headers={"Host": f"{restaurant['host']}:{self.port}", **(headers or {})},
                data=data,
                allow_redirects=False,
            ) as response:
                body = await response.read()
                return started, response.status, response.headers, response.cookies, body
        except TimeoutError:
            stats.record(started, "timeout", None)
        except aiohttp.ClientError as error:
            stats.record(started, type(error).__name__, None)
        return None

    def address_for(self, bucket: str, slug: str, client: Client) -> str | None:
        """A source address that still has room in the restaurant's per-minute limit."""
        now = time.time()
        minutes = {int(now // 60), int((now + REQUEST_TIMEOUT) // 60)}
        limit = self.limits[bucket]
        for offset in range(len(self.addresses)):
            index = (client.address + offset) % len(self.addresses)
            keys = [(bucket, self.addresses[index], slug, minute) for minute in minutes]
            if all(self.sent[key] < limit for key in keys):
                for key in keys:
                    self.sent[key] += 1
                client.address = index
                return self.addresses[index]
        return None

    def token_for(self, client: Client) -> tuple[dict, str] | None:
        """A restaurant with budget left (its tokens share it) and one of its tokens."""
        for restaurant in client.random.sample(self.restaurants, len(self.restaurants)):
            if restaurant["api_budget"] > 0:
                restaurant["api_budget"] -= 1
                return restaurant, client.random.choice(restaurant["tokens"])
        return None

    @staticmethod
    def outcome(status: int, *, expected=range(200, 400)) -> str:
        return "ok" if status in expected else f"HTTP {status}"

    # -- the doors: each sends one request and records it; False when it cannot be sent

    async def door_robots(self, client, stats):
        return await self._get(client, stats, "/robots.txt")

    async def door_page(self, client, stats):
        return await self._get(client, stats, "/")

    async def _get(
        self, client, stats, path, restaurant=None, headers=None, expected=range(200, 400)
    ):
        restaurant = restaurant or client.random.choice(self.restaurants)
        address = self.addresses[client.address]
        reply = await self.call(stats, "GET", path, restaurant, address, headers=headers)
        if reply is not None:
            started, status, reply_headers, _cookies, _body = reply
            stats.record(started, self.outcome(status, expected=expected), status, reply_headers)
        return True

    async def door_availability(self, client, stats):
        restaurant = client.random.choice(self.restaurants)
        address = self.address_for("availability", restaurant["slug"], client)
        if address is None:
            stats.skipped += 1
            return False
        day = client.random.choice(restaurant["days"])
        party_size = client.random.choice(PARTY_SIZES)
        path = f"/availability/?day={day}&party_size={party_size}"
        reply = await self.call(stats, "GET", path, restaurant, address)
        if reply is not None:
            started, status, headers, _cookies, _body = reply
            stats.record(started, self.outcome(status, expected=(200,)), status, headers)
        return True

    @staticmethod
    def slot_pick(client, restaurant) -> tuple[str, str]:
        """A start time of the restaurant's opening hours in the next days (day, HH:MM on its
        wall clock), not checked for a free table first."""
        return client.random.choice(restaurant["slots"])

    @staticmethod
    def contact_new(client, guest: str) -> dict:
        """A customer the restaurant has not seen (forgotten at the next run's start)."""
        return {
            "first_name": "Bench",
            "last_name": f"Guest {guest[:6]}",
            "phone": f"+52 55 3{client.random.randrange(10**7):07d}",
            "email": f"guest-{guest[:16]}@{GUEST_DOMAIN}",
        }

    async def door_booking(self, client, stats):
        restaurant = client.random.choice(self.restaurants)
        slug = restaurant["slug"]
        address = self.address_for("booking", slug, client)
        if address is None:
            stats.skipped += 1
            return False
        cookie, csrf_token = self.csrf[slug]
        day, time_of_day = self.slot_pick(client, restaurant)
        guest = uuid.uuid4().hex
        form = {
            "csrfmiddlewaretoken": csrf_token,
            "submission": guest,
            "day": day,
            "time": time_of_day,
            "party_size": str(client.random.choice(PARTY_SIZES)),
            **self.contact_new(client, guest),
            "special_requests": "",
            "website": "",
        }
        origin = self.origin(restaurant)
        headers = {"Cookie": f"csrftoken={cookie}", "Origin": origin, "Referer": origin + "/"}
        reply = await self.call(stats, "POST", "/", restaurant, address, headers=headers, data=form)
        if reply is None:
            return True
        started, status, reply_headers, _cookies, body = reply
        location = reply_headers.get("Location", "")
        if status == 302 and "/booking/" in location:
            stats.booked += 1
            kept = self.manage[slug]
            parts = urlsplit(location)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if len(kept) < MANAGE_KEPT:
                kept.append(path)
            else:
                kept[client.random.randrange(MANAGE_KEPT)] = path
            outcome = "ok"
        elif status == 200 and any(text in body for text in self.refusals):
            outcome = "refused"
        elif status == 200:
            match = FORM_ERROR.search(body.decode(errors="replace"))
            outcome = f"200 form error: {match.group(1).strip() if match else 'unknown'}"
        else:
            outcome = f"HTTP {status}"
        stats.record(started, outcome, status, reply_headers)
        return True

    async def door_manage(self, client, stats):
        made = [restaurant for restaurant in self.restaurants if self.manage[restaurant["slug"]]]
        if made:
            restaurant = client.random.choice(made)
            path = client.random.choice(self.manage[restaurant["slug"]])
        else:  # no POST yet in this process: the seeded bookings' links
            restaurant = client.random.choice(self.restaurants)
            if not restaurant["manage"]:
                stats.skipped += 1
                return False
            path = client.random.choice(restaurant["manage"])
        return await self._get(client, stats, path, restaurant, expected=(200,))

    async def door_api_list(self, client, stats):
        return await self._api(client, stats, None)

    async def door_api_detail(self, client, stats):
        return await self._api(client, stats, "detail")

    async def _api(self, client, stats, detail):
        picked = self.token_for(client)
        if picked is None:
            stats.skipped += 1
            return False
        restaurant, token = picked
        path = "/api/v1/tables/"
        if detail:
            path += f"{client.random.choice(restaurant['tables'])}/"
        headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        return await self._get(client, stats, path, restaurant, headers, expected=(200,))

    async def door_api_booking(self, client, stats):
        """A booking through the API, as a partner's system makes it: a new contact, the
        time on the restaurant's wall clock, source "api" (the serializer's default)."""
        picked = self.token_for(client)
        if picked is None:
            stats.skipped += 1
            return False
        restaurant, token = picked
        day, time_of_day = self.slot_pick(client, restaurant)
        guest = uuid.uuid4().hex
        body = {
            "date": day,
            "time": time_of_day,
            "party_size": client.random.choice(PARTY_SIZES),
            **self.contact_new(client, guest),
        }
        headers = {
            "Authorization": f"Token {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        address = self.addresses[client.address]
        reply = await self.call(
            stats,
            "POST",
            "/api/v1/reservations/",
            restaurant,
            address,
            headers=headers,
            data=json.dumps(body),
        )
        if reply is None:
            return True
        started, status, reply_headers, _cookies, answer = reply
        if status == 201:
            stats.booked += 1
            outcome = "ok"
        elif status == 400 and self.api_refused(answer):
            outcome = "refused"
        else:
            message = self.api_message(answer)
            outcome = f"HTTP {status}" + (f": {message[:100]}" if message else "")
        stats.record(started, outcome, status, reply_headers)
        return True

    @staticmethod
    def api_message(answer: bytes) -> str:
        """The message of an API error body (``{"code", "message", "fields"}``), with the
        fields' messages."""
        try:
            error = json.loads(answer)
            fields = " ".join(
                f"{name}: {' '.join(map(str, messages))}"
                for name, messages in (error.get("fields") or {}).items()
            )
            return f"{error.get('message', '')} {fields}".strip()
        except (ValueError, AttributeError, TypeError):
            return ""

    def api_refused(self, answer: bytes) -> bool:
        """Whether the API's 400 says that no table is free."""
        message = self.api_message(answer)
        return any(text in message for text in self.api_refusals)

    async def door_admin_reservations(self, client, stats):
        return await self._admin(client, stats, ADMIN_DOORS["admin_reservations"])

    async def door_admin_tables(self, client, stats):
        return await self._admin(client, stats, ADMIN_DOORS["admin_tables"])

    async def _admin(self, client, stats, path):
        headers = {"Cookie": f"sessionid={self.logins[client.number]}"}
        return await self._get(client, stats, path, client.restaurant, headers, expected=(200,))

    # -- set-up before a phase's clock starts

    async def csrf_fetch(self, restaurant: dict, limit: asyncio.Semaphore) -> None:
        address = self.addresses[0]
        async with (
            limit,
            self.session(address).get(
                f"{self.base}/",
                headers={"Host": f"{restaurant['host']}:{self.port}"},
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=SETUP_TIMEOUT),
            ) as response,
        ):
            body = await response.text()
            cookie = response.cookies.get("csrftoken")
            match = CSRF_FIELD.search(body)
            if response.status != 200 or cookie is None or match is None:
                raise RuntimeError(f"no CSRF token on {restaurant['host']}: {response.status}")
            self.csrf[restaurant["slug"]] = (cookie.value, match.group(1))

    async def login(self, client: Client, limit: asyncio.Semaphore) -> None:
        """Log the client in to its home restaurant's admin, as a browser does."""
        restaurant = client.restaurant
        session = self.session(self.addresses[client.address])
        host = {"Host": f"{restaurant['host']}:{self.port}"}
        timeout = aiohttp.ClientTimeout(total=SETUP_TIMEOUT)
        async with limit:
            async with session.get(
                f"{self.base}/admin/login/", headers=host, timeout=timeout
            ) as response:
                body = await response.text()
                cookie = response.cookies.get("csrftoken")
                match = CSRF_FIELD.search(body)
                if response.status != 200 or cookie is None or match is None:
                    raise RuntimeError(
                        f"admin login page on {restaurant['host']}: {response.status}"
                    )
            origin = self.origin(restaurant)
            async with session.post(
                f"{self.base}/admin/login/?next=/admin/",
                headers={
                    **host,
                    "Cookie": f"csrftoken={cookie.value}",
                    "Origin": origin,
                    "Referer": f"{origin}/admin/login/",
                },
                data={
                    "csrfmiddlewaretoken": match.group(1),
                    "username": restaurant["manager"],
                    "password": PASSWORD,
                    "next": "/admin/",
                },
                allow_redirects=False,
                timeout=timeout,
            ) as response:
                await response.read()
                session_cookie = response.cookies.get("sessionid")
                if response.status != 302 or session_cookie is None:
                    raise RuntimeError(
                        f"admin login on {restaurant['host']} answered {response.status}"
                    )
        self.logins[client.number] = session_cookie.value

    async def prepare(self, spec: dict) -> dict:
        doors = spec["weights"]
        started = time.monotonic()
        if "booking" in doors:
            # A page per restaurant, a few at a time (a thousand at once overran the timeout).
            limit = asyncio.Semaphore(CSRF_FETCHES_AT_ONCE)
            await asyncio.gather(
                *(
                    self.csrf_fetch(restaurant, limit)
                    for restaurant in self.restaurants
                    if restaurant["slug"] not in self.csrf
                )
            )
        needs_login = spec["sockets"] or any(door in ADMIN_DOORS for door in doors)
        if needs_login:
            limit = asyncio.Semaphore(LOGINS_AT_ONCE)
            waiting = [self.client(n) for n in spec["clients"] if n not in self.logins]
            await asyncio.gather(*(self.login(client, limit) for client in waiting))
        if spec["sockets"]:
            await self.sockets_open(spec["sockets"], spec["clients"])
        return {"seconds": time.monotonic() - started}

    # -- live-floor sockets

    async def socket_open(self, client: Client, limit: asyncio.Semaphore) -> dict:
        restaurant = client.restaurant
        async with limit:
            socket_ = await self.session(self.addresses[client.address]).ws_connect(
                f"{self.base}/ws/live/",
                headers={
                    "Host": f"{restaurant['host']}:{self.port}",
                    "Cookie": f"sessionid={self.logins[client.number]}",
                },
                origin=self.origin(restaurant),
                max_msg_size=0,
                timeout=aiohttp.ClientWSTimeout(ws_close=5),
            )
            first = await socket_.receive(timeout=30)
        if (
            first.type != aiohttp.WSMsgType.TEXT
            or json.loads(first.data).get("type") != "initial_state"
        ):
            raise RuntimeError(f"live floor on {restaurant['host']}: first message {first!r:.200}")
        state = {
            "socket": socket_,
            "slug": restaurant["slug"],
            "messages": 0,
            "resynced": asyncio.Event(),
            "closed": None,
        }
        state["reader"] = asyncio.create_task(self.socket_read(state))
        return state

    async def socket_read(self, state: dict) -> None:
        socket_ = state["socket"]
        async for message in socket_:
            if message.type == aiohttp.WSMsgType.TEXT:
                state["messages"] += 1
                if json.loads(message.data).get("type") == "initial_state":
                    state["resynced"].set()
            elif message.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSE):
                break
        state["closed"] = socket_.close_code if socket_.close_code is not None else "no code"
        if socket_.exception() is not None:  # closed on this side: say why
            state["closed"] = (
                f"{state['closed']} ({type(socket_.exception()).__name__}: {socket_.exception()})"[
                    :120
                ]
            )

    async def sockets_open(self, count: int, numbers: list[int]) -> None:
        clients = [self.client(number) for number in numbers]
        by_restaurant = {client.restaurant["slug"]: client for client in clients}
        spread = list(by_restaurant.values())
        limit = asyncio.Semaphore(SOCKETS_AT_ONCE)
        opened = await asyncio.gather(
            *(self.socket_open(spread[index % len(spread)], limit) for index in range(count)),
            return_exceptions=True,
        )
        self.sockets = [state for state in opened if isinstance(state, dict)]
        self.socket_failures = Counter(
            f"{type(error).__name__}: {error}"[:160]
            for error in opened
            if isinstance(error, BaseException)
        )

    async def sockets_check(self) -> dict:
        """Sockets still open, and of those, answering a resync within 10 s; then closed."""
        open_ = [state for state in self.sockets if state["closed"] is None]
        for state in open_:
            state["resynced"].clear()
            with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError):
                await state["socket"].send_str(json.dumps({"type": "resync"}))

        async def answered(state):
            try:
                await asyncio.wait_for(state["resynced"].wait(), 10)
                return True
            except TimeoutError:
                return False

        answers = await asyncio.gather(*(answered(state) for state in open_))
        report = {
            "failed": dict(self.socket_failures),
            "sockets": len(self.sockets),
            "open": len(open_),
            "answered": sum(answers),
            "closed": dict(
                Counter(
                    str(state["closed"]) for state in self.sockets if state["closed"] is not None
                )
            ),
            "events": sum(state["messages"] for state in self.sockets),
        }
        await asyncio.gather(*(state["socket"].close() for state in self.sockets))
        for state in self.sockets:
            state["reader"].cancel()
        self.sockets = []
        return report

    # -- a phase

    async def run(self, spec: dict) -> dict:
        weights = spec["weights"]
        stats = {door: DoorStats() for door in weights}
        start = time.monotonic() + (spec["start"] - time.time())
        deadline = start + spec["seconds"]
        await asyncio.sleep(max(0.0, start - time.monotonic()))

        async def client_run(number: int) -> None:
            client = self.client(number)
            doors, door_weights = list(weights), list(weights.values())
            sent = 0
            while doors and time.monotonic() < deadline and sent < MAX_REQUESTS_PER_CLIENT:
                door = client.random.choices(doors, door_weights)[0]
                sent += 1
                if not await getattr(self, f"door_{door}")(client, stats[door]):
                    position = doors.index(door)  # out of budget: this client stops using it
                    del doors[position], door_weights[position]

        await asyncio.gather(*(client_run(number) for number in spec["clients"]))
        return {door: door_stats.as_dict(deadline) for door, door_stats in stats.items()}

    async def serve(self, pipe) -> None:
        try:
            while True:
                command, payload = await asyncio.to_thread(pipe.recv)
                if command == "quit":
                    return
                try:
                    result = await getattr(self, command)(*payload)
                except Exception:  # noqa: BLE001 - the coordinator prints it and stops
                    pipe.send(("error", traceback.format_exc()))
                else:
                    pipe.send(("ok", result))
        finally:
            for state in self.sockets:
                await state["socket"].close()
            await asyncio.gather(*(session.close() for session in self.sessions.values()))


def load_main(pipe, setup: dict) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator stops this process
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(OPEN_FILES, hard)), hard))
    asyncio.run(Load(setup).serve(pipe))


class LoadProcesses:
    def __init__(self, count: int, setup: dict):
        context = multiprocessing.get_context("spawn")
        self.pipes, self.processes = [], []
        for index in range(count):
            pipe, child_pipe = context.Pipe()
            process = context.Process(
                target=load_main,
                args=(child_pipe, {**setup, "index": index, "processes": count}),
                daemon=True,
            )
            process.start()
            self.pipes.append(pipe)
            self.processes.append(process)

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def send(self, command: str, payloads: list) -> None:
        for pipe, payload in zip(self.pipes, payloads, strict=True):
            pipe.send((command, payload))

    def receive(self, timeout: float = 300) -> list:
        results = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise RuntimeError("a load process did not answer")
            status, result = pipe.recv()
            if status != "ok":
                raise RuntimeError(f"a load process failed:\n{result}")
            results.append(result)
        return results

    def stop(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(BrokenPipeError, OSError):
                pipe.send(("quit", None))
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.terminate()
                process.join(5)


# --- Phases and report ----------------------------------------------------------------------


def nearest_rank(ordered: list[float], fraction: float) -> float:
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def merged(parts: list[dict]) -> dict:
    total = {
        "latencies": [],
        "answered": 0,
        "statuses": Counter(),
        "errors": Counter(),
        "queries": [],
        "db_ms": [],
        "refused_answered": 0,
        "refused": 0,
        "booked": 0,
        "skipped": 0,
    }
    for part in parts:
        total["latencies"] += part["latencies"]
        total["queries"] += part["queries"]
        total["db_ms"] += part["db_ms"]
        total["statuses"].update(part["statuses"])
        total["errors"].update(part["errors"])
        for key in ("answered", "refused_answered", "refused", "booked", "skipped"):
            total[key] += part[key]
    return total


def figures(stats: dict, seconds: float) -> dict:
    ordered = sorted(stats["latencies"])
    db_ms = sorted(stats["db_ms"])
    return {
        "rps": stats["answered"] / seconds,
        # For the booking doors: bookings made (not refused) answered within the phase.
        "booked_rps": (stats["answered"] - stats["refused_answered"]) / seconds,
        "db_ms": nearest_rank(db_ms, 0.50) if db_ms else None,
        "p50": nearest_rank(ordered, 0.50) if ordered else math.nan,
        "p95": nearest_rank(ordered, 0.95) if ordered else math.nan,
        "p99": nearest_rank(ordered, 0.99) if ordered else math.nan,
        "errors": sum(stats["errors"].values()),
        "queries": sum(stats["queries"]) / len(stats["queries"]) if stats["queries"] else None,
        "with_header": len(stats["queries"]),
        "sent": len(ordered),
    }


class Bench:
    def __init__(self, options, restaurants: list[dict]):
        self.options = options
        self.restaurants = restaurants
        self.port = free_port()
        self.servers = Servers(self.port)
        self.poller = None
        self.load = None
        self.results: dict[str, dict] = {}  # "A robots", "B page", "C overall" … -> figures
        self.peaks: dict[str, int] = {}
        self.sockets_report = None
        self.overlaps: dict[str, int] = {}  # after which door or phase -> overlapping pairs
        self.idle_after = None
        self.workers = int(CHILD_ENV.get("COMENSAL_WEB_WORKERS") or 2 * (os.cpu_count() or 1))
        self.pool_max = int(CHILD_ENV.get("DATABASE_POOL_MAX_SIZE") or 4)
        self.pool_min = min(int(CHILD_ENV.get("DATABASE_POOL_MIN_SIZE") or 1), self.pool_max)
        # The worker runs one process (--concurrency 1) with a pool of the same settings.
        self.connection_budget = (self.workers + 1) * self.pool_max
        self.idle_size = (self.workers + 1) * self.pool_min

    def start(self) -> None:
        self.servers.start()
        self.servers.wait_healthy(self.restaurants[0]["host"])
        self.poller = ConnectionPoller()
        self.poller.start()
        setup = {
            "port": self.port,
            "restaurants": self.restaurants,
            "limits": dict(settings.PUBLIC_RATE_LIMITS),
            "refusals": refusal_texts(),
            "api_refusals": refusal_texts(html=False),
        }
        self.load = LoadProcesses(self.options.load_processes, setup)
        print(
            f"web tier: gunicorn on 127.0.0.1:{self.port}, {self.workers} uvicorn workers "
            f"(pids {', '.join(map(str, self.servers.web_workers()))}); Celery worker on queue "
            f"{QUEUE}; database pool per process {self.pool_min}..{self.pool_max}; API plan "
            f"limits × {api_rate_scale()} (COMENSAL_API_RATE_SCALE); "
            f"{self.options.load_processes} load processes; logs in {LOG_DIR.relative_to(ROOT)}/",
            flush=True,
        )

    def stop(self) -> None:
        if self.load is not None:
            self.load.stop()
        if self.poller is not None:
            self.poller.stopping.set()
        self.servers.stop()

    def phase(self, name: str, weights: dict, clients: int, seconds: float, sockets: int = 0):
        """Run one phase on all load processes; returns (per door, overall, resources)."""
        count = self.options.load_processes
        numbers = list(range(clients))
        shares = [numbers[index::count] for index in range(count)]
        socket_shares = [sockets // count + (index < sockets % count) for index in range(count)]
        self.load.send(
            "prepare",
            [
                ({"weights": weights, "clients": share, "sockets": socket_share},)
                for share, socket_share in zip(shares, socket_shares, strict=True)
            ],
        )
        setup = max(result["seconds"] for result in self.load.receive())
        if setup > 1:
            print(f"    (set-up before the clock: logins, CSRF tokens, sockets: {setup:.1f} s)")
        start = time.time() + 0.5
        self.load.send(
            "run",
            [
                ({"weights": weights, "clients": share, "start": start, "seconds": seconds},)
                for share in shares
            ],
        )
        meter = CpuWindow(
            {
                "web": self.servers.web_workers,
                "worker": self.servers.worker_pids,
                "postgres": self.poller.backend_pids,
                **{
                    f"load {index}": (lambda pid=pid: [pid])
                    for index, pid in enumerate(self.load.pids())
                },
            }
        )
        time.sleep(max(0.0, start - time.time()))
        self.poller.peak_reset()
        meter.start()
        time.sleep(max(0.0, start + seconds - time.time()))
        used = meter.stop()
        peak = self.poller.peak_get()
        parts = self.load.receive()
        doors = {door: merged([part[door] for part in parts]) for door in weights}
        overall = merged(list(doors.values()))
        used["peak_connections"] = peak
        self.peaks[name] = peak
        return doors, overall, used

    def resources_line(self, used: dict) -> str:
        cores = os.cpu_count() or 1
        loads = ", ".join(
            f"{used[name] * 100:.0f}%" for name in sorted(used) if name.startswith("load ")
        )
        gone = [pid for pids in used["gone"].values() for pid in pids]
        line = (
            f"PG connections peak {used['peak_connections']} (budget {self.connection_budget}); "
            f"CPU: web workers {used['web'] * 100 / cores:.0f}% of {cores} cores, "
            f"Celery worker {used['worker'] * 100 / cores:.0f}%, PostgreSQL backends "
            f"{used['postgres'] * 100 / cores:.0f}%, machine busy "
            f"{used['machine'] * 100:.0f}%; load processes {loads} of one core each"
        )
        if any(used[name] > 0.85 for name in used if name.startswith("load ")):
            line += "  (a load process near one core: it may be what limits the rate)"
        if gone:
            line += f"  PROCESSES GONE DURING THE PHASE: {gone}"
        return line

    @staticmethod
    def print_header() -> None:
        print(
            f"  {'door':<26}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
            f"{'SQL/req':>9}{'×trivial':>9}  errors; status codes"
        )

    def print_rows(self, title: str, rows: list[tuple[str, dict, dict]], seconds: float) -> None:
        """One line per door; ``×trivial`` only where the door ran alone, and overall."""
        for label, stats, extra in rows:
            result = figures(stats, seconds)
            self.results[f"{title} {extra['key']}"] = result
            baseline = self.results.get("A robots", {}).get("rps")
            ratio = "-"
            if baseline and extra.get("ratio", True):
                ratio = f"{result['rps'] / baseline:.2f}"
            queries = f"{result['queries']:.1f}" if result["queries"] is not None else "-"
            statuses = " ".join(
                f"{status}×{count}" for status, count in sorted(stats["statuses"].items())
            )
            errors = ", ".join(f"{kind}×{count}" for kind, count in stats["errors"].most_common(4))
            notes = [f"errors {result['errors']}" + (f" ({errors})" if errors else ""), statuses]
            if stats["refused"] or stats["booked"]:
                rate = ""
                if extra["key"] in WRITE_DOORS:  # not the overall rows: they mix the doors
                    rate = f" ({result['booked_rps']:.1f}/s within the phase)"
                notes.append(f"booked {stats['booked']}{rate}, refused {stats['refused']}")
            if extra["key"] in WRITE_DOORS and result["db_ms"] is not None:
                notes.append(f"db time {result['db_ms']:.1f} ms/req (median, Server-Timing)")
            if stats["skipped"]:
                notes.append(f"not sent (out of budget) {stats['skipped']}")
            notes += extra.get("notes", [])
            print(
                f"  {label:<26}{result['rps']:8.1f}{result['p50']:9.1f}{result['p95']:9.1f}"
                f"{result['p99']:9.1f}{queries:>9}{ratio:>9}  {'; '.join(notes)}"
            )

    def phase_a(self) -> None:
        seconds = self.options.door_seconds
        print(
            f"\nPhase A — the ceiling: {DOORS['robots']}, {CLIENTS_ALONE} clients, {seconds:g} s  (load {loadavg()})"
        )
        doors, _overall, used = self.phase("A robots", {"robots": 1}, CLIENTS_ALONE, seconds)
        self.print_header()
        self.print_rows("A", [(DOORS["robots"], doors["robots"], {"key": "robots"})], seconds)
        print("    " + self.resources_line(used), flush=True)

    def phase_b(self) -> None:
        seconds = self.options.door_seconds
        print(
            f"\nPhase B — each door alone, {CLIENTS_ALONE} clients, {seconds:g} s each  (load {loadavg()})"
        )
        everything = []
        self.print_header()
        for door in self.options.doors:
            doors, _overall, used = self.phase(f"B {door}", {door: 1}, CLIENTS_ALONE, seconds)
            self.print_rows("B", [(DOORS[door], doors[door], {"key": door})], seconds)
            print("    " + self.resources_line(used), flush=True)
            if door == "api_booking":
                self.overlaps_check(f"B {door}")
            everything.append(doors[door])
        if len(everything) > 1:
            total = seconds * len(everything)
            self.print_rows(
                "B", [("overall (all B doors)", merged(everything), {"key": "overall"})], total
            )

    def phase_c(self) -> None:
        seconds = self.options.seconds
        weights = MIXED_WEIGHTS
        shown = ", ".join(f"{door} {weight}" for door, weight in weights.items())
        print(
            f"\nPhase C — mixed, {CLIENTS_MIXED} clients, {seconds:g} s, {SOCKETS} live-floor "
            f"sockets open  (load {loadavg()})\n  weights: {shown}"
        )
        doors, overall, used = self.phase("C mixed", weights, CLIENTS_MIXED, seconds, SOCKETS)
        self.load.send("sockets_check", [() for _ in self.load.processes])
        reports = self.load.receive()
        self.sockets_report = {
            "failed": sum((Counter(report["failed"]) for report in reports), Counter()),
            "sockets": sum(report["sockets"] for report in reports),
            "open": sum(report["open"] for report in reports),
            "answered": sum(report["answered"] for report in reports),
            "events": sum(report["events"] for report in reports),
            "closed": sum((Counter(report["closed"]) for report in reports), Counter()),
        }
        rows = [(DOORS[door], doors[door], {"key": door, "ratio": False}) for door in weights]
        rows.append(("overall", overall, {"key": "overall"}))
        self.print_header()
        self.print_rows("C", rows, seconds)
        print("    " + self.resources_line(used))
        report = self.sockets_report
        print(
            f"    live-floor sockets: {report['sockets']}/{SOCKETS} opened"
            + (f" (failed: {dict(report['failed'])})" if report["failed"] else "")
            + f", {report['open']} still open at the end, "
            f"{report['answered']} answered a resync within 10 s; {report['events']} messages "
            f"received; closed early: {dict(report['closed']) or 'none'}",
            flush=True,
        )
        if "api_booking" in weights:
            self.overlaps_check("C mixed")

    def overlaps_check(self, after: str) -> None:
        """Count, in the database, the reservations that hold one table at overlapping times."""
        started = time.monotonic()
        found = overlaps_count()
        total = sum(found.values())
        self.overlaps[after] = total
        where = ", ".join(f"{slug} {count}" for slug, count in found.items() if count)
        print(
            f"    overlaps: {total}  (pending, confirmed or seated reservations of one table "
            f"at overlapping times, over the {len(found)} bench restaurants' schemas, after "
            f"{after}; counted in {time.monotonic() - started:.1f} s)"
            + (f": {where}" if where else ""),
            flush=True,
        )

    def idle_watch(self) -> None:
        limit = self.options.idle_watch
        print(
            f"\nAfter the load: PostgreSQL connections every {IDLE_WATCH_EVERY} s for up to "
            f"{limit} s (idle size: ({self.workers} web + 1 worker) × min {self.pool_min} = "
            f"{self.idle_size})"
        )
        started = time.monotonic()
        while True:
            elapsed = time.monotonic() - started
            count = self.poller.count()
            print(f"  +{elapsed:4.0f} s: {count} connections", flush=True)
            if count <= self.idle_size:
                self.idle_after = elapsed
                print(f"  back to the idle size after {elapsed:.0f} s")
                return
            if elapsed + IDLE_WATCH_EVERY > limit:
                print(f"  not back to the idle size within {limit} s")
                return
            time.sleep(IDLE_WATCH_EVERY)

    def confirmations(self) -> None:
        """What the Celery worker made of this run's bookings' confirmations (the bench's
        bookings of earlier runs were deleted at the start)."""
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        deadline = time.monotonic() + 30
        while broker.llen(QUEUE) and time.monotonic() < deadline:
            time.sleep(1)
        sources, statuses = Counter(), Counter()
        for restaurant in Restaurant.objects.filter(slug__in=SLUGS):
            with tenant_context(restaurant):
                guests = "@" + GUEST_DOMAIN
                made = Reservation.objects.filter(customer__email__endswith=guests)
                sources.update(made.values_list("source", flat=True))
                statuses.update(
                    Message.objects.filter(
                        event="confirmation", reservation__customer__email__endswith=guests
                    ).values_list("status", flat=True)
                )
        connections.close_all()
        bookings = sum(sources.values())
        print(
            f"\nBooking confirmations of this run's {bookings} bookings "
            f"({', '.join(f'{source} {count}' for source, count in sources.most_common())}), "
            f"by message status: "
            f"{dict(statuses) or 'none'}; tasks left in the queue: {broker.llen(QUEUE)}"
        )

    def summary(self, server_errors: int) -> None:
        def verdict(condition) -> str:
            return "n/a" if condition is None else ("met" if condition else "MISSED")

        lines = []
        mixed = self.results.get("C overall")
        if mixed:
            lines.append(
                (
                    f"mixed ≥ {TARGET_MIXED_RPS} req/s",
                    f"{mixed['rps']:.0f} req/s",
                    mixed["rps"] >= TARGET_MIXED_RPS,
                )
            )
            lines.append(
                (
                    f"mixed p95 ≤ {TARGET_P95_MS} ms",
                    f"{mixed['p95']:.0f} ms",
                    mixed["p95"] <= TARGET_P95_MS,
                )
            )
            lines.append(("mixed: 0 errors", f"{mixed['errors']}", mixed["errors"] == 0))
            report = self.sockets_report
            lines.append(
                (
                    f"mixed: {SOCKETS} sockets open to the end",
                    f"{report['open']} open, {report['answered']} answering",
                    report["answered"] == SOCKETS,
                )
            )
        availability = self.results.get("B availability")
        if availability:
            lines.append(
                (
                    f"availability alone ≥ {TARGET_AVAILABILITY_RPS} req/s",
                    f"{availability['rps']:.0f} req/s",
                    availability["rps"] >= TARGET_AVAILABILITY_RPS,
                )
            )
            lines.append(
                (
                    f"availability alone p95 ≤ {TARGET_P95_MS} ms",
                    f"{availability['p95']:.0f} ms",
                    availability["p95"] <= TARGET_P95_MS,
                )
            )
        api_list = self.results.get("B api_list")
        if api_list:
            lines.append(
                (
                    f"API list alone ≥ {TARGET_API_LIST_RPS} req/s",
                    f"{api_list['rps']:.0f} req/s",
                    api_list["rps"] >= TARGET_API_LIST_RPS,
                )
            )
        api_booking = self.results.get("B api_booking")
        if api_booking:
            lines.append(
                (
                    f"API booking creates alone ≥ {TARGET_API_BOOKING_RPS}/s",
                    f"{api_booking['booked_rps']:.0f}/s (answered {api_booking['rps']:.0f} req/s)",
                    api_booking["booked_rps"] >= TARGET_API_BOOKING_RPS,
                )
            )
            lines.append(
                (
                    f"API booking alone p99 ≤ {TARGET_API_BOOKING_P99_MS} ms",
                    f"{api_booking['p99']:.0f} ms",
                    api_booking["p99"] <= TARGET_API_BOOKING_P99_MS,
                )
            )
        if self.overlaps:
            lines.append(
                (
                    "0 overlapping reservations on a table",
                    ", ".join(f"{count} ({after})" for after, count in self.overlaps.items()),
                    not any(self.overlaps.values()),
                )
            )
        baseline = self.results.get("A robots", {}).get("rps")
        for door in self.options.doors:
            result = self.results.get(f"B {door}")
            if result:
                ratio = result["rps"] / baseline if baseline else None
                shown = (
                    f"{ratio:.0%} of {baseline:.0f} req/s" if ratio is not None else "no baseline"
                )
                lines.append(
                    (
                        f"{DOORS[door]} ≥ {TARGET_RATIO:.0%} of the trivial view",
                        shown,
                        None if ratio is None else ratio >= TARGET_RATIO,
                    )
                )
        if self.peaks:
            worst = max(self.peaks, key=self.peaks.get)
            lines.append(
                (
                    f"peak connections ≤ {self.connection_budget} ({self.workers}×{self.pool_max} web + {self.pool_max} worker)",
                    f"{self.peaks[worst]} ({worst})",
                    self.peaks[worst] <= self.connection_budget,
                )
            )
        if self.options.idle_watch:
            shown = (
                f"{self.idle_after:.0f} s"
                if self.idle_after is not None
                else f"not within {self.options.idle_watch} s"
            )
            lines.append(
                (
                    f"back to idle ({self.idle_size}) within {TARGET_IDLE_SECONDS} s",
                    shown,
                    self.idle_after is not None and self.idle_after <= TARGET_IDLE_SECONDS,
                )
            )
        lines.append(
            (
                "no tracebacks or ERROR lines in the servers' output",
                f"{server_errors}",
                server_errors == 0,
            )
        )
        print(f"\nTargets  (load {loadavg()})")
        for target, measured, condition in lines:
            print(f"  {target:<58} {measured:<34} {verdict(condition)}")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def options_parse():
    parser = argparse.ArgumentParser(description="HTTP benchmark of the web tier")
    parser.add_argument("--seconds", type=float, default=MIXED_SECONDS, help="phase C length")
    parser.add_argument(
        "--door-seconds", type=float, default=DOOR_SECONDS, help="phase A and each B door"
    )
    parser.add_argument("--phases", default="ABC", help="which phases to run (e.g. AB)")
    parser.add_argument(
        "--doors", default=",".join(PHASE_B_DOORS), help="phase B doors, comma-separated"
    )
    parser.add_argument("--load-processes", type=int, default=LOAD_PROCESSES)
    parser.add_argument(
        "--idle-watch", type=int, default=IDLE_WATCH_SECONDS, help="seconds; 0 skips"
    )
    options = parser.parse_args(
        shlex.split(os.environ.get("BENCH_HTTP_OPTIONS", "")) + sys.argv[1:]
    )
    options.doors = [door.strip() for door in options.doors.split(",") if door.strip()]
    unknown = set(options.doors) - set(PHASE_B_DOORS)
    if unknown:
        parser.error(f"unknown doors {sorted(unknown)}; choose from {PHASE_B_DOORS}")
    if not 1 <= options.load_processes <= 8:
        parser.error("--load-processes must be 1 to 8")
    return options


def main() -> int:
    options = options_parse()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(OPEN_FILES, hard)), hard))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"load average at the start: {loadavg()} ({os.cpu_count()} cores)", flush=True)
    restaurants = provisioning()
    bench = Bench(options, restaurants)
    server_errors = 0
    try:
        bench.start()
        if "A" in options.phases:
            bench.phase_a()
        if "B" in options.phases:
            bench.phase_b()
        if "C" in options.phases:
            bench.phase_c()
        if options.idle_watch:
            bench.idle_watch()
        if "B" in options.phases or "C" in options.phases:
            bench.confirmations()
    finally:
        bench.stop()
        server_errors = report_server_errors(bench.servers)
    bench.summary(server_errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
