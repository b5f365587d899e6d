"""The WhatsApp assistant's reply latency without a model, at its door: Twilio's webhook in →
reply queued, as customers write (open loop), and the webhook's capacity (closed loop).

The web tier is started as in production and as bench/http.py does, ``gunicorn -c
config/web.py config.asgi:application`` on ``127.0.0.1:<free port>`` (``COMENSAL_WEB_WORKERS``
processes, default two per core, with ``COMENSAL_SERVER_TIMING`` on), with no Celery worker:
the view answers once the customer's message, what the assistant did and its reply are
committed, the reply queued in the message log, so a request's time is the time to a queued
reply. Its output is kept in ``var/bench-assistant-latency/`` and scanned for tracebacks.

Nothing is sent: the server's Celery queue is this bench's own (``bench-assistant-latency``),
which no worker reads and which is emptied at the end, when the run's replies and booking
confirmations still pending are marked "not sent"; the platform's Twilio account is blanked
for the server; the restaurant's Twilio account, whose auth token signs the requests, is
made up for the run (a random SID and token, blanked at the end), so that even a worker of
a platform sharing this database whose outbox job took a message meanwhile (it hands over
what has been pending for 30 s) would be refused by Twilio: run it on a database of its own.

The restaurant ``bench-assistant-latency`` has the demo's tables, hours and menu; its
bookings, customers, conversations and message log are emptied at the start of each run and
between its two loops.
Customers: ``--phones`` of them (default 100, phones +593 99 3xx xxxx) of ``--messages``
messages each (default 10: greetings, booking step by step or in one message, availability,
the menu and its prices, opening hours, a change or a cancellation, thanks), in Spanish and
English. Each message is a POST to ``/twilio/inbound/`` on the restaurant's host with the
form fields Twilio sends (From ``whatsapp:+593…``, To the restaurant's WhatsApp number,
Body, ProfileName, WaId, a unique MessageSid …), signed with ``X-Twilio-Signature`` for the
restaurant's public URL as settings build it (``notifications.services.restaurant_public_url``).
Before the clock, each web process is warmed with a few messages from other phones and a few
trivial requests. The baseline is the trivial view ``GET /robots.txt`` (middleware and the
restaurant lookup, no other database work), driven the same way in the same run.

1. Open loop, the one the target is judged on. Twilio and Meta post each message when the
   customer writes it, whatever the server is doing, and a customer writes their next
   message after reading the reply. The messages' times are a Poisson process at
   ``--rate`` messages per second overall (default 20/s, i.e. 72,000 messages an hour, far
   above a restaurant group's WhatsApp peak) dealt at random among the customers,
   ``--messages`` each: each customer starts at a random time and writes each next message
   a think time later, roughly exponential with a mean of about ``phones / rate`` seconds
   (5 s by default), and the aggregate arrives at the given rate from the first message to
   the last (customers each writing at their own Poisson rate from a random start would
   give it only while all of them are still writing). Each customer's messages go in
   order; one whose time comes before the previous reply arrived is sent when the reply
   arrives (counted, "held"). Every other message is sent at its time, however many are
   in flight: asyncio, no cap on connections. The baseline gets the same arrival times.
   Printed: p50, p95, p99 and max, errors, the measured arrival rate, the busiest second,
   the peak of requests in flight, how late the client sent, the think times measured, and
   the latency by what each message did (the reply's action — booked, changed, cancelled —
   found by its MessageSid in the log, else its intent).
2. Closed loop, at saturation: the webhook's capacity, not judged against the target
   (the time there is mostly a message waiting for a free process). The book is emptied
   again first, so that the same conversations do the same work (into a book the open loop
   filled, fewer would book). The same conversations from other phones, ``--clients``
   concurrent clients (default 12) each taking the next customer when done and sending
   their messages back to back, one answer at a time; the baseline as many requests at the
   same concurrency. Then ``--solo-phones``
   more customers (default 10) by one client alone: the time of a reply without waiting for
   a free process.

Printed for each: requests per second, p50, p95, p99 and max, errors, SQL queries and
database time per request (``Server-Timing``), the cores busy meanwhile (the machine's, the
web processes', this client's: the machine may be shared), the webhook's ratio to the trivial
view; what the log holds afterwards (messages taken, replies queued, conversations handed to
staff, bookings, intents), the server's tracebacks, and the targets, met or missed: p95 ≤
100 ms in the open loop, every message taken without errors, no tracebacks, and for
information the throughput at saturation. Run with ``python3 dev.py bench
assistant_latency``; options in ``BENCH_ASSISTANT_LATENCY_OPTIONS`` (e.g. ``"--rate 30
--clients 8"``) or after the script when run directly.
"""

