"""Demo data for a restaurant: hours, menu, customers, a year of history and a book of
reservations.

Runs inside the restaurant's schema. Every step adds only what is missing, so the demo
command can run again without duplicating anything. The past year is
``booking.demo_history``'s (bulk writes); the book around today and the last days' notes go
through the services.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import services as analytics
from analytics.forecasts import forecasts_refresh
from billing import services as billing
from billing.models import ConsumptionNote, NoteStatus, Payment
from booking.demo_history import (
    HISTORY_DAYS,
    NOTES_BY_SERVICES_DAYS,
    seed_history,
    staff_member,
)
from menu.models import Category, Dish, PreOrder
from reservations import selectors
from reservations.models import (
    Customer,
    OpeningPeriod,
    Reservation,
    ReservationSource,
    ReservationStatus,
    StatusChange,
    Table,
)
from reservations.services.tables import table_ensure
from restaurants import roles

TABLES = [
    # code, min, max, area
    ("M01", 1, 2, "interior"),
    ("M02", 1, 2, "interior"),
    ("M03", 2, 4, "interior"),
    ("M04", 2, 4, "interior"),
    ("M05", 4, 6, "interior"),
    ("T01", 2, 4, "terrace"),
    ("T02", 2, 4, "terrace"),
    ("T03", 6, 10, "terrace"),
    ("V01", 4, 8, "vip"),
    ("B01", 1, 2, "bar"),
]

MENU = {
    "Entradas": [
        ("Guacamole con totopos", "8.50"),
        ("Ceviche de corvina", "12.00"),
        ("Sopa de lima", "7.50"),
        ("Tostadas de tinga", "9.00"),
    ],
    "Platos fuertes": [
        ("Mole poblano", "18.50"),
        ("Enchiladas suizas", "14.00"),
        ("Chiles en nogada", "19.00"),
        ("Risotto de hongos", "16.50"),
    ],
    "Carnes": [
        ("Arrachera a la parrilla", "24.00"),
        ("Cochinita pibil", "17.50"),
        ("Costillas de cordero", "27.00"),
        ("Filete al chipotle", "26.00"),
    ],
    "Mariscos": [
        ("Pescado a la talla", "22.00"),
        ("Camarones al mojo de ajo", "21.00"),
        ("Pulpo a las brasas", "23.50"),
        ("Arroz a la tumbada", "20.00"),
    ],
    "Postres": [
        ("Flan de cajeta", "6.50"),
        ("Churros con chocolate", "7.00"),
        ("Pastel tres leches", "7.50"),
        ("Helado de mamey", "6.00"),
    ],
    "Bebidas": [
        ("Agua de jamaica", "3.50"),
        ("Margarita clásica", "9.00"),
        ("Café de olla", "3.00"),
        ("Vino tinto (copa)", "8.00"),
    ],
}

FIRST_NAMES = ["Lucía", "Mateo", "Valentina", "Santiago", "Camila", "Diego", "Sofía", "Andrés",
               "Isabel", "Javier", "Daniela", "Tomás", "Mariana", "Emilio", "Paula", "Rodrigo"]  # fmt: skip
LAST_NAMES = ["García", "Hernández", "López", "Martínez", "Ramírez", "Torres", "Flores", "Vargas",
              "Castro", "Ortega", "Morales", "Navarro"]  # fmt: skip
SOURCES = (
    [ReservationSource.WEB] * 5
    + [ReservationSource.PHONE] * 2
    + [
        ReservationSource.ADMIN,
        ReservationSource.WHATSAPP,
    ]
)


def seed_setup() -> dict[str, int]:
    """Give the current restaurant the demo's tables, opening hours and menu (no book)."""
    return {"tables": _seed_tables(), "opening_periods": _seed_hours(), "dishes": _seed_menu()}


def seed_restaurant(
    *,
    today: dt.date | None = None,
    seed: int = 7,
    history_days: int = HISTORY_DAYS,
    past_days: int = 90,
) -> dict[str, int]:
    """Fill the current restaurant with a realistic book; returns what it added.

    With ``history_days``, that many days of past service before today (bookings, their
    history, paid notes; ``booking.demo_history``), their daily roll-ups and the forecast
    made from them; without, the book's last ``past_days`` days stand for the past (a fast
    start).
    """
    randomizer = random.Random(seed)
    added = {**seed_setup(), "customers": _seed_customers(randomizer)}
    today = today or timezone.now().astimezone(selectors.restaurant_zone()).date()
    history = seed_history(today=today, days=history_days, seed=seed) if history_days else {}
    added["history"] = history.get("reservations", 0)
    added["history_days"] = history.get("days", 0)
    added["history_notes"] = history.get("notes", 0)
    added["customers"] += history.get("customers", 0)
    added["reservations"] = _seed_book(
        randomizer, today, past_days=0 if history_days else past_days
    )
    added["notes"] = _seed_notes(
        randomizer, today, days=NOTES_BY_SERVICES_DAYS if history_days else min(7, past_days)
    )
    # The week's hourly figures, with the revenue of the notes just paid in each hour.
    added["metrics"] = _seed_metrics(today) if added["notes"] else 0
    added["rollups"] = added["forecasts"] = 0
    if added["history"]:
        # Today's too: the forecast reads the roll-ups, the book of today is in them.
        added["rollups"] = analytics.daily_rollups_backfill(days=history_days + 1)
        added["forecasts"] = forecasts_refresh()
    return added


