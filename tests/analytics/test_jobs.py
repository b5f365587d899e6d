"""The scheduled analytics jobs: hourly metrics, occupancy and table-conflict alerts, and
their clean-up, as a restaurant's manager sees them."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from analytics import services
from analytics.models import Alert, AlertKind, AlertSeverity, AlertStatus, MetricsSnapshot
from analytics.services import (
    alert_acknowledge,
    alert_raise,
    alert_resolve,
    alerts_check,
    analytics_cleanup,
    metrics_take,
)
from billing.models import NoteStatus, PaymentMethod
from billing.services import note_charge, note_finalise, note_issue
from booking.services.bookings import booking_transition
from reservations.models import ReservationStatus, TableStatus
from reservations.selectors import booking_policy_forget, booking_policy_get
from restaurants.roles import CASHIER
from restaurants.services import staff_user_ensure
from tests.billing.conftest import MEXICO, book, table_priced
from tests.conftest import MANAGER_A, PASSWORD
from tests.factories import TableFactory, open_every_day
from tests.threads import run_at_once

UTC = dt.UTC
# The hour under test: 20:00–21:00 in Mexico City, 02:00–03:00 UTC.
HOUR = dt.datetime(2030, 3, 5, 20, 0, tzinfo=MEXICO)
# Ten minutes into the next hour: HOUR is the last complete one.
AFTER_HOUR = HOUR + dt.timedelta(hours=1, minutes=10)
EVENING = dt.datetime(2030, 3, 5, 20, 0, tzinfo=MEXICO)


def hours_from(first: dt.datetime, count: int) -> list[dt.datetime]:
    return [(first + dt.timedelta(hours=n)).astimezone(UTC) for n in range(count)]


def snapshot_hours() -> list[dt.datetime]:
    return list(MetricsSnapshot.objects.order_by("hour").values_list("hour", flat=True))


def seat(table, *, starts_at=EVENING):
    """A party booked on ``table`` and seated: the table becomes occupied."""
    reservation = book(table=table, starts_at=starts_at)
    booking_transition(reservation=reservation, to=ReservationStatus.SEATED)
    return reservation


def pay(reservation, *, at: dt.datetime):
    """Issue, finalise and charge in cash the reservation's note, paid at ``at``."""
    with time_machine.travel(at, tick=False):
        note = note_issue(reservation=reservation)
        note_finalise(note=note)
        return note_charge(note=note, payments={PaymentMethod.CASH: note.total})


@pytest.fixture
def casa_azul(restaurant_a):
    """Inside Casa Azul's schema, open 12:00–23:30 every day."""
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:30", max_days_ahead=365)
        yield restaurant_a
    connection.set_schema_to_public()


@pytest.fixture
def carrera(committed_restaurant):
    """The committed restaurant, its booking policy (a row that is not emptied between
    tests) put back afterwards."""
    connection.set_tenant(committed_restaurant)
    policy = booking_policy_get()
    kept = {
        field.attname: getattr(policy, field.attname)
        for field in policy._meta.concrete_fields
        if not field.primary_key
    }
    try:
        yield committed_restaurant
    finally:
        connection.set_tenant(committed_restaurant)
        policy = booking_policy_get()
        for name, value in kept.items():
            setattr(policy, name, value)
        policy.save()
        booking_policy_forget()
        connection.set_schema_to_public()


# --- Metrics -------------------------------------------------------------------------------


