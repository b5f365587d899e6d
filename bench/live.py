"""Live floor benchmark: event delivery to staff screens, and the web processes' footprint.

The web tier runs as in production, ``gunicorn -c config/web.py config.asgi:application``
(two uvicorn workers per core unless ``COMENSAL_WEB_WORKERS`` says otherwise) and serves
``ws://bench-live.localhost:<port>/ws/live/``; a second process plays the staff screens with
the session of a manager of the restaurant, each past its ``initial_state``.

1. Delivery: 200 screens watch the floor while this process changes table statuses 10,000
   times, 50 a second, through the real service: ``table_set_status`` locks the row,
   saves, records the status history and, after the commit, publishes
   ``table_status_changed``, from a plain thread as in the worker. Four producer threads,
   each with its own database connection and its own two tables, alternate them between
   maintenance and available.
   A change's time is taken right after its COMMIT, before the publish; a screen's time as
   the bytes arrive. A table's events reach a screen in commit order, so the k-th event of a
   table on a screen is the table's k-th change. Printed: p50, p95 and max latency from
   commit to receipt; how many events were lost (not received 30 s after the last commit, by
   a screen never resynced); and resyncs (an ``initial_state`` marked ``"resync": true``,
   sent when the server dropped a screen's backlog), with the events they replaced. On a
   resynced screen only the events before its first resync and after its last one are timed
   (matched from the first change and from the last); those in between are counted, not timed.
   The web workers' CPU is summed over the gunicorn master's children, from /proc, as % of
   the cores they have; the screens' process prints its own.
   The screens are plain sockets with a small WebSocket reader (the server's frames are not
   masked): each frame is counted and its type and table id read from its first bytes, the
   rest not decoded; pings are answered. A client that decodes every event as JSON through a
   full WebSocket library costs more CPU than the server's fan-out it is meant to measure,
   on a machine whose cores it shares.
   The pace is no restaurant's (a busy one makes a few changes a second): it makes 10,000
   deliveries a second.
2. Footprint: each web worker's resident memory before any socket, then with 1,000 idle
   screens connected (split between the workers as the kernel hands them out), and their CPU
   over 10 s with them, from /proc.

The load average is printed with every figure: the machine is shared. Run with
``python3 dev.py bench live``; the restaurant, its tables and user are reused.
"""

