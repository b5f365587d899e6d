"""Demand forecast for one restaurant, per day and per hour, up to 14 days ahead.

Pure: a history of counts in, forecasts out (no Django, no database), so the same code is
scored on any series (``bench/forecast.py``) and fed by the dashboard from the book.

The model, in log(1 + count) space, where effects multiply and noise is symmetric:

- weekday profile: the last 16 weeks of ordinary days (holidays left out) cut into weeks
  ending the day before the origin; each weekday's effect is a robust (clipped) mean of its
  distance to its week's level, recent weeks weighted more (half-life 6 weeks);
- level and trend: an exponentially weighted line (half-life 2 weeks) through the last
  8 weeks with the weekday taken out; the slope is shrunk by its own noise
  (b²/(b² + se²)) and never carried more than 4 weeks past the data, so a flat restaurant
  gets a flat forecast and a real trend is followed, damped;
- season: with a year of history, what the same model missed 52 weeks earlier over the
  same span (the year-ago level around the target minus the year-ago forecast), shrunk by
  its noise the same way;
- holidays: the distance of each past holiday to its ordinary level (same weekday, the
  weeks around it), per holiday name when names are given, shrunk towards the mean of all
  holidays and that towards no effect; a holiday never seen open counts as ordinary;
- closed days: absent from the history (neither zeros nor history), forecast as closed;
- booked: a floor on the expected value and on the interval.

The interval comes from the model's own out-of-sample errors: the same forecast made at
each of the 8 weeks of origins before this one, scored on what happened, per horizon (the
neighbouring horizons pooled); the quantiles of those log errors around the forecast. The
confidence is the share of those past actuals that fell inside the interval as it would
have been issued at the time (from the errors known then), so it falls when the restaurant
turns less predictable than its own record says.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import date
from statistics import median

MAX_HORIZON = 14
PROFILE_DAYS = 112
PROFILE_HALF_LIFE = 42.0
LEVEL_DAYS = 56
LEVEL_HALF_LIFE = 14.0
# A trend is carried at most this far past the data's weighted centre (the damping).
TREND_REACH = 28
YEAR = 364  # 52 weeks: the same weekday a year earlier
SEASON_WINDOW = 10
HOLIDAY_WINDOW = 14
HOLIDAY_LOOKBACK = 2 * 365
# Pseudo-observations pulling a holiday's effect to the mean of all holidays, and that to 0.
HOLIDAY_PRIOR = 1.0
CALIBRATION_ORIGINS = 84
MIN_RESIDUALS = 20
HOUR_PROFILE_DAYS = 56
HOUR_PROFILE_HALF_LIFE = 28.0
# Spread of the interval when there is no track record yet: about ×0.5 to ×2.
UNKNOWN_SPREAD = math.log(2.0)

ClosedDays = AbstractSet[date] | Callable[[date], bool]
Holidays = AbstractSet[date] | Mapping[date, str]


@dataclass(frozen=True)
class Factors:
    """What a forecast is made of, as a manager reads it (ratios: 1.0 = no effect)."""

    level: float  # an ordinary day lately (no weekday, season or holiday in it), in counts
    weekday: float  # this weekday against an ordinary day
    trend: float  # the recent trend carried to this day, damped (without a year-ago)
    season: float  # how the same weeks a year ago stood against the weeks before them
    holiday: float  # the holiday's effect as learned from past holidays (1.0: none)
    holiday_name: str  # "" when not a holiday
    booked: float  # already booked for the day (or the hour)


@dataclass(frozen=True)
class DayForecast:
    date: date
    horizon: int  # 1 = the origin itself, the first day without actuals
    expected: float
    low: float
    high: float
    confidence: float  # share of past actuals inside their interval (0.0: no record yet)
    closed: bool
    factors: Factors | None  # None when closed, or with no history at all


@dataclass(frozen=True)
class HourForecast:
    date: date
    hour: int
    horizon: int
    expected: float
    low: float
    high: float
    confidence: float
    closed: bool
    share: float  # this hour's share of the day (from the weekday's recent hours)


@dataclass(frozen=True)
class Recommendation:
    """A code and its numbers; the caller words it in the manager's language."""

    code: str  # "staff_up" | "open_terrace" | "promotion"
    date: date
    hours: tuple[int, int] | None  # [from, to) or None for the whole day
    params: dict[str, float]


