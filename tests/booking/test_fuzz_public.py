"""Whatever anyone sends to the public pages — every form field and query parameter of the
booking page, its availability fragment, the widget and the manage link — is answered without
a server error, and a refused submission writes nothing: no reservation, no customer, no
pre-order, no change to the booking. Reproducible: the same examples on every run."""

import datetime as dt
import itertools
import zoneinfo
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from menu.models import PreOrder
from reservations.links import manage_token_for
from reservations.models import Customer, Reservation
from reservations.services.bookings import reservation_create
from tests.factories import CustomerFactory

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
ORIGIN = "http://casa-azul.localhost"

FUZZ = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    # The restaurant and the client are the same for every example on purpose: what one
    # example writes, the next sees.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EXTREMES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\r\n\t",
    "9999-12-31",
    "0001-01-01",
    "9999-12-01",
    "10000-01-01",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "-1",
    "0",
    "1",
    "2",
    "-99999999999999999999",
    "9" * 400,
    "9" * 5000,
    "1e309",
    "NaN",
    "inf",
    "٣",
    "T",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "24:00",
    "99:99",
    "20:07",
    "23:59:59.999999",
    "'; DROP TABLE reservations_reservation; --",
    "<script>alert(1)</script>",
    "{{ phone }}",
    "%s%s%n",
    "\u202eevil",
    "a" * 10_000,
    "0991234567",
    "+525512345678",
]
# Any text a browser can send (no lone surrogates: they cannot be encoded), control
# characters and NUL included.
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
HOSTILE = st.one_of(
    st.sampled_from(EXTREMES),
    ANY_TEXT,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(dt.date.isoformat),
    st.times().map(dt.time.isoformat),
    st.datetimes().map(lambda moment: moment.isoformat(timespec="minutes")),
)
# Each field gets, besides anything at all, the values of its own kind most likely to break
# it: the first and last days of the calendar, times off the grid, numbers out of range.
FAR_DAYS = ["9999-12-31", "0001-01-01", "9999-12-01", "0001-01-31", "9999-01-01"]
DAYS = st.one_of(st.sampled_from(FAR_DAYS), st.dates().map(dt.date.isoformat), HOSTILE)
TIMES = st.one_of(
    st.sampled_from(["20:07", "00:00", "23:59:59.999999", "24:00", "13:00", "20:00"]),
    st.times().map(dt.time.isoformat),
    HOSTILE,
)
NUMBERS = st.one_of(
    st.sampled_from(["0", "-1", "-3", "9999", "9" * 5000, "1e309", "2.5", " 2"]),
    st.integers().map(str),
    HOSTILE,
)
MOMENTS = st.one_of(st.tuples(DAYS, TIMES).map("T".join), HOSTILE)

pytestmark = pytest.mark.usefixtures("generous_public_limits")


def a_day_ahead() -> dt.date:
    return dt.datetime.now(MEXICO).date() + dt.timedelta(days=3)


def counts() -> tuple[int, int, int]:
    return Reservation.objects.count(), Customer.objects.count(), PreOrder.objects.count()


def valid_booking(floor, submission: str) -> dict[str, str]:
    return {
        "day": f"{a_day_ahead():%Y-%m-%d}",
        "party_size": "2",
        "time": "20:00",
        "first_name": "Lucía",
        "last_name": "García",
        "phone": "55 1234 5678",
        "email": "lucia@example.com",
        "special_requests": "",
        "website": "",
        "submission": submission,
        f"dish_{floor['mole'].pk}": "1",
    }


BOOKING_FIELDS = {
    "day": DAYS,
    "party_size": NUMBERS,
    "time": TIMES,
    "first_name": HOSTILE,
    "last_name": HOSTILE,
    "phone": HOSTILE,
    "email": HOSTILE,
    "special_requests": HOSTILE,
    "website": HOSTILE,
    "submission": HOSTILE,
    "alternative": MOMENTS,
    "dish": NUMBERS,
}
changes_to_a_booking = st.lists(
    st.sampled_from(sorted(BOOKING_FIELDS)).flatmap(
        lambda name: st.tuples(st.just(name), BOOKING_FIELDS[name])
    ),
    min_size=1,
    max_size=4,
).map(dict)
QUERY_VALUES = {
    "day": DAYS,
    "party_size": NUMBERS,
    "time": TIMES,
    "alternative": MOMENTS,
    "show": HOSTILE,
    "new": HOSTILE,
    "lang": HOSTILE,
}
any_query = st.lists(
    st.sampled_from(sorted(QUERY_VALUES)).flatmap(
        lambda name: st.tuples(st.just(name), QUERY_VALUES[name])
    ),
    max_size=3,
).map(dict)


