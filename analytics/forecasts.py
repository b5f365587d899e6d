"""The stored forecast: its recompute (the forecast job) and its reads (the dashboard, the
live floor, the API and the prediction-anomaly alert).

One module for the one concern: ``forecasts_refresh`` feeds the pure model of
``analytics.forecast`` from the restaurant's roll-ups, hours, closed days, holidays and
book, and keeps its answer as ``Forecast`` rows; everything else here reads those rows.

The hour rows count guests *arriving* in each local hour (as ``DailyRollup.seated_by_hour``
does); guests *in the house* at an hour are the arrivals of the hours before it that are
still seated (``in_house``), which is what the floor's seats and the seated parties compare
with.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import asdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from analytics import forecast as model
from analytics.history_synth import country_holidays
from analytics.models import DailyRollup, Forecast
from analytics.selectors import service_day_at, service_day_bounds
from reservations.models import Reservation, ReservationStatus, Table, TableArea
from reservations.selectors import booking_policy_snapshot, restaurant_zone
from restaurants.live import live_event_send

HORIZON = model.MAX_HORIZON
# Enough past days for every part of the model at every origin it scores itself at: two years
# of holidays and a year-ago season, from origins up to 12 weeks back.
HISTORY_DAYS = 2 * 365 + model.CALIBRATION_ORIGINS + HORIZON
# What the book already holds for a day: every booking but the cancelled and the no-shows
# (today's parties that came and left are covers that day certainly has).
BOOKED_STATUSES = (
    ReservationStatus.PENDING,
    ReservationStatus.CONFIRMED,
    ReservationStatus.SEATED,
    ReservationStatus.FINISHED,
)
TENTHS = Decimal("0.1")


# --- The recompute ---------------------------------------------------------------------------


def _closed_test(snapshot):
    """A day without service: no opening period on its weekday, or a closed date."""

    def is_closed(day: dt.date) -> bool:
        return snapshot.is_closed(day) or not snapshot.periods.get(day.weekday())

    return is_closed


def _history(*, before: dt.date, is_closed):
    """Covers seated per open service day before ``before``, and per local hour of arrival.

    A day the restaurant was closed (its hours or a closed date), or that has no roll-up or
    no booking at all, is absent: the model reads absence as closed, a zero as a dead day.
    """
    rows = DailyRollup.objects.filter(
        day__gte=before - dt.timedelta(days=HISTORY_DAYS), day__lt=before, covers_booked__gt=0
    ).values_list("day", "covers_booked", "covers_seated", "seated_by_hour", "covers_by_hour")
    daily: dict[dt.date, float] = {}
    hourly: dict[dt.date, dict[int, float]] = {}
    for day, booked, seated, seated_by_hour, covers_by_hour in rows:
        if is_closed(day):
            continue
        daily[day] = float(seated)
        if seated_by_hour:
            hourly[day] = {int(hour): float(count) for hour, count in seated_by_hour.items()}
        else:  # a roll-up from before arrivals were kept: the booked hours, scaled
            share = seated / booked
            hourly[day] = {int(hour): count * share for hour, count in covers_by_hour.items()}
    return daily, hourly


def _booked(*, first: dt.date, days: int, snapshot):
    """Covers already booked per service day, and per (service day, local hour of arrival)."""
    bounds = [
        service_day_bounds(day=first + dt.timedelta(days=offset), snapshot=snapshot)
        for offset in range(days)
    ]
    starts = [start for start, _end in bounds]
    rows = (
        Reservation.objects.filter(
            status__in=BOOKED_STATUSES,
            starts_at__gte=bounds[0][0],
            starts_at__lt=bounds[-1][1],
        )
        .annotate(hour=ExtractHour("starts_at", tzinfo=restaurant_zone()))
        .values_list("starts_at", "hour")
        .annotate(covers=Sum("party_size"))
        .order_by()
    )
    per_day: dict[dt.date, float] = {}
    per_hour: dict[tuple[dt.date, int], float] = {}
    for starts_at, hour, covers in rows:
        day = first + dt.timedelta(days=bisect.bisect_right(starts, starts_at) - 1)
        per_day[day] = per_day.get(day, 0.0) + covers
        per_hour[(day, hour)] = per_hour.get((day, hour), 0.0) + covers
    return per_day, per_hour


def _tenths(value: float) -> Decimal:
    return Decimal(str(value)).quantize(TENTHS)


def _row(forecast, *, hour: int | None, booked: float, factors: dict, now) -> Forecast:
    expected = _tenths(forecast.expected)
    return Forecast(
        day=forecast.date,
        hour=hour,
        horizon=forecast.horizon,
        expected=expected,
        # The model's interval holds its forecast but for rounding: the row's must, always.
        low=min(_tenths(forecast.low), expected),
        high=max(_tenths(forecast.high), expected),
        booked=round(booked),
        confidence=Decimal(str(forecast.confidence)).quantize(Decimal("0.001")),
        closed=forecast.closed,
        factors=factors,
        computed_at=now,
    )


def forecasts_refresh(*, now: dt.datetime | None = None) -> int:
    """Forecast the next 14 service days, whole and hour by hour, and keep them in place of
    the forecasts kept for those days; returns how many rows it wrote.

    From the covers seated on past open days (roll-ups), the country's holidays, the days the
    restaurant will be closed and what is already booked (a floor on every figure). One
    transaction under a lock of the restaurant's forecast: two runs at once leave one set.
    """
    now = now or timezone.now()
    today = service_day_at(now)
    last = today + dt.timedelta(days=HORIZON - 1)
    snapshot = booking_policy_snapshot()
    is_closed = _closed_test(snapshot)
    daily, hourly = _history(before=today, is_closed=is_closed)
    country = getattr(connection.tenant, "country", "")
    holidays = (
        country_holidays(country, today - dt.timedelta(days=HISTORY_DAYS), last) if country else {}
    )
    booked_days, booked_hours = _booked(first=today, days=HORIZON, snapshot=snapshot)
    days = model.forecast_days(
        daily, origin=today, closed=is_closed, holidays=holidays, booked=booked_days
    )
    hours = model.forecast_hours(
        hourly, origin=today, closed=is_closed, holidays=holidays, booked=booked_hours
    )
    rows = [
        _row(
            day,
            hour=None,
            booked=booked_days.get(day.date, 0.0),
            factors=asdict(day.factors) if day.factors else {},
            now=now,
        )
        for day in days
    ]
    rows += [
        _row(
            hour,
            hour=hour.hour,
            booked=booked_hours.get((hour.date, hour.hour), 0.0),
            factors={"share": hour.share},
            now=now,
        )
        for hour in hours
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{connection.schema_name}:forecast"]
            )
        Forecast.objects.filter(day__gte=today).delete()
        Forecast.objects.bulk_create(rows)
        transaction.on_commit(forecast_changed)
    return len(rows)


# --- Reads -----------------------------------------------------------------------------------


def forecast_days_ahead(*, start: dt.date, days: int) -> list[Forecast]:
    """The kept day forecasts from ``start`` for ``days`` days (days never forecast absent)."""
    return list(
        Forecast.objects.filter(
            hour__isnull=True, day__gte=start, day__lt=start + dt.timedelta(days=days)
        ).order_by("day")
    )


def service_hour_order(day: dt.date):
    """Sort key of service day ``day``'s local hours: from its first opening on, a late
    service's hours after midnight last."""
    periods = booking_policy_snapshot().periods.get(day.weekday(), ())
    first_hour = min((opens_at.hour for opens_at, _closes_at in periods), default=0)
    return lambda hour: (hour - first_hour) % 24