STAFF_UP = "staff_up"
OPEN_TERRACE = "open_terrace"
PROMOTION = "promotion"


def forecast_days(
    history: Mapping[date, float],
    *,
    origin: date,
    horizon: int = MAX_HORIZON,
    closed: ClosedDays = frozenset(),
    holidays: Holidays = frozenset(),
    booked: Mapping[date, float] | None = None,
    level: float = 0.8,
) -> list[DayForecast]:
    """Forecast the days origin … origin + horizon - 1 from the days before origin.

    ``history`` holds the open days only (a closed day is absent, never a zero);
    ``closed`` names the days known to be closed, past or future; ``holidays`` the
    country's holidays (a mapping to their names lets each holiday learn its own effect).
    """
    model = _Model(history, closed=closed, holidays=holidays)
    return model.days(origin.toordinal(), horizon=horizon, booked=booked or {}, level=level)


def forecast_hours(
    history: Mapping[date, Mapping[int, float]],
    *,
    origin: date,
    horizon: int = MAX_HORIZON,
    closed: ClosedDays = frozenset(),
    holidays: Holidays = frozenset(),
    booked: Mapping[tuple[date, int], float] | None = None,
    level: float = 0.8,
) -> list[HourForecast]:
    """Forecast each hour of the days origin … origin + horizon - 1.

    The day's forecast spread over the hours by the weekday's recent hour profile; the
    interval from the hour-level errors of the same forecasts made at past origins.
    """
    model = _HourModel(history, closed=closed, holidays=holidays)
    return model.hours(origin.toordinal(), horizon=horizon, booked=booked or {}, level=level)


def backtest_days(
    history: Mapping[date, float],
    *,
    origins: Sequence[date],
    horizon: int,
    closed: ClosedDays = frozenset(),
    holidays: Holidays = frozenset(),
    level: float = 0.8,
) -> dict[date, list[DayForecast]]:
    """``forecast_days`` at each origin, sharing the work between origins (same results)."""
    model = _Model(history, closed=closed, holidays=holidays)
    return {
        origin: model.days(origin.toordinal(), horizon=horizon, booked={}, level=level)
        for origin in origins
    }


def recommendations(
    forecasts: Sequence[HourForecast] | Sequence[DayForecast],
    *,
    capacity: float,
    terrace_capacity: float = 0.0,
    busy_share: float = 0.85,
    slow_share: float = 0.35,
    afternoon: tuple[int, int] = (15, 19),
) -> list[Recommendation]:
    """Plain recommendations from forecasts and the room's capacity, in the forecasts' unit.

    For hours, ``capacity`` is the seats (the forecast then is guests in the house); for
    days, the covers a day can take. Staff up where the expected load reaches
    ``busy_share`` of capacity; open the terrace where the interval's top passes the indoor
    capacity; a promotion on an afternoon (hours ``afternoon``, [from, to)) the restaurant
    is open whose expected load stays under ``slow_share``.
    """
    if capacity <= 0:
        raise ValueError("capacity must be positive")
    advice: list[Recommendation] = []
    by_day: dict[date, list] = {}
    for forecast in forecasts:
        if not forecast.closed:
            by_day.setdefault(forecast.date, []).append(forecast)
    for day, items in sorted(by_day.items()):
        if isinstance(items[0], DayForecast):
            (forecast,) = items
            if forecast.expected >= busy_share * capacity:
                advice.append(_staff_up(day, None, [forecast], capacity))
            if terrace_capacity > 0 and forecast.high > capacity:
                advice.append(_terrace(day, None, [forecast], capacity, terrace_capacity))
            continue
        items.sort(key=lambda forecast: forecast.hour)
        for run in _runs(items, lambda f: f.expected >= busy_share * capacity):
            advice.append(_staff_up(day, (run[0].hour, run[-1].hour + 1), run, capacity))
        if terrace_capacity > 0:
            for run in _runs(items, lambda f: f.high > capacity):
                hours = (run[0].hour, run[-1].hour + 1)
                advice.append(_terrace(day, hours, run, capacity, terrace_capacity))
        slow = [f for f in items if afternoon[0] <= f.hour < afternoon[1] and f.share > 0]
        if slow:
            load = sum(f.expected for f in slow) / len(slow)
            if load < slow_share * capacity:
                advice.append(
                    Recommendation(
                        PROMOTION,
                        day,
                        (slow[0].hour, slow[-1].hour + 1),
                        {
                            "expected": round(load, 1),
                            "occupancy": round(load / capacity, 2),
                            "free_seats": round(capacity - load, 1),
                        },
                    )
                )
    return advice


