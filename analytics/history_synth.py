"""Made-up but lifelike histories of a restaurant's covers, per day and per hour.

Deterministic for a seed, pure (stdlib + ``holidays``): the forecast's bench and tests
score on them, and the demo seeds its year of history from one (``demo_profile``). A day's
covers are ``base × weekday × season × trend × holiday × shock × noise``, drawn as a count:

- a weekly rhythm (a weekday at 0 is a weekday the restaurant closes), drifting a little
  over the year;
- a seasonal wave (one peak a year), a slow trend;
- the country's holidays (``holidays``), each with its own effect around the restaurant's
  usual one; some restaurants close on Christmas and New Year's Day;
- random closed days, a holiday fortnight for some; closed days are absent from the
  history, as they are from a real book;
- multiplicative noise and occasional shocks (a storm, a power cut, a private event).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays as holiday_calendars

CLOSED_HOLIDAYS = ("Christmas Day", "New Year's Day")


@dataclass(frozen=True)
class Profile:
    name: str
    country: str
    end: date  # the last day of the history
    base: float  # covers on an ordinary day at the start
    weekly: tuple[float, float, float, float, float, float, float]  # Monday first; 0: closed
    season_amplitude: float  # ± share of the yearly wave
    season_peak: int  # day of the year of the wave's top
    trend_per_year: float  # 0.1: +10 % a year
    noise: float  # standard deviation of the log noise
    holiday_effect: float  # the usual holiday's multiplier
    closes_on_big_holidays: bool = False
    closure_rate: float = 0.01
    shock_rate: float = 0.02
    vacation: tuple[int, int] | None = None  # (first day of the year, days) closed
    lunch: float = 0.4  # share of the day's covers at lunch, the rest at dinner
    lunch_hours: tuple[int, int] = (13, 17)
    dinner_hours: tuple[int, int] = (19, 24)


@dataclass
class SynthHistory:
    profile: Profile
    daily: dict[date, float]  # open days only
    hourly: dict[date, dict[int, float]]  # open days only; the hours sum to the day
    closed: set[date]  # every closed day between the first and the last
    holidays: dict[date, str]  # the country's, from the first day to a year past the last
    first: date
    last: date
    effects: dict[str, float] = field(default_factory=dict)  # per holiday name (as made)


# Differently shaped restaurants so that nothing is tuned to one series.
PROFILES = (
    Profile(
        name="taqueria-mx",
        country="MX",
        end=date(2025, 6, 29),
        base=140,
        weekly=(0.8, 0.85, 0.9, 1.0, 1.3, 1.5, 1.2),
        season_amplitude=0.08,
        season_peak=350,
        trend_per_year=0.12,
        noise=0.14,
        holiday_effect=1.25,
    ),
    Profile(
        name="bistro-es",
        country="ES",
        end=date(2025, 10, 26),
        base=70,
        weekly=(0.0, 0.75, 0.85, 0.95, 1.25, 1.5, 1.1),
        season_amplitude=0.2,
        season_peak=200,
        trend_per_year=-0.05,
        noise=0.2,
        holiday_effect=1.15,
        closes_on_big_holidays=True,
        vacation=(213, 14),
        lunch=0.55,
        lunch_hours=(13, 17),
        dinner_hours=(20, 24),
    ),
    Profile(
        name="cafe-ec",
        country="EC",
        end=date(2025, 12, 14),
        base=55,
        weekly=(1.1, 1.1, 1.15, 1.15, 1.05, 0.7, 0.0),
        season_amplitude=0.1,
        season_peak=120,
        trend_per_year=0.2,
        noise=0.22,
        holiday_effect=0.55,
        lunch=0.75,
        lunch_hours=(8, 16),
        dinner_hours=(16, 20),
    ),
    Profile(
        name="steakhouse-mx",
        country="MX",
        end=date(2026, 1, 25),
        base=210,
        weekly=(0.7, 0.75, 0.85, 1.0, 1.35, 1.45, 0.9),
        season_amplitude=0.15,
        season_peak=345,
        trend_per_year=-0.08,
        noise=0.12,
        holiday_effect=1.1,
        closes_on_big_holidays=True,
        shock_rate=0.04,
    ),
    Profile(
        name="seafood-es",
        country="ES",
        end=date(2025, 9, 7),
        base=90,
        weekly=(0.85, 0.0, 0.8, 0.9, 1.1, 1.5, 1.55),
        season_amplitude=0.35,
        season_peak=215,
        trend_per_year=0.05,
        noise=0.18,
        holiday_effect=1.3,
        closure_rate=0.02,
    ),
    Profile(
        name="fonda-ec",
        country="EC",
        end=date(2025, 4, 13),
        base=28,
        weekly=(0.9, 0.95, 1.0, 1.0, 1.1, 1.3, 1.2),
        season_amplitude=0.1,
        season_peak=30,
        trend_per_year=0.0,
        noise=0.25,
        holiday_effect=0.8,
        lunch=0.7,
    ),
)


# The demo restaurant's seats (booking/demo.py: ten tables): its profile's covers are scaled
# to a restaurant's seats from these.
DEMO_SEATS = 46


def demo_profile(*, end: date, seats: int = DEMO_SEATS) -> Profile:
    """The demo restaurant's rhythm, its history ending on ``end``: a Mexican dining room
    closed on Mondays, at Christmas, on New Year's Day and for a week in August, lunch from
    13:00 and dinner from 19:00 (later at the weekend), about 0.8 covers a seat on an
    ordinary day (``seats``: the restaurant's, the demo's by default)."""
    return Profile(
        name="salon-mx",
        country="MX",
        end=end,
        base=0.8 * seats,
        weekly=(0.0, 0.7, 0.8, 0.95, 1.3, 1.5, 1.1),
        season_amplitude=0.12,
        season_peak=350,
        trend_per_year=0.08,
        noise=0.15,
        holiday_effect=1.15,
        closes_on_big_holidays=True,
        vacation=(216, 7),
        lunch=0.4,
        lunch_hours=(13, 15),
        dinner_hours=(19, 22),
    )


def profile(name: str) -> Profile:
    return next(candidate for candidate in PROFILES if candidate.name == name)


def country_holidays(country: str, first: date, last: date) -> dict[date, str]:
    """The country's public holidays between two days (inclusive), with their names."""
    calendar = holiday_calendars.country_holidays(country, years=range(first.year, last.year + 1))
    return {day: name for day, name in sorted(calendar.items()) if first <= day <= last}


