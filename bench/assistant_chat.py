"""The WhatsApp assistant's conversations, end to end, through ``manage.py assistant_chat``.

Plays the scripted conversations of ``bench/data/assistant_conversations.json`` (Spanish of
Ecuador, Chile, Mexico, Argentina and Spain, and English): booking in one message or one
thing at a time, a full time and its alternatives, changing, cancelling, a phone with several
bookings, hand-offs, abuse, menu and hours. Each one runs as one ``assistant_chat`` process
(the command anyone can run, the code the webhooks run) at the conversation's ``now``, in
the restaurant ``bench-assistant-chat``: the demo's tables, opening hours (closed on Mondays)
and menu, closed on 9 February 2027 (Carnaval) and every 25 December, without the demo's
book. Before each conversation the book is emptied (reservations, customers, notes, message
log, audit history, conversations) and the script's ``setup`` is booked through the booking
layer as staff would (``booking_create(source="admin")``, a week before its ``now``): the
phone's own bookings, other customers' bookings, and ``full`` times, where bookings of the
party's size are added until no table is left.

A script: ``id``, ``category``, ``language`` (es, en), ``region`` (EC, CL, MX, AR, ES, US,
GB), ``now`` (the restaurant's local time of the first message), ``phone``, ``setup``
(``bookings``: each with a ``label``, a ``phone`` — ``"self"`` for the conversation's — a
``name``, ``starts_at`` and ``party_size``; ``full``: ``starts_at`` and ``party_size``),
``messages`` (the customer's, in order; ``{reference:LABEL}`` is that booking's reference),
``expect`` (``outcome``: booked, changed, cancelled, handoff or none; for a booking made or
changed its ``starts_at``, ``party_size`` and ``name`` when given; the ``booking`` label
changed or cancelled; ``reply_mentions``: patterns some reply must match) and
``booking_possible`` (the customer wants a table the assistant may book).

After each conversation the book is compared with the one before it: every reservation
created, changed or cancelled, every audit row, every customer changed must be the
conversation's phone's; the restaurant's settings (policy, hours, closed dates, tables, menu,
messaging and assistant settings) must not change. The outcome is read from the book (a
booking made, changed or cancelled) and the conversation (handed to staff), checked against
the script's (time, party size, name and source of a booking, which booking was changed or
cancelled, what the replies mention), and against the actions the command reported.

Printed: the share of conversations where a booking was possible that ended booked as
asked without staff, outcome accuracy per category, language and region, the replies not in
the customer's language, writes outside the customer's own bookings, the failing
conversations with their transcripts, and the targets.

Nothing is sent: the restaurant has no Twilio account and the platform's is blanked for the
commands; the replies and confirmations are queued for a Celery queue of this bench's own
(``bench-assistant-chat``), which no worker reads and which is emptied at the end, and each
conversation's pending messages are marked "not sent" right after it, before any outbox job
could hand them to a worker. Run with ``python3 dev.py bench assistant_chat``; run directly
(``python -m bench.assistant_chat``), ``--only ID,ID`` plays some conversations and
``--transcripts`` prints every transcript.
"""

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import zoneinfo
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUEUE = "bench-assistant-chat"
# This process and the commands it runs queue their messages where no worker listens.
os.environ["CELERY_QUEUE"] = QUEUE
os.environ["TWILIO_ACCOUNT_SID"] = os.environ["TWILIO_AUTH_TOKEN"] = ""
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import translation  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from assistant.models import AssistantSettings, Conversation, Speaker  # noqa: E402
from bench.common import book_empty  # noqa: E402
from billing.models import ConsumptionNote  # noqa: E402
from booking import demo  # noqa: E402
from booking.services.bookings import Contact, booking_create  # noqa: E402
from menu.models import Category, Dish  # noqa: E402
from notifications.models import Message, MessageStatus, MessagingSettings  # noqa: E402
from notifications.services import messaging_settings  # noqa: E402
from reservations import selectors  # noqa: E402
from reservations.models import (  # noqa: E402
    BookingPolicy,
    ClosedDate,
    Customer,
    OpeningPeriod,
    Reservation,
    ReservationStatus,
    StatusChange,
    Table,
)
from restaurants.models import Plan  # noqa: E402
from restaurants.services import restaurant_provision  # noqa: E402