def _staff_up(day, hours, run, capacity) -> Recommendation:
    peak = max(forecast.expected for forecast in run)
    return Recommendation(
        STAFF_UP,
        day,
        hours,
        {"expected": round(peak, 1), "occupancy": round(peak / capacity, 2), "capacity": capacity},
    )


def _terrace(day, hours, run, capacity, terrace_capacity) -> Recommendation:
    high = max(forecast.high for forecast in run)
    return Recommendation(
        OPEN_TERRACE,
        day,
        hours,
        {
            "high": round(high, 1),
            "overflow": round(min(high - capacity, terrace_capacity), 1),
            "capacity": capacity,
        },
    )


def _runs(items, condition):
    run: list = []
    for item in items:
        if condition(item) and (not run or item.hour == run[-1].hour + 1):
            run.append(item)
            continue
        if run:
            yield run
        run = [item] if condition(item) else []
    if run:
        yield run


# -- the model -----------------------------------------------------------------------------


def _weekday(day: int) -> int:
    return (day - 1) % 7  # ordinal 1 (0001-01-01) was a Monday


def _robust_mean(values: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """Weighted mean after clipping at 2.5 robust deviations: a shock moves it little."""
    middle = median(values)
    spread = 1.4826 * median(abs(value - middle) for value in values)
    if spread > 0:
        bound = 2.5 * spread
        values = [min(max(value, middle - bound), middle + bound) for value in values]
    if weights is None:
        return sum(values) / len(values)
    return sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)


def _quantile(ordered: Sequence[float], share: float) -> float:
    position = share * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


@dataclass
class _Line:
    """Weighted line through the deseasonalised days: value at ``centre`` and slope."""

    mean: float
    centre: float
    slope: float
    noise: float  # variance of the mean

    def at(self, day: int) -> float:
        distance = max(-TREND_REACH, min(TREND_REACH, day - self.centre))
        return self.mean + self.slope * distance


@dataclass
class _Point:
    origin: int
    logs: dict[int, float]  # target → log forecast (open days only)
    factors: dict[int, Factors]
    weekday: list[float]


