"""Daily roll-ups: one row per service day that the manager's reports read instead of the
book, kept up to date by the metrics job, a restaurant's own, at a fixed cost per day."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from analytics import selectors, services
from analytics import tasks as analytics_tasks  # noqa: F401 - registers the job's tasks
from analytics.models import DailyRollup, MetricsSnapshot
from analytics.reports import period_report
from billing.models import ConsumptionNote, NoteStatus, PaymentMethod
from billing.services import note_charge, note_finalise, note_issue, note_line_add
from booking.services.bookings import booking_transition
from booking.services.pre_orders import booking_pre_order_add
from config.celery import app
from reservations.models import (
    Customer,
    Reservation,
    ReservationSource,
    ReservationStatus,
    StatusChange,
)
from restaurants.models import Restaurant
from restaurants.tasks import JOBS
from tests.billing.conftest import MEXICO, table_priced
from tests.conftest import MANAGER_A, PASSWORD, host_of
from tests.factories import CustomerFactory, DishFactory, TableFactory, book, open_every_day

# A Tuesday. Casa Azul serves 12:00–03:00: its late service runs past midnight.
DAY = dt.date(2030, 3, 5)
BOOKED_AT = dt.datetime(2030, 3, 1, 10, 0, tzinfo=MEXICO)


def at(day: dt.date, time: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(time), tzinfo=MEXICO)


def booking(
    table,
    *,
    starts_at,
    party_size=2,
    source=ReservationSource.ADMIN,
    customer=None,
    booked_at=BOOKED_AT,
):
    """A booking made at ``booked_at`` (its lead time is known to the second)."""
    with time_machine.travel(booked_at, tick=False):
        return book(
            customer=customer or CustomerFactory(),
            table=table,
            starts_at=starts_at,
            party_size=party_size,
            source=source,
        )


def move(reservation, to: str, *, moment: dt.datetime):
    with time_machine.travel(moment, tick=False):
        return booking_transition(reservation=reservation, to=to)


def pay(reservation, *, moment: dt.datetime):
    with time_machine.travel(moment, tick=False):
        note = note_issue(reservation=reservation)
        note_finalise(note=note)
        return note_charge(note=note, payments={PaymentMethod.CASH: note.total})


def figures(rollup: DailyRollup) -> dict:
    return {name: getattr(rollup, name) for name in services.ROLLUP_FIGURES}


@pytest.fixture
def casa_azul(restaurant_a):
    """Inside Casa Azul's schema (Mexico City), open 12:00–03:00 every day."""
    with tenant_context(restaurant_a):
        open_every_day("12:00", "03:00", max_days_ahead=365)
        yield restaurant_a
    connection.set_schema_to_public()


@pytest.fixture
def busy_day(casa_azul):
    """DAY's book: every source, a returning customer whose party paid, a party seated
    and finished, one still seated, a no-show, a cancellation and a late booking."""
    tables = [table_priced(f"M{n:02d}", "100.00", max_capacity=6) for n in range(1, 7)]
    regular = CustomerFactory()
    with time_machine.travel(at(DAY - dt.timedelta(days=20), "10:00"), tick=False):
        earlier = book(
            customer=regular,
            table=tables[0],
            starts_at=at(DAY - dt.timedelta(days=15), "13:00"),
            party_size=2,
        )
    move(earlier, ReservationStatus.SEATED, moment=at(DAY - dt.timedelta(days=15), "13:00"))
    move(earlier, ReservationStatus.FINISHED, moment=at(DAY - dt.timedelta(days=15), "14:00"))

    paid = booking(tables[0], starts_at=at(DAY, "13:00"), party_size=4, customer=regular)
    move(paid, ReservationStatus.SEATED, moment=at(DAY, "13:00"))
    move(paid, ReservationStatus.FINISHED, moment=at(DAY, "14:30"))  # a 90-minute turn
    pay(paid, moment=at(DAY, "14:25"))

    web = booking(tables[1], starts_at=at(DAY, "14:00"), source=ReservationSource.WEB)
    move(web, ReservationStatus.SEATED, moment=at(DAY, "14:10"))
    move(web, ReservationStatus.FINISHED, moment=at(DAY, "15:10"))  # 60 minutes, unpaid

    still_seated = booking(
        tables[2], starts_at=at(DAY, "19:00"), party_size=6, source=ReservationSource.VOICE
    )
    move(still_seated, ReservationStatus.SEATED, moment=at(DAY, "19:05"))

    no_show = booking(
        tables[3], starts_at=at(DAY, "20:00"), party_size=3, source=ReservationSource.WHATSAPP
    )
    move(no_show, ReservationStatus.NO_SHOW, moment=at(DAY, "20:30"))

    cancelled = booking(
        tables[4], starts_at=at(DAY, "21:00"), party_size=5, source=ReservationSource.PHONE
    )
    move(cancelled, ReservationStatus.CANCELLED, moment=at(DAY, "12:00"))

    booking(tables[5], starts_at=at(DAY, "23:30"), source=ReservationSource.API)
    # The web customer again the next day: still new on DAY, where they came first.
    booking(tables[1], starts_at=at(DAY + dt.timedelta(days=1), "13:00"), customer=web.customer)
    return tables


