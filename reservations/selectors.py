"""Reads of the booking book: the policy, free slots, the best table, alternatives."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reservations.models import ACTIVE_STATUSES, BookingPolicy, Reservation, Table, TableStatus

POLICY_CACHE_KEY = "booking-policy:v1"
POLICY_CACHE_SECONDS = 300
# How far the alternatives look when the asked slot is full.
ALTERNATIVE_DAYS = 7


@dataclass(frozen=True)
class PolicySnapshot:
    """The booking policy with its hours and closed dates, as the engine needs them."""

    enabled: bool
    auto_confirm: bool
    duration: dt.timedelta
    interval: dt.timedelta
    min_notice: dt.timedelta
    max_days_ahead: int
    seat_window: dt.timedelta
    finish_after: dt.timedelta
    phone_region: str
    # weekday -> ((opens, closes), …)
    periods: dict[int, tuple[tuple[dt.time, dt.time], ...]]
    closed_once: frozenset[dt.date]
    closed_yearly: frozenset[tuple[int, int]]
    price_brackets: tuple[tuple[int | None, str], ...]
    # The row itself, for reading what the public pages show (address, largest party…).
    row: BookingPolicy

    def is_closed(self, day: dt.date) -> bool:
        return day in self.closed_once or (day.month, day.day) in self.closed_yearly


def booking_policy_get() -> BookingPolicy:
    """The restaurant's policy row (every schema has it from its migrations on)."""
    return BookingPolicy.objects.get(pk=1)


def booking_policy_snapshot() -> PolicySnapshot:
    """The policy of the current restaurant, from the cache (cleared by every policy change)."""
    snapshot = cache.get(POLICY_CACHE_KEY)
    if snapshot is None:
        policy = booking_policy_get()
        periods: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
        for period in policy.periods.all():
            periods[period.weekday].append((period.opens_at, period.closes_at))
        closed = list(policy.closed_dates.all())
        snapshot = PolicySnapshot(
            enabled=policy.reservations_enabled,
            auto_confirm=policy.auto_confirm,
            duration=dt.timedelta(minutes=policy.duration_minutes),
            interval=dt.timedelta(minutes=policy.slot_interval_minutes),
            min_notice=dt.timedelta(minutes=policy.min_notice_minutes),
            max_days_ahead=policy.max_days_ahead,
            seat_window=dt.timedelta(minutes=policy.seat_window_minutes),
            finish_after=dt.timedelta(minutes=policy.finish_after_minutes),
            phone_region=policy.phone_region,
            periods={day: tuple(sorted(spans)) for day, spans in periods.items()},
            closed_once=frozenset(c.date for c in closed if not c.every_year),
            closed_yearly=frozenset((c.date.month, c.date.day) for c in closed if c.every_year),
            price_brackets=tuple(
                (bracket.up_to_capacity, str(bracket.price))
                for bracket in policy.price_brackets.all()
            ),
            row=policy,
        )
        cache.set(POLICY_CACHE_KEY, snapshot, POLICY_CACHE_SECONDS)
    return snapshot


def book_version() -> int:
    """A number PostgreSQL moves on every change of what the booking pages show (bookings,
    tables, the policy and its hours, the menu), whatever code made it: pages are cached
    under it (reservations' migration 0012): the time of the newest change, in microseconds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(changed), 0) FROM reservations_bookchange")
        return cursor.fetchone()[0]


def booking_policy_cached() -> BookingPolicy:
    """The policy row from the cache: to read on the public pages, never to save."""
    return booking_policy_snapshot().row


def booking_policy_forget() -> None:
    """Drop the cached policy after a change to it, its hours or its closed dates."""
    cache.delete(POLICY_CACHE_KEY)


def restaurant_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(getattr(connection.tenant, "timezone", None) or "UTC")


def _exists(wall: dt.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    """False for wall-clock times skipped by a daylight-saving jump."""
    aware = wall.replace(tzinfo=zone)
    return aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == wall


def service_slots(snapshot: PolicySnapshot, day: dt.date, zone) -> list[dt.datetime]:
    """Every start time of the service day ``day``, as aware datetimes, in order.

    Slots run on the wall clock from opening to the last start that still ends by
    closing; a period that closes at or before it opens ends the next morning.
    Daylight-saving days keep the same wall-clock slots (a skipped hour has none).
    """
    return list(_service_slots_and_marks(snapshot, day, zone)[0])


def _service_slots_and_marks(snapshot: PolicySnapshot, day: dt.date, zone):
    """The day's start times, and the same as POSIX timestamps."""
    if snapshot.is_closed(day):
        return (), ()
    periods = snapshot.periods.get(day.weekday(), ())
    return _day_slots(periods, snapshot.interval, snapshot.duration, day, zone)