def test_hourly_metrics_count_the_parties_tables_and_revenue_of_that_hour(casa_azul):
    finished = table_priced("M01", "8.00")  # a party sat 19:30–21:30, since gone
    seated = table_priced("M02", "6.00")  # a party seated from 20:30, still there
    due = TableFactory(code="M03")  # a confirmed party due at 20:00
    later = TableFactory(code="M04")  # a confirmed party due at 21:00: the next hour
    earlier = table_priced("M05", "5.00")  # a party that left at 20:00: the hour before
    TableFactory(code="M06")  # free all evening
    TableFactory(code="M07", status=TableStatus.MAINTENANCE)

    first_party = seat(finished, starts_at=HOUR - dt.timedelta(minutes=30))
    booking_transition(reservation=first_party, to=ReservationStatus.FINISHED)
    book(table=finished, starts_at=HOUR + dt.timedelta(minutes=30))  # M01 booked again
    second_party = seat(seated, starts_at=HOUR + dt.timedelta(minutes=30))
    book(table=due, starts_at=HOUR)
    book(table=later, starts_at=HOUR + dt.timedelta(hours=1))
    early_party = seat(earlier, starts_at=HOUR - dt.timedelta(hours=2))
    booking_transition(reservation=early_party, to=ReservationStatus.FINISHED)

    inside = pay(first_party, at=HOUR + dt.timedelta(minutes=45))
    pay(early_party, at=HOUR - dt.timedelta(seconds=1))
    pay(second_party, at=HOUR + dt.timedelta(hours=1))

    metrics_take(now=AFTER_HOUR)

    snapshot = MetricsSnapshot.objects.get(hour=HOUR)
    assert inside.status == NoteStatus.PAID
    assert inside.total == Decimal("9.20")  # 8.00 + 15 % tax
    assert {
        "tables_total": snapshot.tables_total,
        "tables_occupied": snapshot.tables_occupied,
        "tables_reserved": snapshot.tables_reserved,
        "tables_free": snapshot.tables_free,
        "occupancy_rate": snapshot.occupancy_rate,
        "revenue": snapshot.revenue,
    } == {
        "tables_total": 7,
        "tables_occupied": 2,  # M01 and M02
        "tables_reserved": 1,  # M03 (M01, booked again, counts once: occupied)
        "tables_free": 3,  # 6 in service − 2 − 1: M04, M05, M06
        "occupancy_rate": Decimal("33.3"),  # 2 of the 6 in service
        "revenue": Decimal("9.20"),  # only the note paid inside the hour
    }


def test_taking_metrics_twice_for_the_same_hour_keeps_one_row_per_hour(casa_azul):
    TableFactory(code="M01")

    first = metrics_take(now=AFTER_HOUR)
    second = metrics_take(now=AFTER_HOUR + dt.timedelta(minutes=30))

    assert first > 0
    assert second == 0
    assert MetricsSnapshot.objects.filter(hour=HOUR).count() == 1
    hours = snapshot_hours()
    assert len(hours) == len(set(hours)) == first


def test_first_metrics_run_writes_the_last_48_complete_hours_and_not_the_current_one(
    casa_azul,
):
    written = metrics_take(now=AFTER_HOUR)

    assert written == 48
    assert snapshot_hours() == hours_from(HOUR - dt.timedelta(hours=47), 48)
    # The hour in progress (21:00–22:00) waits for the next run.
    assert not MetricsSnapshot.objects.filter(hour=HOUR + dt.timedelta(hours=1)).exists()


def test_metrics_run_five_hours_late_writes_the_five_missed_hours_once(casa_azul):
    metrics_take(now=AFTER_HOUR)
    before = snapshot_hours()

    written = metrics_take(now=AFTER_HOUR + dt.timedelta(hours=5))

    assert written == 5
    after = snapshot_hours()
    assert after == before + hours_from(HOUR + dt.timedelta(hours=1), 5)
    assert len(after) == len(set(after)) == 48 + 5


def test_metrics_run_more_than_two_days_late_catches_up_only_the_last_48_hours(casa_azul):
    metrics_take(now=AFTER_HOUR)
    before = snapshot_hours()

    written = metrics_take(now=AFTER_HOUR + dt.timedelta(hours=72))

    assert written == 48
    # Hours 1–24 after HOUR are beyond the catch-up and stay missing.
    assert snapshot_hours() == before + hours_from(HOUR + dt.timedelta(hours=25), 48)


def test_five_simultaneous_metrics_runs_write_each_hour_once_without_error(carrera):
    open_every_day("12:00", "23:30", max_days_ahead=365)
    TableFactory(code="M01")
    seat(TableFactory(code="M02"), starts_at=HOUR)

    results = run_at_once(carrera, 5, lambda index: metrics_take(now=AFTER_HOUR))

    assert [outcome for outcome, _ in results] == ["ok"] * 5, results
    connection.set_tenant(carrera)
    assert snapshot_hours() == hours_from(HOUR - dt.timedelta(hours=47), 48)
    snapshot = MetricsSnapshot.objects.get(hour=HOUR)
    assert (snapshot.tables_occupied, snapshot.occupancy_rate) == (1, Decimal("50.0"))


