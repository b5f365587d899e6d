"""The WhatsApp assistant's reply latency without a model, at its door: Twilio's webhook in →
reply queued.

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
bookings, customers, conversations and message log are emptied at the start of each run.
Load: ``--phones`` customers (default 100, phones +593 99 3xx xxxx) of ``--messages`` messages
each (default 10: greetings, booking step by step or in one message, availability, the menu
and its prices, opening hours, a change or a cancellation, thanks), in Spanish and English,
each customer's messages in order, one answer at a time, ``--clients`` concurrent clients
(default 12) each taking the next customer when done. Each message is a POST to
``/twilio/inbound/`` on the restaurant's host with the form fields Twilio sends (From
``whatsapp:+593…``, To the restaurant's WhatsApp number, Body, ProfileName, WaId, a unique
MessageSid …), signed with ``X-Twilio-Signature`` for the restaurant's public URL as settings
build it (``notifications.services.restaurant_public_url``). Before the clock, each web
process is warmed with a few messages from other phones and a few trivial requests. The
baseline is the trivial view ``GET /robots.txt`` (middleware and the restaurant lookup, no
other database work): as many requests at the same concurrency, in the same run. After the
timed load, ``--solo-phones`` more customers (default 10) are sent by one client alone: the
time of a reply without waiting for a free process, not counted in the target.

Printed: requests per second, p50, p95, p99 and max, errors, SQL queries and database time
per request (``Server-Timing``) of each, the webhook's ratio to the trivial view, what the
log holds afterwards (messages taken, replies queued, conversations handed to staff,
bookings, intents), the server's tracebacks, and the targets, met or missed. Run with
``python3 dev.py bench assistant_latency``; options in ``BENCH_ASSISTANT_LATENCY_OPTIONS``
(e.g. ``"--clients 8"``) or after the script when run directly.
"""

import argparse
import asyncio
import os
import random
import re
import secrets
import shlex
import socket
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
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from assistant.models import Conversation, ConversationMessage, Direction, Speaker  # noqa: E402
from billing.models import ConsumptionNote  # noqa: E402
from booking import demo  # noqa: E402
from menu.models import PreOrder  # noqa: E402
from notifications import services as notifications  # noqa: E402
from notifications.models import Event, Message, MessageStatus  # noqa: E402
from reservations.models import Customer, Reservation, StatusChange  # noqa: E402
from restaurants.models import Plan  # noqa: E402
from restaurants.services import restaurant_provision  # noqa: E402

SLUG = "bench-assistant-latency"
WHATSAPP_FROM = "+593987650000"
LOG_DIR = ROOT / "var" / "bench-assistant-latency"
PHONES, MESSAGES, CLIENTS, SOLO_PHONES = 100, 10, 12, 10
WARM_MESSAGES_PER_WORKER = 4
REQUEST_TIMEOUT = 30
TARGET_P95_MS = 100
SERVER_TIMING = re.compile(r'db;dur=([\d.]+);desc="(\d+) queries"')
# Emptied at the start of each run (with what points at them: note lines, chat messages).
BOOK_MODELS = [
    Reservation,
    Customer,
    StatusChange,
    Message,
    Conversation,
    ConsumptionNote,
    PreOrder,
]
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
        demo._seed_tables()
        demo._seed_hours()
        demo._seed_menu()
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


