"""What the admin's home shows: the manager's day and week at a glance, the cashier's till.

Each selector reads with a fixed handful of queries, whatever the number of bookings or
notes: the home is opened all day and redrawn on every live event of the floor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django_tenants.utils import get_public_schema_name

from analytics.models import Alert, AlertStatus, DailyRollup, Forecast
from analytics.selectors import service_day_at, service_day_bounds
from billing.models import ConsumptionNote, NoteStatus
from billing.selectors import CashReport, cash_report
from reservations.models import Reservation, ReservationStatus
from reservations.selectors import booking_policy_snapshot, restaurant_zone

# Who sees which home. A manager reads the book, the figures and the forecast; a cashier
# works the notes and the till and sees none of the restaurant's figures.
MANAGER_PERMISSIONS = (
    "reservations.view_reservation",
    "analytics.view_alert",
    "analytics.view_dailyrollup",
    "analytics.view_forecast",
)
CASHIER_PERMISSIONS = ("billing.view_consumptionnote", "billing.view_cash_report")

MANAGER, CASHIER = "manager", "cashier"

# The arrivals listed: due within this long, or late and not seated yet.
ARRIVALS_AHEAD = dt.timedelta(hours=2)
ARRIVALS_LISTED = 30
ALERTS_LISTED = 3
# The same weekday this many weeks back is what today's revenue is set against.
WEEKS_COMPARED = 4
WEEK_AHEAD_DAYS = 7
OPEN_NOTES_LISTED = 50

ZERO = Decimal("0.00")
CAME = (ReservationStatus.SEATED, ReservationStatus.FINISHED)
DUE = (ReservationStatus.PENDING, ReservationStatus.CONFIRMED)


def home_kind(user) -> str:
    """Which home ``user`` opens on: ``"manager"``, ``"cashier"`` or ``""`` (the model list
    alone)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return ""
    if user.has_perms(MANAGER_PERMISSIONS):
        return MANAGER
    if user.has_perms(CASHIER_PERMISSIONS):
        return CASHIER
    return ""


def in_restaurant() -> bool:
    """A restaurant's schema, not the platform's (whose admin has the same index page)."""
    return connection.schema_name != get_public_schema_name()


# --- The manager's today ------------------------------------------------------------------


@dataclass(frozen=True)
class HourCovers:
    """One local hour of the service day: guests booked to arrive in it, those of them who
    came (seated or finished), and what the forecast expected."""

    starts_at: dt.datetime
    booked: int
    came: int
    expected: Decimal | None = None

    @property
    def label(self) -> str:
        return f"{self.starts_at:%H}:00"


@dataclass(frozen=True)
class RevenueComparison:
    """Today's paid notes against the whole of the same weekday in the weeks before."""

    today: Decimal
    paid_notes: int
    weeks: list[tuple[dt.date, Decimal | None]]  # None: no roll-up for that day

    @property
    def average(self) -> Decimal | None:
        known = [revenue for _day, revenue in self.weeks if revenue is not None]
        return (sum(known, ZERO) / len(known)).quantize(Decimal("0.01")) if known else None

    @property
    def share_of_average(self) -> int | None:
        """Today so far as a percentage of the average whole day."""
        average = self.average
        return round(100 * self.today / average) if average else None


@dataclass
class ManagerToday:
    day: dt.date
    now: dt.datetime
    hours: list[HourCovers] = field(default_factory=list)
    bookings: int = 0
    covers_booked: int = 0
    covers_came: int = 0
    parties_seated_now: int = 0
    covers_seated_now: int = 0
    arrivals: list[Reservation] = field(default_factory=list)
    alerts_open: int = 0
    alerts_unresolved: int = 0
    latest_alerts: list[Alert] = field(default_factory=list)
    forecast: Forecast | None = None
    revenue: RevenueComparison | None = None

    @property
    def busiest_hour(self) -> int:
        """The largest bar of the hours (at least 1): the CSS bars' scale."""
        return max([1, *(max(hour.booked, float(hour.expected or 0)) for hour in self.hours)])


