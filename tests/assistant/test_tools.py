"""The assistant's declared tools: strict schemas a model can be given, arguments checked before
anything runs, and every action run through the booking layer as the customer of one phone,
who can never reach, or learn of, another customer's bookings."""

import datetime as dt
import json
import logging
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from assistant.tools import TOOLS, tool_run, tool_schemas
from booking.services.bookings import Contact
from menu.models import Dish
from reservations.models import (
    BookingPolicy,
    ClosedDate,
    Reservation,
    ReservationSource,
    ReservationStatus,
)
from reservations.selectors import booking_policy_forget
from restaurants.money import money
from tests.factories import CategoryFactory, DishFactory, TableFactory, book, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
# The calls happen on Monday 2 December 2030 at 10:00 in Casa Azul (Mexico City).
NOW = dt.datetime(2030, 12, 2, 10, 0, tzinfo=MEXICO)
THURSDAY = dt.date(2030, 12, 5)
FRIDAY = dt.date(2030, 12, 6)
PHONE = "+525511112222"
# Another customer, named so that any trace of them in a result is found.
STRANGER_PHONE = "+525599998888"
STRANGER_NAME = ("Zacarías", "Quintanilla")
STRANGER_TRACES = ("Zacar", "Quintanilla", "99998888")


def at(day: dt.date, time: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(time), tzinfo=MEXICO)


@pytest.fixture
def casa_azul(restaurant_a):
    """Casa Azul open 13:00–23:30 every day (bookings of two hours), a table for four and one
    for eight, a short menu; the test runs inside its schema."""
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:30", max_days_ahead=60)
        TableFactory(code="M01", max_capacity=4)
        TableFactory(code="M02", min_capacity=5, max_capacity=8, area="terrace")
        mains = CategoryFactory(name="Platos fuertes", menu_order=1)
        DishFactory(category=mains, name="Mole poblano", price=Decimal("18.50"))
        DishFactory(category=mains, name="Chiles en nogada", price=Decimal("245.00"))
        DishFactory(category=mains, name="Pozole de temporada", is_active=False)
        desserts = CategoryFactory(name="Postres", menu_order=2)
        DishFactory(category=desserts, name="Flan napolitano", price=Decimal("65.00"))
        yield restaurant_a
    connection.set_schema_to_public()


def run(name: str, arguments, *, phone: str = PHONE, source: str = ReservationSource.WHATSAPP):
    return tool_run(name, arguments, phone=phone, source=source, now=NOW)


def booked_for(
    phone: str, starts_at: dt.datetime, *, party_size: int = 2, name=("Lucía", "Prueba")
):
    """A booking the customer of ``phone`` made earlier on the web."""
    return book(
        source=ReservationSource.WEB,
        contact=Contact(first_name=name[0], last_name=name[1], phone=phone),
        starts_at=starts_at,
        party_size=party_size,
        now=NOW - dt.timedelta(days=1),
    )


def strangers_booking() -> Reservation:
    return booked_for(STRANGER_PHONE, at(FRIDAY, "21:00"), name=STRANGER_NAME)


def book_state() -> list[tuple]:
    """Every booking as a customer or the floor would see it."""
    return list(
        Reservation.objects.order_by("pk").values_list(
            "pk", "status", "starts_at", "party_size", "special_requests", "customer_id", "source"
        )
    )


# --- Schemas ---------------------------------------------------------------------------------

# What OpenAI's strict function tools accept in a property of these tools.
STRICT_TYPES = {"string", "integer", "number", "boolean", "null", "array", "object"}
STRICT_KEYWORDS = {"type", "description", "enum", "pattern", "minimum", "maximum"}
OBJECT_KEYWORDS = {"type", "description", "properties", "required", "additionalProperties"}


