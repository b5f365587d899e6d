"""Live floor benchmark: event delivery to staff screens, and the web process's footprint.

A real uvicorn process serves ``ws://bench-live.localhost:<port>/ws/live/``; a second process
plays the staff screens: ``websockets`` clients with the session of a manager of the
restaurant, each past its ``initial_state``.

1. Delivery: 200 screens watch the floor while this process changes table statuses 10,000
   times, 50 a second, through the real service: ``table_set_status`` locks the row,
   saves, records the status history and, after the commit, publishes
   ``table_status_changed`` to the channel layer, from a plain thread as in the worker.
   Four producer threads, each with its own database connection and its own two tables,
   alternate them between maintenance and available.
   A change's time is taken right after its COMMIT, before the publish; a screen's time as
   the message arrives. A table's events reach a screen in commit order, so the k-th event
   of a table on a screen is the table's k-th change (a lost one can only make the later
   ones look late). Printed: p50, p95 and max latency from commit to receipt over the
   2,000,000 deliveries, and how many were lost: not received 30 s after the last commit.
   The pace is no restaurant's (a busy one makes a few changes a second): it makes 10,000
   deliveries a second, and leaves the web process one core of a 2-core machine, the
   screens and producers taking much of the other.
2. Footprint: the web process's resident memory before any socket, then with 1,000 idle
   screens connected, and its CPU (% of one core) over 10 s with them, from /proc.

Run with ``python3 dev.py bench live``; the restaurant, its tables and user are reused.
"""

import asyncio
import json
import multiprocessing
import os
import resource
import socket
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from reservations.models import Table  # noqa: E402
from reservations.services import table_ensure, table_set_status  # noqa: E402
from restaurants import roles  # noqa: E402
from restaurants.services import restaurant_provision, staff_user_ensure  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-live"
HOST = f"{SLUG}.localhost"
STAFF_EMAIL = "floor@bench-live.example.com"
STAFF_PASSWORD = "Bench-Live-Password-2030"
TABLE_CODES = [f"L{number:02d}" for number in range(1, 9)]

SCREENS = 200
EVENTS = 10_000
EVENTS_PER_SECOND = 50
PRODUCERS = 4  # threads; each takes every fourth change, hence two tables of its own
IDLE_SCREENS = 1_000
IDLE_SECONDS = 10
CONNECTING_AT_ONCE = 50
DRAIN_SECONDS = 30  # how long the screens wait for events once every change is committed
OPEN_FILES = 4096


# --- The web process ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def web_start(port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    command += ["--ws-per-message-deflate", "false"]  # as dev.py up and production serve it
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "DATABASE_CONN_MAX_AGE": "60"})
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("uvicorn did not start accepting connections")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    user, system = int(fields[11]), int(fields[12])
    return (user + system) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU of a process as % of one core, from ``start()`` to ``percent()``."""

    def __init__(self, pid: int):
        self.pid = pid

    def start(self) -> None:
        self.cpu, self.wall = cpu_seconds(self.pid), time.monotonic()

    def percent(self) -> float:
        return 100 * (cpu_seconds(self.pid) - self.cpu) / (time.monotonic() - self.wall)


# --- The staff screens (a process of their own) ---------------------------------------------


async def screen_open(port: int, session_key: str, limit: asyncio.Semaphore):
    """A logged-in staff screen on the live floor, past its ``initial_state``."""
    async with limit:
        # *.localhost may not resolve: connect to 127.0.0.1 and keep the host in the URI.
        tcp = socket.socket()
        tcp.setblocking(False)
        await asyncio.get_running_loop().sock_connect(tcp, ("127.0.0.1", port))
        screen = await connect(
            f"ws://{HOST}:{port}/ws/live/",
            sock=tcp,
            origin=f"http://{HOST}:{port}",
            additional_headers={"Cookie": f"sessionid={session_key}"},
        )
        first = json.loads(await screen.recv())
        if first["type"] != "initial_state":
            raise RuntimeError(f"expected initial_state, got {first['type']}")
        return screen


async def screen_read(screen, expected: int, receipts: dict) -> None:
    """Note when each table's events arrive, until ``expected`` events have."""
    received = 0
    try:
        while received < expected:
            event = json.loads(await screen.recv())
            if event["type"] == "table_status_changed":
                receipts[event["table"]["id"]].append(time.time())
                received += 1
    except ConnectionClosed:
        return


async def screens_run(pipe, port: int, session_key: str, count: int, expected: int) -> None:
    limit = asyncio.Semaphore(CONNECTING_AT_ONCE)
    screens = await asyncio.gather(*(screen_open(port, session_key, limit) for _ in range(count)))
    receipts = [defaultdict(list) for _ in screens]
    readers = [
        asyncio.create_task(screen_read(screen, expected, screen_receipts))
        for screen, screen_receipts in zip(screens, receipts, strict=True)
    ]
    pipe.send("ready")
    await asyncio.to_thread(pipe.recv)  # every change is committed, or the idle time is over
    await asyncio.wait(readers, timeout=DRAIN_SECONDS)
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*(screen.close() for screen in screens))
    pipe.send([dict(screen_receipts) for screen_receipts in receipts])


def screens_main(pipe, port: int, session_key: str, count: int, expected: int) -> None:
    """The screens' process: ``count`` screens, each expecting ``expected`` events."""
    asyncio.run(screens_run(pipe, port, session_key, count, expected))