import argparse
import asyncio
import os
import random
import re
import secrets
import shlex
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUEUE = "bench-assistant-latency"
# This process and the server queue their messages where no worker listens; only the
# restaurant's made-up account could sign or send; no email server.
os.environ["CELERY_QUEUE"] = QUEUE
os.environ["TWILIO_ACCOUNT_SID"] = os.environ["TWILIO_AUTH_TOKEN"] = os.environ["EMAIL_HOST"] = ""
os.environ["COMENSAL_SERVER_TIMING"] = "true"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import aiohttp  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from assistant.models import Conversation, ConversationMessage, Direction, Speaker  # noqa: E402
from bench.common import book_empty, free_port, process_stop  # noqa: E402
from booking import demo  # noqa: E402
from notifications import services as notifications  # noqa: E402
from notifications.models import Event, Message, MessageStatus  # noqa: E402
from reservations.models import Reservation  # noqa: E402
from restaurants.models import Plan  # noqa: E402
from restaurants.services import restaurant_provision  # noqa: E402

SLUG = "bench-assistant-latency"
WHATSAPP_FROM = "+593987650000"
LOG_DIR = ROOT / "var" / "bench-assistant-latency"
PHONES, MESSAGES, CLIENTS, SOLO_PHONES = 100, 10, 12, 10
RATE = 20.0  # open loop, messages per second
WARM_MESSAGES_PER_WORKER = 4
REQUEST_TIMEOUT = 30
TARGET_P95_MS = 100
SERVER_TIMING = re.compile(r'db;dur=([\d.]+);desc="(\d+) queries"')
# Emptied at the start of each run (with what points at them: note lines, chat messages).
FIRST_NAMES = ["Lucía", "Mateo", "Valentina", "Santiago", "Camila", "Diego", "Sofía", "Andrés",
               "Isabel", "Javier", "Daniela", "Tomás", "Emily", "Oliver", "Sarah", "Michael"]  # fmt: skip
LAST_NAMES = ["García", "Andrade", "Cevallos", "Torres", "Flores", "Vargas", "Castro", "Ortega",
              "Morales", "Navarro", "Carter", "Hughes", "Mitchell", "Brown"]  # fmt: skip
DAYS_ES = ["mañana", "el viernes", "el sábado", "el domingo", "el jueves"]
DAYS_EN = ["tomorrow", "on Friday", "on Saturday", "on Sunday", "on Thursday"]
TIMES = [("1 de la tarde", "1pm"), ("2 de la tarde", "2pm"), ("8 de la noche", "8pm"),
         ("8 y media de la noche", "8:30pm"), ("9 de la noche", "9pm"), ("7 de la noche", "7pm")]  # fmt: skip
# What customers write, one conversation each: greetings, booking steps, availability, the
# menu, hours, changes and thanks. {day}, {time}, {party} and {name} vary per customer.
CONVERSATIONS = {
    "es": [
        ["Hola, buenas", "¿Qué horario tienen?", "Quiero reservar una mesa para {day}",
         "a las {time}", "somos {party}", "a nombre de {name}", "sí", "¿me pasas el menú con precios?",
         "¿cuánto cuesta el ceviche?", "gracias!"],
        ["Buenas tardes", "¿Tienen mesa para {party} {day} a las {time}?",
         "Quiero reservar para {party} {day} a las {time}, a nombre de {name}", "dale",
         "¿Abren los lunes?", "Al final seremos {more}", "sí", "¿Qué postres tienen?",
         "perfecto", "muchas gracias"],
        ["Hola", "¿me pasas la carta?", "¿y cuánto está el mole poblano?",
         "Quiero reservar {day} a las {time} para {party}", "Soy {name}", "ok",
         "¿A qué hora cierran el sábado?", "Quiero cancelar mi reserva", "sí", "gracias"],
    ],
    "en": [
        ["Hi there", "Do you have a table for {party} {day}?", "at {time}", "name is {name}",
         "yes", "What time do you close on Saturday?", "What's on the menu?",
         "How much is the mushroom risotto?", "ok thanks", "bye"],
        ["Hello", "What are your opening hours?", "I'd like to book a table for {party} {day} at {time}",
         "The name's {name}", "yes please", "Actually we'll be {more}", "yes",
         "Do you have desserts?", "great", "thanks!"],
    ],
}  # fmt: skip