def _seed_tables() -> int:
    before = Table.objects.count()
    for code, min_capacity, max_capacity, area in TABLES:
        table_ensure(code=code, min_capacity=min_capacity, max_capacity=max_capacity, area=area)
    return Table.objects.count() - before


def _seed_hours() -> int:
    policy = selectors.booking_policy_get()
    if policy.periods.exists():
        return 0
    periods = []
    for weekday in range(7):
        if weekday == 0:  # closed on Mondays
            continue
        periods.append(
            OpeningPeriod(
                policy=policy, weekday=weekday, opens_at=dt.time(13), closes_at=dt.time(17)
            )
        )
        closes = dt.time(1) if weekday in (4, 5) else dt.time(23, 30)  # late on Fri and Sat
        periods.append(
            OpeningPeriod(policy=policy, weekday=weekday, opens_at=dt.time(19), closes_at=closes)
        )
    OpeningPeriod.objects.bulk_create(periods)
    selectors.booking_policy_forget()
    return len(periods)


def _seed_menu() -> int:
    added = 0
    for order, (category_name, dishes) in enumerate(MENU.items()):
        category, _ = Category.objects.get_or_create(
            name=category_name, defaults={"menu_order": order}
        )
        for name, price in dishes:
            _, created = Dish.objects.get_or_create(
                category=category, name=name, defaults={"price": Decimal(price), "stock": 40}
            )
            added += created
    return added


def _seed_customers(randomizer: random.Random, count: int = 40) -> int:
    if Customer.objects.exists():
        return 0
    customers = []
    for index in range(count):
        first, last = randomizer.choice(FIRST_NAMES), randomizer.choice(LAST_NAMES)
        customers.append(
            Customer(
                first_name=first,
                last_name=last,
                phone=f"+5255{20000000 + index * 7919:08d}",
                email=f"{first.lower()}.{last.lower()}{index}@example.com".encode(
                    "ascii", "ignore"
                ).decode(),
                city=randomizer.choice(["Ciudad de México", "Puebla", "Querétaro", "Toluca"]),
                marketing_consent=randomizer.random() < 0.4,
            )
        )
    Customer.objects.bulk_create(customers)
    return count


@transaction.atomic
def _seed_book(randomizer: random.Random, today: dt.date, past_days: int = 90) -> int:
    """``past_days`` of past service (none when the history covers them) and 14 days ahead,
    on the real opening hours."""
    zone = selectors.restaurant_zone()
    first = dt.datetime.combine(today - dt.timedelta(days=past_days), dt.time(), tzinfo=zone)
    if Reservation.objects.filter(starts_at__gte=first).exists():
        return 0
    snapshot = selectors.booking_policy_snapshot()
    tables = list(Table.objects.all())
    customers = list(Customer.objects.all())
    dishes = list(Dish.objects.all())
    rows, pre_orders = [], []
    for offset in range(-past_days, 15):
        day = today + dt.timedelta(days=offset)
        slots = selectors.service_slots(snapshot, day, zone)
        if not slots:
            continue
        busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
        weekend = day.weekday() >= 4
        for _booking in range(randomizer.randint(8, 16) if weekend else randomizer.randint(4, 10)):
            starts_at = randomizer.choice(slots)
            ends_at = starts_at + snapshot.duration
            party_size = randomizer.choice([2, 2, 2, 3, 4, 4, 5, 6, 8])
            fitting = [t for t in tables if t.min_capacity <= party_size <= t.max_capacity]
            free = [
                t
                for t in fitting
                if all(not (s < ends_at and e > starts_at) for s, e in busy.get(t.pk, []))
            ]
            if not free:
                continue
            table = min(free, key=lambda t: t.max_capacity)
            busy.setdefault(table.pk, []).append((starts_at, ends_at))
            if offset < 0:
                status = randomizer.choices(
                    [
                        ReservationStatus.FINISHED,
                        ReservationStatus.CANCELLED,
                        ReservationStatus.NO_SHOW,
                    ],
                    weights=[85, 10, 5],
                )[0]
            else:
                status = randomizer.choices(
                    [ReservationStatus.CONFIRMED, ReservationStatus.PENDING], weights=[85, 15]
                )[0]
            rows.append(
                Reservation(
                    customer=randomizer.choice(customers),
                    table=table,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    party_size=party_size,
                    status=status,
                    source=randomizer.choice(SOURCES),
                )
            )
    Reservation.objects.bulk_create(rows, batch_size=500)
    for reservation in rows:
        if randomizer.random() < 0.3:
            for dish in randomizer.sample(dishes, randomizer.randint(1, 3)):
                pre_orders.append(
                    PreOrder(
                        reservation=reservation,
                        dish=dish,
                        quantity=randomizer.randint(1, 2),
                        unit_price=dish.price,
                    )
                )
    PreOrder.objects.bulk_create(pre_orders, batch_size=500)
    return len(rows)