def _service_hours(day: dt.date) -> list[dt.datetime]:
    """The local hours the restaurant is open on service day ``day`` (none when closed)."""
    snapshot = booking_policy_snapshot()
    if snapshot.is_closed(day):
        return []
    zone = restaurant_zone()
    hours: set[dt.datetime] = set()
    for opens_at, closes_at in snapshot.periods.get(day.weekday(), ()):
        start = dt.datetime.combine(day, opens_at.replace(minute=0, second=0), tzinfo=zone)
        end = dt.datetime.combine(
            day + dt.timedelta(days=1) if closes_at <= opens_at else day, closes_at, tzinfo=zone
        )
        while start < end:
            hours.add(start)
            start = (start + dt.timedelta(hours=1)).astimezone(zone)
    return sorted(hours)


def _hour_of(moment: dt.datetime) -> dt.datetime:
    local = moment.astimezone(restaurant_zone())
    return local.replace(minute=0, second=0, microsecond=0)


def _moment_of_hour(
    day: dt.date, hour: int, bounds: tuple[dt.datetime, dt.datetime], open_hours
) -> dt.datetime:
    """Where the forecast's local ``hour`` of service day ``day`` falls: on the day itself, or
    the next morning for a service running past midnight (the open hour of the two)."""
    zone = restaurant_zone()
    candidates = [
        dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(hour), tzinfo=zone)
        for offset in (0, 1)
    ]
    inside = [moment for moment in candidates if bounds[0] <= moment < bounds[1]] or candidates
    return next((moment for moment in inside if moment in open_hours), inside[0])


def manager_today(*, now: dt.datetime) -> ManagerToday:
    """The service day running at ``now`` as the manager watches it: guests booked and come
    by hour, who is seated now, the arrivals of the next two hours (and the late ones), the
    alerts not resolved, tonight's forecast, and the till against the same weekday before.

    Seven queries: the day's book by start time, the arrivals, the alerts' counts and latest,
    the day's forecast rows, the paid notes, the roll-ups of the weeks before."""
    day = service_day_at(now)
    starts, ends = service_day_bounds(day=day)
    today = ManagerToday(day=day, now=now)

    # By start time, not by hour in SQL: the service day's bounds may fall inside an hour.
    booked: dict[dt.datetime, int] = {}
    came: dict[dt.datetime, int] = {}
    rows = (
        Reservation.objects.filter(starts_at__gte=starts, starts_at__lt=ends)
        .exclude(status=ReservationStatus.CANCELLED)
        .order_by()
        .values("starts_at")
        .annotate(
            bookings=Count("pk"),
            covers=Sum("party_size"),
            came=Coalesce(Sum("party_size", filter=Q(status__in=CAME)), 0),
            seated_parties=Count("pk", filter=Q(status=ReservationStatus.SEATED)),
            seated=Coalesce(Sum("party_size", filter=Q(status=ReservationStatus.SEATED)), 0),
        )
    )
    for row in rows:
        hour = _hour_of(row["starts_at"])
        booked[hour] = booked.get(hour, 0) + row["covers"]
        came[hour] = came.get(hour, 0) + row["came"]
        today.bookings += row["bookings"]
        today.covers_booked += row["covers"]
        today.covers_came += row["came"]
        today.parties_seated_now += row["seated_parties"]
        today.covers_seated_now += row["seated"]

    forecasts = list(Forecast.objects.filter(day=day))
    today.forecast = next((row for row in forecasts if row.hour is None), None)
    open_hours = _service_hours(day)
    expected = {
        _moment_of_hour(day, row.hour, (starts, ends), open_hours): row.expected
        for row in forecasts
        if row.hour is not None and not row.closed
    }
    hours = sorted(set(open_hours) | set(booked) | set(expected))
    today.hours = [
        HourCovers(
            starts_at=hour,
            booked=booked.get(hour, 0),
            came=came.get(hour, 0),
            expected=expected.get(hour),
        )
        for hour in hours
    ]

    today.arrivals = list(
        Reservation.objects.filter(
            status__in=DUE, starts_at__lt=now + ARRIVALS_AHEAD, ends_at__gt=now
        )
        .select_related("customer", "table")
        .order_by("starts_at", "table__code")[:ARRIVALS_LISTED]
    )

    counts = Alert.objects.aggregate(
        open=Count("pk", filter=Q(status=AlertStatus.OPEN)),
        unresolved=Count("pk", filter=~Q(status=AlertStatus.RESOLVED)),
    )
    today.alerts_open, today.alerts_unresolved = counts["open"], counts["unresolved"]
    if today.alerts_unresolved:
        today.latest_alerts = list(
            Alert.objects.unresolved().order_by("-raised_at")[:ALERTS_LISTED]
        )

    today.revenue = revenue_against_weeks(day=day)
    return today