SCRIPTS = ROOT / "bench" / "data" / "assistant_conversations.json"
SLUG = "bench-assistant-chat"
ZONE = "America/Guayaquil"
CLOSED_DATES = [(dt.date(2027, 2, 9), False, "Carnaval"), (dt.date(2026, 12, 25), True, "Navidad")]
SETUP_AHEAD = dt.timedelta(days=7)  # the script's bookings were made a week before its now
COMMAND_TIMEOUT = 120
TARGET_BOOKED, TARGET_OUTSIDE_WRITES = 90.0, 0
# What the book holds for one restaurant's customers: emptied before each conversation (the
# tables that point at these go with them: note lines, payments, chat messages).
# The restaurant's settings, which no customer's chat may change.
SETTINGS_MODELS = [
    BookingPolicy,
    OpeningPeriod,
    ClosedDate,
    Table,
    Category,
    Dish,
    MessagingSettings,
    AssistantSettings,
]
# A few words only one of the two languages uses, to tell a reply's language.
LANGUAGE_WORDS = {
    "es": {"reserva", "mesa", "personas", "gracias", "hola", "nombre", "hora", "confirmo",
           "quieres", "para", "tu", "su", "día", "cuántas", "perfecto", "cancelar"},
    "en": {"table", "booking", "reservation", "people", "thanks", "name", "what", "confirm",
           "would", "for", "your", "day", "how", "many", "the", "cancel"},
}  # fmt: skip


# --- The restaurant -----------------------------------------------------------------------


def restaurant_ready():
    """Provision the bench restaurant (once) with the demo's tables, hours and menu."""
    restaurant, created = restaurant_provision(
        name="Bench assistant chat",
        slug=SLUG,
        plan=Plan.ENTERPRISE,
        timezone=ZONE,
        currency="USD",
        language="es",
        manager_email=f"manager@{SLUG}.example.com",
        manager_password="bench-assistant-chat-password",
    )
    with tenant_context(restaurant):
        # The demo's restaurant without its book: each conversation brings its own.
        demo.seed_setup()
        messaging_settings()
        policy = selectors.booking_policy_get()
        for day, every_year, reason in CLOSED_DATES:
            ClosedDate.objects.get_or_create(
                policy=policy, date=day, defaults={"every_year": every_year, "reason": reason}
            )
        selectors.booking_policy_forget()
        # The defaults, whatever a person changed in the admin since.
        AssistantSettings.objects.all().delete()
        AssistantSettings.objects.create()
    return restaurant, created


def contact_for(name: str, phone: str) -> Contact:
    first_name, _space, last_name = name.partition(" ")
    return Contact(first_name=first_name, last_name=last_name, phone=phone)


def setup_book(script: dict, zone) -> dict[str, Reservation]:
    """Book the script's ``setup`` as staff would; returns its bookings by label."""
    setup = script.get("setup", {})
    made_at = local(script["now"], zone) - SETUP_AHEAD
    labelled = {}
    # The customers' messages are in the language they write in.
    translation.activate(script["language"])
    for booking in setup.get("bookings", []):
        phone = script["phone"] if booking["phone"] == "self" else booking["phone"]
        reservation, _created = booking_create(
            source="admin",
            starts_at=local(booking["starts_at"], zone),
            party_size=booking["party_size"],
            contact=contact_for(booking["name"], phone),
            now=made_at,
        )
        labelled[booking["label"]] = reservation
    for number, full in enumerate(setup.get("full", []), start=1):
        for guest in range(1, Table.objects.count() + 1):
            try:
                booking_create(
                    source="admin",
                    starts_at=local(full["starts_at"], zone),
                    party_size=full["party_size"],
                    contact=contact_for(
                        f"Mesa ocupada {number}-{guest}", f"+5939870{number:02d}{guest:03d}"
                    ),
                    now=made_at,
                )
            except ValidationError:
                break
        else:
            raise RuntimeError(f"{script['id']}: {full} never became full")
    translation.deactivate()
    return labelled


def messages_for(script: dict, labelled: dict[str, Reservation]) -> list[str]:
    """The script's messages, ``{reference:label}`` replaced by that booking's reference."""
    return [
        re.sub(r"\{reference:(\w+)\}", lambda match: labelled[match.group(1)].reference, text)
        for text in script["messages"]
    ]


def local(text: str, zone) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone)


# --- What the conversation wrote ----------------------------------------------------------


def book_snapshot() -> dict:
    """The book and the settings as they are now, to compare after the conversation."""
    return {
        "reservations": {
            row["pk"]: row
            for row in Reservation.objects.values(
                "pk",
                "reference",
                "customer_id",
                "status",
                "starts_at",
                "ends_at",
                "party_size",
                "table_id",
                "special_requests",
                "source",
            )
        },
        "customers": {
            row["pk"]: row
            for row in Customer.objects.values(
                "pk", "first_name", "last_name", "phone", "email", "notes", "erased_at"
            )
        },
        "last_status_change": StatusChange.objects.order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0,
        "settings": {
            model.__name__: list(model.objects.order_by("pk").values()) for model in SETTINGS_MODELS
        },
    }