def forecast_hours_ahead(*, start: dt.date, days: int) -> dict[dt.date, list[Forecast]]:
    """The kept hour forecasts of each day from ``start`` for ``days`` days, in service order."""
    found: dict[dt.date, list[Forecast]] = {}
    for row in Forecast.objects.filter(
        hour__isnull=False, day__gte=start, day__lt=start + dt.timedelta(days=days)
    ):
        found.setdefault(row.day, []).append(row)
    for day, rows in found.items():
        order = service_hour_order(day)
        rows.sort(key=lambda row: order(row.hour))
    return found


def forecast_hours_for(*, day: dt.date) -> list[Forecast]:
    """The kept hour forecasts of service day ``day``, in service order."""
    return forecast_hours_ahead(start=day, days=1).get(day, [])


def stay_hours() -> float:
    """How long a party stays, in hours: the booking's length."""
    return booking_policy_snapshot().duration.total_seconds() / 3600


def in_house(rows: list[Forecast], *, stay: float) -> dict[int, tuple[float, float]]:
    """Expected guests in the house, and the top of its range, at each hour of one day's hour
    forecasts: the arrivals of that hour and of the hours before it whose parties are still
    seated (a party arriving mid-hour and staying ``stay`` hours; a part of the hour when
    the stay is not whole hours)."""
    arrivals = {row.hour: row for row in rows}
    present = {}
    for row in rows:
        expected = high = 0.0
        back = 0
        while (weight := min(1.0, stay - back)) > 0:
            earlier = arrivals.get((row.hour - back) % 24)
            if earlier is not None:
                expected += weight * float(earlier.expected)
                high += weight * float(earlier.high)
            back += 1
        present[row.hour] = (expected, high)
    return present


def seat_capacity() -> tuple[int, int]:
    """The seats inside (every area but the terrace) and on the terrace."""
    inside = terrace = 0
    for area, seats in Table.objects.values_list("area").annotate(seats=Sum("max_capacity")):
        if area == TableArea.TERRACE:
            terrace += seats
        else:
            inside += seats
    return inside, terrace


def _hours_text(hours: tuple[int, int]) -> str:
    return f"{hours[0]:02d}:00–{hours[1] % 24:02d}:00"