# --- The restaurant -----------------------------------------------------------------------


def restaurant_ready(*, account_sid: str, auth_token: str):
    """The bench restaurant, its book emptied, taking WhatsApp through a made-up account."""
    restaurant, _created = restaurant_provision(
        name="Bench assistant latency",
        slug=SLUG,
        plan=Plan.ENTERPRISE,
        timezone="America/Guayaquil",
        currency="USD",
        language="es",
        manager_email=f"manager@{SLUG}.example.com",
        manager_password="bench-assistant-latency-password",
    )
    with tenant_context(restaurant):
        demo.seed_setup()
        book_empty()
        twilio_account_set(sid=account_sid, token=auth_token)
        url = notifications.restaurant_public_url() + "/twilio/inbound/"
    return restaurant, url


def twilio_account_set(*, sid: str, token: str) -> None:
    messaging = notifications.messaging_settings()
    messaging.twilio_account_sid = sid
    messaging.twilio_auth_token = token
    messaging.whatsapp_from = WHATSAPP_FROM
    notifications.messaging_settings_save(messaging=messaging)


def customers(count: int, messages: int, first_phone: int, seed: int) -> list[dict]:
    """``count`` customers, each with a phone, a name and ``messages`` messages in order."""
    randomizer = random.Random(seed)
    made = []
    for index in range(count):
        language = "en" if index % 3 == 2 else "es"
        script = CONVERSATIONS[language][index % len(CONVERSATIONS[language])]
        party = randomizer.randint(2, 6)
        day = randomizer.randrange(len(DAYS_ES))
        time_es, time_en = randomizer.choice(TIMES)
        name = f"{randomizer.choice(FIRST_NAMES)} {randomizer.choice(LAST_NAMES)}"
        values = {
            "day": DAYS_EN[day] if language == "en" else DAYS_ES[day],
            "time": time_en if language == "en" else time_es,
            "party": party,
            "more": party + 1,
            "name": name,
        }
        texts = [text.format(**values) for text in script]
        while len(texts) < messages:
            texts.append("gracias" if language == "es" else "thanks")
        made.append(
            {
                "phone": f"+593993{first_phone + index:06d}",
                "name": name,
                "texts": texts[:messages],
            }
        )
    return made


# --- The server ---------------------------------------------------------------------------


class Server:
    """gunicorn, the web tier, with its output in ``LOG_DIR``; no Celery worker."""

    def __init__(self, port: int):
        self.port = port
        self.log = LOG_DIR / "web.log"
        self.process = None

    def start(self, host: str, timeout: float = 90) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "config/web.py",
                    "config.asgi:application",
                ],
                cwd=ROOT,
                env={**os.environ, "COMENSAL_BIND": f"127.0.0.1:{self.port}"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # /health wants a Celery worker; the trivial view says the web tier is up.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}; see {self.log}"
                )
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.port}/robots.txt", headers={"Host": host}
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"/robots.txt did not answer 200 in {timeout:.0f} s")

    def workers(self) -> int:
        return len(self.pids()) - 1

    def pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [self.process.pid, *map(int, children.read_text().split())]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn and its web processes."""
        return sum(process_cpu_seconds(pid) for pid in self.pids())

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        process_stop(self.process, 30)

    def errors(self) -> list[str]:
        """The tracebacks and ERROR lines the server wrote."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return []
        found, current = [], None
        for line in lines:
            if current is not None:
                current.append(line)
                if line and not line.startswith((" ", "\t")) and len(current) > 1:
                    found.append("\n".join(current))
                    current = None
            elif line.startswith("Traceback (most recent call last)"):
                current = [line]
            elif "level=ERROR" in line or "level=CRITICAL" in line or "[ERROR]" in line:
                found.append(line)
        if current:
            found.append("\n".join(current))
        return found