def test_roll_up_of_a_day_holds_every_figure_of_its_book_and_till(busy_day):
    rollup = services.daily_rollup_compute(day=DAY)

    assert rollup.pk is not None
    assert figures(DailyRollup.objects.get(day=DAY)) == {
        "reservations": 5,  # the cancelled one apart
        "covers_booked": 17,  # 4 + 2 + 6 + 3 + 2
        "covers_seated": 12,  # the paid party, the web one, the one still seated
        "no_shows": 1,
        "no_show_covers": 3,
        "cancellations": 1,
        "by_source": {
            "admin": {"reservations": 1, "covers": 4},
            "api": {"reservations": 1, "covers": 2},
            "voice": {"reservations": 1, "covers": 6},
            "web": {"reservations": 1, "covers": 2},
            "whatsapp": {"reservations": 1, "covers": 3},
        },
        "covers_by_hour": {"13": 4, "14": 2, "19": 6, "20": 3, "23": 2},
        "seated_by_hour": {"13": 4, "14": 2, "19": 6},  # the no-show and the late one not
        "by_table": {  # M05's party cancelled
            "M01": {"reservations": 1, "covers": 4},
            "M02": {"reservations": 1, "covers": 2},
            "M03": {"reservations": 1, "covers": 6},
            "M04": {"reservations": 1, "covers": 3},
            "M06": {"reservations": 1, "covers": 2},
        },
        "dishes": {},
        "average_party_size": Decimal("3.40"),
        "turn_minutes": Decimal("75.0"),
        "turn_by_party_size": {
            "2": {"parties": 1, "minutes": 60.0},
            "4": {"parties": 1, "minutes": 90.0},
        },
        "revenue": Decimal("115.00"),  # the table's 100.00 + 15 % tax
        "paid_notes": 1,
        "paid_covers": 4,
        "spend_per_cover": Decimal("28.75"),
        "new_customers": 4,  # web, voice, whatsapp, api (the cancelled one came not)
        "returning_customers": 1,  # the regular, first here fifteen days before
        # Booked on 1 March at 10:00 for 13:00, 14:00, 19:00, 20:00 and 23:30 on 5 March:
        # 99, 100, 105, 106 and 109.5 hours ahead.
        "lead_time_hours": Decimal("105.0"),
    }


def test_computing_a_day_again_rewrites_its_one_row_with_the_book_as_it_is_now(busy_day):
    first = services.daily_rollup_compute(day=DAY)
    again = services.daily_rollup_compute(day=DAY)

    assert DailyRollup.objects.filter(day=DAY).count() == 1
    assert figures(again) == figures(first)

    late = Reservation.objects.get(starts_at=at(DAY, "23:30"))
    move(late, ReservationStatus.CANCELLED, moment=at(DAY, "18:00"))
    services.daily_rollup_compute(day=DAY)

    stored = DailyRollup.objects.get(day=DAY)
    assert (stored.reservations, stored.cancellations, stored.covers_by_hour.get("23")) == (
        4,
        2,
        None,
    )


