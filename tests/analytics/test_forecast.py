"""The demand forecast a manager plans staff and promotions with: accurate against the
obvious methods, honest about its uncertainty, closed when the restaurant is, aware of
holidays and of what is already booked. Pure functions: no database."""

import io
import random
import re
import statistics
from contextlib import redirect_stdout
from datetime import date, timedelta
from pathlib import Path

import pytest

from analytics.forecast import (
    OPEN_TERRACE,
    PROMOTION,
    STAFF_UP,
    DayForecast,
    HourForecast,
    backtest_days,
    forecast_days,
    forecast_hours,
    recommendations,
)
from analytics.history_synth import Profile, country_holidays, synth_history
from bench import forecast as bench

SAMPLE = Path(bench.__file__).resolve().parent / "data" / "forecast_sample.csv"
# A restaurant none of the model's settings were chosen on: its own shape, country and seed.
UNSEEN = Profile(
    name="pizzeria-unseen",
    country="CO",
    end=date(2025, 5, 18),
    base=120,
    weekly=(0.0, 0.7, 0.8, 0.9, 1.2, 1.6, 1.3),
    season_amplitude=0.18,
    season_peak=170,
    trend_per_year=0.15,
    noise=0.17,
    holiday_effect=1.2,
    closure_rate=0.015,
)


def flat_history(first: date, days: int, *, per_day=100.0, seed=1, noise=0.05, skip=()):
    rng = random.Random(seed)
    history = {}
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day.weekday() in skip:
            continue
        history[day] = per_day * rng.uniform(1 - noise, 1 + noise)
    return history


def test_forecast_beats_the_seasonal_naive_on_a_restaurant_it_was_not_tuned_on():
    made = synth_history(UNSEEN, seed=3)
    scores = bench.backtest(bench.Series(UNSEEN.name, made.daily, made.holidays))

    for horizon in (1, 7):
        figures = scores[horizon].figures
        assert figures["mae"] <= 0.85 * figures["naive_mae"], (horizon, figures)
        assert figures["mae"] < figures["weekday4_mae"], (horizon, figures)


def test_the_80_percent_interval_holds_about_80_percent_and_the_confidence_says_so():
    made = synth_history(UNSEEN, seed=5, days=600)
    targets = [made.last - timedelta(days=back) for back in range(182)]
    forecasts = backtest_days(
        made.daily, origins=targets, horizon=1, closed=made.closed, holidays=made.holidays
    )
    scored = [(forecasts[day][0], made.daily[day]) for day in targets if day in made.daily]

    coverage = statistics.mean(low_high_holds(forecast, actual) for forecast, actual in scored)
    confidence = statistics.mean(forecast.confidence for forecast, _actual in scored)
    assert 0.72 <= coverage <= 0.88
    assert abs(confidence - coverage) < 0.1


def low_high_holds(forecast: DayForecast, actual: float) -> bool:
    return forecast.low <= actual <= forecast.high


def test_closed_days_are_forecast_closed_and_absent_days_are_not_read_as_zeros():
    first = date(2025, 1, 6)
    history = flat_history(first, 120, skip={0})  # closed every Monday
    rng = random.Random(2)
    for day in rng.sample(sorted(history), 30):  # and on 30 other days, absent too
        del history[day]
    origin = first + timedelta(days=120)
    mondays = {origin + timedelta(days=offset) for offset in range(14)}
    mondays = {day for day in mondays if day.weekday() == 0}

    forecasts = forecast_days(history, origin=origin, horizon=14, closed=mondays)

    for forecast in forecasts:
        if forecast.date in mondays:
            assert forecast.closed and forecast.expected == forecast.high == 0
        else:
            assert not forecast.closed
            assert 90 <= forecast.expected <= 110


@pytest.mark.parametrize("effect", [0.5, 1.6])
def test_a_holiday_moves_the_day_as_past_holidays_did(effect):
    first, days = date(2023, 9, 1), 560
    holidays = country_holidays("MX", first, first + timedelta(days=days + 30))
    history = flat_history(first, days)
    for day in history:
        if day in holidays:
            history[day] *= effect
    origin = first + timedelta(days=days)
    coming = next(day for day in sorted(holidays) if day >= origin + timedelta(days=1))
    assert (coming - origin).days < 14, "the series ends before a holiday"

    forecasts = {f.date: f for f in forecast_days(history, origin=origin, holidays=holidays)}

    ordinary = statistics.mean(f.expected for day, f in forecasts.items() if day not in holidays)
    assert forecasts[coming].expected == pytest.approx(ordinary * effect, rel=0.2)
    assert forecasts[coming].factors.holiday == pytest.approx(effect, rel=0.2)


def test_what_is_already_booked_floors_the_forecast():
    first = date(2025, 1, 6)
    history = flat_history(first, 120)
    origin = first + timedelta(days=120)
    busy = origin + timedelta(days=3)

    (forecast,) = [
        f for f in forecast_days(history, origin=origin, booked={busy: 400}) if f.date == busy
    ]

    assert forecast.expected == forecast.low == forecast.high == 400
    assert forecast.factors.booked == 400