def screens_start(port: int, session_key: str, count: int, expected: int):
    """Start the screens' process; returns once every screen is connected."""
    context = multiprocessing.get_context("spawn")
    pipe, child_pipe = context.Pipe()
    process = context.Process(
        target=screens_main, args=(child_pipe, port, session_key, count, expected), daemon=True
    )
    process.start()
    if not pipe.poll(120) or pipe.recv() != "ready":
        process.terminate()
        raise RuntimeError("the staff screens did not connect")
    return process, pipe


def screens_stop(process, pipe) -> list[dict]:
    """Let the screens drain and close; returns each screen's receipt times by table id."""
    pipe.send("stop")
    receipts = pipe.recv()
    process.join()
    return receipts


# --- The restaurant and its changes ---------------------------------------------------------


def staff_session_key() -> str:
    """Log the bench's manager in through the admin, as a browser does; returns the session."""
    staff_user_ensure(email=STAFF_EMAIL, password=STAFF_PASSWORD, role=roles.MANAGER)
    client = Client(HTTP_HOST=HOST)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": STAFF_EMAIL, "password": STAFF_PASSWORD}
    )
    if response.status_code != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"staff login failed with status {response.status_code}")
    return client.cookies["sessionid"].value


def changes_plan(tables: list) -> list:
    """(table, status) of every change: the tables in turn, to maintenance then back."""
    plan = []
    for index in range(EVENTS):
        status = "maintenance" if (index // len(tables)) % 2 == 0 else "available"
        plan.append((tables[index % len(tables)], status))
    return plan


def changes_make(restaurant, plan: list, first: int, started: float, commits: dict) -> None:
    """One producer: changes ``first``, ``first + PRODUCERS``, … of the plan, each on time."""
    try:
        with tenant_context(restaurant):
            for index in range(first, len(plan), PRODUCERS):
                table, status = plan[index]
                delay = started + index / EVENTS_PER_SECOND - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                with transaction.atomic():
                    # Registered first, so it runs right after COMMIT and before the publish.
                    transaction.on_commit(lambda table=table: commits[table.pk].append(time.time()))
                    table_set_status(table=table, to=status)
    finally:
        connection.close()


def percentile(ordered: list, fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


# --- The benchmark --------------------------------------------------------------------------


def footprint(web: subprocess.Popen, port: int, session_key: str) -> None:
    before = rss_mib(web.pid)
    print(f"web process before any socket: RSS {before:.1f} MiB", flush=True)
    screens, pipe = screens_start(port, session_key, IDLE_SCREENS, expected=0)
    meter = CpuMeter(web.pid)
    meter.start()
    time.sleep(IDLE_SECONDS)
    cpu, rss = meter.percent(), rss_mib(web.pid)
    screens_stop(screens, pipe)
    print(
        f"web process, {IDLE_SCREENS:,} idle sockets: RSS {rss:.1f} MiB (+{rss - before:.1f} MiB), "
        f"CPU {cpu:.1f}% of one core over {IDLE_SECONDS} s",
        flush=True,
    )


def delivery(web: subprocess.Popen, port: int, session_key: str, restaurant, tables) -> None:
    plan = changes_plan(tables)
    commits = {table.pk: [] for table in tables}
    screens, pipe = screens_start(port, session_key, SCREENS, expected=EVENTS)
    meter = CpuMeter(web.pid)
    meter.start()
    started = time.monotonic()
    with ThreadPoolExecutor(PRODUCERS) as producers:
        runs = [
            producers.submit(changes_make, restaurant, plan, first, started, commits)
            for first in range(PRODUCERS)
        ]
        for run in runs:
            run.result()
    seconds, cpu = time.monotonic() - started, meter.percent()
    receipts = screens_stop(screens, pipe)
    latencies = sorted(
        (received - committed) * 1000
        for screen_receipts in receipts
        for table_id, times in screen_receipts.items()
        for received, committed in zip(times, commits[table_id], strict=False)
    )
    if not latencies:
        raise RuntimeError("no event reached any screen")
    expected = EVENTS * SCREENS
    print(
        f"producers: {EVENTS:,} table_set_status calls in {seconds:.1f} s "
        f"({EVENTS / seconds:.0f}/s, paced at {EVENTS_PER_SECOND}/s, {PRODUCERS} threads); "
        f"web process CPU {cpu:.0f}% of one core meanwhile"
    )
    print(
        f"delivery latency, {SCREENS} sockets, {EVENTS:,} events: "
        f"p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
        f"max {latencies[-1]:.0f} ms, lost {expected - len(latencies):,} of {expected:,} "
        f"by {DRAIN_SECONDS} s after the last commit (target p95 <= 100 ms, 0 lost)"
    )


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(OPEN_FILES, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))  # for the children
    restaurant, _ = restaurant_provision(
        name="Bench Live",
        slug=SLUG,
        plan="enterprise",
        timezone="America/Mexico_City",
        currency="USD",
        language="es",
        manager_email="bench-live@example.com",
        manager_password="Bench-Password-2030",
    )
    with tenant_context(restaurant):
        tables = [
            table_ensure(code=code, min_capacity=1, max_capacity=4, area="interior")
            for code in TABLE_CODES
        ]
        Table.objects.filter(pk__in=[table.pk for table in tables]).update(status="available")
        session_key = staff_session_key()
    port = free_port()
    web = web_start(port)
    try:
        footprint(web, port, session_key)
        delivery(web, port, session_key, restaurant, tables)
    finally:
        web.terminate()
        web.wait(15)


if __name__ == "__main__":
    main()