def assert_strict_object(schema: dict) -> None:
    """An object OpenAI's strict mode takes: closed, every property required, each property
    of the keywords it knows, objects in arrays strict alike."""
    assert set(schema) <= OBJECT_KEYWORDS
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == sorted(schema["properties"])
    for prop in schema["properties"].values():
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        assert set(types) <= STRICT_TYPES
        if "array" in types:
            assert set(prop) <= {"type", "description", "items", "maxItems"}
            assert_strict_object(prop["items"])
        else:
            assert set(prop) <= STRICT_KEYWORDS
        if "enum" in prop and "null" in types:
            assert None in prop["enum"]


def test_every_tool_schema_is_valid_for_openai_strict_function_calling():
    schemas = tool_schemas()
    assert [schema["name"] for schema in schemas] == [
        "check_availability",
        "book",
        "my_bookings",
        "change_booking",
        "cancel_booking",
        "menu",
        "opening_hours",
        "hand_off",
    ]
    for schema in schemas:
        assert set(schema) == {"type", "name", "description", "parameters", "strict"}
        assert schema["type"] == "function" and schema["strict"] is True
        assert schema["description"] and "\n" not in schema["description"]
        assert schema["parameters"]["type"] == "object"
        assert_strict_object(schema["parameters"])
        # A voice agent may send the arguments beside the tool's "name" and its "call".
        assert not {"name", "call"} & set(schema["parameters"]["properties"])
        json.dumps(schema)


def test_optional_arguments_are_nullable_and_required_ones_are_not():
    properties = TOOLS["change_booking"].parameters["properties"]
    assert properties["reference"]["type"] == "string"
    for optional in ("date", "time", "party_size", "note"):
        assert "null" in properties[optional]["type"]
    assert TOOLS["book"].parameters["properties"]["area"]["enum"][-1] is None
    assert TOOLS["my_bookings"].parameters["properties"] == {}


# --- The customer's own bookings -------------------------------------------------------------


def test_availability_gives_the_free_times_and_the_nearest_for_a_taken_one(casa_azul):
    booked_for("+525533334444", at(THURSDAY, "21:00"))

    free = run(
        "check_availability",
        {"date": THURSDAY.isoformat(), "party_size": 2, "time": "14:00", "area": None},
    )
    assert free["ok"] is True and free["time_free"] is True
    assert "13:00" in free["times"] and "21:00" not in free["times"]

    taken = run(
        "check_availability",
        {"date": THURSDAY.isoformat(), "party_size": 2, "time": "21:00", "area": None},
    )
    assert taken["ok"] is True and taken["time_free"] is False
    assert taken["message"]
    # The only table for two is held from 19:30 on; the nearest free times come before.
    assert taken["alternatives"] == [
        at(THURSDAY, "19:00").isoformat(),
        at(THURSDAY, "18:30").isoformat(),
        at(THURSDAY, "18:00").isoformat(),
    ]
    assert not Reservation.objects.filter(customer__phone=PHONE).exists()