@functools.lru_cache(maxsize=4096)
def _day_slots(periods, interval: dt.timedelta, duration: dt.timedelta, day: dt.date, zone):
    """Remembered: a month's calendar asks for forty days on every view, and the hours
    (``periods``, part of the key) seldom change."""
    starts: set[dt.datetime] = set()
    for opens_at, closes_at in periods:
        wall = dt.datetime.combine(day, opens_at)
        closing_day = day if closes_at > opens_at else day + dt.timedelta(days=1)
        last_start = dt.datetime.combine(closing_day, closes_at) - duration
        while wall <= last_start:
            if _exists(wall, zone):
                starts.add(wall.replace(tzinfo=zone))
            wall += interval
    ordered = tuple(sorted(starts))
    return ordered, tuple(start.timestamp() for start in ordered)


def _periods_around(snapshot: PolicySnapshot, local: dt.datetime):
    """(service day, opening, closing) of the periods of ``local``'s day and the day before
    (whose late service may run past midnight), on the wall clock."""
    for day in (local.date(), local.date() - dt.timedelta(days=1)):
        if snapshot.is_closed(day):
            continue
        for opens_at, closes_at in snapshot.periods.get(day.weekday(), ()):
            closing_day = day if closes_at > opens_at else day + dt.timedelta(days=1)
            yield (
                day,
                dt.datetime.combine(day, opens_at),
                dt.datetime.combine(closing_day, closes_at),
            )


def service_day_of(snapshot: PolicySnapshot, starts_at: dt.datetime, zone) -> dt.date | None:
    """The service day whose opening hours hold a booking starting at ``starts_at``."""
    local = starts_at.astimezone(zone).replace(tzinfo=None)
    for day, opening, closing in _periods_around(snapshot, local):
        if opening <= local <= closing - snapshot.duration:
            return day
    return None


def is_open_at(moment: dt.datetime) -> bool:
    """Whether the current restaurant is in one of its service periods at ``moment``."""
    local = moment.astimezone(restaurant_zone()).replace(tzinfo=None)
    snapshot = booking_policy_snapshot()
    return any(
        opening <= local < closing for _day, opening, closing in _periods_around(snapshot, local)
    )


@dataclass(frozen=True)
class FreeTable:
    id: int
    code: str
    max_capacity: int
    area: str
    reservation_price: Decimal


@dataclass
class Slot:
    starts_at: dt.datetime
    tables: list[FreeTable]

    @property
    def best_table(self) -> FreeTable:
        return self.tables[0]


@dataclass
class DayAvailability:
    day: dt.date
    party_size: int
    slots: list[Slot] = field(default_factory=list)
    reason: str = ""

    @property
    def reason_text(self) -> str:
        return str(UNAVAILABLE_REASONS.get(self.reason, ""))


UNAVAILABLE_REASONS = {
    "reservations_off": _("The restaurant is not taking reservations right now."),
    "closed": _("The restaurant is closed that day."),
    "outside_window": _("That day is outside the booking window."),
    "no_table_fits": _("No table seats a party of that size."),
    "fully_booked": _("That day is fully booked."),
    "no_times_left": _("There are no times left that day."),
}


class TableBook:
    """One table's active bookings in a window, answering "free from a to b?" and "how many
    start between a and b?" by bisection, on POSIX timestamps (comparing aware datetimes
    costs more than the search itself): a month of bookings stays cheap."""

    def __init__(self, spans: list[tuple[float, float]]):
        marks = sorted(spans)
        self.starts = [start for start, _end in marks]
        # reach[i]: the latest end among the first i + 1 bookings (bookings may not overlap
        # in the database, but nothing here depends on it).
        self.reach = list(itertools.accumulate((end for _start, end in marks), max))

    def __len__(self) -> int:
        return len(self.starts)

    def is_free(self, starts_at: float, ends_at: float) -> bool:
        before = bisect.bisect_left(self.starts, ends_at)  # bookings that start before the end
        return before == 0 or self.reach[before - 1] <= starts_at

    def starting_between(self, earliest: float, latest: float) -> int:
        return bisect.bisect_left(self.starts, latest) - bisect.bisect_left(self.starts, earliest)