def process_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent not idle (all cores)."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class Cpu:
    """The cores busy during a phase: the machine's, the web processes', this client's."""

    def __init__(self, server: "Server"):
        self.server = server

    def __enter__(self):
        self.started = time.perf_counter()
        self.begin = (machine_busy_seconds(), self.server.cpu_seconds(), time.process_time())
        return self

    def __exit__(self, *exc):
        end = (machine_busy_seconds(), self.server.cpu_seconds(), time.process_time())
        seconds = time.perf_counter() - self.started
        self.machine, self.web, self.client = (
            (after - before) / seconds for before, after in zip(self.begin, end, strict=True)
        )

    def line(self) -> str:
        return (
            f"cores busy: {self.machine:.2f} of {os.cpu_count()} on the machine, web processes "
            f"{self.web:.2f}, this client {self.client:.2f}, the rest (PostgreSQL, anything "
            f"else running) {self.machine - self.web - self.client:.2f}"
        )


# --- The load -----------------------------------------------------------------------------


class Door:
    """One door's requests: latencies, statuses and errors."""

    def __init__(self):
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.queries: list[int] = []
        self.database_ms: list[float] = []
        self.seconds = 0.0
        self.cpu: Cpu | None = None
        self.by_sid: dict[str, float] = {}  # the webhook's latency by MessageSid
        # When each request left, in seconds from the start of its phase; in flight.
        self.origin = time.perf_counter()
        self.sent: list[float] = []
        self.in_flight = self.peak_in_flight = 0
        # Open loop: how late the client sent a message that was not held (ms); messages
        # held for the previous reply; think times, previous reply to next message (s).
        self.lag_ms: list[float] = []
        self.held = 0
        self.think: list[float] = []

    def leaving(self) -> float:
        started = time.perf_counter()
        self.sent.append(started - self.origin)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        return started

    def back(self, started: float) -> None:
        self.in_flight -= 1
        self.latencies.append((time.perf_counter() - started) * 1000)

    def arrival_rate(self) -> float:
        """Requests per second from the start of the phase to the last one sent."""
        return len(self.sent) / max(self.sent) if self.sent else float("nan")

    def busiest_second(self) -> int:
        ordered, busiest, first = sorted(self.sent), 0, 0
        for last, at in enumerate(ordered):
            while at - ordered[first] >= 1.0:
                first += 1
            busiest = max(busiest, last - first + 1)
        return busiest

    def timing(self, headers) -> None:
        """The database's share, from the ``Server-Timing`` header."""
        match = SERVER_TIMING.search(headers.get("Server-Timing", ""))
        if match:
            self.database_ms.append(float(match.group(1)))
            self.queries.append(int(match.group(2)))

    def percentile(self, share: float) -> float:
        return percentile(self.latencies, share)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def arrivals(people: list[dict], rate: float, seed: int) -> list[list[float]]:
    """Each customer's message times (s): a Poisson process at ``rate`` dealt at random.

    The process's times are handed out to the customers' messages in a random order, so each
    customer gets ``len(texts)`` of them, in order: a random start and think times roughly
    exponential, averaging about ``len(people) / rate`` seconds.
    """
    randomizer = random.Random(seed)
    owners = [index for index, customer in enumerate(people) for _text in customer["texts"]]
    randomizer.shuffle(owners)
    plans: list[list[float]] = [[] for _customer in people]
    at = 0.0
    for owner in owners:
        at += randomizer.expovariate(rate)
        plans[owner].append(at)
    return plans