def synth_history(profile: Profile, *, seed: int = 0, days: int = 500) -> SynthHistory:
    """``days`` days of covers ending on ``profile.end``, the same for the same seed."""
    rng = random.Random(f"{profile.name}:{seed}")
    first = profile.end - timedelta(days=days - 1)
    calendar = country_holidays(profile.country, first, profile.end + timedelta(days=366))
    effects = {
        name: profile.holiday_effect * math.exp(rng.gauss(0, 0.15))
        for name in sorted(set(calendar.values()))
    }
    drift = [rng.uniform(-0.1, 0.1) for _ in range(7)]
    daily, hourly, closed = {}, {}, set()
    for offset in range(days):
        day = first + timedelta(days=offset)
        weekday = profile.weekly[day.weekday()]
        name = calendar.get(day)
        if (
            weekday == 0
            or rng.random() < profile.closure_rate
            or (profile.closes_on_big_holidays and name in CLOSED_HOLIDAYS)
            or _on_vacation(profile, day)
        ):
            closed.add(day)
            continue
        progress = offset / days
        weekday *= 1 + drift[day.weekday()] * progress
        season = 1 + profile.season_amplitude * math.cos(
            2 * math.pi * (day.timetuple().tm_yday - profile.season_peak) / 365.25
        )
        trend = (1 + profile.trend_per_year) ** (offset / 365.25)
        shock = 1.0
        if rng.random() < profile.shock_rate:
            shock = rng.uniform(0.3, 0.7) if rng.random() < 0.5 else rng.uniform(1.4, 2.0)
        noise = math.exp(rng.gauss(-(profile.noise**2) / 2, profile.noise))
        mean = profile.base * weekday * season * trend * effects.get(name, 1.0) * shock * noise
        covers = _count(rng, mean)
        daily[day] = float(covers)
        hourly[day] = _spread(rng, profile, day, covers)
    return SynthHistory(
        profile=profile,
        daily=daily,
        hourly=hourly,
        closed=closed,
        holidays=calendar,
        first=first,
        last=profile.end,
        effects=effects,
    )


def _on_vacation(profile: Profile, day: date) -> bool:
    if profile.vacation is None:
        return False
    start, length = profile.vacation
    return 0 <= day.timetuple().tm_yday - start < length


def _count(rng: random.Random, mean: float) -> int:
    """A Poisson draw: small restaurants are noisier than their mean says."""
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def _spread(rng: random.Random, profile: Profile, day: date, covers: int) -> dict[int, float]:
    """The day's covers over its hours: a lunch and a dinner hump, later at the weekend."""
    late = 1 if day.weekday() >= 4 else 0
    weights: dict[int, float] = {}
    for share, (start, end) in (
        (profile.lunch, profile.lunch_hours),
        (1 - profile.lunch, profile.dinner_hours),
    ):
        hours = list(range(start, end))
        peak = start + (end - start) // 3 + late
        hump = [math.exp(-((hour - peak) ** 2) / 2.0) for hour in hours]
        for hour, height in zip(hours, hump, strict=True):
            weights[hour] = weights.get(hour, 0.0) + share * height / sum(hump)
    hours = sorted(weights)
    counts = dict.fromkeys(hours, 0.0)
    for hour in rng.choices(hours, weights=[weights[hour] for hour in hours], k=covers):
        counts[hour] += 1
    return counts
