"""Forecast benchmark: a rolling backtest of ``analytics.forecast`` against two baselines.

For each series the origin moves day by day over its last 8 weeks; each of those 56 days is
forecast 1 and 7 days ahead (from the days before the origin only) and scored where the
restaurant was open. Printed per dataset and horizon: MAE and sMAPE of the forecast; the
MAE of the seasonal naive (the same weekday last week, or the latest same weekday before
it) and of the mean of the same weekday over the last 4 weeks, both from the same run on
the same days; and the share of actuals inside the 80 % interval. Then one machine-readable
line per dataset and horizon, and the targets: MAE at least 15 % below the seasonal naive
and below the 4-week weekday mean, coverage of the 80 % interval between 75 and 85 %.

Datasets: six synthetic restaurants (``analytics.history_synth``, differently shaped, in
three countries, with their holidays), each and pooled as ``synthetic``; and ``demo``, the
year of covers the demo restaurant is seeded with (``booking.demo_history``: the same
profile, ``demo_profile``, and seed, ending yesterday; its book seats those covers but for
the few parties a full floor turns away). With ``--csv FILE`` instead, a daily CSV with the
columns ``store,date,visitors`` (a day a store was closed is absent: not scored, not
history), per store and all stores pooled (``--country MX`` gives it that country's
holidays). ``bench/data/forecast_sample.csv`` is such a file, made by
``python -m bench.forecast --write-sample bench/data/forecast_sample.csv``. Run with ``python3 dev.py bench forecast [--csv FILE]`` or
``python -m bench.forecast``; no database is used.
"""

import argparse
import csv
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.forecast import backtest_days
from analytics.history_synth import (
    PROFILES,
    country_holidays,
    demo_profile,
    profile,
    synth_history,
)

HORIZONS = (1, 7)
WEEKS = 8
LEVEL = 0.8
TARGET_NAIVE_GAIN = 0.15
TARGET_COVERAGE = (0.75, 0.85)
SAMPLE_STORES = (
    ("casa-azul", "taqueria-mx"),
    ("bistro-verde", "bistro-es"),
    ("fonda-sol", "fonda-ec"),
)
SAMPLE_SEED = 7
# What ``python3 dev.py up`` seeds the demo restaurant with (booking.demo, booking.demo_history).
DEMO_SEED = 7
DEMO_DAYS = 365


@dataclass
class Series:
    name: str
    history: dict[date, float]  # open days only
    holidays: dict[date, str] = field(default_factory=dict)


@dataclass
class Score:
    """Absolute errors and hits, one entry per scored day."""

    errors: list[float] = field(default_factory=list)
    symmetric: list[float] = field(default_factory=list)
    naive: list[float] = field(default_factory=list)
    weekday4: list[float] = field(default_factory=list)
    inside: list[bool] = field(default_factory=list)

    def add(self, other: "Score") -> None:
        for name in ("errors", "symmetric", "naive", "weekday4", "inside"):
            getattr(self, name).extend(getattr(other, name))

    @property
    def figures(self) -> dict[str, float]:
        return {
            "mae": statistics.mean(self.errors),
            "smape": 100 * statistics.mean(self.symmetric),
            "naive_mae": statistics.mean(self.naive),
            "weekday4_mae": statistics.mean(self.weekday4),
            "coverage80": statistics.mean(self.inside),
        }


def read_csv(path: Path) -> list[Series]:
    """One series per store; the days a store is absent are its closed days."""
    stores: dict[str, dict[date, float]] = {}
    with path.open(newline="") as rows:
        for row in csv.DictReader(rows):
            day = date.fromisoformat(row["date"].strip())
            stores.setdefault(row["store"].strip(), {})[day] = float(row["visitors"])
    return [Series(name, history) for name, history in sorted(stores.items())]


def closed_days(history: dict[date, float]) -> set[date]:
    """Every day between the first and the last that has no count."""
    first, last = min(history), max(history)
    return {
        first + timedelta(days=offset)
        for offset in range((last - first).days + 1)
        if first + timedelta(days=offset) not in history
    }


