"""A past year for the demo restaurant: bookings, their audit history, pre-orders and paid
notes, drawn from the demo's synthetic rhythm (``analytics.history_synth.demo_profile``).

Written around the services on purpose, and only here: this backfills a past that the
services cannot make (they stamp their own clock, tell customers, move stock and the live
floor), and a year of it through them would take many minutes. Every row is built in memory
with the moments it would have had (booked hours to weeks ahead, confirmed, seated, paid
and finished, or cancelled, or a no-show), the audit history and the notes' numbers
included, so that the reports read it as they read a real book; then each table's rows go
in with one COPY (``bulk_create`` in batches, tried first, wrote them seven times slower:
a year of a 40-table floor is some 230 000 rows). The database checks them as any insert. The
no-overlap constraint only binds active bookings, but the tables are given per time slot as
the booking engine would, so no two parties that came share a table.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

import phonenumbers
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.history_synth import CLOSED_HOLIDAYS, DEMO_SEATS, demo_profile, synth_history
from billing.amounts import note_amounts, to_cents
from billing.models import (
    ConsumptionNote,
    NoteCounter,
    NoteLine,
    NoteLineKind,
    NoteStatus,
    Payment,
    PaymentMethod,
)
from menu.models import Dish, PreOrder
from reservations import selectors
from reservations.models import (
    ActorKind,
    ClosedDate,
    Customer,
    Reservation,
    ReservationSource,
    ReservationStatus,
    StatusChange,
    Table,
    TableStatus,
)
from reservations.services.history import status_change_build
from restaurants import roles

HISTORY_DAYS = 365
# The last days' notes are left to the billing services (``booking.demo._seed_notes``):
# their parties come from this history, their notes from the cashier's own steps (a
# discount, a void, one left to charge), at a few dozen queries each.
NOTES_BY_SERVICES_DAYS = 2
CUSTOMER_POOL = 400  # for the demo's seats (DEMO_SEATS); more for a larger floor
NO_SHOW_SHARE = 0.065
CANCELLED_SHARE = 0.08
PARTY_SIZES = {1: 5, 2: 40, 3: 13, 4: 24, 5: 6, 6: 7, 7: 2, 8: 3}
# The median time a party of this size keeps its table (minutes), seated to paid.
TURN_MINUTES = {1: 50, 2: 68, 3: 78, 4: 88, 5: 95, 6: 102, 7: 108, 8: 112}
SOURCES = {
    ReservationSource.WEB: 38,
    ReservationSource.WHATSAPP: 20,
    ReservationSource.PHONE: 14,
    ReservationSource.ADMIN: 10,
    ReservationSource.VOICE: 10,
    ReservationSource.API: 8,
}
STAFF_SOURCES = (ReservationSource.ADMIN, ReservationSource.PHONE)
# The median lead time (hours from booking to table) by the way the party booked.
LEAD_HOURS = {
    ReservationSource.WEB: 70,
    ReservationSource.API: 50,
    ReservationSource.WHATSAPP: 30,
    ReservationSource.VOICE: 22,
    ReservationSource.PHONE: 26,
    ReservationSource.ADMIN: 5,
}
NOTE_SHARE = 0.94  # finished parties with a note (the others settled at the bar)
PRE_ORDER_SHARE = 0.12  # of the bookings made online
DISCOUNT_SHARE = 0.06
PAYMENTS = {
    PaymentMethod.CARD: 52,
    PaymentMethod.CASH: 28,
    PaymentMethod.TRANSFER: 10,
    PaymentMethod.MIXED: 10,
}
# The demo menu's sections (booking/demo.py) by course; a dish of any other section is a main.
COURSES = {
    "Entradas": "starter",
    "Platos fuertes": "main",
    "Carnes": "main",
    "Mariscos": "main",
    "Postres": "dessert",
    "Bebidas": "drink",
}
SPECIAL_REQUESTS = [
    "Cumpleaños: ¿pueden traer una vela con el postre?",
    "Silla para bebé, por favor.",
    "Mesa en la terraza si es posible.",
    "Una persona alérgica a los frutos secos.",
    "Aniversario de bodas.",
    "Llegamos con una persona en silla de ruedas.",
    "Comida de trabajo: necesitamos factura.",
]
CLOSURE_REASONS = {"Christmas Day": "Navidad", "New Year's Day": "Año Nuevo"}

FIRST_NAMES = ["Alejandro", "Ana", "Andrea", "Antonio", "Arturo", "Beatriz", "Carlos", "Carmen",
               "Claudia", "Cristina", "Daniel", "Eduardo", "Elena", "Fátima", "Fernando",
               "Francisco", "Gabriela", "Guadalupe", "Héctor", "Ignacio", "Iker", "Jimena",
               "Jorge", "José Luis", "Juan Pablo", "Laura", "Lorena", "Luis", "Manuel",
               "María Fernanda", "María José", "Marta", "Miguel Ángel", "Montserrat", "Natalia",
               "Nerea", "Pablo", "Patricia", "Pedro", "Raquel", "Regina", "Ricardo", "Roberto",
               "Rosa", "Salvador", "Sergio", "Silvia", "Verónica", "Ximena", "Alberto"]  # fmt: skip
SURNAMES = ["Aguilar", "Álvarez", "Cervantes", "Cruz", "Delgado", "Díaz", "Domínguez", "Espinoza",
            "Fernández", "Gómez", "González", "Guerrero", "Gutiérrez", "Ibarra", "Jiménez",
            "Juárez", "Luna", "Medina", "Mendoza", "Moreno", "Muñoz", "Núñez", "Ortiz", "Pérez",
            "Ramos", "Reyes", "Ríos", "Rivera", "Rodríguez", "Romero", "Rosales", "Ruiz",
            "Salazar", "Sánchez", "Serrano", "Soto", "Suárez", "Vázquez", "Velasco", "Zamora"]  # fmt: skip
# (country calling code, area codes, local digits, cities, share)
PHONE_PLANS = [
    ("52", ["55", "56"], 8, ["Ciudad de México"], 0.55),
    ("52", ["33"], 8, ["Guadalajara", "Zapopan"], 0.08),
    ("52", ["81"], 8, ["Monterrey"], 0.07),
    ("52", ["222"], 7, ["Puebla"], 0.08),
    ("52", ["442"], 7, ["Querétaro"], 0.07),
    ("52", ["722"], 7, ["Toluca", "Metepec"], 0.07),
    ("34", ["6"], 8, ["Madrid", "Barcelona", "Sevilla", "Valencia"], 0.08),
]
# How far from the hour it wanted a party takes another time when its own is full: any
# other of the same service (lunch and dinner are further apart).
MOVED_AT_MOST = dt.timedelta(minutes=150)
REFERENCE = Reservation._meta.get_field("reference")


def staff_member(role: str):
    """The first staff user of a role (the demo's manager or cashier), if any."""
    group = Group.objects.filter(name=role).first()
    return group.user_set.order_by("pk").first() if group else None


@dataclass
class _Visit:
    """One booking of the past with everything that followed it, before it is written: rows
    of field values (``attname``), not model instances, for the COPY that writes them."""

    day: dt.date  # the service day it belongs to
    table: Table
    reservation: dict
    changes: list[tuple] = field(default_factory=list)  # (from, to, at, by, actor_kind, reason)
    pre_orders: list[dict] = field(default_factory=list)
    note: dict | None = None
    lines: list[dict] = field(default_factory=list)
    payments: list[dict] = field(default_factory=list)
    note_changes: list[tuple] = field(default_factory=list)


@dataclass
class _Floor:
    """The tables and who holds them on one service day, as the booking engine fills them."""

    tables: list[Table]
    duration: dt.timedelta
    held: dict[int, list[tuple[dt.datetime, dt.datetime]]] = field(default_factory=dict)

    def fitting(self, party_size: int) -> list[Table]:
        return [t for t in self.tables if t.min_capacity <= party_size <= t.max_capacity]

    def take(self, party_size: int, starts_at: dt.datetime) -> Table | None:
        """The smallest fitting table free for the booking's time, now held; None if full."""
        ends_at = starts_at + self.duration
        for table in self.fitting(party_size):  # smallest first
            spans = self.held.setdefault(table.pk, [])
            if all(ends_at <= start or starts_at >= end for start, end in spans):
                spans.append((starts_at, ends_at))
                return table
        return None


def history_exists(*, today: dt.date) -> bool:
    """Whether the restaurant already has a past (a history seeded, or any earlier book)."""
    zone = selectors.restaurant_zone()
    return Reservation.objects.filter(
        starts_at__lt=dt.datetime.combine(today, dt.time(), tzinfo=zone)
    ).exists()


def seed_history(*, today: dt.date, days: int = HISTORY_DAYS, seed: int = 7) -> dict[str, int]:
    """Give the current restaurant ``days`` days of past service before ``today``, from its
    synthetic rhythm scaled to its seats; returns what it added (nothing if it has a past).

    Open days (the profile's, on the restaurant's opening hours) get bookings hour by hour
    as the profile's covers say, for the parties that came, plus the ones that cancelled or
    never came; the profile's closed days (holidays, the August week, the odd closure) are
    kept as closed dates and have none. Bulk writes: see the module's docstring.
    """
    added = dict.fromkeys(
        ["days", "closed_days", "customers", "reservations", "pre_orders", "notes", "lines"], 0
    )
    if days <= 0 or history_exists(today=today):
        return added
    randomizer = random.Random(f"demo-history:{seed}")
    zone = selectors.restaurant_zone()
    snapshot = selectors.booking_policy_snapshot()
    tables = sorted(
        Table.objects.exclude(status=TableStatus.MAINTENANCE),
        key=lambda table: (table.max_capacity, table.min_capacity, table.code),
    )
    if not tables:
        return added
    seats = sum(table.max_capacity for table in tables)
    made = synth_history(
        demo_profile(end=today - dt.timedelta(days=1), seats=seats), seed=seed, days=days
    )
    now = timezone.now()
    context = _Context(
        randomizer=randomizer,
        zone=zone,
        now=now,
        notes_from=dt.datetime.combine(
            today - dt.timedelta(days=NOTES_BY_SERVICES_DAYS), dt.time(), tzinfo=zone
        ),
        manager=staff_member(roles.MANAGER),
        cashier=staff_member(roles.CASHIER),
        tax_rate=selectors.booking_policy_get().tax_rate,
        currency=getattr(connection.tenant, "currency", "") or "USD",
        courses=_courses(),
    )
    with transaction.atomic():
        added["customers"] = _customers_ensure(
            randomizer, pool=round(CUSTOMER_POOL * seats / DEMO_SEATS)
        )
        pool = _Pool(randomizer, list(Customer.objects.order_by("pk")), first=made.first)
        visits: list[_Visit] = []
        for day in sorted(made.daily):
            slots = selectors.service_slots(snapshot, day, zone)
            if not slots:
                continue
            added["days"] += 1
            floor = _Floor(tables=tables, duration=snapshot.duration)
            for hour, covers in sorted(made.hourly[day].items()):
                for party_size, status in _parties(randomizer, int(covers)):
                    visit = _visit(
                        context,
                        day=day,
                        hour=hour,
                        slots=slots,
                        floor=floor,
                        party_size=party_size,
                        status=status,
                        customer=pool.pick(day),
                    )
                    if visit is not None:
                        visits.append(visit)
        added["closed_days"] = _closed_dates_keep(made, snapshot)
        _write(visits)
        added["reservations"] = len(visits)
        added["pre_orders"] = sum(len(visit.pre_orders) for visit in visits)
        added["notes"] = sum(visit.note is not None for visit in visits)
        added["lines"] = sum(len(visit.lines) for visit in visits)
        _customers_backdate()
    selectors.booking_policy_forget()
    _statistics_refresh()
    return added


def _statistics_refresh() -> None:
    """Tell the planner about the rows just loaded: the roll-ups that follow read them with
    plans made for empty tables otherwise (twice as slow)."""
    models = (Customer, Reservation, PreOrder, ConsumptionNote, NoteLine, Payment, StatusChange)
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- Customers -------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Lower-case ASCII for an email address: "José Luis" → "joseluis"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


def _customers_ensure(randomizer: random.Random, *, pool: int) -> int:
    """Customers up to ``pool``, with lifelike names and valid phones of Mexico and Spain."""
    missing = pool - Customer.objects.count()
    if missing <= 0:
        return 0
    phones = set(Customer.objects.values_list("phone", flat=True))
    emails = set(Customer.objects.values_list("email", flat=True))
    plans = [plan[:4] for plan in PHONE_PLANS]
    shares = [plan[4] for plan in PHONE_PLANS]
    customers = []
    while len(customers) < missing:
        country, areas, digits, cities = randomizer.choices(plans, weights=shares)[0]
        number = randomizer.choice(areas) + "".join(
            str(randomizer.randrange(10)) for _digit in range(digits)
        )
        phone = f"+{country}{number}"
        if phone in phones or not phonenumbers.is_valid_number(phonenumbers.parse(phone)):
            continue
        first = randomizer.choice(FIRST_NAMES)
        surnames = randomizer.sample(SURNAMES, 2)
        email = ""
        if randomizer.random() < 0.7:
            email = f"{_plain(first)}.{_plain(surnames[0])}@example.com"
            while email in emails:
                email = (
                    f"{_plain(first)}.{_plain(surnames[0])}{randomizer.randrange(100)}@example.com"
                )
        phones.add(phone)
        emails.add(email)
        customers.append(
            Customer(
                first_name=first,
                last_name=" ".join(surnames) if country == "52" else surnames[0],
                phone=phone,
                email=email,
                city=randomizer.choice(cities),
                marketing_consent=randomizer.random() < 0.35,
                language="en" if country == "34" and randomizer.random() < 0.2 else "",
            )
        )
    Customer.objects.bulk_create(customers)
    return len(customers)


class _Pool:
    """Who books: regulars often, most guests now and then; customers appear over the year
    (a third were already guests when the history starts), so new guests keep coming."""

    def __init__(self, randomizer: random.Random, customers: list[Customer], *, first: dt.date):
        self.randomizer = randomizer
        span = 365
        joined = [
            first
            if randomizer.random() < 0.35
            else first + dt.timedelta(days=randomizer.randrange(span))
            for _customer in customers
        ]
        order = sorted(range(len(customers)), key=lambda index: joined[index])
        self.customers = [customers[index] for index in order]
        self.joined = [joined[index] for index in order]
        weights = [min(randomizer.paretovariate(1.2), 30.0) for _customer in customers]
        self.cumulative = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def pick(self, day: dt.date) -> Customer:
        known = max(1, bisect.bisect_right(self.joined, day))
        return self.customers[
            bisect.bisect_left(
                self.cumulative, self.randomizer.random() * self.cumulative[known - 1]
            )
        ]


def _customers_backdate() -> None:
    """A customer is on file from a little before their first booking was made.

    The dates are worked out here, not in the UPDATE: Citus refuses an UPDATE calling a
    STABLE function (``timestamptz - interval``) over a column, even on one shard.
    """
    first_booked = dict(
        Reservation.objects.values("customer")
        .annotate(first=Min("created_at"))
        .values_list("customer", "first")
    )
    customers = list(Customer.objects.filter(pk__in=first_booked).only("pk", "created_at"))
    for customer in customers:
        customer.created_at = min(
            customer.created_at, first_booked[customer.pk] - dt.timedelta(minutes=3)
        )
    Customer.objects.bulk_update(customers, ["created_at"], batch_size=1000)


# --- The day's parties -----------------------------------------------------------------------


@dataclass
class _Context:
    randomizer: random.Random
    zone: dt.tzinfo
    now: dt.datetime
    notes_from: dt.datetime
    manager: object
    cashier: object
    tax_rate: Decimal
    currency: str
    courses: dict[str, list[Dish]]


def _parties(randomizer: random.Random, covers: int) -> list[tuple[int, str]]:
    """The parties of one hour: those that came add up to ``covers``; those that cancelled or
    never came are booked besides, at their share of all bookings."""
    sizes, weights = list(PARTY_SIZES), list(PARTY_SIZES.values())
    parties = []
    while covers > 0:
        party_size = min(randomizer.choices(sizes, weights=weights)[0], covers)
        covers -= party_size
        parties.append((party_size, ReservationStatus.FINISHED))
    others = (NO_SHOW_SHARE + CANCELLED_SHARE) / (1 - NO_SHOW_SHARE - CANCELLED_SHARE)
    for _party in range(len(parties)):
        if randomizer.random() < others:
            status = (
                ReservationStatus.NO_SHOW
                if randomizer.random() < NO_SHOW_SHARE / (NO_SHOW_SHARE + CANCELLED_SHARE)
                else ReservationStatus.CANCELLED
            )
            parties.append((randomizer.choices(sizes, weights=weights)[0], status))
    randomizer.shuffle(parties)
    return parties


def _starts(
    randomizer: random.Random, slots: list[dt.datetime], hour: int, zone
) -> list[dt.datetime]:
    """The slots to try for a party wanting ``hour``: its own hour's first (in random order),
    then the others of the day by distance (the host offers "at 20:30 instead")."""
    wanted = [slot for slot in slots if slot.astimezone(zone).hour == hour]
    randomizer.shuffle(wanted)
    target = wanted[0] if wanted else None
    if target is None:
        day = slots[0].astimezone(zone).date()
        clock = dt.datetime.combine(day, dt.time(hour % 24), tzinfo=zone)
        if hour >= 24:
            clock += dt.timedelta(days=1)
        target = min(slots, key=lambda slot: abs(slot - clock))
    others = sorted(
        (slot for slot in slots if slot not in wanted),
        key=lambda slot: abs(slot - target),
    )
    # Not too far: a party that wanted lunch does not come to dinner.
    return wanted + [slot for slot in others if abs(slot - target) <= MOVED_AT_MOST]


def _lead(randomizer: random.Random, source: str, party_size: int, weekend: bool) -> dt.timedelta:
    median = LEAD_HOURS[source] * (1 + 0.12 * (party_size - 2)) * (1.4 if weekend else 1.0)
    hours = median * math.exp(randomizer.gauss(0, 1.0))
    lowest = 0.33 if source in STAFF_SOURCES else 1.0
    return dt.timedelta(hours=min(max(hours, lowest), 24 * 45))


def _visit(
    context: _Context,
    *,
    day: dt.date,
    hour: int,
    slots: list[dt.datetime],
    floor: _Floor,
    party_size: int,
    status: str,
    customer: Customer,
) -> _Visit | None:
    """One booking and its fate; None when the floor had no table for it (a full house)."""
    randomizer = context.randomizer
    table = starts_at = None
    for candidate in _starts(randomizer, slots, hour, context.zone):
        if status == ReservationStatus.CANCELLED:
            # It held a table only until it was cancelled: another party may have it since.
            fitting = floor.fitting(party_size)
            table = randomizer.choice(fitting) if fitting else None
        else:
            table = floor.take(party_size, candidate)
        if table is not None:
            starts_at = candidate
            break
    if table is None:
        return None
    source = randomizer.choices(list(SOURCES), weights=list(SOURCES.values()))[0]
    by_staff = source in STAFF_SOURCES
    staff = context.manager if by_staff else None
    created_at = starts_at - _lead(randomizer, source, party_size, day.weekday() >= 4)
    visit = _Visit(
        day=day,
        table=table,
        reservation={
            "reference": REFERENCE.get_default(),
            "customer_id": customer.pk,
            "table_id": table.pk,
            "starts_at": starts_at,
            "ends_at": starts_at + floor.duration,
            "party_size": party_size,
            "status": status,
            "source": source,
            "special_requests": (
                randomizer.choice(SPECIAL_REQUESTS) if randomizer.random() < 0.05 else ""
            ),
            "seated_at": None,
            "created_by_id": staff.pk if staff else None,
            "created_at": created_at,
        },
    )
    actor_kind = ActorKind.USER if staff else ActorKind.CUSTOMER
    booked = _("booked (%(source)s)") % {"source": source}
    visit.changes.append(("", ReservationStatus.CONFIRMED, created_at, staff, actor_kind, booked))
    if status == ReservationStatus.CANCELLED:
        ahead = (starts_at - created_at).total_seconds()
        moment = created_at + dt.timedelta(seconds=ahead * randomizer.uniform(0.2, 0.9))
        reason = "" if staff else _("cancelled online")
        visit.changes.append(
            (ReservationStatus.CONFIRMED, status, moment, staff, actor_kind, reason)
        )
    elif status == ReservationStatus.NO_SHOW:
        moment = starts_at + dt.timedelta(minutes=30)
        visit.changes.append(
            (ReservationStatus.CONFIRMED, status, moment, None, ActorKind.SYSTEM, "")
        )
    else:
        _came(context, visit)
    last = visit.changes[-1][2]
    if last > context.now:
        return None  # last night's service is still running
    visit.reservation["updated_at"] = last
    if (
        status != ReservationStatus.CANCELLED
        and not staff
        and randomizer.random() < PRE_ORDER_SHARE
    ):
        dishes = context.courses["main"] + context.courses["starter"]
        for dish in randomizer.sample(dishes, min(len(dishes), randomizer.randint(1, 2))):
            visit.pre_orders.append(
                {
                    "dish": dish,
                    "quantity": randomizer.randint(1, min(2, party_size)),
                    "unit_price": dish.price,
                    "created_at": created_at,
                }
            )
    if visit.note is not None:
        _bill(context, visit)
    return visit


def _came(context: _Context, visit: _Visit) -> None:
    """Seated as the party arrived, its table kept for its turn, and finished as it paid."""
    randomizer = context.randomizer
    reservation = visit.reservation
    starts_at, ends_at = reservation["starts_at"], reservation["ends_at"]
    by_host = randomizer.random() < 0.6
    arrival = dt.timedelta(minutes=max(-10.0, min(25.0, randomizer.gauss(4, 7))))
    seated_at = starts_at + (arrival if by_host else dt.timedelta(seconds=30))
    seated_at = max(seated_at, reservation["created_at"] + dt.timedelta(minutes=1))
    lunch = starts_at.astimezone(context.zone).hour < 17
    turn = TURN_MINUTES[reservation["party_size"]] * (0.9 if lunch else 1.0)
    turn *= math.exp(randomizer.gauss(0, 0.15))
    left_at = seated_at + dt.timedelta(minutes=max(35.0, turn))
    # The next party's booking starts at the end of this one's.
    if left_at > ends_at:
        left_at = ends_at - dt.timedelta(minutes=randomizer.uniform(0, 4))
    reservation["seated_at"] = seated_at
    host = context.manager if by_host else None
    visit.changes.append(
        (
            ReservationStatus.CONFIRMED,
            ReservationStatus.SEATED,
            seated_at,
            host,
            ActorKind.USER if host else ActorKind.SYSTEM,
            "",
        )
    )
    noted = starts_at < context.notes_from and randomizer.random() < NOTE_SHARE
    if noted:
        visit.note = {
            "service_day": visit.day,
            "status": NoteStatus.PAID,
            "currency": context.currency,
            "tax_rate": context.tax_rate,
            "discount": Decimal("0.00"),
            "discount_reason": "",
            "void_reason": "",
            "issued_by_id": context.cashier.pk if context.cashier else None,
            "charged_by_id": context.cashier.pk if context.cashier else None,
            "discount_by_id": None,
            "created_at": seated_at + dt.timedelta(minutes=randomizer.uniform(4, 12)),
            "finalised_at": left_at - dt.timedelta(minutes=randomizer.uniform(3, 8)),
            "paid_at": left_at,
            "updated_at": left_at,
        }
    # Finished by the cashier's charge (the restaurant frees the table when the bill is paid),
    # whose reason names the bill once it has a number; a party whose note the services make
    # (the last days) too. One that settled at the bar is finished by the host.
    by = (
        context.cashier
        if noted or starts_at >= context.notes_from
        else (context.manager or context.cashier)
    )
    visit.changes.append(
        (
            ReservationStatus.SEATED,
            ReservationStatus.FINISHED,
            left_at,
            by,
            ActorKind.USER if by else ActorKind.SYSTEM,
            "",
        )
    )


def _courses() -> dict[str, list[Dish]]:
    courses: dict[str, list[Dish]] = {"starter": [], "main": [], "dessert": [], "drink": []}
    for dish in Dish.objects.select_related("category").order_by("pk"):
        courses[COURSES.get(dish.category.name, "main")].append(dish)
    if not courses["main"]:
        courses["main"] = [dish for dishes in courses.values() for dish in dishes]
    return courses


def _order(context: _Context, party_size: int, dinner: bool) -> dict[Dish, int]:
    """What a party eats and drinks: a main each, starters to share, drinks, some desserts."""
    randomizer, courses = context.randomizer, context.courses
    ordered: dict[Dish, int] = {}

    def add(course: str, count: int) -> None:
        for _dish in range(count):
            if courses[course]:
                dish = randomizer.choice(courses[course])
                ordered[dish] = ordered.get(dish, 0) + 1

    guests = range(party_size)
    add("main", sum(randomizer.random() < 0.93 for _guest in guests) or 1)
    add("starter", sum(randomizer.random() < 0.6 for _pair in range(max(1, party_size // 2))))
    second_drink = 0.7 if dinner else 0.2
    add("drink", sum(1 + (randomizer.random() < second_drink) for _guest in guests))
    add("dessert", sum(randomizer.random() < 0.35 for _guest in guests))
    return ordered


def _bill(context: _Context, visit: _Visit) -> None:
    """The note's lines, amounts and payments, as the cashier would have made them."""
    randomizer = context.randomizer
    reservation, note, table = visit.reservation, visit.note, visit.table
    lines = []
    if table.reservation_price > 0:
        lines.append((NoteLineKind.TABLE, None, table.code, 1, table.reservation_price))
    for pre_order in visit.pre_orders:
        dish = pre_order["dish"]
        quantity, price = pre_order["quantity"], pre_order["unit_price"]
        lines.append((NoteLineKind.PRE_ORDER, dish.pk, dish.name, quantity, price))
    dinner = reservation["starts_at"].astimezone(context.zone).hour >= 17
    for dish, quantity in _order(context, reservation["party_size"], dinner).items():
        lines.append((NoteLineKind.EXTRA, dish.pk, dish.name, quantity, dish.price))
    visit.lines = [
        {
            "kind": kind,
            "dish_id": dish_id,
            "description": description,
            "quantity": quantity,
            "unit_price": price,
            "amount": price * quantity,
        }
        for kind, dish_id, description, quantity, price in lines
    ]
    line_amounts = [line["amount"] for line in visit.lines]
    if randomizer.random() < DISCOUNT_SHARE:
        note["discount"] = to_cents(sum(line_amounts, Decimal("0")) * Decimal("0.10"))
        note["discount_reason"] = "Cliente frecuente"
        note["discount_by_id"] = context.manager.pk if context.manager else None
    amounts = note_amounts(
        line_amounts=line_amounts, tax_rate=note["tax_rate"], discount=note["discount"]
    )
    total = amounts.total
    note.update(subtotal=amounts.subtotal, tax=amounts.tax, total=total)
    method = randomizer.choices(list(PAYMENTS), weights=list(PAYMENTS.values()))[0]
    if method == PaymentMethod.CASH:
        tendered = (total / 10).to_integral_value(rounding="ROUND_CEILING") * 10
        received = [(PaymentMethod.CASH, total, tendered)]
    elif method == PaymentMethod.MIXED:
        card = (total / 2).quantize(Decimal("1"))
        received = [
            (PaymentMethod.CARD, card, card),
            (PaymentMethod.CASH, total - card, total - card),
        ]
    else:
        received = [(method, total, total)]
    note["payment_method"] = method
    note["change_given"] = sum((given - amount for _m, amount, given in received), Decimal("0"))
    visit.payments = [
        {"method": kind, "amount": amount, "tendered": given, "created_at": note["paid_at"]}
        for kind, amount, given in received
    ]
    by = context.cashier
    actor_kind = ActorKind.USER if by else ActorKind.SYSTEM
    visit.note_changes = [
        ("", NoteStatus.DRAFT, note["created_at"], by, actor_kind, reservation["reference"]),
        (NoteStatus.DRAFT, NoteStatus.FINALISED, note["finalised_at"], by, actor_kind, ""),
        (NoteStatus.FINALISED, NoteStatus.PAID, note["paid_at"], by, actor_kind, ""),
    ]


# --- Closed days -----------------------------------------------------------------------------


def _closed_dates_keep(made, snapshot) -> int:
    """The profile's closures on days the hours have service (holidays, the August week, the
    odd day) as the restaurant's closed dates, so that the book and the calendar agree."""
    policy = selectors.booking_policy_get()
    kept = set(ClosedDate.objects.values_list("date", flat=True))
    closures = []
    for day in sorted(made.closed):
        if day in kept or not snapshot.periods.get(day.weekday()) or snapshot.is_closed(day):
            continue
        name = made.holidays.get(day)
        if name in CLOSED_HOLIDAYS:
            reason = CLOSURE_REASONS.get(name, name)
        elif (
            made.profile.vacation
            and 0 <= (day.timetuple().tm_yday - made.profile.vacation[0]) < made.profile.vacation[1]
        ):
            reason = "Vacaciones del personal"
        else:
            reason = "Cerrado por mantenimiento"
        closures.append(ClosedDate(policy=policy, date=day, reason=reason))
    ClosedDate.objects.bulk_create(closures)
    return len(closures)


# --- Writing ---------------------------------------------------------------------------------


def _ids(model, count: int) -> list[int]:
    """``count`` ids from the model's own sequence, for rows written with their ids."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(model, rows: list[dict]) -> None:
    """Write rows (``attname`` → value, the same keys in each) into the model's table with
    one COPY: a year of history is some 200 000 rows, which ``bulk_create`` takes ten times
    longer to build, quote and send. The database checks them as it checks any insert."""
    if not rows:
        return
    by_attname = {model_field.attname: model_field for model_field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in rows[0]]
    columns = ", ".join(connection.ops.quote_name(model_field.column) for model_field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(tuple(row.values()))


class _History:
    """The audit history's rows, with each actor's label as the services write it."""

    def __init__(self):
        self.rows: list[dict] = []
        self.labels: dict = {}
        self.content_types: dict = {}

    def add(self, model, object_id: int, label: str, changes: list[tuple]) -> None:
        if model not in self.content_types:
            self.content_types[model] = ContentType.objects.get_for_model(model).pk
        for from_status, to_status, moment, by, actor_kind, reason in changes:
            key = (by.pk if by else None, actor_kind)
            if key not in self.labels:
                self.labels[key] = status_change_build(
                    subject=model(pk=object_id),
                    from_status=from_status,
                    to_status=to_status,
                    by=by,
                    actor_kind=actor_kind,
                ).actor_label
            self.rows.append(
                {
                    "content_type_id": self.content_types[model],
                    "object_id": object_id,
                    "object_label": label[:60],
                    "from_status": from_status,
                    "to_status": to_status,
                    "actor_kind": actor_kind,
                    "user_id": by.pk if by and actor_kind == ActorKind.USER else None,
                    "actor_label": self.labels[key],
                    "reason": reason[:255],
                    "created_at": moment,
                }
            )


def _write(visits: list[_Visit]) -> None:
    """Everything in a few COPYs: bookings, pre-orders, notes (numbered per service day, with
    their counters), lines, payments and the audit history of both."""
    for visit, reservation_id in zip(visits, _ids(Reservation, len(visits)), strict=True):
        visit.reservation["id"] = reservation_id
    _copy(Reservation, [visit.reservation for visit in visits])
    _copy(
        PreOrder,
        [
            {
                "reservation_id": visit.reservation["id"],
                "dish_id": pre_order["dish"].pk,
                "quantity": pre_order["quantity"],
                "unit_price": pre_order["unit_price"],
                "remarks": "",
                "created_at": pre_order["created_at"],
            }
            for visit in visits
            for pre_order in visit.pre_orders
        ],
    )
    billed = sorted((v for v in visits if v.note is not None), key=lambda v: v.note["created_at"])
    counters: dict[dt.date, int] = {}
    for visit, note_id in zip(billed, _ids(ConsumptionNote, len(billed)), strict=True):
        counters[visit.day] = counters.get(visit.day, 0) + 1
        visit.note["id"] = note_id
        visit.note["number"] = f"NC-{visit.day:%Y%m%d}-{counters[visit.day]:06d}"
        visit.note["reservation_id"] = visit.reservation["id"]
    _copy(ConsumptionNote, [visit.note for visit in billed])
    NoteCounter.objects.bulk_create(
        [NoteCounter(day=day, last_number=last) for day, last in counters.items()],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["last_number"],
    )
    _copy(
        NoteLine,
        [{"note_id": visit.note["id"], **line} for visit in billed for line in visit.lines],
    )
    _copy(
        Payment,
        [
            {"note_id": visit.note["id"], **payment}
            for visit in billed
            for payment in visit.payments
        ],
    )
    history = _History()
    for visit in visits:
        if visit.note is not None:
            number = visit.note["number"]
            *change, _reason = visit.changes[-1]
            visit.changes[-1] = (*change, _("bill %(number)s paid") % {"number": number})
            history.add(ConsumptionNote, visit.note["id"], number, visit.note_changes)
        reservation = visit.reservation
        history.add(Reservation, reservation["id"], reservation["reference"], visit.changes)
    _copy(StatusChange, history.rows)