# --- Alerts --------------------------------------------------------------------------------


def four_tables():
    return [TableFactory(code=f"M{n:02d}") for n in range(1, 5)]


def test_high_occupancy_alert_is_raised_when_occupancy_reaches_the_threshold(casa_azul):
    open_every_day("12:00", "23:30", max_days_ahead=365, high_occupancy_percent=75)
    tables = four_tables()
    for table in tables[:3]:
        seat(table)

    raised = alerts_check(now=EVENING)

    assert [(alert.kind, alert.severity) for alert in raised] == [
        (AlertKind.HIGH_OCCUPANCY, AlertSeverity.HIGH)
    ]
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.OPEN
    assert alert.raised_at == EVENING
    assert alert.message == "Ocupación al 75,0 %."


def test_no_high_occupancy_alert_below_the_threshold(casa_azul):
    open_every_day("12:00", "23:30", max_days_ahead=365, high_occupancy_percent=75)
    tables = four_tables()
    for table in tables[:2]:
        seat(table)

    assert alerts_check(now=EVENING) == []
    assert not Alert.objects.exists()


def test_high_occupancy_alert_is_not_repeated_within_its_cooldown_but_is_after_it(casa_azul):
    open_every_day(
        "12:00",
        "23:30",
        max_days_ahead=365,
        high_occupancy_percent=75,
        high_occupancy_cooldown_minutes=15,
    )
    tables = four_tables()
    for table in tables[:3]:
        seat(table)

    first = alerts_check(now=EVENING)
    within = alerts_check(now=EVENING + dt.timedelta(minutes=14))
    after = alerts_check(now=EVENING + dt.timedelta(minutes=15))

    assert len(first) == 1
    assert within == []
    assert [alert.kind for alert in after] == [AlertKind.HIGH_OCCUPANCY]
    assert list(
        Alert.objects.filter(kind=AlertKind.HIGH_OCCUPANCY)
        .order_by("raised_at")
        .values_list("raised_at", flat=True)
    ) == [EVENING, EVENING + dt.timedelta(minutes=15)]


def test_low_occupancy_alert_is_raised_only_while_the_restaurant_is_open(casa_azul):
    open_every_day("12:00", "23:30", max_days_ahead=365, low_occupancy_percent=20)
    four_tables()  # all free: 0 %
    day = dt.date(2030, 3, 5)

    before_opening = alerts_check(now=dt.datetime.combine(day, dt.time(11, 0), tzinfo=MEXICO))
    after_closing = alerts_check(now=dt.datetime.combine(day, dt.time(23, 45), tzinfo=MEXICO))
    assert before_opening == after_closing == []
    assert not Alert.objects.exists()

    during_service = alerts_check(now=dt.datetime.combine(day, dt.time(13, 0), tzinfo=MEXICO))

    assert [(alert.kind, alert.severity) for alert in during_service] == [
        (AlertKind.LOW_OCCUPANCY, AlertSeverity.MEDIUM)
    ]
    assert Alert.objects.count() == 1


def test_no_occupancy_alert_when_no_table_is_in_service(casa_azul):
    open_every_day("12:00", "23:30", max_days_ahead=365, low_occupancy_percent=20)
    TableFactory(code="M01", status=TableStatus.MAINTENANCE)
    day = dt.date(2030, 3, 5)

    raised = alerts_check(now=dt.datetime.combine(day, dt.time(13, 0), tzinfo=MEXICO))

    assert raised == []