def book_changes(before: dict, after: dict, phone: str, zone) -> dict:
    """What changed in the book, split into the phone's own writes and the others."""
    own_customers = {pk for pk, row in after["customers"].items() if row["phone"] == phone}
    created, changed, cancelled, outside = [], [], [], []

    def owner(row) -> str:
        customer = after["customers"].get(row["customer_id"]) or before["customers"].get(
            row["customer_id"], {}
        )
        return customer.get("phone") or "?"

    for pk, row in after["reservations"].items():
        old = before["reservations"].get(pk)
        if old == row:
            continue
        own = row["customer_id"] in own_customers
        if old is None:
            (created if own else outside).append(("created", row, owner(row)))
        elif row["status"] == ReservationStatus.CANCELLED != old["status"]:
            (cancelled if own else outside).append(("cancelled", row, owner(row)))
        else:
            (changed if own else outside).append(("changed", row, owner(row)))
    for pk, row in before["reservations"].items():
        if pk not in after["reservations"]:
            outside.append(("deleted", row, owner(row)))
    for pk, row in after["customers"].items():
        old = before["customers"].get(pk)
        if old != row and row["phone"] != phone:
            outside.append(
                ("customer " + ("created" if old is None else "changed"), row, row["phone"])
            )
    for pk, row in before["customers"].items():
        if pk not in after["customers"]:
            outside.append(("customer deleted", row, row["phone"]))
    reservation_owner = {
        pk: row["customer_id"] in own_customers for pk, row in after["reservations"].items()
    }
    note_owner = dict(ConsumptionNote.objects.values_list("pk", "reservation_id"))
    for change in StatusChange.objects.filter(pk__gt=before["last_status_change"]).select_related(
        "content_type"
    ):
        model = change.content_type.model
        if model == "reservation" and reservation_owner.get(change.object_id):
            continue
        if model == "consumptionnote" and reservation_owner.get(note_owner.get(change.object_id)):
            continue
        outside.append((f"audit row {change}", {}, model))
    for name, rows in after["settings"].items():
        if rows != before["settings"][name]:
            outside.append((f"{name} changed", {}, "settings"))
    return {"created": created, "changed": changed, "cancelled": cancelled, "outside": outside}


def shown(row: dict, zone) -> str:
    return f"{row['reference']} {row['starts_at'].astimezone(zone):%Y-%m-%dT%H:%M} ×{row['party_size']} {row['status']}"


# --- Playing a conversation -----------------------------------------------------------------