def test_roll_up_counts_the_days_pre_orders_and_the_dishes_sold_on_its_paid_notes(casa_azul):
    mole = DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=20)
    agua = DishFactory(name="Agua de jamaica", price=Decimal("3.00"), stock=50)
    tables = [table_priced(f"M{n:02d}", "10.00") for n in range(1, 4)]
    paid = booking(tables[0], starts_at=at(DAY, "14:00"))
    unpaid = booking(tables[1], starts_at=at(DAY, "14:00"))
    cancelled = booking(tables[2], starts_at=at(DAY, "20:00"))
    with time_machine.travel(BOOKED_AT, tick=False):
        booking_pre_order_add(reservation=paid, dish=mole, quantity=2)
        booking_pre_order_add(reservation=unpaid, dish=mole, quantity=1)
        booking_pre_order_add(reservation=cancelled, dish=mole, quantity=4)
    move(cancelled, ReservationStatus.CANCELLED, moment=at(DAY, "12:00"))
    for party in (paid, unpaid):
        move(party, ReservationStatus.SEATED, moment=at(DAY, "14:00"))
    with time_machine.travel(at(DAY, "15:00"), tick=False):
        note = note_issue(reservation=paid)  # the pre-ordered moles become its lines
        note_line_add(note=note, dish=agua, quantity=3)
        note_line_add(note=note, description="Pan", quantity=1, unit_price=Decimal("2.00"))
        note = note_finalise(note=note)
        note_charge(note=note, payments={PaymentMethod.CASH: note.total})
        left_open = note_issue(reservation=unpaid)
        note_line_add(note=left_open, dish=agua, quantity=5)

    rollup = services.daily_rollup_compute(day=DAY)

    # Pre-ordered: the kept bookings' (2 + 1); sold: the paid note's lines only, before tax;
    # the bread, no dish of the menu, is in the revenue but in no dish's row.
    assert rollup.dishes == {
        str(mole.pk): {"name": "Mole poblano", "preordered": 3, "sold": 2, "revenue": "37.00"},
        str(agua.pk): {"name": "Agua de jamaica", "preordered": 0, "sold": 3, "revenue": "9.00"},
    }
    assert rollup.by_table == {
        "M01": {"reservations": 1, "covers": 2},
        "M02": {"reservations": 1, "covers": 2},
    }
    assert rollup.seated_by_hour == {"14": 4}


def test_a_day_without_bookings_has_a_row_of_zeros(casa_azul):
    rollup = services.daily_rollup_compute(day=DAY)

    assert (rollup.reservations, rollup.revenue, rollup.by_source) == (0, Decimal("0.00"), {})
    assert (rollup.by_table, rollup.seated_by_hour, rollup.dishes) == ({}, {}, {})
    assert (rollup.average_party_size, rollup.turn_minutes, rollup.spend_per_cover) == (
        None,
        None,
        None,
    )


def test_bookings_belong_to_the_restaurants_local_service_day(casa_azul):
    tables = [TableFactory(code=f"M{n:02d}", max_capacity=6) for n in range(1, 4)]
    # 23:30 in Mexico City is 05:30 UTC the next day.
    late = booking(tables[0], starts_at=at(DAY, "23:30"), party_size=2)
    # Still DAY's late service at 00:30 on the clock of the next day.
    after_midnight = booking(
        tables[1], starts_at=at(DAY + dt.timedelta(days=1), "00:30"), party_size=3
    )
    next_lunch = booking(tables[2], starts_at=at(DAY + dt.timedelta(days=1), "13:00"), party_size=4)

    assert late.starts_at.astimezone(dt.UTC).date() == DAY + dt.timedelta(days=1)
    today = services.daily_rollup_compute(day=DAY)
    tomorrow = services.daily_rollup_compute(day=DAY + dt.timedelta(days=1))

    assert (today.reservations, today.covers_booked) == (2, 5)
    assert today.covers_by_hour == {"0": 3, "23": 2}
    assert (tomorrow.reservations, tomorrow.covers_booked) == (1, next_lunch.party_size)
    # The notes of those parties are numbered on the same service day.
    assert note_issue(reservation=after_midnight).service_day == DAY


