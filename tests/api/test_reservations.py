"""The book through the API, as a partner's system uses it: booking, reading back, moving
and cancelling bookings, the free times, the customers and their data requests. Every write
goes through the booking workflows (the admin's rules and history); a refusal is a 400 in the
API's error body and writes nothing; times carry the restaurant's offset."""

import contextlib
import datetime as dt
import zoneinfo
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from api.services import api_token_issue
from billing.models import ConsumptionNote
from billing.services import note_issue
from menu.models import Dish, PreOrder
from reservations.models import (
    ClosedDate,
    Customer,
    Reservation,
    ReservationSource,
    StatusChange,
    Table,
)
from reservations.selectors import booking_policy_forget, booking_policy_get
from restaurants import services
from restaurants.roles import CASHIER
from tests.conftest import MANAGER_A, MANAGER_B, PASSWORD, host_of
from tests.factories import CustomerFactory, DishFactory, TableFactory, book, open_every_day

# Casa Azul's time zone: Mexico City keeps -06:00 all year (no daylight saving since 2022).
MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")  # Bistro Verde's
CASHIER_A = "caja@casa-azul.test"


@pytest.fixture(autouse=True)
def _no_plan_limit(settings):
    """The plan's rate limit is not what these tests are about: a limit no test reaches."""
    settings.PLAN_API_RATE_LIMITS = dict.fromkeys(settings.PLAN_API_RATE_LIMITS, 100_000)


def token_client(restaurant, email: str) -> Client:
    """A partner's system calling with a token of this staff user."""
    with tenant_context(restaurant):
        user = get_user_model().objects.get(username=email)
        _token, key = api_token_issue(user=user, name="Partner")
    connection.set_schema_to_public()
    return Client(HTTP_HOST=host_of(restaurant), HTTP_AUTHORIZATION=f"Token {key}")


@contextlib.contextmanager
def inside(restaurant):
    """The restaurant's schema for reading or writing its rows directly."""
    with tenant_context(restaurant):
        yield
    connection.set_schema_to_public()


@pytest.fixture
def api(restaurant_a) -> Client:
    """Casa Azul's manager through the API (the restaurant speaks Spanish)."""
    return token_client(restaurant_a, MANAGER_A)


@pytest.fixture
def api_en(restaurant_a) -> Client:
    """The same manager, having chosen English."""
    client = token_client(restaurant_a, MANAGER_A)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def cashier_api(restaurant_a) -> Client:
    with inside(restaurant_a):
        services.staff_user_ensure(email=CASHIER_A, password=PASSWORD, role=CASHIER)
    return token_client(restaurant_a, CASHIER_A)


DAY = dt.datetime.now(MEXICO).date() + dt.timedelta(days=3)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=MEXICO)


def local(hour: int, minute: int = 0, day: dt.date = DAY) -> str:
    """How the API writes a time of the restaurant: ISO 8601 with Mexico City's offset."""
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00-06:00"


@pytest.fixture
def floor(restaurant_a):
    """Open 13:00–23:30 every day (two-hour bookings, every 30 minutes); two tables for
    four (M01 inside, M02 on the terrace), one for large groups (G01), and a regular guest."""
    with inside(restaurant_a):
        open_every_day("13:00", "23:30", max_days_ahead=60)
        tables = {
            "M01": TableFactory(code="M01", max_capacity=4, area="interior"),
            "M02": TableFactory(code="M02", max_capacity=4, area="terrace"),
            "G01": TableFactory(code="G01", min_capacity=5, max_capacity=12, area="interior"),
        }
        regular = CustomerFactory(first_name="Rosa", last_name="Méndez", phone="+525598765432")
    return {"tables": tables, "regular": regular}


def counts(restaurant) -> tuple[int, int]:
    with inside(restaurant):
        return Reservation.objects.count(), Customer.objects.count()


# --- Booking ------------------------------------------------------------------------------