def test_a_booking_through_the_tool_is_the_phones_own_and_records_its_source(
    casa_azul, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = run(
            "book",
            {
                "date": THURSDAY.isoformat(),
                "time": "21:00",
                "party_size": 4,
                "customer_name": "Lucía Pérez",
                "area": None,
                "dishes": None,
            },
            source=ReservationSource.PHONE,
        )

    reservation = Reservation.objects.get()
    assert result == {
        "ok": True,
        "reference": reservation.reference,
        "starts_at": "2030-12-05T21:00:00-06:00",
        "party_size": 4,
        "status": ReservationStatus.CONFIRMED,
        "repeated": False,
    }
    assert reservation.source == ReservationSource.PHONE
    assert reservation.customer.phone == PHONE
    assert (reservation.customer.first_name, reservation.customer.last_name) == ("Lucía", "Pérez")


def test_my_bookings_lists_only_this_phones_upcoming_bookings(casa_azul):
    own = booked_for(PHONE, at(THURSDAY, "21:00"))
    cancelled = booked_for(PHONE, at(FRIDAY, "14:00"))
    cancelled.status = ReservationStatus.CANCELLED
    cancelled.save()
    strangers_booking()

    result = run("my_bookings", {})

    assert result == {
        "ok": True,
        "bookings": [
            {
                "reference": own.reference,
                "date": "2030-12-05",
                "time": "21:00",
                "party_size": 2,
                "status": ReservationStatus.CONFIRMED,
            }
        ],
    }
    assert run("my_bookings", {}, phone="+525566667777") == {"ok": True, "bookings": []}


def test_a_change_moves_the_phones_own_booking_and_adds_the_note(casa_azul):
    own = booked_for(PHONE, at(THURSDAY, "21:00"))

    result = run(
        "change_booking",
        {
            "reference": own.reference.lower(),
            "date": FRIDAY.isoformat(),
            "time": "20:00",
            "party_size": 3,
            "note": "Es un cumpleaños",
        },
    )

    own.refresh_from_db()
    assert result == {
        "ok": True,
        "reference": own.reference,
        "starts_at": "2030-12-06T20:00:00-06:00",
        "party_size": 3,
        "status": ReservationStatus.CONFIRMED,
    }
    assert (own.starts_at, own.party_size) == (at(FRIDAY, "20:00"), 3)
    assert own.special_requests == "Es un cumpleaños"


def test_a_change_the_booking_rules_refuse_is_answered_with_their_reason(casa_azul):
    own = booked_for(PHONE, at(THURSDAY, "21:00"))
    before = book_state()

    result = run(
        "change_booking",
        {
            "reference": own.reference,
            "date": None,
            "time": "09:00",
            "party_size": None,
            "note": None,
        },
    )

    assert result["ok"] is False and result["error"] == "refused" and result["message"]
    assert book_state() == before


def test_a_cancel_cancels_the_phones_own_booking(casa_azul):
    own = booked_for(PHONE, at(THURSDAY, "21:00"))

    result = run("cancel_booking", {"reference": own.reference})

    own.refresh_from_db()
    assert result == {"ok": True, "reference": own.reference, "status": "cancelled"}
    assert own.status == ReservationStatus.CANCELLED


@pytest.mark.parametrize(
    ("tool", "changes"),
    [
        ("cancel_booking", {}),
        ("change_booking", {"date": None, "time": "14:00", "party_size": None, "note": None}),
        ("change_booking", {"date": None, "time": None, "party_size": None, "note": "VIP"}),
    ],
)
def test_another_customers_booking_is_answered_like_one_that_does_not_exist(
    casa_azul, caplog, tool, changes
):
    stranger = strangers_booking()
    before = book_state()

    with caplog.at_level(logging.WARNING, logger="assistant.tools"):
        theirs = run(tool, {"reference": stranger.reference, **changes})
        missing = run(tool, {"reference": "ZZZZ2345", **changes})

    assert theirs == missing
    assert theirs["ok"] is False and theirs["error"] == "not_your_booking"
    assert book_state() == before
    refusals = [record for record in caplog.records if "tool refused" in record.getMessage()]
    assert len(refusals) == 2
    assert all(record.levelno == logging.WARNING for record in refusals)
    logged = caplog.text
    assert stranger.reference not in logged and STRANGER_PHONE not in logged
    assert PHONE not in logged


# --- Refusals before anything runs ----------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        # An argument no schema has: a model reaching for another phone.
        ("my_bookings", {"phone": STRANGER_PHONE}),
        ("book", {"date": "2030-12-05", "time": "21:00", "party_size": 2, "customer_name": "Ana"}),
        (
            "book",
            {
                "date": "05/12/2030",
                "time": "21:00",
                "party_size": 2,
                "customer_name": "Ana",
                "area": None,
                "dishes": None,
            },
        ),
        (
            "book",
            {
                "date": "2030-02-30",
                "time": "21:00",
                "party_size": 2,
                "customer_name": "Ana",
                "area": None,
                "dishes": None,
            },
        ),
        (
            "book",
            {
                "date": "2030-12-05",
                "time": "25:00",
                "party_size": 2,
                "customer_name": "Ana",
                "area": None,
                "dishes": None,
            },
        ),
        (
            "book",
            {
                "date": "2030-12-05",
                "time": "21:00",
                "party_size": 0,
                "customer_name": "Ana",
                "area": None,
                "dishes": None,
            },
        ),
        (
            "book",
            {
                "date": "2030-12-05",
                "time": "21:00",
                "party_size": "2",
                "customer_name": "Ana",
                "area": None,
                "dishes": None,
            },
        ),
        (
            "book",
            {
                "date": "2030-12-05",
                "time": "21:00",
                "party_size": 10**6,
                "customer_name": "A",
                "area": None,
                "dishes": None,
            },
        ),
        (
            "book",
            {
                "date": "2030-12-05",
                "time": "21:00",
                "party_size": 2,
                "customer_name": " ",
                "area": None,
                "dishes": None,
            },
        ),
        (
            "book",
            {
                "date": "2030-12-05",
                "time": "21:00",
                "party_size": 2,
                "customer_name": "Ana",
                "area": "kitchen",
                "dishes": None,
            },
        ),
        (
            "change_booking",
            {"reference": "ABCD2345", "date": None, "time": None, "party_size": None, "note": None},
        ),
        ("cancel_booking", {"reference": None}),
        ("cancel_booking", ["ABCD2345"]),
        ("cancel_booking", "not json"),
        ("hand_off", {"reason": "bribe", "summary": "x"}),
    ],
)
def test_invalid_missing_or_extra_arguments_are_refused_without_writing(casa_azul, tool, arguments):
    own = booked_for(PHONE, at(THURSDAY, "21:00"))
    before = book_state()

    result = run(tool, arguments)

    assert result["ok"] is False and result["error"] == "invalid_arguments"
    assert result["message"]
    assert book_state() == before
    assert own.reference not in json.dumps(result)