import asyncio
import base64
import multiprocessing
import os
import resource
import subprocess
import sys
import threading
import time
from array import array
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# The project instead of this folder (a spawned child inherits the path without it):
# bench/http.py would shadow the standard library's http.
if str(Path(__file__).resolve().parent) in sys.path:
    sys.path.remove(str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from bench.common import free_port  # noqa: E402
from reservations.models import Table  # noqa: E402
from reservations.services.tables import table_ensure, table_set_status  # noqa: E402
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


def load_average() -> str:
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- The web tier ---------------------------------------------------------------------------


class WebTier:
    """gunicorn as production runs it; its log is read for start-up and resync reports."""

    def __init__(self, port: int):
        env = {**os.environ, "COMENSAL_BIND": f"127.0.0.1:{port}"}
        command = [sys.executable, "-m", "gunicorn", "-c", "config/web.py"]
        command += ["config.asgi:application"]
        self.master = subprocess.Popen(
            command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, bufsize=1
        )
        self.started = 0
        self.resync_reports = 0
        self.lines = threading.Condition()
        threading.Thread(target=self._read_log, daemon=True).start()
        expected = int(os.environ.get("COMENSAL_WEB_WORKERS") or 2 * (os.cpu_count() or 1))
        with self.lines:
            if not self.lines.wait_for(lambda: self.started >= expected, 60):
                self.stop()
                raise RuntimeError("gunicorn's workers did not start")
        print(f"web tier: gunicorn, {len(self.workers())} uvicorn workers, {load_average()}")

    def _read_log(self) -> None:
        for line in self.master.stderr:
            with self.lines:
                if "Application startup complete" in line:
                    self.started += 1
                elif "a screen resyncs" in line:
                    self.resync_reports += 1
                elif "level=WARNING" in line or "level=ERROR" in line or "Traceback" in line:
                    print(f"  web | {line.rstrip()}", flush=True)
                self.lines.notify_all()

    def workers(self) -> list[int]:
        """The master's children, from /proc."""
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.master.pid:
                    children.append(int(entry.name))
        return sorted(children)

    def stop(self) -> None:
        self.master.terminate()
        self.master.wait(30)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    user, system = int(fields[11]), int(fields[12])
    return (user + system) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU of some processes, each as % of one core, from ``start()`` to ``percents()``."""

    def __init__(self, pids: list[int]):
        self.pids = pids

    def start(self) -> None:
        self.cpu = [cpu_seconds(pid) for pid in self.pids]
        self.wall = time.monotonic()

    def percents(self) -> list[float]:
        seconds = time.monotonic() - self.wall
        return [
            100 * (cpu_seconds(pid) - before) / seconds
            for pid, before in zip(self.pids, self.cpu, strict=True)
        ]


def workers_cpu(percents: list[float]) -> str:
    cores = min(len(percents), os.cpu_count() or 1)
    each = ", ".join(f"{percent:.0f}%" for percent in percents)
    return f"{sum(percents) / cores:.0f}% of their {cores} cores (each, of one core: {each})"


# --- The staff screens (a process of their own) ---------------------------------------------

EVENT = b'{"type":"table_status_changed"'
STATE = b'{"type":"initial_state"'
TABLE_ID = b'"table":{"id":'
PONG_UNMASKED = b"\x00\x00\x00\x00"  # a zero mask: the payload goes as it is


class Screen(asyncio.Protocol):
    """A staff screen on a raw socket: counts what arrives, decodes only what it must."""

    def __init__(self, port: int, session_key: str):
        self.port, self.session_key = port, session_key
        self.buffer = bytearray()
        self.upgraded = False
        self.ready = asyncio.get_running_loop().create_future()
        self.receipts: dict[int, array] = defaultdict(lambda: array("d"))
        self.resyncs: list[dict[int, int]] = []  # per resync: events received so far, by table
        self.others = 0
        self.closed: str | None = None
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                "GET /ws/live/ HTTP/1.1\r\n"
                f"Host: {HOST}:{self.port}\r\nOrigin: http://{HOST}:{self.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Cookie: sessionid={self.session_key}\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        arrived = time.time()
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self._fail(f"refused: {bytes(buffer[:40])!r}")
                return
            del buffer[: end + 4]
            self.upgraded = True
        position, size = 0, len(buffer)
        while size - position >= 2:
            first, second = buffer[position], buffer[position + 1]
            length, start = second & 0x7F, position + 2
            if length == 126:
                if size - position < 4:
                    break
                length, start = int.from_bytes(buffer[position + 2 : position + 4]), position + 4
            elif length == 127:
                if size - position < 10:
                    break
                length, start = int.from_bytes(buffer[position + 2 : position + 10]), position + 10
            end = start + length
            if end > size:
                break
            if not first & 0x80 or second & 0x80:
                self._fail("a fragmented or masked frame")
                return
            self._frame(first & 0x0F, bytes(buffer[start:end]), arrived)
            if self.closed:
                return
            position = end
        del buffer[:position]

    def _frame(self, opcode: int, payload: bytes, arrived: float) -> None:
        if opcode == 1:
            if payload.startswith(EVENT):
                start = payload.index(TABLE_ID, len(EVENT)) + len(TABLE_ID)
                table_id = int(payload[start : payload.index(b",", start)])
                self.receipts[table_id].append(arrived)
            elif payload.startswith(STATE):
                if not self.ready.done():
                    self.ready.set_result(None)
                elif b'"resync":true' in payload:
                    self.resyncs.append(
                        {table: len(times) for table, times in self.receipts.items()}
                    )
                else:
                    self.others += 1
            else:
                self.others += 1
        elif opcode == 9:  # ping: answer with a pong (client frames are masked)
            self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + PONG_UNMASKED + payload)
        elif opcode == 8:
            self._fail(f"closed by the server, code {int.from_bytes(payload[:2]) or '-'}")

    def _fail(self, reason: str) -> None:
        self.closed = self.closed or reason
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(reason))
        self.transport.close()

    def connection_lost(self, exc) -> None:
        if self.closed is None:
            self.closed = "connection lost"
            if not self.ready.done():
                self.ready.set_exception(RuntimeError("connection lost"))

    def close(self) -> None:
        if self.closed is None:
            self.closed = "closed by the screen"
            self.transport.write(b"\x88\x82" + PONG_UNMASKED + (1000).to_bytes(2))
            self.transport.close()

    def report(self) -> dict:
        return {
            "receipts": dict(self.receipts),
            "resyncs": self.resyncs,
            "others": self.others,
            "closed": None if self.closed == "closed by the screen" else self.closed,
        }


async def screen_open(port: int, session_key: str, limit: asyncio.Semaphore) -> Screen:
    async with limit:
        _transport, screen = await asyncio.get_running_loop().create_connection(
            lambda: Screen(port, session_key), "127.0.0.1", port
        )
        await asyncio.wait_for(screen.ready, 60)
        return screen


def received_count(screens: list[Screen]) -> int:
    return sum(len(times) for screen in screens for times in screen.receipts.values())


async def screens_run(pipe, port: int, session_key: str, count: int, expected: int) -> None:
    limit = asyncio.Semaphore(CONNECTING_AT_ONCE)
    screens = await asyncio.gather(*(screen_open(port, session_key, limit) for _ in range(count)))
    pipe.send("ready")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu, wall = usage.ru_utime + usage.ru_stime, time.monotonic()
    await asyncio.to_thread(pipe.recv)  # every change is committed, or the idle time is over
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_percent = 100 * (usage.ru_utime + usage.ru_stime - cpu) / (time.monotonic() - wall)
    deadline = time.monotonic() + DRAIN_SECONDS
    # Every screen has every event, or has been resynced or closed (then it waits it out).
    while time.monotonic() < deadline and received_count(screens) < expected * count:
        await asyncio.sleep(0.1)
    for screen in screens:
        screen.close()
    pipe.send({"screens": [screen.report() for screen in screens], "cpu_percent": cpu_percent})


def screens_main(pipe, port: int, session_key: str, count: int, expected: int) -> None:
    """The screens' process: ``count`` screens, each expecting ``expected`` events."""
    import uvloop

    uvloop.run(screens_run(pipe, port, session_key, count, expected))


def screens_start(port: int, session_key: str, count: int, expected: int):
    """Start the screens' process; returns once every screen is connected."""
    context = multiprocessing.get_context("spawn")
    pipe, child_pipe = context.Pipe()
    process = context.Process(
        target=screens_main, args=(child_pipe, port, session_key, count, expected), daemon=True
    )
    process.start()
    if not pipe.poll(180) or pipe.recv() != "ready":
        process.terminate()
        raise RuntimeError("the staff screens did not connect")
    return process, pipe


def screens_stop(process, pipe) -> dict:
    """Let the screens drain and close; returns what each received, and their CPU."""
    pipe.send("stop")
    results = pipe.recv()
    process.join()
    return results


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


def screen_latencies(report: dict, commits: dict) -> tuple[list[float], int]:
    """Latencies (ms) of a screen's timed events, and how many it received untimed."""
    latencies, untimed = [], 0
    for table_id, times in report["receipts"].items():
        committed = commits[table_id]
        if len(times) > len(committed):
            raise RuntimeError(
                f"a screen received {len(times)} events of a table changed {len(committed)} times"
            )
        marks = [resync.get(table_id, 0) for resync in report["resyncs"]]
        head = marks[0] if marks else len(times)
        tail = len(times) - marks[-1] if marks else 0
        pairs = list(zip(times[:head], committed[:head], strict=True))
        if tail:
            pairs += zip(times[-tail:], committed[-tail:], strict=True)
        latencies += [(received - at) * 1000 for received, at in pairs]
        untimed += len(times) - head - tail
    return latencies, untimed


# --- The benchmark --------------------------------------------------------------------------


def footprint(web: WebTier, port: int, session_key: str) -> None:
    workers = web.workers()
    before = {pid: (rss_mib(pid), open_files(pid)) for pid in workers}
    screens, pipe = screens_start(port, session_key, IDLE_SCREENS, expected=0)
    meter = CpuMeter(workers)
    meter.start()
    time.sleep(IDLE_SECONDS)
    cpu = meter.percents()
    after = {pid: (rss_mib(pid), open_files(pid)) for pid in workers}
    screens_stop(screens, pipe)
    print(f"web workers, {IDLE_SCREENS:,} idle sockets ({load_average()}):")
    for pid, percent in zip(workers, cpu, strict=True):
        (rss_before, files_before), (rss_after, files_after) = before[pid], after[pid]
        sockets = files_after - files_before
        per_socket = (
            f"{1024 * (rss_after - rss_before) / sockets:.0f} KiB per socket" if sockets else "-"
        )
        print(
            f"  worker {pid}: RSS {rss_before:.1f} MiB → {rss_after:.1f} MiB with {sockets} "
            f"more open files (its sockets: {per_socket}), "
            f"CPU {percent:.1f}% of one core over {IDLE_SECONDS} s"
        )


def delivery(web: WebTier, port: int, session_key: str, restaurant, tables) -> None:
    plan = changes_plan(tables)
    commits = {table.pk: [] for table in tables}
    screens, pipe = screens_start(port, session_key, SCREENS, expected=EVENTS)
    print(f"delivery: {SCREENS} screens connected ({load_average()})", flush=True)
    reports_before = web.resync_reports
    meter = CpuMeter(web.workers())
    meter.start()
    started = time.monotonic()
    with ThreadPoolExecutor(PRODUCERS) as producers:
        runs = [
            producers.submit(changes_make, restaurant, plan, first, started, commits)
            for first in range(PRODUCERS)
        ]
        for run in runs:
            run.result()
    seconds, cpu = time.monotonic() - started, meter.percents()
    load_meanwhile = load_average()
    results = screens_stop(screens, pipe)

    latencies, untimed, lost, replaced, resyncs, closed, others = [], 0, 0, 0, 0, [], 0
    for report in results["screens"]:
        screen_times, screen_untimed = screen_latencies(report, commits)
        latencies += screen_times
        untimed += screen_untimed
        received = sum(len(times) for times in report["receipts"].values())
        if report["resyncs"]:
            resyncs += len(report["resyncs"])
            replaced += EVENTS - received
        else:
            lost += EVENTS - received
        others += report["others"]
        if report["closed"]:
            closed.append(report["closed"])
    if not latencies:
        raise RuntimeError("no event reached any screen")
    latencies.sort()
    expected = EVENTS * SCREENS
    print(
        f"producers: {EVENTS:,} table_set_status calls in {seconds:.1f} s "
        f"({EVENTS / seconds:.0f}/s, paced at {EVENTS_PER_SECOND}/s, {PRODUCERS} threads; "
        f"{load_meanwhile})"
    )
    print(f"web workers' CPU meanwhile: {workers_cpu(cpu)}")
    print(f"screens' process CPU meanwhile: {results['cpu_percent']:.0f}% of one core")
    print(
        f"delivery latency, {SCREENS} sockets, {EVENTS:,} events: "
        f"p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
        f"max {latencies[-1]:.0f} ms over {len(latencies):,} timed deliveries "
        f"(target p95 <= 100 ms)"
    )
    print(
        f"lost {lost:,} of {expected:,} by {DRAIN_SECONDS} s after the last commit (target 0); "
        f"resyncs {resyncs:,} (logged by the server: {web.resync_reports - reports_before} "
        f"reports), replacing {replaced:,} events ({untimed:,} received between resyncs, "
        f"untimed); other messages {others}; screens closed by the server {len(closed)}"
        + (f": {sorted(set(closed))}" if closed else "")
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
    connection.close()  # back to the pool: the producers take one connection each
    port = free_port()
    web = WebTier(port)
    try:
        footprint(web, port, session_key)
        delivery(web, port, session_key, restaurant, tables)
    finally:
        web.stop()


if __name__ == "__main__":
    main()