@transaction.atomic
def _seed_notes(randomizer: random.Random, today: dt.date, days: int = 7) -> int:
    """The last ``days`` days' consumption notes, through the billing services: most paid
    (cash, card, transfer, mixed), one voided and one left finalised on the last day."""
    zone = selectors.restaurant_zone()
    start = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(), tzinfo=zone)
    end = dt.datetime.combine(today, dt.time(6), tzinfo=zone)
    if ConsumptionNote.objects.filter(reservation__starts_at__gte=start).exists():
        return 0
    cashier, manager = staff_member(roles.CASHIER), staff_member(roles.MANAGER)
    dishes = list(Dish.objects.all())
    finished = list(
        Reservation.objects.filter(
            status=ReservationStatus.FINISHED, starts_at__gte=start, starts_at__lt=end
        ).order_by("starts_at")
    )
    for index, reservation in enumerate(finished):
        note = billing.note_issue(reservation=reservation, by=cashier)
        for dish in randomizer.sample(dishes, randomizer.randint(1, 4)):
            billing.note_line_add(note=note, dish=dish, quantity=randomizer.randint(1, 3))
        note.refresh_from_db()
        if randomizer.random() < 0.15:
            billing.note_discount_set(
                note=note,
                amount=(note.subtotal * Decimal("0.10")).quantize(Decimal("0.01")),
                reason="Cliente frecuente",
                by=manager,
            )
        last = index == len(finished) - 1
        if index == len(finished) - 2:
            billing.note_void(note=note, reason="Capturada en la mesa equivocada", by=cashier)
            continue
        note = billing.note_finalise(note=note, by=cashier)
        if last:
            continue  # left to charge: the open note of the last service
        method = randomizer.choice(["cash", "card", "card", "transfer", "mixed"])
        if method == "cash":
            payments = {"cash": (note.total / 10).to_integral_value(rounding="ROUND_CEILING") * 10}
        elif method == "mixed":
            card = (note.total / 2).quantize(Decimal("1"))
            payments = {"card": card, "cash": note.total - card}
        else:
            payments = {method: note.total}
        billing.note_charge(note=note, payments=payments, by=cashier)
    for reservation in finished:
        _backdate_note(reservation)
    return len(finished)


def _backdate_note(reservation: Reservation) -> None:
    """Move the note's moments to its booking's time: issued as the party sat, finalised and
    paid as it left, voided during the meal; the payments and the note's history with them.
    A party with a history (``booking.demo_history``) sat and left when it says, and its
    finish, the cashier's charge, names the bill paid.

    The services stamp their own clock (the demo's run); the demo's notes belong to last week.
    """
    note = ConsumptionNote.objects.get(reservation=reservation)
    now = timezone.now()
    reservation_history = StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Reservation), object_id=reservation.pk
    )
    finish = reservation_history.filter(to_status=ReservationStatus.FINISHED).first()
    if reservation.seated_at and finish is not None:
        moments = {
            NoteStatus.DRAFT: reservation.seated_at + dt.timedelta(minutes=5),
            NoteStatus.FINALISED: finish.created_at - dt.timedelta(minutes=5),
            NoteStatus.PAID: finish.created_at,
            NoteStatus.VOIDED: reservation.seated_at + dt.timedelta(minutes=15),
        }
        if note.paid_at:
            reservation_history.filter(pk=finish.pk).update(
                reason=_("bill %(number)s paid") % {"number": note.number}
            )
    else:
        moments = {
            NoteStatus.DRAFT: reservation.starts_at + dt.timedelta(minutes=5),
            NoteStatus.FINALISED: reservation.ends_at - dt.timedelta(minutes=15),
            NoteStatus.PAID: reservation.ends_at - dt.timedelta(minutes=10),
            NoteStatus.VOIDED: reservation.starts_at + dt.timedelta(minutes=30),
        }
    moments = {status: min(moment, now) for status, moment in moments.items()}
    ConsumptionNote.objects.filter(pk=note.pk).update(
        created_at=moments[NoteStatus.DRAFT],
        finalised_at=moments[NoteStatus.FINALISED] if note.finalised_at else None,
        paid_at=moments[NoteStatus.PAID] if note.paid_at else None,
        voided_at=moments[NoteStatus.VOIDED] if note.voided_at else None,
    )
    Payment.objects.filter(note=note).update(created_at=moments[NoteStatus.PAID])
    history = StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(ConsumptionNote), object_id=note.pk
    )
    for status, moment in moments.items():
        history.filter(to_status=status).update(created_at=moment)


def _seed_metrics(today: dt.date, days: int = 7) -> int:
    """The hourly snapshots of the seeded notes' week up to now (the scheduled job takes only
    the last two days, and never again an hour it took before the notes existed)."""
    zone = selectors.restaurant_zone()
    start = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(), tzinfo=zone)
    return analytics.metrics_refresh(since=start, until=timezone.now())
