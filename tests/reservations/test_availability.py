"""The availability engine: free slots, best table, alternatives, and booking's refusals."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reservations.models import ClosedDate, Reservation
from reservations.selectors import (
    alternatives_for,
    availability_for_day,
    availability_for_days,
    booking_month,
    booking_policy_forget,
    booking_policy_get,
    table_best_for,
)
from reservations.services.bookings import reservation_create, reservation_transition
from tests.factories import CustomerFactory, TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
# A Monday morning in Mexico City; bookings are for the days after.
NOW = dt.datetime(2030, 3, 4, 10, 0, tzinfo=MEXICO)
TOMORROW = dt.date(2030, 3, 5)


def at(day: dt.date, hour: int, minute: int = 0, zone=MEXICO) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


@pytest.fixture
def salon(restaurant_a):
    """Casa Azul open 13:00–23:00, 2 h bookings every 30 min, four tables."""
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:00", duration_minutes=120, slot_interval_minutes=30)
        tables = {
            "M01": TableFactory(code="M01", min_capacity=1, max_capacity=2),
            "M02": TableFactory(code="M02", min_capacity=2, max_capacity=4),
            "T01": TableFactory(code="T01", min_capacity=2, max_capacity=4, area="terrace"),
            "V01": TableFactory(code="V01", min_capacity=4, max_capacity=8, area="vip"),
        }
        yield tables


def slot_times(availability) -> list[str]:
    return [f"{slot.starts_at.astimezone(MEXICO):%H:%M}" for slot in availability.slots]


def book(table, starts_at, party_size=2, now=NOW, **extra):
    return reservation_create(
        customer=CustomerFactory(),
        starts_at=starts_at,
        party_size=party_size,
        table=table,
        now=now,
        **extra,
    )


def test_day_offers_every_slot_from_opening_to_the_last_that_ends_by_closing(salon):
    availability = availability_for_day(day=TOMORROW, party_size=2, now=NOW)

    assert (availability.day, availability.party_size) == (TOMORROW, 2)
    assert slot_times(availability)[0] == "13:00"
    assert slot_times(availability)[-1] == "21:00"
    assert len(availability.slots) == 17
    assert availability.reason == ""


def test_best_table_is_the_smallest_that_fits_then_the_preferred_area(salon):
    two = table_best_for(starts_at=at(TOMORROW, 20), party_size=2)
    three = table_best_for(starts_at=at(TOMORROW, 20), party_size=3)
    on_terrace = table_best_for(starts_at=at(TOMORROW, 20), party_size=3, area="terrace")

    assert two[0].code == "M01"
    assert three[0].code == "M02"
    assert on_terrace[0].code == "T01"


def test_best_table_prefers_the_least_used_among_equals(salon):
    book(salon["M02"], at(TOMORROW, 13), party_size=3)

    best = table_best_for(starts_at=at(TOMORROW, 20), party_size=3)

    assert best[0].code == "T01"


@pytest.mark.parametrize("booked_at", [13, 22], ids=["at-the-first-time", "at-the-last-time"])
def test_a_day_s_times_offer_first_the_table_least_used_that_day(salon, booked_at):
    # 45-minute bookings every hour: the day's times run from 13:00 to 22:00.
    open_every_day("13:00", "23:00", duration_minutes=45, slot_interval_minutes=60)
    book(salon["M02"], at(TOMORROW, booked_at), party_size=3)

    availability = availability_for_day(day=TOMORROW, party_size=3, now=NOW)

    five_pm = next(slot for slot in availability.slots if slot.starts_at == at(TOMORROW, 17))
    assert [table.code for table in five_pm.tables] == ["T01", "M02"]


def test_a_day_s_times_offer_the_preferred_area_first(salon):
    anywhere = availability_for_day(day=TOMORROW, party_size=3, now=NOW)
    on_the_terrace = availability_for_day(day=TOMORROW, party_size=3, area="terrace", now=NOW)

    assert {slot.best_table.code for slot in anywhere.slots} == {"M02"}
    assert {slot.best_table.code for slot in on_the_terrace.slots} == {"T01"}


def test_a_booked_table_is_not_offered_and_a_short_booking_inside_a_long_one_overlaps(salon):
    book(salon["M01"], at(TOMORROW, 20))

    free_at_21 = [table.code for table in table_best_for(starts_at=at(TOMORROW, 21), party_size=2)]
    free_short = table_best_for(
        starts_at=at(TOMORROW, 20, 30), party_size=2, duration=dt.timedelta(minutes=30)
    )

    assert "M01" not in free_at_21
    assert "M01" not in [table.code for table in free_short]


def test_cancelled_and_no_show_bookings_free_the_table(salon):
    cancelled = book(salon["M01"], at(TOMORROW, 20))
    no_show = book(salon["M02"], at(TOMORROW, 20))
    reservation_transition(reservation=cancelled, to="cancelled")
    reservation_transition(reservation=no_show, to="no_show")

    free = {table.code for table in table_best_for(starts_at=at(TOMORROW, 20), party_size=2)}

    assert {"M01", "M02"} <= free
    book(salon["M01"], at(TOMORROW, 20))  # and it can be booked again


def test_table_in_maintenance_is_never_offered(salon):
    salon["M01"].status = "maintenance"
    salon["M01"].save()

    assert "M01" not in {t.code for t in table_best_for(starts_at=at(TOMORROW, 20), party_size=2)}
    with pytest.raises(ValidationError, match="está en mantenimiento"):
        book(salon["M01"], at(TOMORROW, 20))


def test_past_times_and_the_minimum_notice_are_not_offered(salon):
    policy = booking_policy_get()
    policy.min_notice_minutes = 90
    policy.save()
    booking_policy_forget()
    now = at(TOMORROW, 17, 10)

    availability = availability_for_day(day=TOMORROW, party_size=2, now=now)

    assert slot_times(availability)[0] == "19:00"


def test_the_evening_offers_the_times_still_ahead_then_says_none_are_left(salon):
    one_left = availability_for_day(day=TOMORROW, party_size=2, now=at(TOMORROW, 19, 45))
    none_left = availability_for_day(day=TOMORROW, party_size=2, now=at(TOMORROW, 20, 30))

    assert slot_times(one_left) == ["21:00"]
    assert (none_left.slots, none_left.reason) == ([], "no_times_left")
    assert none_left.reason_text == "No quedan horarios ese día."


def test_late_at_night_the_restaurant_s_own_date_says_which_times_are_tonight(restaurant_a):
    today = dt.date(2030, 3, 4)
    with tenant_context(restaurant_a):
        open_every_day("20:00", "02:00", duration_minutes=120, slot_interval_minutes=60)
        TableFactory(max_capacity=4)

        # 22:00 in Mexico City: in UTC it is already the next day.
        tonight = availability_for_day(day=today, party_size=2, now=at(today, 22))

    times = [f"{slot.starts_at.astimezone(MEXICO):%d %H:%M}" for slot in tonight.slots]
    assert times == ["04 23:00", "05 00:00"]


def test_a_restaurant_not_taking_reservations_offers_no_times_and_says_why(salon):
    policy = booking_policy_get()
    policy.reservations_enabled = False
    policy.save()
    booking_policy_forget()

    availability = availability_for_day(day=TOMORROW, party_size=2, now=NOW)

    assert (availability.slots, availability.reason) == ([], "reservations_off")
    assert availability.reason_text == "El restaurante no acepta reservas en este momento."


def test_closed_dates_once_and_every_year_close_the_day(salon):
    policy = booking_policy_get()
    ClosedDate.objects.create(policy=policy, date=dt.date(2030, 3, 6), reason="inventario")
    ClosedDate.objects.create(policy=policy, date=dt.date(2000, 3, 7), every_year=True)
    booking_policy_forget()

    once = availability_for_day(day=dt.date(2030, 3, 6), party_size=2, now=NOW)
    yearly = availability_for_day(day=dt.date(2030, 3, 7), party_size=2, now=NOW)

    assert (once.slots, once.reason) == ([], "closed")
    assert (yearly.slots, yearly.reason) == ([], "closed")
    with pytest.raises(ValidationError, match="cierra ese día"):
        book(salon["M01"], at(dt.date(2031, 3, 7), 20), now=dt.datetime(2031, 3, 1, tzinfo=MEXICO))


def test_booking_window_and_reasons_are_given(salon):
    last_day = availability_for_day(day=NOW.date() + dt.timedelta(days=60), party_size=2, now=NOW)
    beyond = availability_for_day(day=NOW.date() + dt.timedelta(days=61), party_size=2, now=NOW)
    too_big = availability_for_day(day=TOMORROW, party_size=9, now=NOW)

    assert (last_day.reason, len(last_day.slots)) == ("", 17)
    assert beyond.reason == "outside_window"
    assert too_big.reason == "no_table_fits"
    assert too_big.reason_text


def test_a_fully_booked_day_says_so_and_the_days_after_it_still_have_times(salon):
    full, after = TOMORROW, TOMORROW + dt.timedelta(days=1)
    for hour in (13, 15, 17, 19, 21):
        book(salon["V01"], at(full, hour), party_size=6)

    whole_day = availability_for_day(day=full, party_size=6, now=NOW)
    first_times = availability_for_days(
        days=[full, after], party_size=6, whole_days=frozenset(), now=NOW
    )

    assert (whole_day.slots, whole_day.reason) == ([], "fully_booked")
    assert whole_day.reason_text == "Ese día está completo."
    assert (first_times[full].slots, first_times[full].reason) == ([], "fully_booked")
    assert slot_times(first_times[after]) == ["13:00"]


def test_a_party_no_table_seats_has_no_times_on_any_day(salon):
    days = [TOMORROW, TOMORROW + dt.timedelta(days=1)]

    availability = availability_for_days(days=days, party_size=9, now=NOW)

    assert [(availability[day].slots, availability[day].reason) for day in days] == [
        ([], "no_table_fits"),
        ([], "no_table_fits"),
    ]


def test_other_days_than_the_chosen_one_stop_at_their_first_free_time(salon):
    closed, chosen, busy_lunch, quiet = (TOMORROW + dt.timedelta(days=n) for n in (5, 0, 1, 2))
    ClosedDate.objects.create(policy=booking_policy_get(), date=closed, reason="inventario")
    booking_policy_forget()
    for code in ("M02", "T01"):
        book(salon[code], at(busy_lunch, 13), party_size=3)
    days = [closed, chosen, busy_lunch, quiet]

    for_three = availability_for_days(
        days=days, party_size=3, whole_days=frozenset({chosen}), now=NOW
    )
    # M01, never booked, seats two.
    for_two = availability_for_days(
        days=days, party_size=2, whole_days=frozenset({chosen}), now=NOW
    )

    assert (for_three[closed].slots, for_three[closed].reason) == ([], "closed")
    assert len(for_three[chosen].slots) == 17
    assert slot_times(for_three[busy_lunch]) == ["15:00"]
    assert slot_times(for_three[quiet]) == ["13:00"]
    assert slot_times(for_two[busy_lunch]) == ["13:00"]
    assert for_two[busy_lunch].slots[0].best_table.code == "M01"


def test_the_month_view_counts_only_the_chosen_day_s_bookings_as_use_of_a_table(salon):
    day_after = TOMORROW + dt.timedelta(days=1)
    book(salon["M02"], at(TOMORROW, 13), party_size=3)
    book(salon["M02"], at(TOMORROW, 20), party_size=3)
    book(salon["T01"], at(day_after, 13), party_size=3)

    chosen, _weeks = booking_month(day=day_after, party_size=3, now=NOW)

    five_pm = next(slot for slot in chosen.slots if slot.starts_at == at(day_after, 17))
    assert [table.code for table in five_pm.tables] == ["M02", "T01"]


def test_a_full_slot_gets_the_nearest_alternatives(salon):
    book(salon["V01"], at(TOMORROW, 20), party_size=6)

    alternatives = alternatives_for(starts_at=at(TOMORROW, 20), party_size=6, now=NOW)

    times = [f"{slot.starts_at.astimezone(MEXICO):%d %H:%M}" for slot in alternatives]
    assert times == ["05 18:00", "05 17:30", "05 17:00"]
    assert all(slot.best_table.code == "V01" for slot in alternatives)


@pytest.mark.parametrize(
    ("when", "party_size", "message"),
    [
        (at(TOMORROW, 20), 0, "al menos una persona"),
        (at(dt.date(2030, 3, 3), 20), 2, "ya ha pasado"),
        (at(dt.date(2030, 6, 1), 20), 2, "días de antelación"),
        (at(TOMORROW, 11), 2, "fuera del horario"),
        (at(TOMORROW, 22), 2, "fuera del horario"),
    ],
)
def test_bad_bookings_are_refused_and_nothing_is_saved(salon, when, party_size, message):
    with pytest.raises(ValidationError, match=message):
        book(None, when, party_size=party_size, source="web")
    assert Reservation.objects.count() == 0


def test_a_table_too_small_for_the_party_is_refused(salon):
    with pytest.raises(ValidationError, match="M01"):
        book(salon["M01"], at(TOMORROW, 20), party_size=3)


def test_opening_period_that_crosses_midnight_offers_slots_after_midnight(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("20:00", "02:00", duration_minutes=120, slot_interval_minutes=60)
        table = TableFactory(max_capacity=4)

        availability = availability_for_day(day=TOMORROW, party_size=2, now=NOW)
        late = reservation_create(
            customer=CustomerFactory(),
            starts_at=at(TOMORROW + dt.timedelta(days=1), 0),
            party_size=2,
            table=table,
            now=NOW,
        )

    assert [f"{s.starts_at.astimezone(MEXICO):%d %H:%M}" for s in availability.slots] == [
        "05 20:00",
        "05 21:00",
        "05 22:00",
        "05 23:00",
        "06 00:00",
    ]
    assert late.ends_at - late.starts_at == dt.timedelta(hours=2)


def _madrid_slots(day):
    return [
        f"{s.starts_at.astimezone(MADRID):%H:%M}"
        for s in availability_for_day(
            day=day, party_size=2, now=dt.datetime(2030, 3, 1, tzinfo=MADRID)
        ).slots
    ]


def test_daylight_saving_days_keep_the_wall_clock_slots(restaurant_b):
    # Madrid: clocks jump 02:00→03:00 on 31 March 2030 and fall 03:00→02:00 on 27 October.
    with tenant_context(restaurant_b):
        open_every_day(
            "00:00", "05:00", duration_minutes=60, slot_interval_minutes=30, max_days_ahead=365
        )
        TableFactory(max_capacity=4)

        normal = _madrid_slots(dt.date(2030, 3, 30))
        spring = _madrid_slots(dt.date(2030, 3, 31))
        autumn = _madrid_slots(dt.date(2030, 10, 27))
        open_every_day(
            "19:00", "23:00", duration_minutes=60, slot_interval_minutes=30, max_days_ahead=365
        )
        evening = [_madrid_slots(day) for day in (dt.date(2030, 3, 30), dt.date(2030, 3, 31))]

    assert normal == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
        "02:00",
        "02:30",
        "03:00",
        "03:30",
        "04:00",
    ]
    assert spring == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00"]
    assert autumn == normal
    assert (
        evening[0] == evening[1] == ["19:00", "19:30", "20:00", "20:30", "21:00", "21:30", "22:00"]
    )


# --- Property: the engine never offers an overlap and never hides a free table -------------

# The lifecycle, written out here rather than read from the code under test: a booking holds
# its table while it waits, once confirmed and while the party sits; never after.
HOLDS_TABLE = {
    "pending": True,
    "confirmed": True,
    "seated": True,
    "finished": False,
    "cancelled": False,
    "no_show": False,
}


def booking_in(statuses):
    return st.tuples(
        st.integers(0, 3),  # table
        st.integers(0, 40),  # start, in 15-minute steps after 12:00
        st.integers(1, 16),  # length, in 15-minute steps
        st.sampled_from(statuses),
    )


@st.composite
def day_of_bookings(draw):
    """A seated party and a pending booking, each at a table of its own so that both are
    stored, then up to 25 bookings in any status."""
    seated_table, pending_table, *_others = draw(st.permutations(range(4)))
    seated = draw(booking_in(["seated"]))
    pending = draw(booking_in(["pending"]))
    return [
        (seated_table, *seated[1:]),
        (pending_table, *pending[1:]),
        *draw(st.lists(booking_in(sorted(HOLDS_TABLE)), max_size=25)),
    ]


@pytest.fixture
def engine_floor(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:00", duration_minutes=90, slot_interval_minutes=15)
        tables = [
            TableFactory(code=f"P{index}", min_capacity=1, max_capacity=capacity)
            for index, capacity in enumerate([2, 4, 4, 6])
        ]
        customer = CustomerFactory()
        yield tables, customer


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bookings=day_of_bookings(), party_size=st.integers(1, 6))
def test_engine_never_offers_an_overlap_and_never_hides_a_free_table(
    restaurant_a, engine_floor, bookings, party_size
):
    tables, customer = engine_floor
    day = TOMORROW
    with tenant_context(restaurant_a), transaction.atomic():
        for table_index, start_step, length_steps, status in bookings:
            starts_at = at(day, 12) + dt.timedelta(minutes=15 * start_step)
            try:
                with transaction.atomic():
                    Reservation.objects.create(
                        customer=customer,
                        table=tables[table_index],
                        starts_at=starts_at,
                        ends_at=starts_at + dt.timedelta(minutes=15 * length_steps),
                        party_size=1,
                        status=status,
                    )
            except IntegrityError:
                pass  # the database refused an overlap: exactly what it is for
        stored = list(Reservation.objects.values_list("table_id", "starts_at", "ends_at", "status"))

        offered = {
            (slot.starts_at, table.id)
            for slot in availability_for_day(day=day, party_size=party_size, now=NOW).slots
            for table in slot.tables
        }
        transaction.set_rollback(True)
    connection.set_schema_to_public()

    holding = [(table_id, s, e) for table_id, s, e, status in stored if HOLDS_TABLE[status]]
    duration = dt.timedelta(minutes=90)
    expected = set()
    start = at(day, 12)
    while start + duration <= at(day, 23):
        for table in tables:
            fits = table.min_capacity <= party_size <= table.max_capacity
            clash = any(
                table_id == table.id and s < start + duration and e > start
                for table_id, s, e in holding
            )
            if fits and not clash:
                expected.add((start, table.id))
        start += dt.timedelta(minutes=15)
    assert {"seated", "pending"} <= {status for *_booking, status in stored}
    assert offered == expected


def test_moving_a_booking_keeps_its_table_when_free_and_refuses_a_taken_one(salon):
    from reservations.services.bookings import reservation_reschedule

    first = book(salon["M02"], at(TOMORROW, 20), party_size=3)
    book(salon["T01"], at(TOMORROW, 21), party_size=3)

    moved = reservation_reschedule(
        reservation=first, starts_at=at(TOMORROW, 21), party_size=3, now=NOW
    )
    assert (moved.table.code, moved.starts_at) == ("M02", at(TOMORROW, 21))
    with pytest.raises(ValidationError, match="La mesa T01 ya está reservada"):
        reservation_reschedule(
            reservation=first, starts_at=at(TOMORROW, 21), party_size=3, table=salon["T01"], now=NOW
        )
    reservation_transition(reservation=first, to="seated")
    with pytest.raises(ValidationError, match="ya no se puede modificar"):
        reservation_reschedule(reservation=first, starts_at=at(TOMORROW, 22), party_size=3, now=NOW)