class Load:
    def __init__(
        self, *, port: int, host: str, url: str, account_sid: str, auth_token: str, clients: int
    ):
        self.base = f"http://127.0.0.1:{port}"
        self.account_sid = account_sid
        self.headers = {"Host": host}
        self.url = url
        self.validator = RequestValidator(auth_token)
        self.clients = clients

    def twilio_form(self, phone: str, name: str, text: str) -> tuple[dict, str]:
        """The fields Twilio posts for one WhatsApp message, and their signature."""
        sid = "SM" + secrets.token_hex(16)
        params = {
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ProfileName": name,
            "MessageType": "text",
            "SmsSid": sid,
            "WaId": phone.removeprefix("+"),
            "SmsStatus": "received",
            "Body": text,
            "To": f"whatsapp:{WHATSAPP_FROM}",
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": f"whatsapp:{phone}",
            "ApiVersion": "2010-04-01",
        }
        return params, self.validator.compute_signature(self.url, params)

    async def webhook(self, session, door: Door, customer: dict, text: str) -> None:
        params, signature = self.twilio_form(customer["phone"], customer["name"], text)
        headers = {
            **self.headers,
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        started = door.leaving()
        try:
            async with session.post(
                self.base + "/twilio/inbound/", data=urlencode(params), headers=headers
            ) as response:
                body = await response.text()
                door.statuses[response.status] += 1
                door.timing(response.headers)
                if response.status != 200 or "<Response" not in body:
                    door.errors[f"HTTP {response.status}"] += 1
        except (TimeoutError, aiohttp.ClientError) as error:
            door.errors[type(error).__name__] += 1
        door.back(started)
        door.by_sid[params["MessageSid"]] = door.latencies[-1]

    async def trivial(self, session, door: Door) -> None:
        started = door.leaving()
        try:
            async with session.get(self.base + "/robots.txt", headers=self.headers) as response:
                await response.read()
                door.statuses[response.status] += 1
                door.timing(response.headers)
                if response.status != 200:
                    door.errors[f"HTTP {response.status}"] += 1
        except (TimeoutError, aiohttp.ClientError) as error:
            door.errors[type(error).__name__] += 1
        door.back(started)

    async def conversations(self, people: list[dict], clients: int | None = None) -> Door:
        """Each client takes the next customer and sends their messages, one answer at a time."""
        door = Door()
        waiting = list(reversed(people))

        async def client(session):
            while waiting:
                customer = waiting.pop()
                for text in customer["texts"]:
                    await self.webhook(session, door, customer, text)

        started = time.perf_counter()
        await self.run(client, clients or self.clients)
        door.seconds = time.perf_counter() - started
        return door

    async def baseline(self, requests: int) -> Door:
        door = Door()
        left = [requests]

        async def client(session):
            while left[0] > 0:
                left[0] -= 1
                await self.trivial(session, door)

        started = time.perf_counter()
        await self.run(client, self.clients)
        door.seconds = time.perf_counter() - started
        return door

    async def run(self, client, clients: int) -> None:
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        connector = aiohttp.TCPConnector(limit=clients)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            await asyncio.gather(*(client(session) for _ in range(clients)))

    # Open loop: every message at its time, as many connections as in flight.

    async def open_conversations(self, people: list[dict], plans: list[list[float]]) -> Door:
        """Each customer's messages at their times, each after the previous reply arrived."""
        door = Door()

        async def customer(session, person, plan):
            replied = None
            for text, at in zip(person["texts"], plan, strict=True):
                wait = door.origin + at - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                if replied is not None and replied > door.origin + at:
                    door.held += 1
                else:
                    door.lag_ms.append(max(0.0, time.perf_counter() - door.origin - at) * 1000)
                if replied is not None:
                    door.think.append(time.perf_counter() - replied)
                await self.webhook(session, door, person, text)
                replied = time.perf_counter()

        await self.open_run(
            door,
            lambda session: [
                customer(session, person, plan) for person, plan in zip(people, plans, strict=True)
            ],
        )
        return door

    async def open_baseline(self, times: list[float]) -> Door:
        """The trivial view at the same times, none waiting for another."""
        door = Door()

        async def request(session, at):
            wait = door.origin + at - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            door.lag_ms.append(max(0.0, time.perf_counter() - door.origin - at) * 1000)
            await self.trivial(session, door)

        await self.open_run(door, lambda session: [request(session, at) for at in times])
        return door

    async def open_run(self, door: Door, coroutines) -> None:
        """Run ``coroutines(session)`` on a session without a cap on connections."""
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        # Idle connections are closed before the server's keep-alive (5 s) would close them.
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=4)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            door.origin = time.perf_counter()
            await asyncio.gather(*coroutines(session))
            door.seconds = time.perf_counter() - door.origin


# --- What the log holds -------------------------------------------------------------------