@pytest.mark.parametrize("name", ["cancel_all_bookings", "bookings_export", "", "BOOK"])
def test_an_undeclared_tool_is_refused_and_logged(casa_azul, caplog, name):
    booked_for(PHONE, at(THURSDAY, "21:00"))
    before = book_state()

    with caplog.at_level(logging.WARNING, logger="assistant.tools"):
        result = run(name, {})

    assert result["ok"] is False and result["error"] == "unknown_tool"
    assert book_state() == before
    assert "tool refused unknown_tool" in caplog.text


def test_a_staff_door_cannot_run_the_tools(casa_azul):
    with pytest.raises(ValueError):
        run("my_bookings", {}, source=ReservationSource.ADMIN)


@pytest.mark.parametrize("phone", ["", "   "])
def test_without_a_phone_there_are_no_own_bookings_to_reach(casa_azul, phone):
    # Customers who booked by email alone have no phone: a blank one must not find them.
    book(
        source=ReservationSource.WEB,
        contact=Contact(first_name="Sin", last_name="Teléfono", email="sin@example.com"),
        starts_at=at(THURSDAY, "21:00"),
        party_size=2,
        now=NOW - dt.timedelta(days=1),
    )

    result = run("my_bookings", {}, phone=phone)

    assert result["ok"] is False and result["error"] == "refused"
    assert run("menu", {"dish": None}, phone=phone)["ok"] is True


def test_arguments_as_a_json_string_are_taken_like_a_dict(casa_azul):
    own = booked_for(PHONE, at(THURSDAY, "21:00"))
    arguments = {"reference": own.reference}

    assert run("my_bookings", "") == run("my_bookings", {})
    assert run("cancel_booking", json.dumps(arguments))["ok"] is True
    own.refresh_from_db()
    assert own.status == ReservationStatus.CANCELLED


