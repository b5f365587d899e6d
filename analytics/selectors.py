"""Reads over the floor and the till for metrics, alerts and the daily roll-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, ExtractHour

from analytics.models import DailyRollup
from billing.models import ConsumptionNote, NoteStatus
from reservations.models import (
    Customer,
    Reservation,
    ReservationStatus,
    StatusChange,
    Table,
    TableStatus,
)
from reservations.selectors import booking_policy_snapshot, restaurant_zone


def hour_figures(*, hour: dt.datetime) -> dict:
    """Tables occupied, reserved and free during the hour from ``hour``, and what was paid.

    Parties come from the book, not from the tables' current status, so that a late run
    counts an hour as it was: a table is occupied if a party sat at it during the hour,
    reserved if a confirmed or pending party was due in it. The number of tables, and
    those in maintenance, are the floor's when counted (their past is not kept).
    """
    ends = hour + dt.timedelta(hours=1)
    during = Reservation.objects.filter(starts_at__lt=ends, ends_at__gt=hour)
    occupied = set(
        during.filter(
            Q(status=ReservationStatus.SEATED) | Q(status=ReservationStatus.FINISHED)
        ).values_list("table_id", flat=True)
    )
    reserved = (
        set(
            during.filter(
                status__in=[ReservationStatus.CONFIRMED, ReservationStatus.PENDING]
            ).values_list("table_id", flat=True)
        )
        - occupied
    )
    tables = Table.objects.count()
    in_service = tables - Table.objects.filter(status=TableStatus.MAINTENANCE).count()
    revenue = ConsumptionNote.objects.filter(
        status=NoteStatus.PAID, paid_at__gte=hour, paid_at__lt=ends
    ).aggregate(total=Sum("total"))["total"]
    return {
        "tables_total": tables,
        "tables_occupied": len(occupied),
        "tables_reserved": len(reserved),
        "tables_free": max(0, in_service - len(occupied) - len(reserved)),
        "occupancy_rate": (
            (Decimal(100 * len(occupied)) / in_service).quantize(Decimal("0.1"))
            if in_service
            else Decimal("0.0")
        ),
        "revenue": revenue or Decimal("0.00"),
    }


def table_conflicts() -> list[tuple[Table, str]]:
    """Tables whose status disagrees with their bookings, with what is wrong."""
    seated = set(
        Reservation.objects.filter(status=ReservationStatus.SEATED).values_list(
            "table_id", flat=True
        )
    )
    conflicts = []
    for table in Table.objects.order_by("code"):
        if table.pk in seated and table.status != TableStatus.OCCUPIED:
            conflicts.append((table, "seated_not_occupied"))
        elif table.pk not in seated and table.status == TableStatus.OCCUPIED:
            conflicts.append((table, "occupied_nobody_seated"))
    return conflicts


# --- Daily roll-ups --------------------------------------------------------------------------


def _late_closing(day: dt.date) -> dt.time | None:
    """When the service of ``day`` that runs past midnight closes the next morning, if any."""
    snapshot = booking_policy_snapshot()
    if snapshot.is_closed(day):
        return None
    closings = [
        closes_at
        for opens_at, closes_at in snapshot.periods.get(day.weekday(), ())
        if closes_at <= opens_at
    ]
    return max(closings, default=None)


def service_day_bounds(*, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The moments [from, until) in which a booking starts to belong to service day ``day``.

    The restaurant's local day, except that a service running past midnight keeps the
    early hours until its closing (as the cash report's service day does): a day whose eve
    closes at 01:00 begins at 01:00.
    """
    zone = restaurant_zone()
    next_day = day + dt.timedelta(days=1)
    eve_closing = _late_closing(day - dt.timedelta(days=1))
    own_closing = _late_closing(day)
    return (
        dt.datetime.combine(day, eve_closing or dt.time(), tzinfo=zone),
        dt.datetime.combine(next_day, own_closing or dt.time(), tzinfo=zone),
    )


def service_day_at(moment: dt.datetime) -> dt.date:
    """The service day running at ``moment``: after midnight, still last night's late service."""
    local_day = moment.astimezone(restaurant_zone()).date()
    if moment < service_day_bounds(day=local_day)[0]:
        return local_day - dt.timedelta(days=1)
    return local_day