submissions = itertools.count()


def sent_booking(floor, changes: dict[str, str]) -> dict[str, str]:
    """A valid booking with these fields changed; a fresh submission key unless changed."""
    data = valid_booking(floor, submission=f"fuzz{next(submissions)}")
    for name, value in changes.items():
        data[f"dish_{floor['mole'].pk}" if name == "dish" else name] = value
    return data


def assert_made_or_nothing_written(response, before, data):
    assert response.status_code < 500, response.status_code
    after = counts()
    if response.status_code == 302:  # booked, or the same submission's booking again
        assert Reservation.objects.filter(submission_key=data["submission"]).exists()
        assert after[0] - before[0] in (0, 1) and after[1] - before[1] in (0, 1)
    else:
        assert after == before


@FUZZ
@given(changes=changes_to_a_booking)
def test_any_booking_post_is_answered_and_a_refused_one_writes_nothing(web, floor, changes):
    data = sent_booking(floor, changes)
    before = counts()

    response = web.post("/", data)

    assert_made_or_nothing_written(response, before, data)


@FUZZ
@given(changes=changes_to_a_booking)
def test_any_widget_post_is_answered_and_a_refused_one_writes_nothing(web, floor, changes):
    data = sent_booking(floor, changes)
    before = counts()

    response = web.post("/widget/", data, HTTP_ORIGIN=ORIGIN)

    assert_made_or_nothing_written(response, before, data)


@FUZZ
@given(path=st.sampled_from(["/", "/availability/", "/widget/"]), query=any_query)
def test_any_query_of_the_booking_page_is_answered_and_writes_nothing(web, floor, path, query):
    before = counts()

    response = web.get(path, query)

    assert response.status_code in (200, 400, 429)
    assert counts() == before


MANAGE_ACTIONS = st.one_of(st.sampled_from(["reschedule", "cancel", ""]), HOSTILE)
NOT_A_CONFIRMATION = HOSTILE.filter(lambda value: value != "yes")


@FUZZ
@given(
    query=any_query,
    form=st.fixed_dictionaries(
        {"action": MANAGE_ACTIONS},
        optional={"day": DAYS, "time": TIMES, "confirm": NOT_A_CONFIRMATION},
    ),
    widget=st.booleans(),
)
def test_any_use_of_the_manage_link_is_answered_and_a_refused_change_writes_nothing(
    web, floor, query, form, widget
):
    reservation = Reservation.objects.filter(submission_key="manage-fuzz").first()
    if reservation is None:
        reservation = reservation_create(
            customer=CustomerFactory(),
            starts_at=dt.datetime.combine(a_day_ahead(), dt.time(14), tzinfo=MEXICO),
            party_size=2,
            source="web",
            submission_key="manage-fuzz",
        )
    url = f"{'/widget' if widget else ''}/booking/{manage_token_for(reservation)}/"
    before = (counts(), reservation.status, reservation.starts_at)

    shown = web.get(url, query)
    changed = web.post(url, form, HTTP_ORIGIN=ORIGIN)

    assert shown.status_code in (200, 400, 429)
    assert changed.status_code < 500
    reservation.refresh_from_db()
    if changed.status_code != 302:
        assert (counts(), reservation.status, reservation.starts_at) == before
    assert reservation.status != "cancelled"  # never without the explicit confirmation


@FUZZ
@given(token=HOSTILE.filter(bool))
def test_any_manage_link_token_is_answered(web, floor, token):
    response = web.get(f"/booking/{quote(token, safe='')}/")

    assert response.status_code in (200, 404)