def test_another_restaurants_book_never_reaches_a_roll_up(restaurant_a, restaurant_b):
    with tenant_context(restaurant_b):
        open_every_day("12:00", "23:00", max_days_ahead=365)
        party = book(
            customer=CustomerFactory(),
            table=table_priced("B01", "20.00"),
            starts_at=dt.datetime(2030, 3, 5, 14, 0, tzinfo=dt.UTC),
            party_size=3,
            now=BOOKED_AT,
        )
        move(party, ReservationStatus.SEATED, moment=party.starts_at)
        pay(party, moment=party.starts_at + dt.timedelta(hours=1))
    with tenant_context(restaurant_a):
        open_every_day("12:00", "03:00", max_days_ahead=365)
        casa_azul = services.daily_rollup_compute(day=DAY)
    with tenant_context(restaurant_b):
        bistro = services.daily_rollup_compute(day=DAY)
    connection.set_schema_to_public()

    assert (casa_azul.reservations, casa_azul.covers_seated, casa_azul.revenue) == (
        0,
        0,
        Decimal("0.00"),
    )
    assert (bistro.reservations, bistro.covers_seated, bistro.paid_notes) == (1, 3, 1)


def _a_day_of(bookings: int, tables: list) -> None:
    """``bookings`` parties on DAY, written straight to the database (the workflow would
    take minutes): every source, half finished with their history, a quarter paid."""
    customers = Customer.objects.bulk_create(
        Customer(first_name=f"Cliente {n}", phone=f"+5255{20000000 + n:08d}")
        for n in range(bookings)
    )
    sources = ReservationSource.values
    rows = []
    for n, customer in enumerate(customers):
        starts_at = at(DAY, "12:00") + dt.timedelta(hours=2 * (n // len(tables)))
        finished = n % 2 == 0
        rows.append(
            Reservation(
                customer=customer,
                table=tables[n % len(tables)],
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=2),
                party_size=1 + n % 4,
                source=sources[n % len(sources)],
                status=ReservationStatus.FINISHED if finished else ReservationStatus.CONFIRMED,
                seated_at=starts_at if finished else None,
            )
        )
    parties = Reservation.objects.bulk_create(rows)
    reservation_type = ContentType.objects.get_for_model(Reservation)
    with time_machine.travel(at(DAY + dt.timedelta(days=1), "03:00"), tick=False):
        StatusChange.objects.bulk_create(
            StatusChange(
                content_type=reservation_type,
                object_id=party.pk,
                object_label=party.reference,
                from_status=ReservationStatus.SEATED,
                to_status=ReservationStatus.FINISHED,
                actor_kind="system",
            )
            for party in parties
            if party.status == ReservationStatus.FINISHED
        )
    ConsumptionNote.objects.bulk_create(
        ConsumptionNote(
            number=f"NC-TEST-{n:06d}",
            reservation=party,
            service_day=DAY,
            status=NoteStatus.PAID,
            currency="MXN",
            tax_rate=Decimal("0"),
            subtotal=Decimal("10.00"),
            total=Decimal("10.00"),
            payment_method=PaymentMethod.CASH,
        )
        for n, party in enumerate(parties)
        if n % 4 == 0
    )


def test_computing_a_day_costs_the_same_few_queries_for_one_booking_or_two_hundred(
    casa_azul, django_assert_max_num_queries
):
    tables = [TableFactory(code=f"M{n:02d}") for n in range(1, 26)]
    small_day = DAY - dt.timedelta(days=1)
    booking(tables[0], starts_at=at(small_day, "13:00"))
    _a_day_of(200, tables)
    services.daily_rollup_compute(day=small_day)  # the policy is cached from here on

    with CaptureQueriesContext(connection) as one:
        services.daily_rollup_compute(day=small_day)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as busy:
        rollup = services.daily_rollup_compute(day=DAY)

    assert len(busy) == len(one) <= 8
    assert (rollup.reservations, rollup.paid_notes, rollup.new_customers) == (200, 50, 200)
    assert sum(turn["parties"] for turn in rollup.turn_by_party_size.values()) == 100


def test_the_metrics_job_writes_todays_roll_up_and_fills_the_month_before(casa_azul):
    table = TableFactory(code="M01", max_capacity=6)
    booking(table, starts_at=at(DAY, "20:00"), party_size=5)

    with time_machine.travel(at(DAY, "18:00"), tick=False):
        for task_name in JOBS["metrics"]:
            app.tasks[task_name](casa_azul.schema_name)
    connection.set_tenant(casa_azul)

    assert "analytics.rollups" in JOBS["metrics"]
    today = DailyRollup.objects.get(day=DAY)
    assert (today.reservations, today.covers_booked) == (1, 5)
    assert DailyRollup.objects.count() == services.ROLLUP_CATCH_UP_DAYS + 1


def test_a_new_restaurants_first_metrics_job_counts_nothing_from_before_it_was_created(
    casa_azul,
):
    """A restaurant created the day before at 11:20: its first job snapshots the hours and
    rolls up the days since (not the 48 hours and 31 days of a stopped job's catch-up)."""
    Restaurant.objects.filter(pk=casa_azul.pk).update(
        created_at=at(DAY - dt.timedelta(days=1), "11:20")
    )
    booking(TableFactory(code="M01", max_capacity=6), starts_at=at(DAY, "20:00"), party_size=5)

    with time_machine.travel(at(DAY, "18:05"), tick=False):
        for task_name in JOBS["metrics"]:
            app.tasks[task_name](casa_azul.schema_name)
    connection.set_tenant(casa_azul)

    days = list(DailyRollup.objects.order_by("day").values_list("day", flat=True))
    assert days == [DAY - dt.timedelta(days=1), DAY]
    assert DailyRollup.objects.get(day=DAY).covers_booked == 5
    hours = list(MetricsSnapshot.objects.order_by("hour").values_list("hour", flat=True))
    # From 11:00 the day before (the hour it was created in) to 17:00, the last whole hour.
    assert (hours[0], hours[-1]) == (at(DAY - dt.timedelta(days=1), "11:00"), at(DAY, "17:00"))
    assert len(hours) == 24 + 7


def test_the_job_after_midnight_refreshes_the_late_service_as_its_day(casa_azul):
    table = TableFactory(code="M01", max_capacity=6)
    booking(table, starts_at=at(DAY, "23:30"))

    with time_machine.travel(at(DAY + dt.timedelta(days=1), "00:40"), tick=False):
        services.daily_rollups_refresh()

    assert selectors.service_day_at(at(DAY + dt.timedelta(days=1), "00:40")) == DAY
    assert DailyRollup.objects.get(day=DAY).reservations == 1
    assert not DailyRollup.objects.filter(day=DAY + dt.timedelta(days=1)).exists()


def test_the_job_recomputes_recent_days_once_an_hour_and_leaves_settled_days_alone(
    casa_azul, django_assert_max_num_queries
):
    table = TableFactory(code="M01", max_capacity=6)
    yesterday = booking(table, starts_at=at(DAY - dt.timedelta(days=1), "20:00"))
    last_week = booking(
        table,
        starts_at=at(DAY - dt.timedelta(days=7), "20:00"),
        booked_at=at(DAY - dt.timedelta(days=10), "10:00"),
    )
    first_run = at(DAY, "18:00")
    with time_machine.travel(first_run, tick=False):
        assert services.daily_rollups_refresh() == services.ROLLUP_CATCH_UP_DAYS + 1
    move(yesterday, ReservationStatus.NO_SHOW, moment=first_run)
    move(last_week, ReservationStatus.NO_SHOW, moment=first_run)

    # Ten minutes later: today only, for a read of the kept days and one day's figures.
    with (
        time_machine.travel(first_run + dt.timedelta(minutes=10), tick=False),
        django_assert_max_num_queries(8),
    ):
        assert services.daily_rollups_refresh() == 1
    assert DailyRollup.objects.get(day=DAY - dt.timedelta(days=1)).no_shows == 0

    # An hour later: today and the last three days again; a week ago is settled.
    with time_machine.travel(first_run + dt.timedelta(hours=1, minutes=10), tick=False):
        assert services.daily_rollups_refresh() == services.ROLLUP_RECENT_DAYS + 1
    assert DailyRollup.objects.get(day=DAY - dt.timedelta(days=1)).no_shows == 1
    assert DailyRollup.objects.get(day=DAY - dt.timedelta(days=7)).no_shows == 0

    # The backfill computes every day it is given again.
    with time_machine.travel(first_run + dt.timedelta(hours=2), tick=False):
        assert services.daily_rollups_backfill(days=8) == 8
    assert DailyRollup.objects.get(day=DAY - dt.timedelta(days=7)).no_shows == 1


def test_backfill_command_fills_one_restaurant_or_all(restaurant_a, restaurant_b):
    with time_machine.travel(at(DAY, "18:00"), tick=False):
        call_command("rollups_backfill", "--days", "3", "--restaurant", restaurant_a.slug)
        with tenant_context(restaurant_b):
            assert not DailyRollup.objects.exists()
        with tenant_context(restaurant_a):
            assert sorted(DailyRollup.objects.values_list("day", flat=True)) == [
                DAY - dt.timedelta(days=2),
                DAY - dt.timedelta(days=1),
                DAY,
            ]
        call_command("rollups_backfill", "--days", "2")
        with tenant_context(restaurant_b):
            assert DailyRollup.objects.count() == 2
    connection.set_schema_to_public()


def test_a_period_report_adds_up_the_roll_ups_of_its_days_only(busy_day):
    services.daily_rollup_compute(day=DAY)
    services.daily_rollup_compute(day=DAY + dt.timedelta(days=1))
    services.daily_rollup_compute(day=DAY + dt.timedelta(days=5))  # outside the period

    report = period_report(start=DAY - dt.timedelta(days=1), end=DAY + dt.timedelta(days=1))

    assert report["days_with_figures"] == 2
    summary = report["summary"]
    assert (summary["reservations"], summary["covers_booked"], summary["revenue"]) == (
        6,
        19,
        Decimal("115.00"),
    )
    assert summary["average_party_size"] == Decimal("3.17")  # 19 covers over 6 bookings
    assert (summary["turn_minutes"], summary["spend_per_cover"]) == (75.0, Decimal("28.75"))
    admin = next(row for row in report["sources"] if row["source"] == "admin")
    assert (admin["reservations"], admin["covers"]) == (2, 6)
    # Most booked first: M02 twice (the web customer came back), then by covers.
    assert [(t["code"], t["reservations"], t["covers"]) for t in report["tables"][:3]] == [
        ("M02", 2, 4),
        ("M03", 1, 6),
        ("M01", 1, 4),
    ]
    rollups = selectors.period_rollups(
        previous_start=DAY - dt.timedelta(days=4),
        start=DAY - dt.timedelta(days=1),
        end=DAY + dt.timedelta(days=1),
    )
    seated = rollups.sums["now"]["seated_by_hour_weekday"]
    assert {int(hour): sum(weekdays) for hour, weekdays in seated.items()} == {13: 4, 14: 2, 19: 6}


def _logged_in(restaurant, username: str) -> Client:
    client = Client(HTTP_HOST=host_of(restaurant))
    client.post("/admin/login/?next=/admin/", {"username": username, "password": PASSWORD})
    return client


def test_managers_read_the_roll_ups_in_the_admin_and_cashiers_do_not(
    busy_day, restaurant_a, cashier
):
    services.daily_rollup_compute(day=DAY)
    connection.set_schema_to_public()
    manager = _logged_in(restaurant_a, MANAGER_A)

    listing = manager.get("/admin/analytics/dailyrollup/")
    assert listing.status_code == 200
    assert "115" in listing.content.decode()
    assert manager.get("/admin/analytics/dailyrollup/add/").status_code == 403
    assert cashier.get("/admin/analytics/dailyrollup/").status_code == 403