def book_empty() -> None:
    """Delete every booking, customer, note, message and conversation of the restaurant."""
    tables = ", ".join(
        f'"{connection.schema_name}"."{model._meta.db_table}"' for model in BOOK_MODELS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")
        cursor.execute("SELECT nextval('reservations_book_version')")


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return len(children.read_text().split())
        except OSError:
            return 0

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

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

    def timing(self, headers) -> None:
        """The database's share, from the ``Server-Timing`` header."""
        match = SERVER_TIMING.search(headers.get("Server-Timing", ""))
        if match:
            self.database_ms.append(float(match.group(1)))
            self.queries.append(int(match.group(2)))

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


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
        started = time.perf_counter()
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
        door.latencies.append((time.perf_counter() - started) * 1000)

    async def trivial(self, session, door: Door) -> None:
        started = time.perf_counter()
        try:
            async with session.get(self.base + "/robots.txt", headers=self.headers) as response:
                await response.read()
                door.statuses[response.status] += 1
                door.timing(response.headers)
                if response.status != 200:
                    door.errors[f"HTTP {response.status}"] += 1
        except (TimeoutError, aiohttp.ClientError) as error:
            door.errors[type(error).__name__] += 1
        door.latencies.append((time.perf_counter() - started) * 1000)

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
    parser.add_argument("--clients", type=int, default=CLIENTS)
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
    people = customers(options.phones, options.messages, first_phone=1, seed=options.seed)
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
        baseline = asyncio.run(load.baseline(options.phones * options.messages))
        webhook = asyncio.run(load.conversations(people))
        solo = asyncio.run(load.conversations(alone, clients=1))
        log = log_after(restaurant, phones)
    finally:
        server.stop()
        pending = nothing_sent(restaurant)
        connections.close_all()
    errors = server.errors()
    report(options, workers, url, baseline, webhook, solo, log, pending, errors)
    return 0


def report(options, workers, url, baseline, webhook, solo, log, pending, errors) -> None:
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(
        f"Assistant reply latency: {options.phones} phones × {options.messages} messages, "
        f"{options.clients} clients, gunicorn with {workers} web processes, no Celery worker"
    )
    print(f"  signed for {url}; load average {load} ({os.cpu_count()} cores)")
    header = [
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
    print(f"  {'door':<44}" + "".join(f"{name:>9}" for name in header))
    for label, door in (
        ("GET /robots.txt (trivial view, baseline)", baseline),
        ("POST /twilio/inbound/ (in → reply queued)", webhook),
        (f"the same, one client ({len(solo.latencies)} more, untargeted)", solo),
    ):
        cells = [
            f"{len(door.latencies)}",
            f"{len(door.latencies) / door.seconds:.0f}",
            *(f"{door.percentile(share):.1f}" for share in (0.50, 0.95, 0.99, 1.0)),
            f"{sum(door.errors.values())}",
            f"{statistics.median(door.queries):.0f}" if door.queries else "-",
            f"{statistics.median(door.database_ms):.1f}" if door.database_ms else "-",
        ]
        print(f"  {label:<44}" + "".join(f"{cell:>9}" for cell in cells))
        if door.errors:
            print(f"    errors: {dict(door.errors)}; statuses {dict(door.statuses)}")
    print("  (queries and db ms: medians per request, from Server-Timing)")
    ratio50 = webhook.percentile(0.50) / baseline.percentile(0.50)
    ratio95 = webhook.percentile(0.95) / baseline.percentile(0.95)
    print(f"  webhook ÷ trivial view: p50 ×{ratio50:.1f}, p95 ×{ratio95:.1f}")
    sent = options.phones * options.messages
    print(
        f"  the log afterwards: {log['taken']} of {sent} messages taken, {log['replies']} replies "
        f"({log['queued']} pending in the message log), {log['handed']} conversations handed to "
        f"staff, {log['bookings']} bookings; {pending} pending messages marked not sent"
    )
    print(f"  intents understood: {dict(log['intents'].most_common())}")
    if errors:
        kinds = Counter(entry.strip().splitlines()[-1][:160] for entry in errors)
        print(f"\nserver errors: {len(errors)}")
        for kind, count in kinds.most_common(8):
            print(f"  {count:5d} × {kind}")
        first = next((entry for entry in errors if "Traceback" in entry), None)
        if first:
            print("  first traceback:\n    " + "\n    ".join(first.splitlines()[:40]))
    p95 = webhook.percentile(0.95)
    complete = log["taken"] == sent and not webhook.errors
    print("\nTargets")
    for label, measured, met in [
        (f"webhook in → reply queued p95 ≤ {TARGET_P95_MS} ms", f"{p95:.1f} ms", p95 <= TARGET_P95_MS),
        ("every message taken, no errors", f"{log['taken']} of {sent}, {sum(webhook.errors.values())} errors", complete),
        ("no tracebacks or ERROR lines in the server's output", f"{len(errors)}", not errors),
    ]:  # fmt: skip
        print(f"  {label:<52} {measured:<24} {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    sys.exit(main())