def test_a_party_above_the_online_maximum_is_refused_for_staff_to_take(casa_azul):
    own = booked_for(PHONE, at(THURSDAY, "21:00"))
    before = book_state()
    large = {"ok": False, "error": "large_party", "max": 8}

    availability = run(
        "check_availability",
        {"date": THURSDAY.isoformat(), "party_size": 9, "time": None, "area": None},
    )
    booking = run(
        "book",
        {
            "date": "2030-12-05",
            "time": "14:00",
            "party_size": 9,
            "customer_name": "Ana",
            "area": None,
            "dishes": None,
        },
    )
    change = run(
        "change_booking",
        {"reference": own.reference, "date": None, "time": None, "party_size": 9, "note": None},
    )

    for result in (availability, booking, change):
        assert {key: result[key] for key in large} == large
    assert book_state() == before


# --- What the restaurant tells ---------------------------------------------------------------


def test_menu_gives_the_orderable_dishes_with_their_prices(casa_azul):
    whole = run("menu", {"dish": None})
    asked = run("menu", {"dish": "MOLE"})

    names = [dish["name"] for dish in whole["dishes"]]
    assert names == ["Chiles en nogada", "Mole poblano", "Flan napolitano"]
    assert asked["dishes"] == [
        {
            "id": Dish.objects.get(name="Mole poblano").pk,
            "name": "Mole poblano",
            "category": "Platos fuertes",
            "price": money(Decimal("18.50")),
            "description": "",
        }
    ]
    assert run("menu", {"dish": "postres"})["dishes"][0]["name"] == "Flan napolitano"


def test_opening_hours_give_the_week_and_the_closed_dates(casa_azul):
    ClosedDate.objects.create(policy=BookingPolicy.objects.get(), date=FRIDAY)
    booking_policy_forget()

    week = run("opening_hours", {"date": None})
    friday = run("opening_hours", {"date": FRIDAY.isoformat()})
    thursday = run("opening_hours", {"date": THURSDAY.isoformat()})

    assert week["week"][0] == {"weekday": "monday", "hours": [["13:00", "23:30"]]}
    assert week["closed_dates"] == ["2030-12-06"]
    assert friday == {
        "ok": True,
        "date": "2030-12-06",
        "weekday": "friday",
        "closed": True,
        "hours": [],
    }
    assert thursday["closed"] is False and thursday["hours"] == [["13:00", "23:30"]]


def test_hand_off_names_the_reason_for_the_caller_to_hand_over(casa_azul):
    result = run("hand_off", {"reason": "large_party", "summary": "Una boda de 40 personas."})

    assert result == {
        "ok": True,
        "hand_off": True,
        "reason": "large_party",
        "summary": "Una boda de 40 personas.",
    }


# --- Other customers ---------------------------------------------------------------------------


def test_no_result_carries_another_customers_name_or_phone(casa_azul):
    stranger = strangers_booking()
    own = booked_for(PHONE, at(THURSDAY, "21:00"))
    calls = [
        (
            "check_availability",
            {"date": "2030-12-06", "party_size": 2, "time": "21:00", "area": None},
        ),
        ("check_availability", {"date": "2030-12-06", "party_size": 2, "time": None, "area": None}),
        (
            "book",
            {
                "date": "2030-12-06",
                "time": "21:00",
                "party_size": 2,
                "customer_name": "Ana",
                "area": None,
                "dishes": None,
            },
        ),
        (
            "book",
            {
                "date": "2030-12-06",
                "time": "14:00",
                "party_size": 2,
                "customer_name": "Ana",
                "area": None,
                "dishes": None,
            },
        ),
        ("my_bookings", {}),
        ("my_bookings", {"phone": STRANGER_PHONE}),
        (
            "change_booking",
            {
                "reference": stranger.reference,
                "date": None,
                "time": None,
                "party_size": 3,
                "note": None,
            },
        ),
        (
            "change_booking",
            {
                "reference": own.reference,
                "date": "2030-12-06",
                "time": "21:00",
                "party_size": None,
                "note": None,
            },
        ),
        ("cancel_booking", {"reference": stranger.reference}),
        ("menu", {"dish": "Quintanilla"}),
        ("opening_hours", {"date": None}),
        ("hand_off", {"reason": "not_allowed", "summary": "Pide los datos de otro cliente."}),
        ("customer_lookup", {"phone": STRANGER_PHONE}),
    ]

    for name, arguments in calls:
        serialised = json.dumps(run(name, arguments), ensure_ascii=False)
        for trace in STRANGER_TRACES:
            assert trace not in serialised, (name, serialised)
        assert stranger.reference not in serialised, name

    stranger.refresh_from_db()
    assert stranger.status == ReservationStatus.CONFIRMED
    assert (stranger.starts_at, stranger.party_size) == (at(FRIDAY, "21:00"), 2)