class _Model:
    def __init__(self, history: Mapping[date, float], *, closed: ClosedDays, holidays: Holidays):
        self.values = {
            day.toordinal(): math.log1p(max(count, 0.0)) for day, count in history.items()
        }
        names = holidays if isinstance(holidays, Mapping) else dict.fromkeys(holidays, "")
        self.holidays = {day.toordinal(): name for day, name in names.items()}
        if callable(closed):
            self.is_closed = lambda day: closed(date.fromordinal(day))
        else:
            closed_days = {day.toordinal() for day in closed}
            self.is_closed = closed_days.__contains__
        self.ordinary = sorted(day for day in self.values if day not in self.holidays)
        self.points: dict[int, _Point] = {}

    # -- point forecasts

    def _ordinary_between(self, start: int, end: int) -> list[int]:
        return self.ordinary[bisect_left(self.ordinary, start) : bisect_left(self.ordinary, end)]

    def point(self, origin: int) -> _Point:
        if origin not in self.points:
            self.points[origin] = self._point(origin)
        return self.points[origin]

    def _point(self, origin: int) -> _Point:
        weekday = self._weekday_profile(origin)
        line = self._line(origin - LEVEL_DAYS, origin, weekday) or self._short_line(origin)
        if line is None:
            return _Point(origin, {}, {}, weekday)
        year_ago = self._line(origin - YEAR - LEVEL_DAYS, origin - YEAR, weekday)
        holiday_effects = self._holiday_effects(origin, weekday)
        logs, factors = {}, {}
        for target in range(origin, origin + MAX_HORIZON):
            if self.is_closed(target):
                continue
            season = self._season(target, year_ago, weekday)
            # Last year's change over the same weeks holds the trend and the season; the
            # recent line's slope is the fallback when there is no year-ago.
            trend = line.at(target) - line.mean if season is None else 0.0
            season = season or 0.0
            name = self.holidays.get(target)
            holiday = 0.0
            if name is not None:
                holiday = holiday_effects.get(name, holiday_effects.get(None, 0.0))
            logs[target] = line.mean + trend + season + weekday[_weekday(target)] + holiday
            factors[target] = Factors(
                level=round(math.expm1(line.mean), 1),
                weekday=round(math.exp(weekday[_weekday(target)]), 3),
                trend=round(math.exp(trend), 3),
                season=round(math.exp(season), 3),
                holiday=round(math.exp(holiday), 3),
                holiday_name=name or "",
                booked=0.0,
            )
        return _Point(origin, logs, factors, weekday)

    def _weekday_profile(self, origin: int) -> list[float]:
        days = self._ordinary_between(origin - PROFILE_DAYS, origin)
        effects = [0.0] * 7
        if len(days) < 14:
            return effects
        weeks: dict[int, list[int]] = {}
        for day in days:
            weeks.setdefault((origin - 1 - day) // 7, []).append(day)
        for _round in range(3):
            week_level = {
                week: _robust_mean([self.values[d] - effects[_weekday(d)] for d in members])
                for week, members in weeks.items()
            }
            distances: list[list[float]] = [[] for _ in range(7)]
            weights: list[list[float]] = [[] for _ in range(7)]
            for day in days:
                distances[_weekday(day)].append(
                    self.values[day] - week_level[(origin - 1 - day) // 7]
                )
                weights[_weekday(day)].append(0.5 ** ((origin - day) / PROFILE_HALF_LIFE))
            seen = [w for w in range(7) if distances[w]]
            for w in seen:
                effects[w] = _robust_mean(distances[w], weights[w])
            centre = sum(effects[w] for w in seen) / len(seen)
            effects = [effects[w] - centre if distances[w] else 0.0 for w in range(7)]
        return effects

    def _line(self, start: int, end: int, weekday: list[float]) -> _Line | None:
        days = self._ordinary_between(start, end)
        if len(days) < 10:
            return None
        times = [float(day - end) for day in days]
        values = [self.values[day] - weekday[_weekday(day)] for day in days]
        weights = [0.5 ** (-t / LEVEL_HALF_LIFE) for t in times]
        line = _fit(times, values, weights)
        # Clip the shocks (a storm, a private event) and fit again.
        residuals = [
            v - line[0] - line[1] * (t - line[2]) for t, v in zip(times, values, strict=True)
        ]
        spread = 1.4826 * median(abs(r) for r in residuals)
        if spread > 0:
            bound = 2.5 * spread
            values = [
                v - r + min(max(r, -bound), bound) for v, r in zip(values, residuals, strict=True)
            ]
            line = _fit(times, values, weights)
        mean, slope, centre, slope_variance, mean_variance = line
        # Shrink the slope by its own noise: an uncertain trend is mostly not followed.
        kept = slope * slope / (slope * slope + slope_variance) if slope else 0.0
        return _Line(mean=mean, centre=centre + end, slope=slope * kept, noise=mean_variance)

    def _short_line(self, origin: int) -> _Line | None:
        """Too little history for a line: the mean of the last weeks' days, no trend."""
        days = [day for day in self.values if origin - LEVEL_DAYS <= day < origin]
        if not days:
            return None
        mean = sum(self.values[day] for day in days) / len(days)
        return _Line(mean=mean, centre=float(origin), slope=0.0, noise=math.inf)

    def _season(self, target: int, year_ago: _Line | None, weekday: list[float]) -> float | None:
        """How much the weeks around the target a year ago stood above the weeks the level
        comes from, a year before them; shrunk by its noise. None without a year-ago."""
        if year_ago is None:
            return None
        then = target - YEAR
        days = self._ordinary_between(then - SEASON_WINDOW, then + SEASON_WINDOW + 1)
        if len(days) < 5:
            return None
        values = [self.values[day] - weekday[_weekday(day)] for day in days]
        actual = _robust_mean(values)
        spread = sum((v - actual) ** 2 for v in values) / (len(values) - 1)
        change = actual - year_ago.mean
        noise = spread / len(values) + year_ago.noise
        return change * change * change / (change * change + noise) if change else 0.0

    def _holiday_effects(self, origin: int, weekday: list[float]) -> dict[str | None, float]:
        """Learned effect per holiday name, and under None the effect of a holiday at all."""
        by_name: dict[str, list[float]] = {}
        for day, name in self.holidays.items():
            if not origin - HOLIDAY_LOOKBACK <= day < origin or day not in self.values:
                continue
            around = self._ordinary_between(day - HOLIDAY_WINDOW, day + HOLIDAY_WINDOW + 1)
            around = [d for d in around if d < origin]
            if len(around) < 5:
                continue
            ordinary = _robust_mean([self.values[d] - weekday[_weekday(d)] for d in around])
            by_name.setdefault(name, []).append(
                self.values[day] - ordinary - weekday[_weekday(day)]
            )
        every = [effect for effects in by_name.values() for effect in effects]
        overall = sum(every) / (len(every) + HOLIDAY_PRIOR)
        learned: dict[str | None, float] = {None: overall}
        for name, effects in by_name.items():
            learned[name] = (sum(effects) + HOLIDAY_PRIOR * overall) / (
                len(effects) + HOLIDAY_PRIOR
            )
        if "" in learned:  # unnamed holidays: one shared effect
            learned[""] = overall
        return learned

    # -- intervals

    def residuals(self, origin: int, horizon: int) -> list[tuple[int, int, float]]:
        """(origin, target, log error) of the forecasts at horizon made at past origins."""
        found = []
        for past in range(origin - CALIBRATION_ORIGINS, origin):
            target = past + horizon - 1
            if target >= origin or target not in self.values:
                continue
            forecast = self.point(past).logs.get(target)
            if forecast is not None:
                found.append((past, target, self.values[target] - forecast))
        return found

    def calibration(self, origin: int, horizon: int, level: float):
        """The interval's log bounds at this horizon and the confidence (its past coverage)."""
        errors = []
        for near in range(max(1, horizon - 1), min(MAX_HORIZON, horizon + 1) + 1):
            errors.extend(self.residuals(origin, near))
        return _calibrate(errors, level)

    def days(self, origin: int, *, horizon: int, booked, level: float) -> list[DayForecast]:
        if not 1 <= horizon <= MAX_HORIZON:
            raise ValueError(f"horizon must be 1 to {MAX_HORIZON} days")
        point = self.point(origin)
        forecasts = []
        for step in range(1, horizon + 1):
            target = origin + step - 1
            day = date.fromordinal(target)
            if self.is_closed(target):
                forecasts.append(DayForecast(day, step, 0.0, 0.0, 0.0, 1.0, True, None))
                continue
            if target not in point.logs:  # no history at all: nothing to say but the booked
                floor = float(booked.get(day, 0.0))
                forecasts.append(DayForecast(day, step, floor, floor, floor, 0.0, False, None))
                continue
            low, high, confidence = self.calibration(origin, step, level)
            log_forecast = point.logs[target]
            floor = float(booked.get(day, 0.0))
            factors = point.factors[target]
            if floor:
                factors = replace(factors, booked=floor)
            forecasts.append(
                DayForecast(
                    date=day,
                    horizon=step,
                    expected=round(max(math.expm1(log_forecast), floor), 1),
                    low=round(max(math.expm1(log_forecast + low), 0.0, floor), 1),
                    high=round(max(math.expm1(log_forecast + high), floor), 1),
                    confidence=round(confidence, 2),
                    closed=False,
                    factors=factors,
                )
            )
        return forecasts


def _fit(times, values, weights):
    total = sum(weights)
    centre = sum(t * w for t, w in zip(times, weights, strict=True)) / total
    mean = sum(v * w for v, w in zip(values, weights, strict=True)) / total
    spread = sum(w * (t - centre) ** 2 for t, w in zip(times, weights, strict=True))
    slope = (
        sum(w * (t - centre) * (v - mean) for t, v, w in zip(times, values, weights, strict=True))
        / spread
        if spread
        else 0.0
    )
    residual = (
        sum(
            w * (v - mean - slope * (t - centre)) ** 2
            for t, v, w in zip(times, values, weights, strict=True)
        )
        / total
    )
    effective = total * total / sum(w * w for w in weights)
    variance = residual * effective / max(effective - 2, 1.0)
    return mean, slope, centre, variance / spread if spread else math.inf, variance / effective


def _calibrate(errors: list[tuple[int, int, float]], level: float) -> tuple[float, float, float]:
    """Quantile bounds of all errors; coverage of each error by the bounds known before it."""
    tail = (1 - level) / 2
    if len(errors) < MIN_RESIDUALS:
        return -UNKNOWN_SPREAD, UNKNOWN_SPREAD, 0.0
    by_target = sorted(errors, key=lambda error: error[1])
    known: list[float] = []
    inside = scored = 0
    position = 0
    for origin, _target, error in sorted(errors):
        while position < len(by_target) and by_target[position][1] < origin:
            insort(known, by_target[position][2])
            position += 1
        if len(known) >= MIN_RESIDUALS:
            scored += 1
            inside += _quantile(known, tail) <= error <= _quantile(known, 1 - tail)
    ordered = sorted(error for _origin, _target, error in errors)
    confidence = inside / scored if scored else 0.0
    return _quantile(ordered, tail), _quantile(ordered, 1 - tail), confidence


class _HourModel:
    def __init__(self, history, *, closed: ClosedDays, holidays: Holidays):
        self.counts = {
            day.toordinal(): {hour: max(count, 0.0) for hour, count in hours.items()}
            for day, hours in history.items()
        }
        totals = {date.fromordinal(day): sum(hours.values()) for day, hours in self.counts.items()}
        self.days = _Model(totals, closed=closed, holidays=holidays)
        self.shares: dict[int, list[dict[int, float]]] = {}

    def profile(self, origin: int) -> list[dict[int, float]]:
        """Per weekday, each hour's share of the day over the recent weeks (recent first)."""
        if origin in self.shares:
            return self.shares[origin]
        sums: list[dict[int, float]] = [{} for _ in range(8)]  # 7: every weekday
        for day in self.days._ordinary_between(origin - HOUR_PROFILE_DAYS, origin):
            weight = 0.5 ** ((origin - day) / HOUR_PROFILE_HALF_LIFE)
            for hour, count in self.counts[day].items():
                for bucket in (_weekday(day), 7):
                    sums[bucket][hour] = sums[bucket].get(hour, 0.0) + weight * count
        shares = []
        for bucket in range(8):
            total = sum(sums[bucket].values())
            source = sums[bucket] if total else sums[7]
            total = total or sum(source.values())
            shares.append({hour: count / total for hour, count in source.items()} if total else {})
        self.shares[origin] = shares
        return shares

    def share(self, origin: int, target: int) -> dict[int, float]:
        return self.profile(origin)[_weekday(target)]

    def calibration(self, origin: int, horizon: int, level: float):
        errors = []
        for near in range(max(1, horizon - 1), min(MAX_HORIZON, horizon + 1) + 1):
            for past, target, _error in self.days.residuals(origin, near):
                day_forecast = math.expm1(self.days.point(past).logs[target])
                for hour, share in self.share(past, target).items():
                    actual = self.counts[target].get(hour, 0.0)
                    error = math.log1p(actual) - math.log1p(day_forecast * share)
                    errors.append((past, target, error))
        return _calibrate(errors, level)

    def hours(self, origin: int, *, horizon: int, booked, level: float) -> list[HourForecast]:
        days = self.days.days(origin, horizon=horizon, booked={}, level=level)
        shares = self.profile(origin)
        forecasts = []
        for day in days:
            profile = shares[_weekday(day.date.toordinal())]
            if day.closed:
                forecasts.extend(
                    HourForecast(day.date, hour, day.horizon, 0.0, 0.0, 0.0, 1.0, True, 0.0)
                    for hour in sorted(profile)
                )
                continue
            low, high, confidence = self.calibration(origin, day.horizon, level)
            for hour in sorted(profile):
                share = profile[hour]
                expected = day.expected * share
                floor = float(booked.get((day.date, hour), 0.0))
                forecasts.append(
                    HourForecast(
                        date=day.date,
                        hour=hour,
                        horizon=day.horizon,
                        expected=round(max(expected, floor), 1),
                        low=round(max(math.expm1(math.log1p(expected) + low), 0.0, floor), 1),
                        high=round(max(math.expm1(math.log1p(expected) + high), floor), 1),
                        confidence=round(confidence, 2),
                        closed=False,
                        share=round(share, 4),
                    )
                )
        return forecasts