NOTHING_BOOKED = TableBook([])


# The fitting tables, each with its active bookings in a window as two arrays of POSIX
# timestamps (starts, and ends in the same order). Written out rather than built by the ORM:
# compiling the two array subqueries cost more CPU than PostgreSQL spent running them, on
# every availability view. ``%(exclude)s``: a reservation left out (0 for none).
BOOK_SQL = f"""
SELECT t.id, t.code, t.max_capacity, t.area, t.reservation_price, b.starts, b.ends
FROM {Table._meta.db_table} t
LEFT JOIN LATERAL (
    SELECT array_agg(EXTRACT(EPOCH FROM r.starts_at)::float8 ORDER BY r.starts_at) AS starts,
           array_agg(EXTRACT(EPOCH FROM r.ends_at)::float8 ORDER BY r.starts_at) AS ends
    FROM {Reservation._meta.db_table} r
    WHERE r.table_id = t.id AND r.status = ANY(%(active)s)
      AND r.starts_at < %(window_end)s AND r.ends_at > %(window_start)s AND r.id <> %(exclude)s
) b ON true
WHERE t.min_capacity <= %(party_size)s AND t.max_capacity >= %(party_size)s
  AND t.status <> %(maintenance)s
ORDER BY t.max_capacity, t.code
"""