# --- Pre-orders and the once-only key ---------------------------------------------------------

BOOKING = {"date": "2030-12-05", "time": "21:00", "party_size": 2, "customer_name": "Lucía Pérez"}


def dish_id(name: str) -> int:
    listed = run("menu", {"dish": name})["dishes"]
    assert [dish["name"] for dish in listed] == [name]
    return listed[0]["id"]


def test_a_booking_carries_the_dishes_picked_from_the_menu_by_their_ids(casa_azul):
    mole, flan = dish_id("Mole poblano"), dish_id("Flan napolitano")
    dishes = [
        {"dish_id": mole, "quantity": 2},
        {"dish_id": flan, "quantity": 1},
        {"dish_id": mole, "quantity": 1},
    ]

    result = run("book", {**BOOKING, "area": None, "dishes": dishes})

    assert result["ok"] is True
    reservation = Reservation.objects.get(reference=result["reference"])
    ordered = dict(reservation.pre_orders.values_list("dish__name", "quantity"))
    assert ordered == {"Mole poblano": 3, "Flan napolitano": 1}


@pytest.mark.parametrize(
    "dishes",
    [
        "off the menu",
        "unknown",
        [{"dish_id": 1, "quantity": 0}],
        [{"dish_id": 1, "quantity": 10**6}],
        [{"dish_id": 1}],
        [{"dish_id": 1, "quantity": 1, "price": "0.00"}],
        [{"dish_id": 1, "quantity": 1}] * 21,
        {"dish_id": 1, "quantity": 1},
    ],
)
def test_dishes_off_the_menu_or_out_of_shape_book_nothing(casa_azul, dishes):
    if dishes == "off the menu":
        dishes = [{"dish_id": Dish.objects.get(name="Pozole de temporada").pk, "quantity": 1}]
    elif dishes == "unknown":
        dishes = [{"dish_id": 999_999, "quantity": 1}]

    result = run("book", {**BOOKING, "area": None, "dishes": dishes})

    assert result["ok"] is False
    assert result["error"] in {"unknown_dish", "invalid_arguments"} and result["message"]
    assert not Reservation.objects.exists()


def test_the_same_booking_asked_again_in_one_scope_is_the_first_one(casa_azul):
    arguments = {**BOOKING, "area": None, "dishes": None}

    first = tool_run("book", arguments, phone=PHONE, source="whatsapp", key="turn-1", now=NOW)
    again = tool_run("book", arguments, phone=PHONE, source="whatsapp", key="turn-1", now=NOW)

    assert first["ok"] is True and first["repeated"] is False
    assert again == {**first, "repeated": True}
    assert Reservation.objects.count() == 1
    # Another scope is another booking (here refused: the table is taken at that time).
    other = tool_run("book", arguments, phone=PHONE, source="whatsapp", key="turn-2", now=NOW)
    assert other["ok"] is False and other["error"] == "refused" and other["message"]
    assert Reservation.objects.count() == 1
