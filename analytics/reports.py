"""The manager's period reports, read from the daily roll-ups only.

A report never scans the book: a year is 365 roll-up rows (and as many for the period
before it), summed in PostgreSQL, so it costs the same few queries whatever the
restaurant's size.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.utils import translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.models import DailyRollup
from analytics.selectors import ADDITIVE_FIGURES, period_rollups
from reservations.models import ReservationSource, Table

PERIOD_KINDS = {
    "day": gettext_lazy("Day"),
    "week": gettext_lazy("Week"),
    "month": gettext_lazy("Month"),
    "custom": gettext_lazy("Custom"),
}
# Two years and a day: longer spans are a query nobody reads on one page.
LONGEST_PERIOD_DAYS = 732
RANKED = 10  # rows of the tables' and dishes' rankings
REPORT_CACHE_SECONDS = 60 * 60


class PeriodError(ValueError):
    """A period that cannot be reported on; its message is for the user."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def each_day(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=offset) for offset in range(self.days)]


def period_bounds(kind: str, anchor: dt.date, until: dt.date | None = None) -> Period:
    """The period of ``kind`` holding ``anchor``: the day, its week (Monday to Sunday), its
    calendar month, or, for ``custom``, from ``anchor`` to ``until`` (both included)."""
    if kind == "day":
        return Period(anchor, anchor)
    if kind == "week":
        monday = anchor - dt.timedelta(days=anchor.weekday())
        return Period(monday, monday + dt.timedelta(days=6))
    if kind == "month":
        first = anchor.replace(day=1)
        next_first = (first + dt.timedelta(days=32)).replace(day=1)
        return Period(first, next_first - dt.timedelta(days=1))
    if kind == "custom":
        if until is None:
            raise PeriodError(_("Give the last day of the period."))
        if until < anchor:
            raise PeriodError(_("The period ends before it starts."))
        period = Period(anchor, until)
        if period.days > LONGEST_PERIOD_DAYS:
            raise PeriodError(
                _("A report covers at most %(days)d days.") % {"days": LONGEST_PERIOD_DAYS}
            )
        return period
    raise PeriodError(_("Unknown kind of period."))


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _change(now: float | Decimal | None, before: float | Decimal | None) -> float | None:
    """The change from ``before`` to ``now`` in percent (None when there was nothing before)."""
    if now is None or not before:
        return None
    return round(100 * (float(now) - float(before)) / float(before), 1)


def _totals(days: list[dict], sums: dict) -> dict:
    """A span's figures: its days' plain figures added up, the averages weighted by what
    they average (party size by bookings, turns by finished parties, spend by paid covers),
    the breakdowns as PostgreSQL summed them."""
    totals = {
        name: sum((day[name] for day in days), Decimal("0.00") if name == "revenue" else 0)
        for name in ADDITIVE_FIGURES
    }
    turns = sums["turn_by_party_size"].values()
    finished = sum(turn["parties"] for turn in turns)
    totals.update(
        sums,
        average_party_size=(
            (Decimal(totals["covers_booked"]) / totals["reservations"]).quantize(Decimal("0.01"))
            if totals["reservations"]
            else None
        ),
        turn_minutes=(
            round(sum(turn["parties"] * turn["minutes"] for turn in turns) / finished, 1)
            if finished
            else None
        ),
        spend_per_cover=(
            (totals["revenue"] / totals["paid_covers"]).quantize(Decimal("0.01"))
            if totals["paid_covers"]
            else None
        ),
    )
    return totals


def _summary(days: list[dict], totals: dict) -> dict:
    lead_times = [float(day["lead_time_hours"]) for day in days if day["lead_time_hours"]]
    booked_or_cancelled = totals["reservations"] + totals["cancellations"]
    return {
        "reservations": totals["reservations"],
        "covers_booked": totals["covers_booked"],
        "covers_seated": totals["covers_seated"],
        "revenue": totals["revenue"],
        "spend_per_cover": totals["spend_per_cover"],
        "average_party_size": totals["average_party_size"],
        "turn_minutes": totals["turn_minutes"],
        "no_shows": totals["no_shows"],
        "no_show_rate": _rate(totals["no_shows"], totals["reservations"]),
        "cancellations": totals["cancellations"],
        "cancellation_rate": _rate(totals["cancellations"], booked_or_cancelled),
        # A median does not add up over days: this is the median of the days' medians.
        "lead_time_hours": round(statistics.median(lead_times), 1) if lead_times else None,
        "new_customers": totals["new_customers"],
        "returning_customers": totals["returning_customers"],
        "returning_rate": _rate(
            totals["returning_customers"],
            totals["new_customers"] + totals["returning_customers"],
        ),
    }


