"""Alerts (raised by the scheduled checks, acknowledged and resolved by staff), hourly
metrics, daily roll-ups and their clean-up."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from analytics import forecasts, live, selectors
from analytics.models import (
    ALERT_TRANSITIONS,
    Alert,
    AlertKind,
    AlertSeverity,
    AlertStatus,
    DailyRollup,
    Forecast,
    MetricsSnapshot,
)
from reservations.selectors import booking_policy_get, floor_occupancy, is_open_at
from restaurants.live import live_event_send


@transaction.atomic
def alert_raise(*, kind: str, severity: str, message: str, subject: str = "") -> Alert:
    """Record an alert and push it to the staff screens."""
    alert = Alert.objects.create(kind=kind, severity=severity, message=message, subject=subject)
    live.alert_changed(alert, type="alert_triggered")
    return alert


def _move(alert: Alert, to: str, *, by) -> Alert:
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if to not in ALERT_TRANSITIONS[locked.status]:
        raise ValidationError(
            _("An alert in status «%(from)s» cannot be marked «%(to)s».")
            % {"from": locked.get_status_display(), "to": AlertStatus(to).label}
        )
    now = timezone.now()
    locked.status = to
    if to == AlertStatus.ACKNOWLEDGED:
        locked.acknowledged_at, locked.acknowledged_by = now, by
    else:
        locked.resolved_at, locked.resolved_by = now, by
        if locked.acknowledged_at is None:
            locked.acknowledged_at, locked.acknowledged_by = now, by
    locked.save()
    live.alert_changed(locked, type=f"alert_{to}")
    alert.status = locked.status
    return locked


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by) -> Alert:
    """Staff saw the alert; who and when are kept."""
    return _move(alert, AlertStatus.ACKNOWLEDGED, by=by)


@transaction.atomic
def alert_resolve(*, alert: Alert, by) -> Alert:
    """Staff dealt with the alert; who and when are kept."""
    return _move(alert, AlertStatus.RESOLVED, by=by)


# --- Scheduled checks ----------------------------------------------------------------------

# How far back a late metrics run catches up on hours it missed.
METRICS_CATCH_UP_HOURS = 48
CLEANUP_BATCH = 1000


def _hour_start(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def metrics_take(*, now: dt.datetime | None = None) -> int:
    """Snapshot every complete hour not yet snapshotted (the last one, or all missed ones
    up to two days back, none before the restaurant was created); returns how many hours
    this run wrote.

    One row per hour, by a unique key: a second run, or two at once, write nothing more
    (two at once may each count an hour the other wrote first).
    """
    now = now or timezone.now()
    last_complete = _hour_start(now) - dt.timedelta(hours=1)
    latest = MetricsSnapshot.objects.order_by("-hour").values_list("hour", flat=True).first()
    first = last_complete - dt.timedelta(hours=METRICS_CATCH_UP_HOURS - 1)
    if latest is not None:
        first = max(first, latest + dt.timedelta(hours=1))
    opened = selectors.restaurant_opened_at()
    if opened is not None:
        first = max(first, _hour_start(opened))
    hours = []
    hour = first
    while hour <= last_complete:
        hours.append(hour)
        hour += dt.timedelta(hours=1)
    taken = set(MetricsSnapshot.objects.filter(hour__in=hours).values_list("hour", flat=True))
    hours = [hour for hour in hours if hour not in taken]
    MetricsSnapshot.objects.bulk_create(
        [MetricsSnapshot(hour=hour, **selectors.hour_figures(hour=hour)) for hour in hours],
        ignore_conflicts=True,
    )
    if hours:
        newest = MetricsSnapshot.objects.get(hour=hours[-1])
        live_event_send(
            type="metrics_updated",
            metrics={
                "last_hour": newest.hour.isoformat(),
                "last_hour_occupancy_rate": float(newest.occupancy_rate),
                "last_hour_revenue": str(newest.revenue),
            },
        )
    return len(hours)


# What a snapshot says about its hour (all but the hour itself).
SNAPSHOT_FIGURES = [
    "tables_total",
    "tables_occupied",
    "tables_reserved",
    "tables_free",
    "occupancy_rate",
    "revenue",
    "taken_at",
]


@transaction.atomic
def metrics_refresh(*, since: dt.datetime, until: dt.datetime) -> int:
    """Snapshot again every complete hour from the one holding ``since`` up to ``until``,
    replacing what was taken; returns how many hours it wrote.

    For a book and notes written after their hours had passed (the demo's past week): the
    scheduled job never goes back more than two days nor rewrites an hour it took.
    """
    hour, hours = _hour_start(since), []
    while hour + dt.timedelta(hours=1) <= until:
        hours.append(hour)
        hour += dt.timedelta(hours=1)
    MetricsSnapshot.objects.bulk_create(
        [MetricsSnapshot(hour=hour, **selectors.hour_figures(hour=hour)) for hour in hours],
        update_conflicts=True,
        unique_fields=["hour"],
        update_fields=SNAPSHOT_FIGURES,
    )
    return len(hours)


def _raise_unless_cooling(
    *, kind: str, severity: str, message: str, subject: str, cooldown_minutes: int, now
) -> Alert | None:
    """Raise an alert unless one of its kind (and subject) was raised within the cooldown.

    Checked under a transaction lock on (schema, kind, subject): two checks at once raise
    it once.
    """
    key = f"{connection.schema_name}:alert:{kind}:{subject}"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
        recent = Alert.objects.filter(
            kind=kind,
            subject=subject,
            raised_at__gt=now - dt.timedelta(minutes=cooldown_minutes),
        )
        if recent.exists():
            return None
        alert = Alert.objects.create(
            kind=kind, severity=severity, message=message, subject=subject, raised_at=now
        )
        live.alert_changed(alert, type="alert_triggered")
        return alert


def alerts_check(*, now: dt.datetime | None = None) -> list[Alert]:
    """Raise the occupancy, table-conflict and prediction-anomaly alerts the floor calls for
    now."""

    now = now or timezone.now()
    policy = booking_policy_get()
    floor = floor_occupancy()
    rate = floor["occupancy_rate"]
    shown_rate = number_format(rate, decimal_pos=1)
    raised = []
    if floor["total"] == floor["maintenance"]:
        pass  # no table in service: occupancy means nothing
    elif rate >= policy.high_occupancy_percent:
        raised.append(
            _raise_unless_cooling(
                kind=AlertKind.HIGH_OCCUPANCY,
                severity=AlertSeverity.HIGH,
                message=_("Occupancy at %(rate)s %%.") % {"rate": shown_rate},
                subject="",
                cooldown_minutes=policy.high_occupancy_cooldown_minutes,
                now=now,
            )
        )
    elif rate <= policy.low_occupancy_percent and is_open_at(now):
        raised.append(
            _raise_unless_cooling(
                kind=AlertKind.LOW_OCCUPANCY,
                severity=AlertSeverity.MEDIUM,
                message=_("Occupancy at %(rate)s %% during opening hours.") % {"rate": shown_rate},
                subject="",
                cooldown_minutes=policy.low_occupancy_cooldown_minutes,
                now=now,
            )
        )
    for table, problem in selectors.table_conflicts():
        message = {
            "seated_not_occupied": _("A party is seated at %(table)s but it is not occupied."),
            "occupied_nobody_seated": _("%(table)s is occupied but nobody is seated at it."),
        }[problem] % {"table": table.code}
        raised.append(
            _raise_unless_cooling(
                kind=AlertKind.TABLE_CONFLICT,
                severity=AlertSeverity.MEDIUM,
                message=message,
                subject=table.code,
                cooldown_minutes=policy.table_conflict_cooldown_minutes,
                now=now,
            )
        )
    raised.append(_prediction_anomaly(policy=policy, now=now))
    return [alert for alert in raised if alert is not None]


def _prediction_anomaly(*, policy, now: dt.datetime) -> Alert | None:
    """The guests seated now against those the hour's forecast expects in the house, while
    the restaurant is open and the hour has a forecast: an alert past the policy's share."""
    if not is_open_at(now):
        return None
    found = forecasts.expected_in_house_at(now)
    if found is None:
        return None
    row, expected = found
    seated = forecasts.guests_seated()
    if abs(seated - expected) <= expected * policy.prediction_anomaly_percent / 100:
        return None
    return _raise_unless_cooling(
        kind=AlertKind.PREDICTION_ANOMALY,
        severity=AlertSeverity.LOW,
        message=_("%(seated)s guests seated at %(hour)s against %(expected)s forecast.")
        % {
            "seated": seated,
            "hour": f"{row.hour:02d}:00",
            "expected": number_format(expected, decimal_pos=0),
        },
        subject="",
        cooldown_minutes=policy.prediction_anomaly_cooldown_minutes,
        now=now,
    )


def analytics_cleanup(*, now: dt.datetime | None = None) -> int:
    """Delete metrics, resolved alerts and forecasts of days older than the retention, in
    batches."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=booking_policy_get().retention_days)
    deleted = 0
    for queryset in (
        MetricsSnapshot.objects.filter(hour__lt=cutoff),
        Alert.objects.filter(status=AlertStatus.RESOLVED, resolved_at__lt=cutoff),
        Forecast.objects.filter(day__lt=cutoff.date()),
    ):
        while batch := list(queryset.values_list("pk", flat=True)[:CLEANUP_BATCH]):
            deleted += queryset.model.objects.filter(pk__in=batch).delete()[0]
    return deleted


# --- Daily roll-ups --------------------------------------------------------------------------

# Days before today whose book still changes (a late no-show, a note paid the morning after):
# recomputed by the scheduled job, at most once an hour each.
ROLLUP_RECENT_DAYS = 3
ROLLUP_RECENT_EVERY = dt.timedelta(hours=1)
# How far back the scheduled job fills days that have no roll-up (older ones: the backfill).
ROLLUP_CATCH_UP_DAYS = 31
ROLLUP_FIGURES = [
    field.name
    for field in DailyRollup._meta.concrete_fields
    if field.name not in ("id", "day", "updated_at")
]


def daily_rollup_compute(*, day: dt.date) -> DailyRollup:
    """Compute service day ``day``'s roll-up from the book and the notes, and write it over
    the one kept: one statement, so running it twice, or twice at once, leaves one row."""
    rollup = DailyRollup(day=day, **selectors.day_figures(day=day))
    DailyRollup.objects.bulk_create(
        [rollup],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=[*ROLLUP_FIGURES, "updated_at"],
    )
    return rollup


def daily_rollups_refresh(*, now: dt.datetime | None = None) -> int:
    """Bring the roll-ups up to date (the metrics job); returns how many days it wrote.

    Today's on every run; the last few days' again when an hour old, their book and notes
    still moving; and any day of the last month without one (the job was stopped), since
    the restaurant was created (a new one has no past to count). A steady run reads one
    list of days and computes one.
    """
    now = now or timezone.now()
    today = selectors.service_day_at(now)
    oldest = today - dt.timedelta(days=ROLLUP_CATCH_UP_DAYS)
    opened = selectors.restaurant_opened_at()
    if opened is not None:
        oldest = min(max(oldest, selectors.service_day_at(opened)), today)
    kept = dict(
        DailyRollup.objects.filter(day__range=(oldest, today)).values_list("day", "updated_at")
    )
    recent_from = today - dt.timedelta(days=ROLLUP_RECENT_DAYS)
    days = [
        day
        for day in (
            oldest + dt.timedelta(days=offset) for offset in range((today - oldest).days + 1)
        )
        if day == today
        or day not in kept
        or (day >= recent_from and kept[day] <= now - ROLLUP_RECENT_EVERY)
    ]
    for day in days:
        daily_rollup_compute(day=day)
    return len(days)


def daily_rollups_backfill(*, days: int, now: dt.datetime | None = None) -> int:
    """Compute again the roll-ups of the last ``days`` service days up to today (after an
    import, or for a restaurant that had none); returns how many it wrote."""
    today = selectors.service_day_at(now or timezone.now())
    for offset in range(days):
        daily_rollup_compute(day=today - dt.timedelta(days=offset))
    return days