def test_a_new_guest_is_booked_by_date_and_time_and_read_back_in_the_restaurants_time(
    restaurant_a, floor, api
):
    response = api.post(
        "/api/v1/reservations/",
        {
            "date": DAY.isoformat(),
            "time": "20:00",
            "party_size": 2,
            "first_name": "Ana",
            "last_name": "López",
            "phone": "55 1234 5678",
            "email": "Ana.Lopez@Example.com",
            "special_requests": "Junto a la ventana",
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    booked = response.json()
    assert booked["starts_at"] == local(20)
    assert booked["ends_at"] == local(22)
    assert booked["status"] == "confirmed"
    assert booked["source"] == "api"
    assert booked["table"] == "M01"  # the smallest free table inside, as the book assigns
    assert booked["party_size"] == 2
    assert booked["special_requests"] == "Junto a la ventana"
    assert booked["customer"]["full_name"] == "Ana López"
    assert booked["customer"]["phone"] == "+525512345678"
    assert booked["customer"]["email"] == "ana.lopez@example.com"
    assert len(booked["reference"]) == 8
    assert urlsplit(response["Location"]).path == f"/api/v1/reservations/{booked['id']}/"

    detail = api.get(f"/api/v1/reservations/{booked['id']}/").json()
    assert detail == booked
    with inside(restaurant_a):
        reservation = Reservation.objects.get(pk=booked["id"])
        assert reservation.created_by.username == MANAGER_A
        # A booking from a customer's door has its numbered note, as on the web.
        assert ConsumptionNote.objects.filter(reservation=reservation).exists()
        booked_by = StatusChange.objects.get(object_label=reservation.reference, from_status="")
        assert booked_by.actor_label == MANAGER_A


def test_a_known_customer_is_booked_by_id_on_the_table_named_by_its_code_from_a_utc_time(
    restaurant_a, floor, api
):
    regular = floor["regular"]
    utc = at(19, 30).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    response = api.post(
        "/api/v1/reservations/",
        {"starts_at": utc, "party_size": 3, "customer": regular.pk, "table": "m02"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    booked = response.json()
    assert booked["starts_at"] == local(19, 30)
    assert booked["table"] == "M02"
    assert booked["area"] == "terrace"
    assert booked["customer"]["id"] == regular.pk
    assert counts(restaurant_a) == (1, 1)  # no second Rosa


def test_staff_book_a_large_party_with_the_admins_rules_that_a_customer_source_refuses(
    restaurant_a, floor, api
):
    party = {"starts_at": local(21), "party_size": 10, "customer": floor["regular"].pk}

    refused = api.post("/api/v1/reservations/", party, content_type="application/json")
    taken = api.post(
        "/api/v1/reservations/",
        {**party, "source": "admin", "starts_at": local(21, 10)},
        content_type="application/json",
    )

    assert refused.status_code == 400
    assert refused.json()["fields"]["party_size"] == [
        "Las reservas en línea son para un máximo de 8 personas; para grupos más grandes, llámanos."
    ]
    assert taken.status_code == 201, taken.json()
    assert taken.json()["table"] == "G01"
    assert taken.json()["starts_at"] == local(21, 10)  # staff may write the guest's own time
    assert taken.json()["source"] == "admin"
    assert counts(restaurant_a)[0] == 1


YESTERDAY = DAY - dt.timedelta(days=4)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"date": f"{DAY.year}-02-30", "time": "20:00"}, "date", None),
        ({"party_size": 0}, "party_size", "El grupo debe ser de al menos una persona."),
        ({"table": "Z99"}, "table", None),
        ({"date": YESTERDAY.isoformat(), "time": "20:00"}, "starts_at", "Esa hora ya ha pasado."),
        ({"first_name": ""}, "first_name", None),
        ({"first_name": "Nadie", "phone": "", "email": ""}, "non_field", None),
        ({"phone": "12"}, "phone", None),
    ],
    ids=[
        "bad date",
        "party of 0",
        "unknown table",
        "past time",
        "no name",
        "no contact",
        "bad phone",
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    restaurant_a, floor, api, change, field, message
):
    body = {"date": DAY.isoformat(), "time": "20:00", "party_size": 2, "first_name": "Nadie"}
    body["phone"] = "+525511112222"
    body.update(change)

    response = api.post("/api/v1/reservations/", body, content_type="application/json")

    assert response.status_code == 400
    error = response.json()
    assert set(error) == {"code", "message", "fields"}
    if field == "non_field":
        assert error["fields"] == {}
        assert error["message"] == (
            "Indica el teléfono o el correo del cliente para poder contactarlo."
        )
    else:
        assert list(error["fields"]) == [field]
        assert error["fields"][field][0]
    if message:
        assert error["fields"][field] == [message]
    assert counts(restaurant_a) == (0, 1)  # only the regular guest of the floor


@pytest.mark.parametrize(
    "moment",
    [
        {"date": "9999-12-31", "time": "23:00"},
        {"starts_at": "9999-12-31T23:00:00"},
        {"starts_at": "0001-01-01T00:00:00"},
        {"starts_at": "0001-01-01T00:00:00+14:00"},
    ],
)
def test_a_time_at_either_end_of_the_calendar_is_a_400_not_a_crash(
    restaurant_a, floor, api, moment
):
    response = api.post(
        "/api/v1/reservations/",
        {**moment, "party_size": 2, "customer": floor["regular"].pk},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) in (["time"], ["starts_at"])
    assert counts(restaurant_a) == (0, 1)


def test_an_unknown_table_is_named_in_the_callers_language(restaurant_a, floor, api_en):
    response = api_en.post(
        "/api/v1/reservations/",
        {"starts_at": local(20), "party_size": 2, "customer": floor["regular"].pk, "table": "Z99"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"table": ["No table has the code or id “Z99”."]}


def test_a_table_already_booked_at_that_time_is_refused_and_the_first_booking_stays(
    restaurant_a, floor, api
):
    with inside(restaurant_a):
        first = book(
            customer=floor["regular"], starts_at=at(20), party_size=2, table=floor["tables"]["M01"]
        )

    response = api.post(
        "/api/v1/reservations/",
        {
            "starts_at": local(21),
            "party_size": 2,
            "first_name": "Otro",
            "email": "otro@example.com",
            "table": "M01",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["fields"]["table"][0].startswith(
        "La mesa M01 ya está reservada a esa hora."
    )
    with inside(restaurant_a):
        assert list(Reservation.objects.values_list("pk", flat=True)) == [first.pk]
        assert not Customer.objects.filter(first_name="Otro").exists()


def test_a_customer_id_and_a_contact_together_are_refused(restaurant_a, floor, api_en):
    response = api_en.post(
        "/api/v1/reservations/",
        {
            "starts_at": local(20),
            "party_size": 2,
            "customer": floor["regular"].pk,
            "first_name": "Rosa",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["message"] == (
        "Give either the customer's id or their contact, not both."
    )
    assert counts(restaurant_a) == (0, 1)


# --- Reading the book ---------------------------------------------------------------------


@pytest.fixture
def week(restaurant_a, floor):
    """Bookings over two days: DAY 14:00 (web, M02), 20:00 (M01), 21:30 (cancelled, M02);
    the next day 13:00 (M01)."""
    tables, regular = floor["tables"], floor["regular"]
    with inside(restaurant_a):
        lunch = book(
            source=ReservationSource.WEB,
            customer=regular,
            starts_at=at(14),
            party_size=2,
            table=tables["M02"],
        )
        dinner = book(customer=regular, starts_at=at(20), party_size=4, table=tables["M01"])
        late = book(customer=regular, starts_at=at(21, 30), party_size=2, table=tables["M02"])
        late.status = "cancelled"
        late.save(update_fields=["status"])
        next_day = book(
            customer=regular,
            starts_at=at(13, day=DAY + dt.timedelta(days=1)),
            party_size=2,
            table=tables["M01"],
        )
    return {"lunch": lunch, "dinner": dinner, "late": late, "next_day": next_day}


def references(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [booking["reference"] for booking in response.json()["results"]]


def test_the_day_filter_is_the_restaurants_day_not_utcs(api, week):
    # 20:00 and 21:30 in Mexico City are already the next day in UTC.
    response = api.get(f"/api/v1/reservations/?day={DAY.isoformat()}")

    assert references(response) == [
        week["lunch"].reference,
        week["dinner"].reference,
        week["late"].reference,
    ]
    assert [booking["starts_at"] for booking in response.json()["results"]] == [
        local(14),
        local(20),
        local(21, 30),
    ]


def test_bookings_are_filtered_by_status_source_and_table_by_code_or_id(api, floor, week):
    m02 = floor["tables"]["M02"]

    assert references(api.get("/api/v1/reservations/?status=cancelled")) == [week["late"].reference]
    assert references(api.get("/api/v1/reservations/?source=web")) == [week["lunch"].reference]
    by_code = references(api.get("/api/v1/reservations/?table=M02"))
    assert by_code == [week["lunch"].reference, week["late"].reference]
    assert references(api.get(f"/api/v1/reservations/?table={m02.pk}")) == by_code


def test_bookings_are_ordered_by_start_unless_asked_otherwise(api, week):
    soonest_first = references(api.get("/api/v1/reservations/"))
    latest_first = references(api.get("/api/v1/reservations/?ordering=-starts_at"))
    newest_first = references(api.get("/api/v1/reservations/?ordering=-created_at"))

    assert soonest_first == [
        week[name].reference for name in ("lunch", "dinner", "late", "next_day")
    ]
    assert latest_first == soonest_first[::-1]
    assert newest_first == [
        week[name].reference for name in ("next_day", "late", "dinner", "lunch")
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("day=2030-13-01", "day"),
        ("day=mañana", "day"),
        ("status=lost", "status"),
        ("source=fax", "source"),
        ("table=Z99", "table"),
        ("ordering=party_size", "ordering"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api, week, query, field):
    response = api.get(f"/api/v1/reservations/?{query}")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_a_bad_ordering_lists_the_orders_there_are(api_en, week):
    response = api_en.get("/api/v1/reservations/?ordering=party_size")

    assert response.json()["fields"] == {
        "ordering": ["Order by one of: starts_at, -starts_at, created_at, -created_at."]
    }


@pytest.mark.parametrize("ordering", ["starts_at", "-starts_at", "created_at", "-created_at"])
def test_cursor_pages_walk_every_booking_once_even_with_many_at_the_same_time(
    restaurant_a, floor, api, ordering
):
    tables = [floor["tables"]["M01"], floor["tables"]["M02"]]
    with inside(restaurant_a):
        tables += [TableFactory(code=f"T{number}", max_capacity=4) for number in range(3)]
        booked = [
            book(customer=floor["regular"], starts_at=at(hour), party_size=2, table=table).pk
            for hour in (14, 17, 20)
            for table in tables
        ]
        # Rows written again (confirmed after a change) take new places on disk: PostgreSQL
        # now reads the bookings of one time out of id order, as in a busy book.
        for status in ("pending", "confirmed"):
            Reservation.objects.filter(pk__in=booked[::2]).update(status=status)
    seen, pages = [], 0
    url = f"/api/v1/reservations/?page_size=4&ordering={ordering}"
    while url:
        page = api.get(url).json()
        seen += [booking["id"] for booking in page["results"]]
        url, pages = page["next"], pages + 1

    assert pages == 4
    assert sorted(seen) == sorted(booked)
    assert len(seen) == len(set(seen)) == 15
    with inside(restaurant_a):
        expected = list(
            Reservation.objects.order_by(
                ordering, "-pk" if ordering[0] == "-" else "pk"
            ).values_list("pk", flat=True)
        )
    assert seen == expected


def test_the_list_shows_each_bookings_pre_orders_at_the_same_cost_for_one_or_many(
    restaurant_a, floor, api
):
    with inside(restaurant_a):
        mole = DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=50)
        first = book(
            customer=floor["regular"],
            starts_at=at(14),
            party_size=2,
            table=floor["tables"]["M01"],
            dishes={mole: 2},
        )
    api.get("/api/v1/reservations/")  # the token and the host are remembered from now on
    with CaptureQueriesContext(connection) as one:
        single = api.get("/api/v1/reservations/").json()["results"]
    with inside(restaurant_a):
        for day in range(1, 13):
            book(
                customer=CustomerFactory(),
                starts_at=at(14, day=DAY + dt.timedelta(days=day)),
                party_size=2,
                table=floor["tables"]["M01"],
                dishes={mole: 1},
            )
    with CaptureQueriesContext(connection) as many:
        listing = api.get("/api/v1/reservations/").json()["results"]

    assert single[0]["id"] == first.pk
    assert single[0]["pre_orders"] == [
        {
            "id": first.pre_orders.get().pk,
            "dish": mole.pk,
            "dish_name": "Mole poblano",
            "quantity": 2,
            "unit_price": "18.50",
            "subtotal": "37.00",
            "remarks": "",
        }
    ]
    assert len(listing) == 13
    assert len(many) == len(one) <= 4


def test_a_booking_of_another_restaurant_is_out_of_reach(restaurant_a, restaurant_b, api, floor):
    with inside(restaurant_b):
        open_every_day("13:00", "23:30")
        theirs = book(
            customer=CustomerFactory(),
            starts_at=dt.datetime.combine(DAY, dt.time(20), tzinfo=MADRID),
            party_size=2,
            table=TableFactory(code="B01"),
        )
    with inside(restaurant_a):
        assert not Reservation.objects.filter(pk=theirs.pk).exists()

    assert api.get(f"/api/v1/reservations/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/reservations/{theirs.pk}/cancel/").status_code == 404
    assert api.get("/api/v1/reservations/").json()["results"] == []
    # Casa Azul's token means nothing on Bistro Verde's host.
    intruder = Client(
        HTTP_HOST=host_of(restaurant_b), HTTP_AUTHORIZATION=api.defaults["HTTP_AUTHORIZATION"]
    )
    assert intruder.get(f"/api/v1/reservations/{theirs.pk}/").status_code == 401
    with inside(restaurant_b):
        assert Reservation.objects.get(pk=theirs.pk).status == "confirmed"


def test_bistro_verdes_bookings_read_in_madrids_time(restaurant_b):
    with inside(restaurant_b):
        open_every_day("13:00", "23:30")
        starts_at = dt.datetime.combine(DAY, dt.time(21), tzinfo=MADRID)
        book(customer=CustomerFactory(), starts_at=starts_at, party_size=2, table=TableFactory())
    offset = starts_at.strftime("%z")

    listing = token_client(restaurant_b, MANAGER_B).get("/api/v1/reservations/").json()

    assert listing["results"][0]["starts_at"] == (
        f"{DAY.isoformat()}T21:00:00{offset[:3]}:{offset[3:]}"
    )


def test_the_first_day_of_the_calendar_in_madrid_lists_nothing_rather_than_failing(
    restaurant_b,
):
    # Madrid's clock was 14 minutes ahead of UTC then: the day begins before year 1 in UTC.
    response = token_client(restaurant_b, MANAGER_B).get("/api/v1/reservations/?day=0001-01-01")

    assert response.status_code == 200
    assert response.json()["results"] == []


# --- Changing a booking -------------------------------------------------------------------


@pytest.fixture
def dinner(restaurant_a, floor):
    with inside(restaurant_a):
        return book(
            customer=floor["regular"], starts_at=at(20), party_size=2, table=floor["tables"]["M01"]
        )


def test_a_booking_is_moved_to_another_time_and_party_size(restaurant_a, api, dinner):
    response = api.post(
        f"/api/v1/reservations/{dinner.pk}/reschedule/",
        {"starts_at": local(21), "party_size": 3},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    moved = response.json()
    assert (moved["starts_at"], moved["ends_at"], moved["party_size"]) == (
        local(21),
        local(23),
        3,
    )
    assert moved["table"] == "M01"  # still free at the new time: the guest keeps it
    assert moved["reference"] == dinner.reference
    with inside(restaurant_a):
        assert Reservation.objects.get(pk=dinner.pk).starts_at == at(21)


def test_a_booking_is_not_moved_onto_a_taken_table_and_stays_where_it_was(
    restaurant_a, floor, api, dinner
):
    with inside(restaurant_a):
        book(
            customer=CustomerFactory(), starts_at=at(20), party_size=2, table=floor["tables"]["M02"]
        )

    response = api.post(
        f"/api/v1/reservations/{dinner.pk}/reschedule/",
        {"table": "M02"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["fields"]["table"][0].startswith("La mesa M02 ya está reservada")
    with inside(restaurant_a):
        assert Reservation.objects.get(pk=dinner.pk).table.code == "M01"


def test_a_customers_door_cannot_grow_a_booking_past_the_online_maximum(restaurant_a, api, dinner):
    response = api.post(
        f"/api/v1/reservations/{dinner.pk}/reschedule/",
        {"party_size": 40, "source": "api"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "party_size" in response.json()["fields"]
    with inside(restaurant_a):
        assert Reservation.objects.get(pk=dinner.pk).party_size == dinner.party_size


def test_a_reschedule_with_nothing_to_change_is_refused(api, dinner):
    response = api.post(
        f"/api/v1/reservations/{dinner.pk}/reschedule/", {}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["message"] == "No hay nada que cambiar."


def test_seating_a_party_is_recorded_in_the_history_in_the_api_users_name(
    restaurant_a, api, dinner
):
    response = api.post(
        f"/api/v1/reservations/{dinner.pk}/transition/",
        {"to": "seated", "reason": "Llegaron temprano"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "seated"
    assert response.json()["seated_at"].endswith("-06:00")
    with inside(restaurant_a):
        change = StatusChange.objects.filter(
            object_label=dinner.reference, to_status="seated"
        ).get()
        assert (change.from_status, change.actor_kind) == ("confirmed", "user")
        assert change.user.username == change.actor_label == MANAGER_A
        assert change.reason == "Llegaron temprano"
        assert Table.objects.get(code="M01").status == "occupied"


def test_a_move_the_lifecycle_does_not_allow_is_refused_and_changes_nothing(
    restaurant_a, api, dinner
):
    response = api.post(
        f"/api/v1/reservations/{dinner.pk}/transition/",
        {"to": "finished"},
        content_type="application/json",
    )
    unknown = api.post(
        f"/api/v1/reservations/{dinner.pk}/transition/",
        {"to": "eaten"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["message"] == (
        "Una reserva en estado «Confirmada» no puede pasar a «Finalizada»."
    )
    assert unknown.status_code == 400
    assert list(unknown.json()["fields"]) == ["to"]
    with inside(restaurant_a):
        assert Reservation.objects.get(pk=dinner.pk).status == "confirmed"
        assert not StatusChange.objects.filter(
            object_label=dinner.reference, to_status="finished"
        ).exists()


def test_a_cancelled_booking_frees_its_time_and_cannot_be_cancelled_twice(
    restaurant_a, api, dinner
):
    response = api.post(
        f"/api/v1/reservations/{dinner.pk}/cancel/",
        {"reason": "Llamó para cancelar"},
        content_type="application/json",
    )
    again = api.post(f"/api/v1/reservations/{dinner.pk}/cancel/")
    free = api.get(f"/api/v1/availability/?date={DAY.isoformat()}&party_size=2").json()

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert again.status_code == 400
    slot = next(slot for slot in free["slots"] if slot["starts_at"] == local(20))
    assert slot["free_tables"] == ["M01", "M02"]
    with inside(restaurant_a):
        change = StatusChange.objects.get(object_label=dinner.reference, to_status="cancelled")
        assert (change.actor_label, change.reason) == (MANAGER_A, "Llamó para cancelar")


def test_a_cashier_reads_the_book_but_cannot_book_or_cancel(
    restaurant_a, floor, cashier_api, dinner
):
    listing = cashier_api.get("/api/v1/reservations/")
    booking = cashier_api.post(
        "/api/v1/reservations/",
        {"starts_at": local(14), "party_size": 2, "customer": floor["regular"].pk},
        content_type="application/json",
    )
    cancel = cashier_api.post(f"/api/v1/reservations/{dinner.pk}/cancel/")
    erase = cashier_api.post(f"/api/v1/customers/{floor['regular'].pk}/erase/")

    assert references(listing) == [dinner.reference]
    assert (booking.status_code, cancel.status_code, erase.status_code) == (403, 403, 403)
    with inside(restaurant_a):
        assert Reservation.objects.get().status == "confirmed"
        assert Customer.objects.get(pk=floor["regular"].pk).phone == "+525598765432"


# --- Availability -------------------------------------------------------------------------


def test_the_free_times_of_a_day_with_the_table_each_would_get(api, floor, dinner):
    response = api.get(f"/api/v1/availability/?date={DAY.isoformat()}&party_size=2")

    assert response.status_code == 200, response.json()
    day = response.json()
    assert (day["date"], day["party_size"], day["reason"]) == (DAY.isoformat(), 2, "")
    times = [slot["starts_at"] for slot in day["slots"]]
    assert times[0] == local(13) and times[-1] == local(21, 30)  # the last ends by closing
    by_time = {slot["starts_at"]: slot for slot in day["slots"]}
    # Both fit: the one with fewer bookings that day first (M01 has the dinner).
    assert by_time[local(14)]["free_tables"] == ["M02", "M01"]
    assert by_time[local(14)]["best_table"]["code"] == "M02"
    assert by_time[local(20)]["free_tables"] == ["M02"]
    assert by_time[local(20)]["best_table"] == {
        "id": floor["tables"]["M02"].pk,
        "code": "M02",
        "area": "terrace",
        "max_capacity": 4,
        "reservation_price": "0.00",
    }


def test_a_preferred_area_puts_its_tables_first(api, floor):
    response = api.get(
        f"/api/v1/availability/?date={DAY.isoformat()}&party_size=2&area=terrace"
    ).json()

    assert response["area"] == "terrace"
    assert {slot["best_table"]["code"] for slot in response["slots"]} == {"M02"}


def test_a_closed_day_says_why_it_has_no_times(restaurant_a, api, floor):
    with inside(restaurant_a):
        ClosedDate.objects.create(policy=booking_policy_get(), date=DAY, reason="Inventario")
        booking_policy_forget()

    day = api.get(f"/api/v1/availability/?date={DAY.isoformat()}&party_size=2").json()

    assert day["slots"] == []
    assert (day["reason"], day["message"]) == ("closed", "El restaurante cierra ese día.")


@pytest.mark.parametrize(
    "query", ["party_size=2", "date=2030-02-30&party_size=2", f"date={DAY}&party_size=0"]
)
def test_availability_without_a_good_date_and_party_is_a_400(api, floor, query):
    response = api.get(f"/api/v1/availability/?{query}")

    assert response.status_code == 400
    assert response.json()["fields"]


def test_a_full_time_gets_the_nearest_free_times(restaurant_a, api, floor, dinner):
    with inside(restaurant_a):
        book(
            customer=CustomerFactory(), starts_at=at(20), party_size=2, table=floor["tables"]["M02"]
        )

    response = api.get(f"/api/v1/availability/alternatives/?starts_at={local(20)}&party_size=2")

    assert response.status_code == 200, response.json()
    found = response.json()
    assert found["free"] is False
    assert found["message"].startswith("No hay ninguna mesa libre para ese grupo a esa hora.")
    assert found["starts_at"] == local(20)
    # Both tables are taken 20:00–22:00: a two-hour booking must end by 20:00.
    assert [slot["starts_at"] for slot in found["alternatives"]] == [
        local(18),
        local(17, 30),
        local(17),
    ]


def test_a_free_time_is_said_to_be_free(api, floor):
    naive = f"{DAY.isoformat()}T15:00:00"  # the restaurant's wall clock

    found = api.get(f"/api/v1/availability/alternatives/?starts_at={naive}&party_size=2").json()

    assert (found["free"], found["message"], found["starts_at"]) == (True, "", local(15))


def test_alternatives_at_the_end_of_the_calendar_are_none_or_out_of_range_not_an_error(api, floor):
    last_day = api.get(
        "/api/v1/availability/alternatives/?starts_at=9999-12-30T20:00:00&party_size=2"
    )
    # 20:00 in Mexico City on the calendar's last day is past its end in UTC.
    past_the_end = api.get(
        "/api/v1/availability/alternatives/?starts_at=9999-12-31T20:00:00&party_size=2"
    )

    assert last_day.status_code == 200
    assert (last_day.json()["alternatives"], last_day.json()["free"]) == ([], False)
    assert past_the_end.status_code == 400
    assert list(past_the_end.json()["fields"]) == ["starts_at"]


def test_alternatives_are_not_asked_for_a_time_before_1970(api_en, floor):
    # Mexico City kept its local mean time (-06:36:36) until 1922: no ISO 8601 offset.
    response = api_en.get(
        "/api/v1/availability/alternatives/?starts_at=1593-02-18T19:15:47Z&party_size=2"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"starts_at": ["Datetime value out of range."]}


def test_the_last_day_of_the_calendar_lists_nothing_rather_than_failing(api, floor):
    response = api.get("/api/v1/reservations/?day=9999-12-31")

    assert response.status_code == 200
    assert response.json()["results"] == []


# --- Customers ----------------------------------------------------------------------------


def test_a_customer_is_found_by_the_phone_as_written_by_name_or_by_email(api, floor):
    rosa = floor["regular"].pk

    def found(query: str) -> list[int]:
        response = api.get("/api/v1/customers/", {"q": query})
        assert response.status_code == 200
        return [customer["id"] for customer in response.json()["results"]]

    assert found("55 9876 5432") == [rosa]
    assert found("rosa méndez") == [rosa]
    assert found("ROSA") == [rosa]
    assert found("Lucía") == []


def test_a_customer_is_added_with_the_phone_in_e164_and_a_taken_phone_is_refused(
    restaurant_a, floor, api
):
    added = api.post(
        "/api/v1/customers/",
        {"first_name": "Lucía", "last_name": "Paz", "phone": "55 1111 2222", "email": "LUCIA@x.mx"},
        content_type="application/json",
    )
    taken = api.post(
        "/api/v1/customers/",
        {"first_name": "Otra", "phone": "+52 55 9876 5432"},
        content_type="application/json",
    )

    assert added.status_code == 201, added.json()
    assert (added.json()["phone"], added.json()["email"]) == ("+525511112222", "lucia@x.mx")
    assert taken.status_code == 400
    assert taken.json()["message"] == "Otro cliente tiene este teléfono."
    with inside(restaurant_a):
        assert Customer.objects.count() == 2


def test_a_customer_is_changed_with_a_patch(restaurant_a, floor, api):
    rosa = floor["regular"].pk

    changed = api.patch(
        f"/api/v1/customers/{rosa}/",
        {"city": "Puebla", "phone": "55 2222 3333"},
        content_type="application/json",
    )
    bad = api.patch(f"/api/v1/customers/{rosa}/", {"phone": "123"}, content_type="application/json")

    assert changed.status_code == 200, changed.json()
    assert (changed.json()["city"], changed.json()["phone"]) == ("Puebla", "+525522223333")
    assert bad.status_code == 400
    assert list(bad.json()["fields"]) == ["phone"]
    with inside(restaurant_a):
        assert Customer.objects.get(pk=rosa).phone == "+525522223333"


def test_a_customers_data_is_exported_and_erased_on_request(restaurant_a, floor, api, dinner):
    rosa = floor["regular"].pk

    exported = api.get(f"/api/v1/customers/{rosa}/export/")
    erased = api.post(f"/api/v1/customers/{rosa}/erase/")
    again = api.post(f"/api/v1/customers/{rosa}/erase/")

    assert exported.status_code == 200
    data = exported.json()
    assert data["customer"]["phone"] == "+525598765432"
    assert [booking["reference"] for booking in data["reservations"]] == [dinner.reference]
    assert erased.status_code == 200
    assert erased.json()["first_name"] == "Borrado"
    assert (erased.json()["phone"], erased.json()["email"]) == ("", "")
    assert erased.json()["erased_at"].endswith("-06:00")
    assert again.status_code == 200
    assert again.json()["erased_at"] == erased.json()["erased_at"]
    # The booking keeps its reference; the guest can no longer be booked by id.
    assert api.get(f"/api/v1/reservations/{dinner.pk}/").json()["reference"] == dinner.reference
    refused = api.post(
        "/api/v1/reservations/",
        {"starts_at": local(14), "party_size": 2, "customer": rosa},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["customer"]
    with inside(restaurant_a):
        assert Reservation.objects.count() == 1


# --- Pre-orders ---------------------------------------------------------------------------


@pytest.fixture
def flan(restaurant_a):
    with inside(restaurant_a):
        dish = DishFactory(name="Flan napolitano", price=Decimal("65.00"), stock=5)
    return dish


def test_a_dish_pre_ordered_through_the_api_leaves_stock_and_joins_the_note(
    restaurant_a, api, dinner, flan
):
    with inside(restaurant_a):
        note_issue(reservation=dinner)
    added = api.post(
        f"/api/v1/reservations/{dinner.pk}/pre-orders/",
        {"dish": flan.pk, "quantity": 2, "remarks": "sin caramelo"},
        content_type="application/json",
    )
    listed = api.get(f"/api/v1/reservations/{dinner.pk}/pre-orders/")

    assert added.status_code == 201, added.json()
    assert added.json()["dish_name"] == "Flan napolitano" and added.json()["subtotal"] == "130.00"
    assert [item["id"] for item in listed.json()] == [added.json()["id"]]
    with inside(restaurant_a):
        assert Dish.objects.get(pk=flan.pk).stock == 3
        note = Reservation.objects.get(pk=dinner.pk).note
        assert "Flan napolitano" in [line.description for line in note.lines.all()]

    removed = api.delete(f"/api/v1/reservations/{dinner.pk}/pre-orders/{added.json()['id']}/")

    assert removed.status_code == 204
    with inside(restaurant_a):
        assert Dish.objects.get(pk=flan.pk).stock == 5
        assert not PreOrder.objects.filter(reservation=dinner).exists()


def test_more_than_the_stock_is_refused_and_nothing_is_taken(restaurant_a, api, dinner, flan):
    response = api.post(
        f"/api/v1/reservations/{dinner.pk}/pre-orders/",
        {"dish": flan.pk, "quantity": 6},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["fields"]["quantity"] == ["Solo quedan 5 de Flan napolitano."]
    with inside(restaurant_a):
        assert Dish.objects.get(pk=flan.pk).stock == 5


def test_a_cashier_reads_pre_orders_but_does_not_add_them(restaurant_a, cashier_api, dinner, flan):
    assert cashier_api.get(f"/api/v1/reservations/{dinner.pk}/pre-orders/").status_code == 200

    refused = cashier_api.post(
        f"/api/v1/reservations/{dinner.pk}/pre-orders/",
        {"dish": flan.pk, "quantity": 1},
        content_type="application/json",
    )

    assert refused.status_code == 403
    with inside(restaurant_a):
        assert Dish.objects.get(pk=flan.pk).stock == 5