def _book(party_size: int, window_start, window_end, *, exclude_reservation=None):
    """Fitting tables and, per table, the active bookings in the window: one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            BOOK_SQL,
            {
                "active": [str(status) for status in ACTIVE_STATUSES],
                "window_start": window_start,
                "window_end": window_end,
                "exclude": exclude_reservation.pk if exclude_reservation is not None else 0,
                "party_size": party_size,
                "maintenance": str(TableStatus.MAINTENANCE),
            },
        )
        rows = cursor.fetchall()
    tables, booked = [], {}
    for *table, starts, ends in rows:
        tables.append(FreeTable(*table))
        if starts:
            booked[table[0]] = TableBook(list(zip(starts, ends, strict=True)))
    return tables, booked


def _free_tables(
    tables, booked: dict[int, TableBook], starts_at: float, ends_at: float, area: str, used
) -> list[FreeTable]:
    """Free tables for the range (timestamps), best first: preferred area, smallest, least
    used (``used[table id]``: its bookings that count), code."""
    free = [
        table
        for table in tables
        if booked.get(table.id, NOTHING_BOOKED).is_free(starts_at, ends_at)
    ]
    free.sort(
        key=lambda table: (
            bool(area) and table.area != area,
            table.max_capacity,
            used.get(table.id, 0),
            table.code,
        )
    )
    return free


def _day_reason(snapshot: PolicySnapshot, day: dt.date, today: dt.date) -> str:
    """Why a day has no times whatever is booked ("" when it may have some)."""
    if not snapshot.enabled:
        return "reservations_off"
    if day < today or day > today + dt.timedelta(days=snapshot.max_days_ahead):
        return "outside_window"
    if snapshot.is_closed(day) or not snapshot.periods.get(day.weekday()):
        return "closed"
    return ""


def availability_for_days(
    *,
    days: list[dt.date],
    party_size: int,
    area: str = "",
    now: dt.datetime | None = None,
    whole_days: frozenset[dt.date] | None = None,
    snapshot: PolicySnapshot | None = None,
) -> dict[dt.date, DayAvailability]:
    """The free start times of several service days for a party, each with its free tables:
    one query whatever the number of days (the fitting tables with their bookings over the
    whole span). Days not in ``whole_days`` (when given) stop at their first free time:
    enough to say whether the day has room. ``snapshot``: the policy, if the caller has it."""
    now = now or timezone.now()
    snapshot = snapshot or booking_policy_snapshot()
    zone = restaurant_zone()
    today = now.astimezone(zone).date()
    earliest = (now + snapshot.min_notice).timestamp()
    results: dict[dt.date, DayAvailability] = {}
    starts_of: dict[dt.date, tuple[tuple[dt.datetime, ...], tuple[float, ...]]] = {}
    for day in days:
        result = results[day] = DayAvailability(day=day, party_size=party_size)
        result.reason = _day_reason(snapshot, day, today)
        if result.reason:
            continue
        starts, marks = _service_slots_and_marks(snapshot, day, zone)
        first = bisect.bisect_left(marks, earliest)
        if first < len(starts):
            starts_of[day] = (starts[first:], marks[first:])
        else:
            result.reason = "no_times_left"
    if not starts_of:
        return results
    tables, booked = _book(
        party_size,
        min(starts[0] for starts, _marks in starts_of.values()),
        max(starts[-1] for starts, _marks in starts_of.values()) + snapshot.duration,
    )
    duration = snapshot.duration.total_seconds()
    for day, (starts, marks) in starts_of.items():
        result = results[day]
        if not tables:
            result.reason = "no_table_fits"
            continue
        if whole_days is None or day in whole_days:
            wanted = range(len(starts))
        else:  # the first time any table is free, if one is: enough for the calendar
            free_times = (
                index
                for index, mark in enumerate(marks)
                if any(
                    booked.get(table.id, NOTHING_BOOKED).is_free(mark, mark + duration)
                    for table in tables
                )
            )
            wanted = list(itertools.islice(free_times, 1))
        if not wanted:
            result.reason = "fully_booked"
            continue
        # "Least used": the bookings of this day's service.
        used = {
            table_id: book.starting_between(marks[0] - duration, marks[-1] + duration)
            for table_id, book in booked.items()
        }
        for index in wanted:
            free = _free_tables(tables, booked, marks[index], marks[index] + duration, area, used)
            if free:
                result.slots.append(Slot(starts_at=starts[index], tables=free))
        if not result.slots:
            result.reason = "fully_booked"
    return results


def availability_for_day(
    *, day: dt.date, party_size: int, area: str = "", now: dt.datetime | None = None
) -> DayAvailability:
    """The free start times of a service day for a party, each with its free tables."""
    return availability_for_days(days=[day], party_size=party_size, area=area, now=now)[day]


def table_best_for(
    *,
    starts_at: dt.datetime,
    party_size: int,
    area: str = "",
    duration: dt.timedelta | None = None,
    exclude_reservation: Reservation | None = None,
) -> list[FreeTable]:
    """The free tables for a booking, best first (empty when none is free)."""
    duration = duration or booking_policy_snapshot().duration
    ends_at = starts_at + duration
    # The day's bookings count towards "least used", so the window is the whole local day.
    zone = restaurant_zone()
    local_day = starts_at.astimezone(zone).date()
    window_start = dt.datetime.combine(local_day, dt.time.min, tzinfo=zone)
    window_end = max(ends_at, window_start + dt.timedelta(days=1))
    tables, booked = _book(
        party_size, window_start, window_end, exclude_reservation=exclude_reservation
    )
    used = {table_id: len(book) for table_id, book in booked.items()}
    return _free_tables(tables, booked, starts_at.timestamp(), ends_at.timestamp(), area, used)


def alternatives_for(
    *,
    starts_at: dt.datetime,
    party_size: int,
    area: str = "",
    count: int = 3,
    now: dt.datetime | None = None,
) -> list[Slot]:
    """The nearest free slots to a full one: the same day first, then the next days."""
    zone = restaurant_zone()
    day = starts_at.astimezone(zone).date()
    found: list[Slot] = []
    for offset in range(ALTERNATIVE_DAYS + 1):
        availability = availability_for_day(
            day=day + dt.timedelta(days=offset), party_size=party_size, area=area, now=now
        )
        if offset == 0:
            wanted = starts_at
        else:
            wall = starts_at.astimezone(zone).replace(tzinfo=None) + dt.timedelta(days=offset)
            wanted = wall.replace(tzinfo=zone)
        slots = sorted(
            (slot for slot in availability.slots if slot.starts_at != starts_at),
            key=lambda slot: abs(slot.starts_at - wanted),
        )
        found.extend(slots[: count - len(found)])
        if len(found) >= count:
            break
    return found


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    state: str  # available, full, closed or outside (the booking window)
    in_month: bool

    @property
    def iso(self) -> str:
        return self.day.isoformat()


# How each reason a day has no times shows on the public calendar.
CALENDAR_STATES = {
    "": "available",
    "reservations_off": "closed",
    "closed": "closed",
    "outside_window": "outside",
    "no_table_fits": "full",
    "fully_booked": "full",
    "no_times_left": "full",
}


def booking_window(
    *, now: dt.datetime | None = None, snapshot: PolicySnapshot | None = None
) -> tuple[dt.date, dt.date]:
    """The first and last days customers may book: today to ``max_days_ahead`` days on."""
    now = now or timezone.now()
    snapshot = snapshot or booking_policy_snapshot()
    today = now.astimezone(restaurant_zone()).date()
    return today, today + dt.timedelta(days=snapshot.max_days_ahead)


def calendar_days(month: dt.date) -> list[dt.date]:
    """The days a month's calendar shows: whole weeks, Monday first."""
    first = month.replace(day=1)
    day = first - dt.timedelta(days=first.weekday())
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    days = []
    while day < next_month or day.weekday() != 0:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