def log_after(restaurant, phones: list[str]) -> dict:
    """What the run's messages left in the restaurant: taken, replied, handed to staff."""
    with tenant_context(restaurant):
        taken = ConversationMessage.objects.filter(
            conversation__phone__in=phones, direction=Direction.IN
        ).count()
        replies = ConversationMessage.objects.filter(
            conversation__phone__in=phones, direction=Direction.OUT
        )
        queued = Message.objects.filter(
            event=Event.CHAT, recipient__in=phones, status=MessageStatus.PENDING
        ).count()
        handed = Conversation.objects.filter(phone__in=phones, speaker=Speaker.STAFF).count()
        booked = Reservation.objects.filter(customer__phone__in=phones).count()
        intents = Counter(
            ConversationMessage.objects.filter(
                conversation__phone__in=phones, direction=Direction.IN
            ).values_list("intent", flat=True)
        )
        return {
            "taken": taken,
            "replies": replies.count(),
            "queued": queued,
            "handed": handed,
            "bookings": booked,
            "intents": intents,
        }


def what_each_did(restaurant, phones: list[str]) -> dict[str, str]:
    """By MessageSid: what the reply did (booked, changed, cancelled …), else the intent."""
    with tenant_context(restaurant):
        rows = (
            ConversationMessage.objects.filter(conversation__phone__in=phones)
            .order_by("conversation_id", "created_at", "pk")
            .values_list("conversation_id", "direction", "provider_message_id", "intent", "actions")
        )
        did, asked, conversation = {}, None, None
        for conversation_id, direction, sid, intent, actions in rows:
            if conversation_id != conversation:
                asked, conversation = None, conversation_id
            if direction == Direction.IN:
                asked = sid
                did[sid] = intent or "-"
            elif asked:
                kinds = [action.get("type") for action in actions if isinstance(action, dict)]
                if any(kinds):
                    did[asked] = "+".join(kind for kind in kinds if kind)
                asked = None
    return did


def nothing_sent(restaurant) -> int:
    """Mark the run's pending messages not sent, forget the account, empty the queue."""
    with tenant_context(restaurant):
        pending = Message.objects.filter(status=MessageStatus.PENDING).update(
            status=MessageStatus.SKIPPED,
            error="Not sent: queued by bench/assistant_latency.py.",
            updated_at=timezone.now(),
        )
        twilio_account_set(sid="", token="")
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(QUEUE)
    return pending


def options_parse():
    parser = argparse.ArgumentParser(description="The assistant's reply latency at its webhook")
    parser.add_argument("--phones", type=int, default=PHONES)
    parser.add_argument("--messages", type=int, default=MESSAGES, help="per phone")
    parser.add_argument(
        "--rate", type=float, default=RATE, help="open loop: messages per second, all phones"
    )
    parser.add_argument("--clients", type=int, default=CLIENTS, help="closed loop")
    parser.add_argument(
        "--solo-phones", type=int, default=SOLO_PHONES, help="then sent by one client alone"
    )
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(
        shlex.split(os.environ.get("BENCH_ASSISTANT_LATENCY_OPTIONS", "")) + sys.argv[1:]
    )