def test_table_occupied_with_nobody_seated_raises_one_conflict_alert_per_cooldown(casa_azul):
    open_every_day("12:00", "23:30", max_days_ahead=365, table_conflict_cooldown_minutes=10)
    TableFactory(code="M01")
    TableFactory(code="M02")
    TableFactory(code="M03", status=TableStatus.OCCUPIED)  # nobody is seated at it
    TableFactory(code="M04")

    raised = alerts_check(now=EVENING)
    within = alerts_check(now=EVENING + dt.timedelta(minutes=9))
    after = alerts_check(now=EVENING + dt.timedelta(minutes=10))

    assert [(alert.kind, alert.subject) for alert in raised] == [(AlertKind.TABLE_CONFLICT, "M03")]
    assert raised[0].message == "M03 figura ocupada pero no hay nadie sentado."
    assert within == []
    assert [(alert.kind, alert.subject) for alert in after] == [(AlertKind.TABLE_CONFLICT, "M03")]
    assert Alert.objects.filter(kind=AlertKind.TABLE_CONFLICT).count() == 2


@pytest.fixture
def staff(casa_azul):
    manager = get_user_model().objects.get(username=MANAGER_A)
    cashier, _created = staff_user_ensure(
        email="caja@casa-azul.test", password=PASSWORD, role=CASHIER
    )
    return manager, cashier


def test_acknowledging_then_resolving_an_alert_records_who_and_when(staff):
    manager, cashier = staff
    alert = alert_raise(
        kind=AlertKind.HIGH_OCCUPANCY, severity=AlertSeverity.HIGH, message="Ocupación 90 %"
    )
    seen_at = EVENING + dt.timedelta(minutes=2)
    solved_at = EVENING + dt.timedelta(minutes=20)

    with time_machine.travel(seen_at, tick=False):
        alert_acknowledge(alert=alert, by=cashier)
    with time_machine.travel(solved_at, tick=False):
        alert_resolve(alert=alert, by=manager)

    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert (alert.acknowledged_by, alert.acknowledged_at) == (cashier, seen_at)
    assert (alert.resolved_by, alert.resolved_at) == (manager, solved_at)
    assert not Alert.objects.unresolved().exists()


def test_resolving_an_open_alert_at_once_records_it_as_seen_by_the_same_person(staff):
    manager, _cashier = staff
    alert = alert_raise(kind=AlertKind.TABLE_CONFLICT, severity=AlertSeverity.MEDIUM, message="M03")

    with time_machine.travel(EVENING, tick=False):
        alert_resolve(alert=alert, by=manager)

    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledged_at) == (manager, EVENING)
    assert (alert.resolved_by, alert.resolved_at) == (manager, EVENING)


def test_resolving_a_resolved_alert_is_refused_in_spanish_and_changes_nothing(staff):
    manager, cashier = staff
    alert = alert_raise(kind=AlertKind.TABLE_CONFLICT, severity=AlertSeverity.MEDIUM, message="M03")
    with time_machine.travel(EVENING, tick=False):
        alert_resolve(alert=alert, by=manager)

    with pytest.raises(ValidationError) as refused:
        alert_resolve(alert=alert, by=cashier)

    assert refused.value.messages == [
        "Una alerta en estado «Resuelta» no puede marcarse «Resuelta»."
    ]
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by, alert.resolved_at) == (
        AlertStatus.RESOLVED,
        manager,
        EVENING,
    )


def test_five_simultaneous_alert_checks_raise_the_high_occupancy_alert_once(carrera):
    open_every_day("12:00", "23:30", max_days_ahead=365, high_occupancy_percent=75)
    tables = four_tables()
    for table in tables[:3]:
        seat(table)

    results = run_at_once(carrera, 5, lambda index: [a.pk for a in alerts_check(now=EVENING)])

    assert [outcome for outcome, _ in results] == ["ok"] * 5, results
    raised = [pk for _outcome, pks in results for pk in pks]
    assert len(raised) == 1
    connection.set_tenant(carrera)
    assert list(Alert.objects.values_list("pk", "kind")) == [(raised[0], AlertKind.HIGH_OCCUPANCY)]


# --- Clean-up ------------------------------------------------------------------------------

CLEANUP_NOW = dt.datetime(2030, 3, 5, 12, 0, tzinfo=UTC)


def snapshot_at(hour: dt.datetime) -> MetricsSnapshot:
    return MetricsSnapshot(
        hour=hour,
        tables_total=4,
        tables_occupied=1,
        tables_reserved=1,
        tables_free=2,
        occupancy_rate=Decimal("25.0"),
        revenue=Decimal("10.00"),
    )