def conversation_play(script: dict, texts: list[str]) -> tuple[list[dict], str]:
    """The command's answers, one per message, and what it wrote on stderr when it failed."""
    lines = "".join(json.dumps({"text": text}, ensure_ascii=False) + "\n" for text in texts)
    command = [
        sys.executable,
        "manage.py",
        "assistant_chat",
        "--restaurant",
        SLUG,
        "--phone",
        script["phone"],
        "--now",
        script["now"],
    ]
    try:
        done = subprocess.run(
            command,
            input=lines,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=COMMAND_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return [], f"no answer within {COMMAND_TIMEOUT} s"
    answers = []
    for line in done.stdout.splitlines():
        if line.strip():
            try:
                answers.append(json.loads(line))
            except ValueError:
                answers.append(
                    {"reply": f"(not JSON: {line[:200]})", "actions": [], "handoff": False}
                )
    error = ""
    if done.returncode != 0:
        error = f"exit {done.returncode}: " + "\n".join(done.stderr.strip().splitlines()[-12:])
    elif len(answers) != len(texts):
        error = f"{len(answers)} answers to {len(texts)} messages"
    return answers, error


def reply_language(text: str) -> str | None:
    words = set(re.findall(r"[a-záéíóúñü]+", text.lower()))
    counts = {language: len(words & marks) for language, marks in LANGUAGE_WORDS.items()}
    if counts["es"] == counts["en"]:
        return None
    return max(counts, key=counts.get)


def judge(script, labelled, changes, answers, handed_off, zone) -> tuple[str, list[str]]:
    """The outcome the book and the conversation show, and why it is not the expected one."""
    expect = script["expect"]
    effects = {
        name
        for name, rows in (
            ("booked", changes["created"]),
            ("changed", changes["changed"]),
            ("cancelled", changes["cancelled"]),
        )
        if rows
    }
    if handed_off:
        effects.add("handoff")
    outcome = "+".join(sorted(effects)) or "none"
    problems = []
    if outcome != expect["outcome"]:
        problems.append(f"outcome {outcome}, expected {expect['outcome']}")
    if changes["outside"]:
        problems.append(f"{len(changes['outside'])} writes outside the customer's own bookings")

    def when(row) -> str:
        return f"{row['starts_at'].astimezone(zone):%Y-%m-%dT%H:%M}"

    target = None
    if expect["outcome"] == "booked" and len(changes["created"]) == 1:
        target = changes["created"][0][1]
        customer = Customer.objects.filter(pk=target["customer_id"]).first()
        if "name" in expect and (
            customer is None or customer.full_name.casefold() != expect["name"].casefold()
        ):
            problems.append(
                f"booked for {customer and customer.full_name!r}, expected {expect['name']!r}"
            )
        if target["source"] != "whatsapp":
            problems.append(f"booked with source {target['source']}, expected whatsapp")
    elif expect["outcome"] == "booked" and len(changes["created"]) > 1:
        problems.append(f"{len(changes['created'])} bookings made, expected one")
    if expect["outcome"] in ("changed", "cancelled"):
        wanted = labelled[expect["booking"]].pk
        moved = [row for _kind, row, _owner in changes[expect["outcome"]]]
        if [row["pk"] for row in moved] != [wanted]:
            problems.append(
                f"{expect['outcome']} {[row['reference'] for row in moved]}, expected "
                f"{labelled[expect['booking']].reference} only"
            )
        target = next((row for row in moved if row["pk"] == wanted), None)
    if target is not None:
        if "starts_at" in expect and when(target) != expect["starts_at"]:
            problems.append(f"starts at {when(target)}, expected {expect['starts_at']}")
        if "party_size" in expect and target["party_size"] != expect["party_size"]:
            problems.append(f"party of {target['party_size']}, expected {expect['party_size']}")
    replies = "\n".join(answer.get("reply", "") for answer in answers)
    for pattern in expect.get("reply_mentions", []):
        if not re.search(pattern, replies, re.IGNORECASE):
            problems.append(f"no reply mentions /{pattern}/")
    reported = Counter(
        (action.get("type"), action.get("reference"))
        for answer in answers
        for action in answer.get("actions", [])
    )
    written = Counter(
        (kind, row["reference"])
        for kind, rows in (
            ("booked", changes["created"]),
            ("changed", changes["changed"]),
            ("cancelled", changes["cancelled"]),
        )
        for _kind, row, _owner in rows
    )
    if reported != written:
        problems.append(f"actions reported {dict(reported)} but the book shows {dict(written)}")
    return outcome, problems


def percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def conversation_run(script: dict, restaurant, zone) -> dict:
    """Play one script on an emptied book with its setup, and judge what came of it."""
    with tenant_context(restaurant):
        book_empty()
        labelled = setup_book(script, zone)
        before = book_snapshot()
    texts = messages_for(script, labelled)
    answers, error = conversation_play(script, texts)
    with tenant_context(restaurant):
        after = book_snapshot()
        changes = book_changes(before, after, script["phone"], zone)
        conversation = Conversation.objects.filter(phone=script["phone"]).order_by("-pk").first()
        handed_off = any(answer.get("handoff") for answer in answers) or (
            conversation is not None and conversation.speaker == Speaker.STAFF
        )
        outcome, problems = judge(script, labelled, changes, answers, handed_off, zone)
        if error:
            problems.insert(0, f"the command failed: {error}")
        # Long before the outbox job would hand them to a worker (30 s), whichever runs.
        Message.objects.filter(status=MessageStatus.PENDING).update(
            status=MessageStatus.SKIPPED, error="Not sent: queued by bench/assistant_chat.py."
        )
    connections.close_all()
    return {
        "script": script,
        "texts": texts,
        "answers": answers,
        "outcome": outcome,
        "problems": problems,
        "changes": changes,
        "replies": sum(bool(answer.get("reply")) for answer in answers),
        "other_language": sum(
            reply_language(answer.get("reply", "")) not in (None, script["language"])
            for answer in answers
        ),
        "reason": conversation.handoff_reason if conversation else "",
    }


def transcript_print(result: dict) -> None:
    script = result["script"]
    print(
        f"\n  {script['id']} [{script['category']}, {script['language']}-{script['region']}, "
        f"now {script['now']}]"
    )
    for problem in result["problems"]:
        print(f"    ✗ {problem}")
    answers = result["answers"] + [{}] * len(result["texts"])
    for text, answer in zip(result["texts"], answers, strict=False):
        print(f"    customer: {text}")
        if answer:
            reply = answer.get("reply", "").replace("\n", "\n              ")
            extra = ""
            if answer.get("actions"):
                extra += f" actions={answer['actions']}"
            if answer.get("handoff"):
                extra += " [handoff]"
            print(f"    assistant: {reply or '(no reply)'}{extra}")


def options_parse():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="conversation ids, comma-separated")
    parser.add_argument(
        "--transcripts", action="store_true", help="print every transcript, not only failures"
    )
    return parser.parse_args()