def same_weekdays(history: dict[date, float], target: date, weeks: int) -> list[float]:
    """The counts of the same weekday over the ``weeks`` weeks before the target, latest first."""
    found = (history.get(target - timedelta(days=7 * week)) for week in range(1, weeks + 1))
    return [count for count in found if count is not None]


def backtest(series: Series) -> dict[int, Score]:
    """Origins day by day over the last 8 weeks; each scored day at each horizon."""
    history = series.history
    last = max(history)
    targets = [last - timedelta(days=back) for back in range(7 * WEEKS)][::-1]
    origins = sorted({target - timedelta(days=h - 1) for target in targets for h in HORIZONS})
    forecasts = backtest_days(
        history,
        origins=origins,
        horizon=max(HORIZONS),
        closed=closed_days(history),
        holidays=series.holidays,
        level=LEVEL,
    )
    scores = {h: Score() for h in HORIZONS}
    for target in targets:
        actual = history.get(target)
        if actual is None:
            continue
        # The latest same weekday seen, for the naive when last week's was closed.
        naive = same_weekdays(history, target, 52)[:1]
        if not naive:
            continue
        weekday4 = same_weekdays(history, target, 4) or naive
        for h in HORIZONS:
            forecast = forecasts[target - timedelta(days=h - 1)][h - 1]
            score = scores[h]
            score.errors.append(abs(forecast.expected - actual))
            total = abs(forecast.expected) + abs(actual)
            score.symmetric.append(2 * abs(forecast.expected - actual) / total if total else 0.0)
            score.naive.append(abs(naive[0] - actual))
            score.weekday4.append(abs(statistics.mean(weekday4) - actual))
            score.inside.append(forecast.low <= actual <= forecast.high)
    return scores


def machine_line(dataset: str, horizon: int, figures: dict[str, float]) -> str:
    return (
        f"forecast dataset={dataset} h={horizon} mae={figures['mae']:.2f} "
        f"smape={figures['smape']:.1f} naive_mae={figures['naive_mae']:.2f} "
        f"weekday4_mae={figures['weekday4_mae']:.2f} coverage80={figures['coverage80']:.2f}"
    )


def verdicts(figures: dict[str, float]) -> list[tuple[str, bool]]:
    low, high = TARGET_COVERAGE
    return [
        (
            f"MAE ≤ {1 - TARGET_NAIVE_GAIN:.2f} × naive ({figures['mae'] / figures['naive_mae']:.2f})",
            figures["mae"] <= (1 - TARGET_NAIVE_GAIN) * figures["naive_mae"],
        ),
        (
            f"MAE < weekday-4 mean ({figures['mae'] / figures['weekday4_mae']:.2f})",
            figures["mae"] < figures["weekday4_mae"],
        ),
        (
            f"coverage80 in {low:.2f}–{high:.2f} ({figures['coverage80']:.2f})",
            low <= figures["coverage80"] <= high,
        ),
    ]


def datasets(arguments) -> list[tuple[str, list[Series]]]:
    """(dataset name, its series): each synthetic restaurant, or each store and all stores."""
    if arguments.csv is None:
        restaurants = []
        for profile in PROFILES:
            made = synth_history(profile, seed=arguments.seed)
            restaurants.append(Series(profile.name, made.daily, made.holidays))
        # Pooled, 8 weeks of six restaurants tell coverage apart from luck (±0.02, not ±0.06).
        return [
            *((one.name, [one]) for one in restaurants),
            ("synthetic", restaurants),
            ("demo", [demo_series()]),
        ]
    stores = read_csv(arguments.csv)
    if arguments.country:
        for store in stores:
            store.holidays = country_holidays(arguments.country, min(store.history), date.max)
    name = arguments.csv.stem
    per_store = [(f"{name}/{store.name}", [store]) for store in stores]
    return [*per_store, (name, stores)] if len(stores) > 1 else per_store