class Median(Aggregate):
    """The median of a numeric expression (PostgreSQL's ``percentile_cont(0.5)``)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _seconds(expression) -> Func:
    return Func(
        ExpressionWrapper(expression, output_field=DurationField()),
        template="EXTRACT(EPOCH FROM %(expressions)s)",
        output_field=FloatField(),
    )


def _decimal(value: float | Decimal | None, places: str) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def day_figures(*, day: dt.date) -> dict:
    """Every figure of service day ``day``'s roll-up (all but the day itself).

    A fixed handful of aggregate queries, whatever the number of bookings: the book of the
    day's moments (``service_day_bounds``), its notes by their service day. A party's turn
    runs from its seating to its move to finished in the audit history; a finished party
    without that record (one imported, say) is taken to have left at its booking's end.
    """
    starts, ends = service_day_bounds(day=day)
    book = Reservation.objects.filter(starts_at__gte=starts, starts_at__lt=ends)
    kept = ~Q(status=ReservationStatus.CANCELLED)
    came = Q(status__in=[ReservationStatus.SEATED, ReservationStatus.FINISHED])
    no_show = Q(status=ReservationStatus.NO_SHOW)
    totals = book.aggregate(
        reservations=Count("pk", filter=kept),
        covers_booked=Coalesce(Sum("party_size", filter=kept), 0),
        covers_seated=Coalesce(Sum("party_size", filter=came), 0),
        no_shows=Count("pk", filter=no_show),
        no_show_covers=Coalesce(Sum("party_size", filter=no_show), 0),
        cancellations=Count("pk", filter=~kept),
        average_party_size=Avg("party_size", filter=kept),
        lead_time_seconds=Median(_seconds(F("starts_at") - F("created_at")), filter=kept),
    )
    booked = book.filter(kept).order_by()
    by_source = {
        row["source"]: {"reservations": row["reservations"], "covers": row["covers"]}
        for row in booked.values("source")
        .annotate(reservations=Count("pk"), covers=Sum("party_size"))
        .order_by("source")
    }
    covers_by_hour = {
        str(row["hour"]): row["covers"]
        for row in booked.annotate(hour=ExtractHour("starts_at", tzinfo=restaurant_zone()))
        .values("hour")
        .annotate(covers=Sum("party_size"))
        .order_by("hour")
    }

    finished_at = StatusChange.objects.filter(
        content_type__app_label=Reservation._meta.app_label,
        content_type__model=Reservation._meta.model_name,
        object_id=OuterRef("pk"),
        to_status=ReservationStatus.FINISHED,
    ).order_by("-created_at", "-pk")
    turns = list(
        book.filter(status=ReservationStatus.FINISHED, seated_at__isnull=False)
        .annotate(
            left_at=Coalesce(Subquery(finished_at.values("created_at")[:1]), F("ends_at")),
        )
        .values("party_size")
        .annotate(parties=Count("pk"), seconds=Avg(_seconds(F("left_at") - F("seated_at"))))
        .order_by("party_size")
    )
    turn_by_party_size = {
        str(row["party_size"]): {
            "parties": row["parties"],
            "minutes": float(_decimal(row["seconds"] / 60, "0.1")),
        }
        for row in turns
    }
    finished_parties = sum(row["parties"] for row in turns)
    turn_seconds = sum(row["parties"] * row["seconds"] for row in turns)

    till = ConsumptionNote.objects.filter(service_day=day, status=NoteStatus.PAID).aggregate(
        revenue=Coalesce(Sum("total"), Decimal("0.00")),
        paid_notes=Count("pk"),
        paid_covers=Coalesce(Sum("reservation__party_size"), 0),
    )

    first_booking = (
        Reservation.objects.filter(customer=OuterRef("pk"))
        .exclude(status=ReservationStatus.CANCELLED)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    guests = (
        Customer.objects.filter(pk__in=booked.values("customer_id"))
        .annotate(first_starts_at=Subquery(first_booking))
        .aggregate(
            new=Count("pk", filter=Q(first_starts_at__gte=starts)),
            returning=Count("pk", filter=Q(first_starts_at__lt=starts)),
        )
    )

    return {
        "reservations": totals["reservations"],
        "covers_booked": totals["covers_booked"],
        "covers_seated": totals["covers_seated"],
        "no_shows": totals["no_shows"],
        "no_show_covers": totals["no_show_covers"],
        "cancellations": totals["cancellations"],
        "by_source": by_source,
        "covers_by_hour": covers_by_hour,
        "average_party_size": _decimal(totals["average_party_size"], "0.01"),
        "turn_minutes": (
            _decimal(turn_seconds / finished_parties / 60, "0.1") if finished_parties else None
        ),
        "turn_by_party_size": turn_by_party_size,
        "revenue": till["revenue"],
        "paid_notes": till["paid_notes"],
        "paid_covers": till["paid_covers"],
        "spend_per_cover": (
            _decimal(till["revenue"] / till["paid_covers"], "0.01") if till["paid_covers"] else None
        ),
        "new_customers": guests["new"],
        "returning_customers": guests["returning"],
        "lead_time_hours": (
            _decimal(totals["lead_time_seconds"] / 3600, "0.1")
            if totals["lead_time_seconds"] is not None
            else None
        ),
    }


# The figures of a roll-up that add up over several days.
ADDITIVE_FIGURES = (
    "reservations",
    "covers_booked",
    "covers_seated",
    "no_shows",
    "no_show_covers",
    "cancellations",
    "revenue",
    "paid_notes",
    "paid_covers",
    "new_customers",
    "returning_customers",
)


@dataclass
class RollupReport:
    """The roll-ups of a span of service days, oldest first, and their totals."""

    rows: list[DailyRollup]
    totals: dict = field(default_factory=dict)


def rollups_between(*, start: dt.date, end: dt.date) -> RollupReport:
    """The daily roll-ups from ``start`` to ``end`` (both included) and their totals: one
    query, a row a day, however many bookings the span holds.

    Averages are weighted by what they average (party size by bookings, turns by finished
    parties, spend by paid covers). The booking lead time is a median, which does not add
    up over days: the totals leave it out. Days without a roll-up are simply absent.
    """
    rows = list(DailyRollup.objects.filter(day__range=(start, end)).order_by("day"))
    totals: dict = {
        name: sum((getattr(row, name) for row in rows), Decimal("0.00") if name == "revenue" else 0)
        for name in ADDITIVE_FIGURES
    }
    by_source: dict[str, dict[str, int]] = {}
    covers_by_hour: dict[str, int] = {}
    turns: dict[str, list[float]] = {}  # party size -> [parties, minutes × parties]
    for row in rows:
        for source, figures in row.by_source.items():
            summed = by_source.setdefault(source, {"reservations": 0, "covers": 0})
            summed["reservations"] += figures["reservations"]
            summed["covers"] += figures["covers"]
        for hour, covers in row.covers_by_hour.items():
            covers_by_hour[hour] = covers_by_hour.get(hour, 0) + covers
        for size, turn in row.turn_by_party_size.items():
            summed_turn = turns.setdefault(size, [0, 0.0])
            summed_turn[0] += turn["parties"]
            summed_turn[1] += turn["parties"] * turn["minutes"]
    finished = sum(parties for parties, _minutes in turns.values())
    totals.update(
        by_source=dict(sorted(by_source.items())),
        covers_by_hour=dict(sorted(covers_by_hour.items(), key=lambda item: int(item[0]))),
        turn_by_party_size={
            size: {"parties": parties, "minutes": round(minutes / parties, 1)}
            for size, (parties, minutes) in sorted(turns.items(), key=lambda item: int(item[0]))
        },
        average_party_size=(
            _decimal(Decimal(totals["covers_booked"]) / totals["reservations"], "0.01")
            if totals["reservations"]
            else None
        ),
        turn_minutes=(
            _decimal(sum(minutes for _parties, minutes in turns.values()) / finished, "0.1")
            if finished
            else None
        ),
        spend_per_cover=(
            _decimal(totals["revenue"] / totals["paid_covers"], "0.01")
            if totals["paid_covers"]
            else None
        ),
    )
    return RollupReport(rows=rows, totals=totals)