def revenue_against_weeks(*, day: dt.date) -> RevenueComparison:
    """What the notes of service day ``day`` paid so far, and the roll-ups' revenue of the
    same weekday in each of the four weeks before (two queries)."""
    till = ConsumptionNote.objects.filter(service_day=day, status=NoteStatus.PAID).aggregate(
        total=Coalesce(Sum("total"), ZERO), count=Count("pk")
    )
    days = [day - dt.timedelta(weeks=weeks) for weeks in range(1, WEEKS_COMPARED + 1)]
    rolled = dict(DailyRollup.objects.filter(day__in=days).values_list("day", "revenue"))
    return RevenueComparison(
        today=till["total"],
        paid_notes=till["count"],
        weeks=[(past, rolled.get(past)) for past in days],
    )


# --- The week ahead ------------------------------------------------------------------------


@dataclass(frozen=True)
class DayAhead:
    day: dt.date
    closed: bool
    bookings: int
    covers: int
    forecast: Forecast | None

    @property
    def booked_share(self) -> int | None:
        """Covers booked as a percentage of the covers expected."""
        if self.forecast is None or not self.forecast.expected:
            return None
        return round(100 * self.covers / self.forecast.expected)


def week_ahead(*, today: dt.date) -> list[DayAhead]:
    """The seven service days after ``today``: bookings and covers booked so far, against the
    day's forecast (two queries)."""
    days = [today + dt.timedelta(days=offset) for offset in range(1, WEEK_AHEAD_DAYS + 1)]
    snapshot = booking_policy_snapshot()
    bounds = [service_day_bounds(day=day, snapshot=snapshot) for day in days]
    rows = (
        Reservation.objects.filter(starts_at__gte=bounds[0][0], starts_at__lt=bounds[-1][1])
        .exclude(status=ReservationStatus.CANCELLED)
        .order_by()
        .values("starts_at")
        .annotate(bookings=Count("pk"), covers=Sum("party_size"))
    )
    totals = {day: [0, 0] for day in days}
    for row in rows:
        for day, (starts, ends) in zip(days, bounds, strict=True):
            if starts <= row["starts_at"] < ends:
                totals[day][0] += row["bookings"]
                totals[day][1] += row["covers"]
                break
    forecasts = {row.day: row for row in Forecast.objects.filter(day__in=days, hour__isnull=True)}
    return [
        DayAhead(
            day=day,
            closed=snapshot.is_closed(day) or not snapshot.periods.get(day.weekday()),
            bookings=totals[day][0],
            covers=totals[day][1],
            forecast=forecasts.get(day),
        )
        for day in days
    ]


# --- The cashier's today -------------------------------------------------------------------


@dataclass
class CashierToday:
    day: dt.date
    till: CashReport
    open_notes: list[ConsumptionNote]
    open_earlier: int  # of them, notes of a service day before today

    @property
    def paid_count(self) -> int:
        return len(self.till.paid)


def cashier_today(*, now: dt.datetime) -> CashierToday:
    """The notes a cashier still has to charge (today's and any left from a day before, the
    oldest first) and today's till by payment method: the cash report of the service day
    running at ``now``, and one query for the earlier days' notes still open."""
    day = service_day_at(now)
    report = cash_report(day=day, now=now)
    earlier = list(
        ConsumptionNote.objects.filter(
            service_day__lt=day, status__in=(NoteStatus.DRAFT, NoteStatus.FINALISED)
        )
        .select_related("reservation__table")
        .order_by("service_day", "number")[:OPEN_NOTES_LISTED]
    )
    open_notes = [*earlier, *report.open_after_service, *report.open_before_service]
    return CashierToday(
        day=day,
        till=report,
        open_notes=open_notes[:OPEN_NOTES_LISTED],
        open_earlier=len(earlier),
    )