def demo_series(*, today: date | None = None) -> Series:
    """The demo restaurant's covers seated per open day over the year before ``today``, as
    its seeding draws them (the same profile and seed; closed days absent)."""
    yesterday = (today or date.today()) - timedelta(days=1)
    made = synth_history(demo_profile(end=yesterday), seed=DEMO_SEED, days=DEMO_DAYS)
    return Series("demo", made.daily, made.holidays)


def sample_rows() -> list[dict[str, str]]:
    """``bench/data/forecast_sample.csv``: three made-up stores, 300 days, closed days absent."""
    rows = []
    for store, name in SAMPLE_STORES:
        made = synth_history(profile(name), seed=SAMPLE_SEED, days=300)
        rows.extend(
            {"store": store, "date": day.isoformat(), "visitors": str(int(visitors))}
            for day, visitors in sorted(made.daily.items())
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rolling backtest of the demand forecast.")
    parser.add_argument("--csv", type=Path, help="daily CSV with store,date,visitors")
    parser.add_argument("--country", help="holidays of this country for the CSV's stores")
    parser.add_argument("--seed", type=int, default=0, help="the synthetic histories' seed")
    parser.add_argument("--write-sample", type=Path, help="write the sample CSV there and stop")
    arguments = parser.parse_args(argv)
    if arguments.write_sample:
        with arguments.write_sample.open("w", newline="") as sample:
            writer = csv.DictWriter(sample, fieldnames=["store", "date", "visitors"])
            writer.writeheader()
            writer.writerows(sample_rows())
        return 0

    started = time.monotonic()
    results: list[tuple[str, int, int, dict[str, float]]] = []  # dataset, h, days, figures
    backtests: dict[str, dict[int, Score]] = {}  # per series: a pooled dataset reuses them
    for dataset, series in datasets(arguments):
        pooled = {h: Score() for h in HORIZONS}
        for one in series:
            if one.name not in backtests:
                backtests[one.name] = backtest(one)
            for h in HORIZONS:
                pooled[h].add(backtests[one.name][h])
        if not pooled[HORIZONS[0]].errors:
            print(f"{dataset}: no day to score in its last {WEEKS} weeks (too short a history?)")
            continue
        results.extend((dataset, h, len(pooled[h].errors), pooled[h].figures) for h in HORIZONS)

    print(
        f"Rolling origin over the last {WEEKS} weeks of each series, horizons "
        f"{' and '.join(map(str, HORIZONS))} days; {LEVEL:.0%} interval."
    )
    if arguments.csv is None:
        print(
            f"demo: the demo restaurant's {DEMO_DAYS} days to yesterday, drawn with its seeding's "
            f"profile and seed ({DEMO_SEED}), not read from a database."
        )
    print()
    print(f"{'dataset':<28}{'h':>3}{'days':>6}{'MAE':>9}{'sMAPE%':>8}{'naive':>9}"
          f"{'wday-4':>9}{'vs naive':>10}{'cover80':>9}")  # fmt: skip
    for dataset, h, days, figures in results:
        print(
            f"{dataset:<28}{h:>3}{days:>6}{figures['mae']:>9.2f}{figures['smape']:>8.1f}"
            f"{figures['naive_mae']:>9.2f}{figures['weekday4_mae']:>9.2f}"
            f"{figures['mae'] / figures['naive_mae'] - 1:>+10.0%}{figures['coverage80']:>9.2f}"
        )
    print()
    for dataset, h, _days, figures in results:
        print(machine_line(dataset, h, figures))

    print("\nTargets")
    missed = 0
    for dataset, h, _days, figures in results:
        for label, met in verdicts(figures):
            missed += not met
            print(f"  {dataset:<28} h={h}  {label:<34} {'met' if met else 'MISSED'}")
    checks = len(results) * 3
    print(f"\n{checks - missed} of {checks} met; took {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