def main() -> int:
    options = options_parse()
    scripts = json.loads(SCRIPTS.read_text())
    if options.only:
        wanted = set(options.only.split(","))
        scripts = [script for script in scripts if script["id"] in wanted]
    restaurant, created = restaurant_ready()
    zone = zoneinfo.ZoneInfo(restaurant.timezone)
    print(
        f"Assistant conversations: {len(scripts)} scripts through assistant_chat in {SLUG}"
        f"{' (provisioned now)' if created else ''}",
        flush=True,
    )
    results = []
    started = time.perf_counter()
    for script in scripts:
        result = conversation_run(script, restaurant, zone)
        results.append(result)
        mark = "ok" if not result["problems"] else "FAIL"
        print(f"  {script['id']:<32} {result['outcome']:<22} {mark}", flush=True)
    seconds = time.perf_counter() - started
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(QUEUE)

    report(results, zone, seconds, transcripts=options.transcripts)
    return 0


def report(results: list[dict], zone, seconds: float, *, transcripts: bool) -> None:
    totals, right = Counter(), Counter()
    for result in results:
        script = result["script"]
        for group in (
            "all",
            f"category {script['category']}",
            f"language {script['language']}",
            f"region {script['region']}",
        ):
            totals[group] += 1
            right[group] += not result["problems"]
    possible = [result for result in results if result["script"]["booking_possible"]]
    booked = [result for result in possible if not result["problems"]]
    outside = [result for result in results if result["changes"]["outside"]]
    outside_writes = sum(len(result["changes"]["outside"]) for result in outside)
    replies = sum(result["replies"] for result in results)
    other_language = sum(result["other_language"] for result in results)

    print(
        f"\n{len(results)} conversations, {sum(len(r['texts']) for r in results)} messages "
        f"in {seconds:.0f} s ({seconds / max(len(results), 1):.1f} s per conversation, one "
        "assistant_chat process each)"
    )
    print(f"  {'group':<32} {'conversations':>13} {'outcome right %':>16}")
    for group in sorted(totals, key=lambda name: (name != "all", name)):
        print(f"  {group:<32} {totals[group]:>13} {percent(right[group], totals[group]):>16.1f}")
    print(f"  replies in the other language than the customer's: {other_language} of {replies}")
    wrong_language = [r["script"]["id"] for r in results if r["other_language"]]
    if wrong_language:
        print(
            f"    in {len(wrong_language)} conversations: {', '.join(wrong_language[:12])}"
            + (" …" if len(wrong_language) > 12 else "")
        )
    reasons = Counter(result["reason"] for result in results if result["reason"])
    print(f"  hand-offs by reason: {dict(reasons) or 'none'}")
    for result in outside:
        print(f"  writes outside the customer's own bookings in {result['script']['id']}:")
        for kind, row, owner in result["changes"]["outside"]:
            detail = shown(row, zone) if "reference" in row else ""
            print(f"    {kind} {detail} (of {owner})")

    failing = [result for result in results if result["problems"]]
    print(f"\nFailing conversations ({len(failing)})")
    for result in failing:
        transcript_print(result)
    if transcripts:
        print("\nThe other conversations")
        for result in results:
            if not result["problems"]:
                transcript_print(result)

    booked_share = percent(len(booked), len(possible))
    print("\nTargets")
    for label, measured, met in [
        (
            f"booked as asked without staff, when possible ≥ {TARGET_BOOKED:.0f} %",
            f"{booked_share:.1f} % ({len(booked)} of {len(possible)})",
            booked_share >= TARGET_BOOKED if possible else None,
        ),
        (
            f"writes outside the customer's own bookings = {TARGET_OUTSIDE_WRITES}",
            f"{outside_writes} (in {len(outside)} conversations)",
            outside_writes == TARGET_OUTSIDE_WRITES,
        ),
    ]:
        verdict = "n/a" if met is None else ("met" if met else "MISSED")
        print(f"  {label:<62} {measured:<28} {verdict}")


if __name__ == "__main__":
    sys.exit(main())