def _heatmap(days: list[dict], seated: dict[int, list[int]], seats: int) -> dict:
    """Average covers seated by local hour of arrival and weekday, over the period's days
    of each weekday (a day with a roll-up and nobody seated counts as zero), and that
    average as a share of the restaurant's seats."""
    days_by_weekday = [0] * 7
    for day in days:
        days_by_weekday[day["day"].weekday()] += 1
    cells = []
    for hour, covers in seated.items():
        averages = [
            round(covers[weekday] / count, 1) if count else None
            for weekday, count in enumerate(days_by_weekday)
        ]
        cells.append(
            {
                "hour": hour,
                "covers": averages,
                "share": [
                    round(100 * average / seats, 1) if seats and average is not None else None
                    for average in averages
                ],
            }
        )
    peak = max((value or 0 for row in cells for value in row["covers"]), default=0)
    return {"days": days_by_weekday, "rows": cells, "seats": seats, "peak": peak}


def period_report_cached(*, start: dt.date, end: dt.date, breakdowns: bool = True) -> dict:
    """``period_report``, remembered (in the restaurant's cache) for as long as the roll-ups
    of its two spans and the restaurant's seats stay as they were: a manager going back and
    forth between reports, or several people reading last month's, compute it once.

    Two queries to know (the spans' roll-ups' latest write, count and last id; the seats),
    then the cache; a roll-up written again (the metrics job, a backfill) or a table's
    capacity changed gives another key. The cache failing open, it is then computed.
    """
    before = Period(start, end).previous()
    stamp = DailyRollup.objects.filter(day__range=(before.start, end)).aggregate(
        updated=Max("updated_at"), days=Count("pk"), last=Max("pk")
    )
    seats = Table.objects.aggregate(seats=Sum("max_capacity"))["seats"] or 0
    key = ":".join(
        str(part)
        for part in (
            "analytics:report:v1",
            start,
            end,
            int(breakdowns),
            translation.get_language(),  # the sources' names are in it
            seats,
            stamp["updated"].timestamp() if stamp["updated"] else "-",
            stamp["days"],
            stamp["last"],
        )
    )
    report = cache.get(key)
    if report is None:
        report = period_report(start=start, end=end, breakdowns=breakdowns, seats=seats)
        cache.set(key, report, REPORT_CACHE_SECONDS)
    return report


def period_report(
    *, start: dt.date, end: dt.date, breakdowns: bool = True, seats: int | None = None
) -> dict:
    """Everything the report of ``start``–``end`` shows, with the same figures for the
    period of equal length before it: three queries (the two spans' days, their summed
    breakdowns, the seats), whatever the length of the period or the size of the book.

    Without ``breakdowns``, the days and their totals only (what the table of days needs):
    sources, tables, dishes, turns and the heatmap come back empty.
    """
    period = Period(start, end)
    before = period.previous()
    rollups = period_rollups(
        previous_start=before.start, start=period.start, end=period.end, breakdowns=breakdowns
    )
    if seats is None:
        seats = Table.objects.aggregate(seats=Sum("max_capacity"))["seats"] or 0
    now_days = [day for day in rollups.days if day["day"] >= period.start]
    then_days = [day for day in rollups.days if day["day"] < period.start]
    now_totals = _totals(now_days, rollups.sums["now"])
    then_totals = _totals(then_days, rollups.sums["before"])

    by_day = {day["day"]: day for day in rollups.days}
    zero = {"covers_seated": 0, "covers_booked": 0, "revenue": Decimal("0.00")}
    daily = []
    for day, day_before in zip(period.each_day(), before.each_day(), strict=True):
        row, row_before = by_day.get(day, zero), by_day.get(day_before, zero)
        daily.append(
            {
                "day": day,
                "covers": row["covers_seated"],
                "covers_booked": row["covers_booked"],
                "revenue": row["revenue"],
                "previous_day": day_before,
                "previous_covers": row_before["covers_seated"],
                "previous_revenue": row_before["revenue"],
            }
        )

    summary, previous = _summary(now_days, now_totals), _summary(then_days, then_totals)
    comparison = {
        name: _change(value, previous[name])
        for name, value in summary.items()
        if isinstance(value, int | float | Decimal) or value is None
    }

    source_labels = dict(ReservationSource.choices)
    sources = [
        {
            "source": source,
            "label": str(source_labels.get(source, source)),
            "reservations": figures["reservations"],
            "covers": figures["covers"],
            "share": _rate(figures["reservations"], now_totals["reservations"]),
            "previous_reservations": then_totals["by_source"]
            .get(source, {})
            .get("reservations", 0),
        }
        for source, figures in sorted(
            now_totals["by_source"].items(), key=lambda item: -item[1]["reservations"]
        )
    ]
    tables = [
        {
            "code": code,
            "reservations": figures["reservations"],
            "covers": figures["covers"],
            "share": _rate(figures["reservations"], now_totals["reservations"]),
            "previous_reservations": then_totals["by_table"].get(code, {}).get("reservations", 0),
        }
        for code, figures in list(now_totals["by_table"].items())[:RANKED]
    ]
    dishes = [
        {
            "dish_id": dish_id,
            "name": figures["name"],
            "preordered": figures["preordered"],
            "sold": figures["sold"],
            "revenue": figures["revenue"],
            "previous_sold": then_totals["dishes"].get(dish_id, {}).get("sold", 0),
        }
        for dish_id, figures in list(now_totals["dishes"].items())[:RANKED]
    ]
    turns = [
        {"party_size": int(size), "parties": turn["parties"], "minutes": turn["minutes"]}
        for size, turn in now_totals["turn_by_party_size"].items()
    ]
    return {
        "period": period,
        "previous_period": before,
        "days_with_figures": len(now_days),
        "summary": summary,
        "previous": previous,
        "comparison": comparison,
        "daily": daily,
        "heatmap": _heatmap(now_days, now_totals["seated_by_hour_weekday"], seats),
        "turns": turns,
        "tables": tables,
        "dishes": dishes,
        "sources": sources,
    }