def alert_at(raised_at: dt.datetime, status: str = AlertStatus.RESOLVED, **fields) -> Alert:
    if status == AlertStatus.RESOLVED:
        fields.setdefault("resolved_at", raised_at + dt.timedelta(minutes=5))
    return Alert.objects.create(
        kind=AlertKind.LOW_OCCUPANCY,
        severity=AlertSeverity.MEDIUM,
        message="Ocupación baja",
        status=status,
        raised_at=raised_at,
        **fields,
    )


def test_cleanup_deletes_metrics_and_resolved_alerts_past_the_retention_and_keeps_the_rest(
    casa_azul,
):
    open_every_day("12:00", "23:30", retention_days=30)
    cutoff = CLEANUP_NOW - dt.timedelta(days=30)
    MetricsSnapshot.objects.bulk_create(
        [
            snapshot_at(cutoff - dt.timedelta(days=5)),
            snapshot_at(cutoff - dt.timedelta(hours=1)),
            snapshot_at(cutoff),
            snapshot_at(cutoff + dt.timedelta(days=10)),
        ]
    )
    old_resolved = alert_at(cutoff - dt.timedelta(days=1))
    old_open = alert_at(cutoff - dt.timedelta(days=2), status=AlertStatus.OPEN)
    old_seen = alert_at(
        cutoff - dt.timedelta(days=3),
        status=AlertStatus.ACKNOWLEDGED,
        acknowledged_at=cutoff - dt.timedelta(days=3),
    )
    new_resolved = alert_at(cutoff + dt.timedelta(days=1))

    deleted = analytics_cleanup(now=CLEANUP_NOW)

    assert deleted == 3
    assert snapshot_hours() == [cutoff, cutoff + dt.timedelta(days=10)]
    assert set(Alert.objects.values_list("pk", flat=True)) == {
        old_open.pk,
        old_seen.pk,
        new_resolved.pk,
    }
    assert not Alert.objects.filter(pk=old_resolved.pk).exists()


def test_cleanup_removes_more_old_rows_than_fit_in_one_batch(casa_azul, monkeypatch):
    monkeypatch.setattr(services, "CLEANUP_BATCH", 3)
    old = CLEANUP_NOW - dt.timedelta(days=500)  # beyond the default 400 days
    MetricsSnapshot.objects.bulk_create(
        [snapshot_at(old + dt.timedelta(hours=n)) for n in range(10)]
        + [snapshot_at(CLEANUP_NOW - dt.timedelta(hours=1))]
    )
    for n in range(7):
        alert_at(old + dt.timedelta(hours=n))
    recent = alert_at(CLEANUP_NOW - dt.timedelta(hours=1))

    deleted = analytics_cleanup(now=CLEANUP_NOW)

    assert deleted == 17
    assert snapshot_hours() == [CLEANUP_NOW - dt.timedelta(hours=1)]
    assert list(Alert.objects.values_list("pk", flat=True)) == [recent.pk]


# --- Isolation -----------------------------------------------------------------------------


def test_metrics_and_alerts_of_one_restaurant_never_show_in_another(restaurant_a, restaurant_b):
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:30", max_days_ahead=365, high_occupancy_percent=75)
        tables = four_tables()
        for table in tables[:3]:
            seat(table, starts_at=HOUR)
        assert metrics_take(now=AFTER_HOUR) == 48
        assert len(alerts_check(now=EVENING)) == 1

    with tenant_context(restaurant_b):
        assert not MetricsSnapshot.objects.exists()
        assert not Alert.objects.exists()
        # Bistro Verde's own first run is not held back by Casa Azul's rows, and counts
        # none of Casa Azul's tables.
        assert metrics_take(now=AFTER_HOUR) == 48
        assert MetricsSnapshot.objects.get(hour=HOUR).tables_occupied == 0
        assert MetricsSnapshot.objects.get(hour=HOUR).tables_total == 0

    with tenant_context(restaurant_a):
        assert MetricsSnapshot.objects.count() == 48
        assert MetricsSnapshot.objects.get(hour=HOUR).tables_occupied == 3
        assert Alert.objects.count() == 1
    connection.set_schema_to_public()