def main() -> int:
    options = options_parse()
    account_sid, auth_token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
    restaurant, url = restaurant_ready(account_sid=account_sid, auth_token=auth_token)
    connections.close_all()
    port = free_port()
    host = f"{SLUG}.{settings.TENANT_BASE_DOMAIN}:{port}"
    server = Server(port)
    load = Load(
        port=port,
        host=host,
        url=url,
        account_sid=account_sid,
        auth_token=auth_token,
        clients=options.clients,
    )
    # The same conversations in both phases, from other phones in the closed loop.
    people = customers(options.phones, options.messages, first_phone=1, seed=options.seed)
    plans = arrivals(people, options.rate, seed=options.seed)
    closed = customers(options.phones, options.messages, first_phone=200_000, seed=options.seed)
    phones = [customer["phone"] for customer in people]
    alone = customers(options.solo_phones, options.messages, first_phone=500_000, seed=3)
    pending = 0
    try:
        server.start(host)
        workers = server.workers()
        # Each web process imports and connects on its first requests: not timed.
        warm = customers(workers * 2, WARM_MESSAGES_PER_WORKER // 2, first_phone=900_000, seed=1)
        asyncio.run(load.conversations(warm))
        asyncio.run(load.baseline(workers * 10))
        times = sorted(at for plan in plans for at in plan)
        open_loop, saturation = {}, {}
        for phase, door, run in [
            (open_loop, "baseline", lambda: load.open_baseline(times)),
            (open_loop, "webhook", lambda: load.open_conversations(people, plans)),
            (saturation, "baseline", lambda: load.baseline(options.phones * options.messages)),
            (saturation, "webhook", lambda: load.conversations(closed)),
            (saturation, "solo", lambda: load.conversations(alone, clients=1)),
        ]:
            if phase is saturation and "log" not in open_loop:
                # What the open loop left, then the book as it started: the same work.
                open_loop["log"] = log_after(restaurant, phones)
                open_loop["did"] = what_each_did(restaurant, phones)
                with tenant_context(restaurant):
                    book_empty()
                connections.close_all()
            with Cpu(server) as cpu:
                phase[door] = asyncio.run(run())
            phase[door].cpu = cpu
        saturation["log"] = log_after(restaurant, [customer["phone"] for customer in closed])
    finally:
        server.stop()
        pending = nothing_sent(restaurant)
        connections.close_all()
    errors = server.errors()
    report(options, workers, url, open_loop, saturation, pending, errors)
    return 0


COLUMNS = [
    "requests",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "errors",
    "queries",
    "db ms",
]


def door_rows(rows, *, offered: bool = False) -> None:
    """One line per door; ``offered``: req/s is the rate requests were sent at."""
    print(f"  {'door':<46}" + "".join(f"{name:>9}" for name in COLUMNS))
    for label, door in rows:
        rate = door.arrival_rate() if offered else len(door.latencies) / door.seconds
        cells = [
            f"{len(door.latencies)}",
            f"{rate:.1f}",
            *(f"{door.percentile(share):.1f}" for share in (0.50, 0.95, 0.99, 1.0)),
            f"{sum(door.errors.values())}",
            f"{statistics.median(door.queries):.0f}" if door.queries else "-",
            f"{statistics.median(door.database_ms):.1f}" if door.database_ms else "-",
        ]
        print(f"  {label:<46}" + "".join(f"{cell:>9}" for cell in cells))
        if door.errors:
            print(f"    errors: {dict(door.errors)}; statuses {dict(door.statuses)}")
        if door.cpu:
            print(f"    {door.cpu.line()}")


def ratio_line(webhook: Door, baseline: Door) -> None:
    ratio50 = webhook.percentile(0.50) / baseline.percentile(0.50)
    ratio95 = webhook.percentile(0.95) / baseline.percentile(0.95)
    print(f"  webhook ÷ trivial view: p50 ×{ratio50:.1f}, p95 ×{ratio95:.1f}")


def by_kind_lines(door: Door, did: dict[str, str]) -> None:
    """The webhook's latency by what each message did, slowest p95 first."""
    latencies: dict[str, list[float]] = {}
    for sid, latency in door.by_sid.items():
        latencies.setdefault(did.get(sid, "not in the log"), []).append(latency)
    p95 = door.percentile(0.95)
    print(
        "  by what the message did (the reply's action, else the intent): "
        f"messages, p50 / p95 / max ms, above the overall p95 ({p95:.0f} ms)"
    )
    rows = sorted(latencies.items(), key=lambda item: -percentile(item[1], 0.95))
    for kind, values in rows:
        print(
            f"    {kind:<16}{len(values):>6}{percentile(values, 0.5):>9.1f}"
            f"{percentile(values, 0.95):>9.1f}{max(values):>9.1f}"
            f"{sum(value > p95 for value in values):>7}"
        )


def log_line(log: dict, sent: int) -> None:
    print(
        f"  the log afterwards: {log['taken']} of {sent} messages taken, {log['replies']} replies "
        f"({log['queued']} pending in the message log), {log['handed']} conversations handed to "
        f"staff, {log['bookings']} bookings"
    )


def report(options, workers, url, open_loop, saturation, pending, errors) -> None:
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    sent = options.phones * options.messages
    print(
        f"Assistant reply latency at the webhook: gunicorn with {workers} web processes, "
        f"no Celery worker, {os.cpu_count()} cores (load average {load})"
    )
    print(f"  signed for {url}")

    webhook, baseline = open_loop["webhook"], open_loop["baseline"]
    print(
        f"\nOpen loop (judged): {options.phones} customers × {options.messages} messages arriving "
        f"at {options.rate:g}/s overall — {options.rate * 3600:,.0f} messages an hour, far above "
        f"a restaurant group's WhatsApp peak —, Poisson arrivals dealt among the customers, "
        f"each message after the previous reply and a think time (mean about "
        f"{options.phones / options.rate:.1f} s); no cap on requests in flight"
    )
    door_rows(
        [
            ("GET /robots.txt (trivial view, baseline)", baseline),
            ("POST /twilio/inbound/ (in → reply queued)", webhook),
        ],
        offered=True,
    )
    print("  (req/s: the measured arrival rate; queries and db ms: medians, from Server-Timing)")
    ratio_line(webhook, baseline)
    for label, door in (("webhook", webhook), ("trivial view", baseline)):
        lag99, lag_max = percentile(door.lag_ms, 0.99), max(door.lag_ms, default=0)
        print(
            f"  {label}: {len(door.sent)} sent in {max(door.sent, default=0):.1f} s, "
            f"{door.arrival_rate():.1f}/s offered ({options.rate:g}/s asked), busiest second "
            f"{door.busiest_second()}, peak {door.peak_in_flight} requests in flight; sent late "
            f"by p99 {lag99:.1f} ms, max {lag_max:.1f} ms"
        )
    if webhook.think:
        think_mean, think_median = statistics.mean(webhook.think), statistics.median(webhook.think)
        print(
            f"  customers' think times, reply to next message: mean {think_mean:.1f} s, median "
            f"{think_median:.1f} s; {webhook.held} messages held for the previous reply"
        )
    by_kind_lines(webhook, open_loop["did"])
    log_line(open_loop["log"], sent)
    print(f"  intents understood: {dict(open_loop['log']['intents'].most_common())}")

    closed, solo = saturation["webhook"], saturation["solo"]
    print(
        f"\nAt saturation (the capacity, not judged against the target): {options.clients} "
        f"clients, each sending a customer's {options.messages} messages back to back, the "
        f"same conversations from other phones, on the book emptied again; most of the time is "
        f"waiting for a free process"
    )
    door_rows(
        [
            ("GET /robots.txt (trivial view, baseline)", saturation["baseline"]),
            ("POST /twilio/inbound/ (in → reply queued)", closed),
            (f"the same, one client ({len(solo.latencies)} more)", solo),
        ]
    )
    ratio_line(closed, saturation["baseline"])
    log_line(saturation["log"], sent)
    print(
        f"  {pending} pending messages of the run marked not sent (the open loop's were deleted "
        "with the book before the closed loop)"
    )

    if errors:
        kinds = Counter(entry.strip().splitlines()[-1][:160] for entry in errors)
        print(f"\nserver errors: {len(errors)}")
        for kind, count in kinds.most_common(8):
            print(f"  {count:5d} × {kind}")
        first = next((entry for entry in errors if "Traceback" in entry), None)
        if first:
            print("  first traceback:\n    " + "\n    ".join(first.splitlines()[:40]))

    p95 = webhook.percentile(0.95)
    taken = open_loop["log"]["taken"] + saturation["log"]["taken"]
    failed = sum(webhook.errors.values()) + sum(closed.errors.values())
    throughput = len(closed.latencies) / closed.seconds
    print("\nTargets")
    for label, measured, met in [
        (f"in → reply queued p95 ≤ {TARGET_P95_MS} ms, open loop at {options.rate:g}/s", f"{p95:.1f} ms", "met" if p95 <= TARGET_P95_MS else "MISSED"),
        ("every message taken, no errors (both loops)", f"{taken} of {2 * sent}, {failed} errors", "met" if taken == 2 * sent and not failed else "MISSED"),
        ("no tracebacks or ERROR lines in the server's output", f"{len(errors)}", "met" if not errors else "MISSED"),
        (f"throughput at saturation, {options.clients} clients", f"{throughput:.1f} messages/s", "(information)"),
    ]:  # fmt: skip
        print(f"  {label:<56} {measured:<24} {met}")


if __name__ == "__main__":
    sys.exit(main())