# A month's calendar (what each day has for a party size) is shared by the views of all its
# days: cached under the book's version and the time epoch (``time_epoch``) of the page.
CALENDAR_CACHE_SECONDS = 600


def time_epoch(*, now: dt.datetime | None = None, snapshot: PolicySnapshot | None = None) -> str:
    """What the passing of time has changed on the public pages, as a key: the restaurant's
    date (the booking window starts on it) and the first start time still offered, that is,
    not within the minimum notice. Between two changes of the book's version, the calendar
    and the free times stay the same for as long as this key does: usually until the next
    start time drops off, a quarter or half an hour, instead of a minute."""
    now = now or timezone.now()
    snapshot = snapshot or booking_policy_snapshot()
    zone = restaurant_zone()
    today = now.astimezone(zone).date()
    earliest = (now + snapshot.min_notice).timestamp()
    first = None
    for offset in range(snapshot.max_days_ahead + 1):
        day = today + dt.timedelta(days=offset)
        # A service day's start times are on or after its own midnight.
        if first is not None and dt.datetime.combine(day, dt.time.min, zone).timestamp() > first:
            break
        _starts, marks = _service_slots_and_marks(snapshot, day, zone)
        index = bisect.bisect_left(marks, earliest)  # as availability_for_days cuts them
        if index < len(marks) and (first is None or marks[index] < first):
            first = marks[index]
    return f"{today.isoformat()}:{int(first or 0)}"


def booking_month(
    *,
    day: dt.date,
    party_size: int,
    now: dt.datetime | None = None,
    snapshot: PolicySnapshot | None = None,
    cached_as: str | None = None,
) -> tuple[DayAvailability, list[list[CalendarDay]]]:
    """The free times of ``day`` and the calendar of its month (weeks, Monday first, each day
    marked by what it has for the party): one query for the month, or, when the month is in
    the cache under ``cached_as`` (the book's version and time epoch the caller's page is
    keyed by), one query for the day."""
    now = now or timezone.now()
    snapshot = snapshot or booking_policy_snapshot()
    today, last_bookable = booking_window(now=now, snapshot=snapshot)
    days = calendar_days(day)
    key = None
    if cached_as is not None:
        key = f"booking-calendar:{cached_as}:{days[0]}:{party_size}"
    states = cache.get(key) if key else None
    if states is None:
        bookable = {shown for shown in days if today <= shown <= last_bookable}
        availability = availability_for_days(
            days=sorted(bookable | {day}),
            party_size=party_size,
            now=now,
            whole_days=frozenset({day}),
            snapshot=snapshot,
        )
        states = {
            shown: CALENDAR_STATES.get(availability[shown].reason, "full")
            if shown in bookable
            else "outside"
            for shown in days
        }
        if key:
            cache.set(key, states, CALENDAR_CACHE_SECONDS)
        chosen = availability[day]
    else:
        chosen = availability_for_days(
            days=[day], party_size=party_size, now=now, snapshot=snapshot
        )[day]
    cells = [
        CalendarDay(day=shown, state=states[shown], in_month=shown.month == day.month)
        for shown in days
    ]
    return chosen, [cells[week : week + 7] for week in range(0, len(cells), 7)]


def floor_occupancy() -> dict:
    """Tables by status and the occupancy rate, now."""
    counts = Table.objects.aggregate(
        total=Count("id"),
        occupied=Count("id", filter=Q(status=TableStatus.OCCUPIED)),
        reserved=Count("id", filter=Q(status=TableStatus.RESERVED)),
        free=Count("id", filter=Q(status=TableStatus.AVAILABLE)),
        maintenance=Count("id", filter=Q(status=TableStatus.MAINTENANCE)),
    )
    in_service = counts["total"] - counts["maintenance"]
    counts["occupancy_rate"] = (
        round(100 * counts["occupied"] / in_service, 1) if in_service else 0.0
    )
    return counts