def _day_text(day: dt.date) -> str:
    return f"{date_format(day, 'l')} {date_format(day, 'MONTH_DAY_FORMAT')}"


def _worded(advice: model.Recommendation) -> str:
    params = advice.params
    values = {
        "day": _day_text(advice.date),
        "hours": _hours_text(advice.hours) if advice.hours else "",
        "expected": number_format(params.get("expected", 0), decimal_pos=0),
        "high": number_format(params.get("high", 0), decimal_pos=0),
        "capacity": number_format(params.get("capacity", 0), decimal_pos=0),
        "occupancy": number_format(100 * params.get("occupancy", 0), decimal_pos=0),
    }
    if advice.code == model.STAFF_UP:
        message = _(
            "%(day)s, %(hours)s: about %(expected)s guests for %(capacity)s seats "
            "(%(occupancy)s %%). Bring in more staff."
        )
    elif advice.code == model.OPEN_TERRACE:
        message = _(
            "%(day)s, %(hours)s: up to %(high)s guests, more than the %(capacity)s seats "
            "inside. Open the terrace."
        )
    else:
        message = _(
            "%(day)s, %(hours)s: only about %(expected)s guests (%(occupancy)s %% of the "
            "seats). Run a promotion to fill the afternoon."
        )
    return message % values


def forecast_recommendations(*, start: dt.date, days: int) -> list[dict]:
    """What to do about the kept forecast of ``days`` days from ``start``, worded in the
    active language: staff up for a full house, open the terrace when the inside may not be
    enough, a promotion for a slow afternoon. Plain dicts: code, date, hours, message."""
    inside, terrace = seat_capacity()
    if not inside:  # only a terrace: it is the room
        inside, terrace = terrace, 0
    if not inside:
        return []
    stay = stay_hours()
    forecasts = []
    for day, rows in sorted(forecast_hours_ahead(start=start, days=days).items()):
        present = in_house(rows, stay=stay)
        for row in rows:
            expected, high = present[row.hour]
            forecasts.append(
                model.HourForecast(
                    date=day,
                    hour=row.hour,
                    horizon=row.horizon,
                    expected=expected,
                    low=min(float(row.low), expected),
                    high=max(high, expected),
                    confidence=float(row.confidence),
                    closed=row.closed,
                    share=float(row.factors.get("share", 0.0)),
                )
            )
    advice = model.recommendations(forecasts, capacity=inside, terrace_capacity=terrace)
    return [
        {
            "code": item.code,
            "date": item.date,
            "hours": list(item.hours) if item.hours else None,
            "message": _worded(item),
            "params": dict(item.params),
        }
        for item in advice
    ]


def guests_seated() -> int:
    """Guests of the parties seated now."""
    return (
        Reservation.objects.filter(status=ReservationStatus.SEATED).aggregate(
            guests=Sum("party_size")
        )["guests"]
        or 0
    )


def expected_in_house_at(moment: dt.datetime) -> tuple[Forecast, float] | None:
    """The hour forecast holding ``moment`` and the guests it expects in the house then;
    None when that hour has no forecast (none kept, or closed)."""
    day = service_day_at(moment)
    hour = moment.astimezone(restaurant_zone()).hour
    rows = forecast_hours_for(day=day)
    row = next((row for row in rows if row.hour == hour), None)
    if row is None or row.closed:
        return None
    return row, in_house(rows, stay=stay_hours())[hour][0]


# How many hours ahead the floor shows the forecast of, the current one included.
FORECAST_HOURS_SHOWN = 6


def forecast_live_payload(*, now: dt.datetime | None = None) -> dict | None:
    """Tonight's forecast as the floor shows it: today's expected covers and range, and the
    guests expected to arrive in the next hours; None when none is kept for today."""
    now = now or timezone.now()
    day = service_day_at(now)
    rows = forecast_days_ahead(start=day, days=1)
    if not rows:
        return None
    today = rows[0]
    current = now.astimezone(restaurant_zone()).hour
    order = service_hour_order(day)
    coming = [
        row
        for row in forecast_hours_for(day=day)
        if order(row.hour) >= order(current) and not row.closed
    ][:FORECAST_HOURS_SHOWN]
    return {
        "day": today.day.isoformat(),
        "closed": today.closed,
        "expected": round(float(today.expected)),
        "low": round(float(today.low)),
        "high": round(float(today.high)),
        "booked": today.booked,
        "confidence": float(today.confidence),
        "hours": [
            {
                "hour": f"{row.hour:02d}:00",
                "expected": round(float(row.expected)),
                "low": round(float(row.low)),
                "high": round(float(row.high)),
                "booked": row.booked,
            }
            for row in coming
        ],
    }


def forecast_changed() -> None:
    """Tell the staff screens today's forecast as just kept (after the commit)."""
    live_event_send(type="forecast_updated", forecast=forecast_live_payload())