def test_hours_spread_the_day_and_take_their_booked_floor():
    made = synth_history(UNSEEN, seed=4, days=240)
    origin = made.last + timedelta(days=1)
    dinner = next(day for day in (origin + timedelta(days=n) for n in range(7)) if day.weekday())

    hours = forecast_hours(
        made.hourly, origin=origin, horizon=7, holidays=made.holidays, booked={(dinner, 21): 300}
    )
    days = forecast_days(made.daily, origin=origin, horizon=7, holidays=made.holidays)

    for forecast in days:
        spread = [hour for hour in hours if hour.date == forecast.date]
        if forecast.date == dinner:
            assert next(h for h in spread if h.hour == 21).expected == 300
            continue
        assert sum(hour.expected for hour in spread) == pytest.approx(forecast.expected, abs=1)
        assert all(hour.low <= hour.expected <= hour.high for hour in spread)


def test_backtest_gives_what_forecast_days_gives_at_each_origin():
    made = synth_history(UNSEEN, seed=6, days=300)
    origin = made.last - timedelta(days=10)

    shared = backtest_days(made.daily, origins=[origin], horizon=7, holidays=made.holidays)

    alone = forecast_days(made.daily, origin=origin, horizon=7, holidays=made.holidays)
    assert shared[origin] == alone


def hour(day, at, expected, high=None, share=0.1):
    return HourForecast(
        day, at, 1, expected, expected * 0.7, high or expected * 1.2, 0.8, False, share
    )


def test_recommendations_staff_up_a_full_evening_open_the_terrace_and_promote_a_dead_afternoon():
    day = date(2025, 6, 6)
    forecasts = [
        *(hour(day, at, 8) for at in range(13, 19)),  # 8 of 60 seats in the afternoon
        hour(day, 19, 40),
        hour(day, 20, 55, high=70),
        hour(day, 21, 58, high=72),
        hour(day, 22, 30),
    ]

    advice = recommendations(forecasts, capacity=60, terrace_capacity=20)

    codes = {(item.code, item.hours) for item in advice}
    assert codes == {(STAFF_UP, (20, 22)), (OPEN_TERRACE, (20, 22)), (PROMOTION, (15, 19))}
    promotion = next(item for item in advice if item.code == PROMOTION)
    assert promotion.params["occupancy"] == pytest.approx(8 / 60, abs=0.01)


def test_an_ordinary_day_gets_no_recommendation():
    day = date(2025, 6, 6)
    forecasts = [hour(day, at, 30) for at in range(13, 23)]

    assert recommendations(forecasts, capacity=60, terrace_capacity=20) == []


def test_the_csv_reader_takes_the_absent_days_as_closed(tmp_path):
    path = tmp_path / "stores.csv"
    path.write_text(
        "store,date,visitors\na,2025-03-01,10\na,2025-03-02,12\na,2025-03-04,9\nb,2025-03-01,30\n"
    )

    stores = {series.name: series for series in bench.read_csv(path)}

    assert stores["a"].history == {
        date(2025, 3, 1): 10,
        date(2025, 3, 2): 12,
        date(2025, 3, 4): 9,
    }
    assert bench.closed_days(stores["a"].history) == {date(2025, 3, 3)}
    assert stores["b"].history == {date(2025, 3, 1): 30}


MACHINE_LINE = re.compile(
    r"forecast dataset=\S+ h=(1|7) mae=\d+\.\d\d smape=\d+\.\d naive_mae=\d+\.\d\d "
    r"weekday4_mae=\d+\.\d\d coverage80=[01]\.\d\d"
)


def test_the_bench_prints_one_machine_line_per_store_pooled_and_horizon():
    printed = io.StringIO()
    with redirect_stdout(printed):
        assert bench.main(["--csv", str(SAMPLE)]) == 0

    lines = [line for line in printed.getvalue().splitlines() if line.startswith("forecast ")]
    assert all(MACHINE_LINE.fullmatch(line) for line in lines), lines
    datasets = [re.search(r"dataset=(\S+) h=(\d)", line).groups() for line in lines]
    names = [f"forecast_sample/{store}" for store in ("bistro-verde", "casa-azul", "fonda-sol")]
    assert datasets == [(name, h) for name in [*names, "forecast_sample"] for h in ("1", "7")]


def test_the_sample_csv_is_the_synthetic_stores_with_their_closed_days_absent():
    rows = SAMPLE.read_text().splitlines()

    assert rows[0] == "store,date,visitors"
    assert rows[1:] == [f"{r['store']},{r['date']},{r['visitors']}" for r in bench.sample_rows()]
    days = [date.fromisoformat(row.split(",")[1]) for row in rows[1:] if row.startswith("bistro")]
    assert not any(day.weekday() == 0 for day in days)  # the bistro closes on Mondays