# --- CSV: one table of the report a file --------------------------------------------------

CSV_TABLES = ("summary", "covers", "heatmap", "turns", "tables", "dishes", "sources")
# The tables whose rows need no breakdown (``period_report(breakdowns=False)``).
CSV_TABLES_OF_DAYS = ("covers",)


def _blank(value) -> str | int | float | Decimal:
    return "" if value is None else value


def report_csv_rows(report: dict, table: str) -> list[list]:
    """The rows (header first) of one of the report's tables (``CSV_TABLES``), as its CSV
    export writes them: plain numbers, amounts with a dot and two decimals."""
    if table == "summary":
        labels = summary_labels()
        rows = [[_("Figure"), _("This period"), _("Previous period"), _("Change (%)")]]
        for name, label in labels.items():
            rows.append(
                [
                    label,
                    _blank(report["summary"][name]),
                    _blank(report["previous"][name]),
                    _blank(report["comparison"].get(name)),
                ]
            )
        return rows
    if table == "covers":
        rows = [
            [
                _("Day"),
                _("Covers seated"),
                _("Covers booked"),
                _("Revenue"),
                _("Previous period's day"),
                _("Covers seated then"),
                _("Revenue then"),
            ]
        ]
        rows += [
            [
                line["day"].isoformat(),
                line["covers"],
                line["covers_booked"],
                line["revenue"],
                line["previous_day"].isoformat(),
                line["previous_covers"],
                line["previous_revenue"],
            ]
            for line in report["daily"]
        ]
        return rows
    if table == "heatmap":
        rows = [[_("Hour"), *(str(WEEKDAYS[weekday]) for weekday in range(7))]]
        rows += [
            [f"{line['hour']:02d}:00", *(_blank(value) for value in line["covers"])]
            for line in report["heatmap"]["rows"]
        ]
        return rows
    if table == "turns":
        rows = [[_("Party size"), _("Finished parties"), _("Average turn (minutes)")]]
        rows += [[line["party_size"], line["parties"], line["minutes"]] for line in report["turns"]]
        return rows
    if table == "tables":
        rows = [[_("Table"), _("Reservations"), _("Covers"), _("Share (%)"), _("Previously")]]
        rows += [
            [
                line["code"],
                line["reservations"],
                line["covers"],
                _blank(line["share"]),
                line["previous_reservations"],
            ]
            for line in report["tables"]
        ]
        return rows
    if table == "dishes":
        rows = [[_("Dish"), _("Pre-ordered"), _("Sold"), _("Revenue"), _("Sold previously")]]
        rows += [
            [
                line["name"],
                line["preordered"],
                line["sold"],
                line["revenue"],
                line["previous_sold"],
            ]
            for line in report["dishes"]
        ]
        return rows
    if table == "sources":
        rows = [[_("Source"), _("Reservations"), _("Covers"), _("Share (%)"), _("Previously")]]
        rows += [
            [
                line["label"],
                line["reservations"],
                line["covers"],
                _blank(line["share"]),
                line["previous_reservations"],
            ]
            for line in report["sources"]
        ]
        return rows
    raise KeyError(table)


def summary_labels() -> dict[str, str]:
    """The summary's figures as the report names them, in its order."""
    return {
        "reservations": _("Reservations"),
        "covers_booked": _("Covers booked"),
        "covers_seated": _("Covers seated"),
        "revenue": _("Revenue"),
        "spend_per_cover": _("Average spend per cover"),
        "average_party_size": _("Average party size"),
        "turn_minutes": _("Average turn (minutes)"),
        "no_shows": _("No-shows"),
        "no_show_rate": _("No-show rate (%)"),
        "cancellations": _("Cancellations"),
        "cancellation_rate": _("Cancellation rate (%)"),
        "lead_time_hours": _("Booking lead time (hours, median of the days' medians)"),
        "new_customers": _("New customers"),
        "returning_customers": _("Returning customers"),
        "returning_rate": _("Returning customers (%)"),
    }
