"""Reads over the floor and the till for metrics, alerts and the daily roll-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    CharField,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractHour
from django.utils import timezone

from analytics.models import DailyRollup
from billing.models import ConsumptionNote, NoteLine, NoteStatus
from menu.models import PreOrder
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


def _late_closing(day: dt.date, snapshot) -> dt.time | None:
    """When the service of ``day`` that runs past midnight closes the next morning, if any."""
    if snapshot.is_closed(day):
        return None
    closings = [
        closes_at
        for opens_at, closes_at in snapshot.periods.get(day.weekday(), ())
        if closes_at <= opens_at
    ]
    return max(closings, default=None)


def service_day_bounds(*, day: dt.date, snapshot=None) -> tuple[dt.datetime, dt.datetime]:
    """The moments [from, until) in which a booking starts to belong to service day ``day``.

    The restaurant's local day, except that a service running past midnight keeps the
    early hours until its closing (as the cash report's service day does): a day whose eve
    closes at 01:00 begins at 01:00. ``snapshot``: the policy's, when the caller has it
    (one cache read for many days).
    """
    snapshot = snapshot or booking_policy_snapshot()
    zone = restaurant_zone()
    next_day = day + dt.timedelta(days=1)
    eve_closing = _late_closing(day - dt.timedelta(days=1), snapshot)
    own_closing = _late_closing(day, snapshot)
    return (
        dt.datetime.combine(day, eve_closing or dt.time(), tzinfo=zone),
        dt.datetime.combine(next_day, own_closing or dt.time(), tzinfo=zone),
    )


def restaurant_opened_at() -> dt.datetime | None:
    """When the current restaurant was created (kept by an export and import): the scheduled
    catch-ups of metrics and roll-ups go no further back, there being nothing to count."""
    return getattr(connection.tenant, "created_at", None)


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
    # One grouped query for the four breakdowns: a row per source, table and hour, never
    # more rows than the day has bookings, folded below.
    by_source: dict[str, dict[str, int]] = {}
    by_table: dict[str, dict[str, int]] = {}
    covers_by_hour: dict[str, int] = {}
    seated_by_hour: dict[str, int] = {}
    for row in (
        booked.annotate(hour=ExtractHour("starts_at", tzinfo=restaurant_zone()))
        .values("source", "table__code", "hour")
        .annotate(
            reservations=Count("pk"),
            covers=Sum("party_size"),
            seated=Coalesce(Sum("party_size", filter=came), 0),
        )
        .order_by()
    ):
        for breakdown, key in ((by_source, row["source"]), (by_table, row["table__code"])):
            summed = breakdown.setdefault(key, {"reservations": 0, "covers": 0})
            summed["reservations"] += row["reservations"]
            summed["covers"] += row["covers"]
        hour = str(row["hour"])
        covers_by_hour[hour] = covers_by_hour.get(hour, 0) + row["covers"]
        if row["seated"]:
            seated_by_hour[hour] = seated_by_hour.get(hour, 0) + row["seated"]

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

    dishes = _day_dishes(day=day, booked=booked)

    # Returning: a kept booking before the day. An EXISTS on the customer's own bookings,
    # not their first booking's ORDER BY … LIMIT 1, which PostgreSQL walked by the whole
    # book's time index (0.8 s a day over a year of 50,000 bookings).
    came_before = Reservation.objects.filter(customer=OuterRef("pk"), starts_at__lt=starts).exclude(
        status=ReservationStatus.CANCELLED
    )
    guests = (
        Customer.objects.filter(pk__in=booked.values("customer_id"))
        .annotate(came_before=Exists(came_before))
        .aggregate(
            new=Count("pk", filter=Q(came_before=False)),
            returning=Count("pk", filter=Q(came_before=True)),
        )
    )

    return {
        "reservations": totals["reservations"],
        "covers_booked": totals["covers_booked"],
        "covers_seated": totals["covers_seated"],
        "no_shows": totals["no_shows"],
        "no_show_covers": totals["no_show_covers"],
        "cancellations": totals["cancellations"],
        "by_source": dict(sorted(by_source.items())),
        "covers_by_hour": _by_hour(covers_by_hour),
        "seated_by_hour": _by_hour(seated_by_hour),
        "by_table": dict(sorted(by_table.items())),
        "dishes": dishes,
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


def _by_hour(covers: dict[str, int]) -> dict[str, int]:
    return dict(sorted(covers.items(), key=lambda item: int(item[0])))


def _day_dishes(*, day: dt.date, booked) -> dict[str, dict]:
    """The dishes of service day ``day``: pre-ordered with its bookings (cancelled ones
    apart), and sold on its paid notes (quantity and the lines' amount, before tax).

    One query: the two grouped reads joined by ``UNION ALL``. Lines of a dish since
    deleted (their ``dish`` emptied) are left out: there is no dish left to rank.
    """
    text = CharField()
    preordered = (
        PreOrder.objects.filter(reservation__in=booked.values("pk"))
        .values("dish_id", "dish__name")
        .annotate(
            kind=Value("preordered", output_field=text),
            quantity=Sum("quantity"),
            revenue=Value(Decimal("0.00"), output_field=DecimalField()),
        )
        .values_list("kind", "dish_id", "dish__name", "quantity", "revenue")
        .order_by()
    )
    sold = (
        NoteLine.objects.filter(
            note__service_day=day, note__status=NoteStatus.PAID, dish__isnull=False
        )
        .values("dish_id", "dish__name")
        .annotate(
            kind=Value("sold", output_field=text),
            quantity=Sum("quantity"),
            revenue=Sum("amount"),
        )
        .values_list("kind", "dish_id", "dish__name", "quantity", "revenue")
        .order_by()
    )
    dishes: dict[str, dict] = {}
    for kind, dish_id, name, quantity, revenue in preordered.union(sold, all=True):
        dish = dishes.setdefault(
            str(dish_id), {"name": name, "preordered": 0, "sold": 0, "revenue": "0.00"}
        )
        dish[kind] += quantity
        if kind == "sold":
            dish["revenue"] = str(Decimal(dish["revenue"]) + revenue)
    return dict(sorted(dishes.items(), key=lambda item: int(item[0])))


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


# --- A customer's history with the restaurant ----------------------------------------------

GUEST_REQUESTS_SHOWN = 5


def guest_history(*, customer: Customer) -> dict:
    """What the restaurant knows of ``customer``'s visits, for their admin page: visits
    (parties seated or finished), what their paid notes came to, no-shows, cancellations,
    the last visit, the average party, and their latest special requests. Two queries.

    Here rather than in reservations: the spend is the till's (billing), above it.
    """
    came = Q(status__in=[ReservationStatus.SEATED, ReservationStatus.FINISHED])
    paid = Q(note__status=NoteStatus.PAID)
    figures = Reservation.objects.filter(customer=customer).aggregate(
        bookings=Count("pk"),
        visits=Count("pk", filter=came),
        no_shows=Count("pk", filter=Q(status=ReservationStatus.NO_SHOW)),
        cancellations=Count("pk", filter=Q(status=ReservationStatus.CANCELLED)),
        upcoming=Count(
            "pk",
            filter=Q(
                status__in=[ReservationStatus.PENDING, ReservationStatus.CONFIRMED],
                starts_at__gte=timezone.now(),
            ),
        ),
        first_visit=Min("starts_at", filter=came),
        last_visit=Max("starts_at", filter=came),
        average_party_size=Avg("party_size", filter=came),
        spend=Coalesce(Sum("note__total", filter=paid), Decimal("0.00")),
        paid_notes=Count("note", filter=paid),
    )
    figures["average_party_size"] = _decimal(figures["average_party_size"], "0.1")
    figures["requests"] = list(
        Reservation.objects.filter(customer=customer)
        .exclude(special_requests="")
        .order_by("-starts_at")
        .values("reference", "starts_at", "special_requests")[:GUEST_REQUESTS_SHOWN]
    )
    return figures


# --- Period reports: the roll-ups summed in PostgreSQL --------------------------------------

# One branch per breakdown, each reading the span's rows by the day index (a shared CTE
# would copy every row's JSON into a work table first: slower).
_SPAN = """FROM analytics_dailyrollup,
     jsonb_each({column}) AS entry
WHERE day BETWEEN %(previous_start)s AND %(end)s"""
_PERIOD = "CASE WHEN day >= %(start)s THEN 'now' ELSE 'before' END"
_BREAKDOWNS_SQL = f"""
SELECT 'source', {_PERIOD}, entry.key, NULL::int, SUM((entry.value->>'reservations')::int),
       SUM((entry.value->>'covers')::int), NULL::numeric, NULL
{_SPAN.format(column="by_source")} GROUP BY 2, 3
UNION ALL
SELECT 'table', {_PERIOD}, entry.key, NULL, SUM((entry.value->>'reservations')::int),
       SUM((entry.value->>'covers')::int), NULL, NULL
{_SPAN.format(column="by_table")} GROUP BY 2, 3
UNION ALL
SELECT 'dish', {_PERIOD}, entry.key, NULL, SUM((entry.value->>'preordered')::int),
       SUM((entry.value->>'sold')::int), SUM((entry.value->>'revenue')::numeric),
       MAX(entry.value->>'name')
{_SPAN.format(column="dishes")} GROUP BY 2, 3
UNION ALL
SELECT 'seated', {_PERIOD}, entry.key, EXTRACT(ISODOW FROM day)::int - 1,
       SUM((entry.value #>> '{{}}')::int), NULL, NULL, NULL
{_SPAN.format(column="seated_by_hour")} GROUP BY 2, 3, 4
UNION ALL
SELECT 'turn', {_PERIOD}, entry.key, NULL, SUM((entry.value->>'parties')::int), NULL,
       SUM((entry.value->>'parties')::int * (entry.value->>'minutes')::numeric), NULL
{_SPAN.format(column="turn_by_party_size")} GROUP BY 2, 3
"""

# The plain figures of each day that a report reads (its lines, its totals).
REPORT_DAY_FIGURES = (
    "day",
    "covers_seated",
    "covers_booked",
    "revenue",
    "lead_time_hours",
    *(
        name
        for name in ADDITIVE_FIGURES
        if name not in ("covers_seated", "covers_booked", "revenue")
    ),
)


@dataclass
class PeriodRollups:
    """Two spans' roll-ups as a report reads them: each day's plain figures (``days``, a
    dict per day, oldest first) and, per span, the breakdowns summed (``sums``)."""

    days: list[dict]
    sums: dict[str, dict]


def period_rollups(
    *, previous_start: dt.date, start: dt.date, end: dt.date, breakdowns: bool = True
) -> PeriodRollups:
    """The roll-ups from ``previous_start`` to ``end``, the days from ``start`` on being the
    period reported ("now") and those before it the period compared ("before"). Two queries.

    The breakdowns (sources, tables, dishes, seated covers by hour and weekday, turns) are
    summed in PostgreSQL with ``jsonb_each``, not decoded row by row in Python: a year and
    the year before sum in a few milliseconds instead of a hundred (``breakdowns=False``
    skips them: one query). Sources and tables as {key: {"reservations", "covers"}}, most
    booked first for tables; dishes by id, best-selling first, a dish renamed during the
    span shown under its alphabetically last name (its latest would cost a sort of every
    dish of every day); the seated covers as hour -> seven sums, Monday first; turns by
    party size as {"parties", "minutes"}.
    """
    days = list(
        DailyRollup.objects.filter(day__range=(previous_start, end))
        .order_by("day")
        .values(*REPORT_DAY_FIGURES)
    )
    sums = {
        period: {
            "by_source": {},
            "by_table": {},
            "dishes": {},
            "seated_by_hour_weekday": {},
            "turn_by_party_size": {},
        }
        for period in ("now", "before")
    }
    with connection.cursor() as cursor:
        if breakdowns:
            cursor.execute(
                _BREAKDOWNS_SQL, {"previous_start": previous_start, "start": start, "end": end}
            )
        for kind, period, key, weekday, first, second, amount, name in (
            cursor.fetchall() if breakdowns else ()
        ):
            figures = sums[period]
            if kind in ("source", "table"):
                figures[f"by_{kind}"][key] = {"reservations": first, "covers": second}
            elif kind == "dish":
                figures["dishes"][key] = {
                    "name": name,
                    "preordered": first,
                    "sold": second,
                    "revenue": amount,
                }
            elif kind == "seated":
                figures["seated_by_hour_weekday"].setdefault(int(key), [0] * 7)[weekday] = first
            elif first:
                figures["turn_by_party_size"][key] = {
                    "parties": first,
                    "minutes": round(float(amount) / first, 1),
                }
    for figures in sums.values():
        figures["by_source"] = dict(sorted(figures["by_source"].items()))
        figures["by_table"] = dict(
            sorted(
                figures["by_table"].items(),
                key=lambda item: (-item[1]["reservations"], -item[1]["covers"], item[0]),
            )
        )
        figures["dishes"] = dict(
            sorted(
                figures["dishes"].items(),
                key=lambda item: (-item[1]["revenue"], -item[1]["sold"], item[1]["name"]),
            )
        )
        figures["turn_by_party_size"] = dict(
            sorted(figures["turn_by_party_size"].items(), key=lambda item: int(item[0]))
        )
        figures["seated_by_hour_weekday"] = dict(sorted(figures["seated_by_hour_weekday"].items()))
    return PeriodRollups(days=days, sums=sums)
