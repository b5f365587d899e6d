"""The restaurant's settings, menu, alerts, metrics and message log through the API: a
manager's token reads and changes what the admin lets a manager change, and the booking
pages see the change at once; a cashier's token reads what a cashier reads (phones
masked) and is refused the rest; bad input is a 400 that saves nothing; another
restaurant's alerts, figures and messages are never found."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.models import Alert, MetricsSnapshot
from menu.models import Category, Dish
from notifications.models import Message
from reservations.models import ClosedDate, OpeningPeriod
from reservations.selectors import booking_policy_get, booking_policy_snapshot
from restaurants.roles import CASHIER
from restaurants.services import staff_user_ensure
from tests import factories
from tests.conftest import MANAGER_A, MANAGER_B, PASSWORD
from tests.factories import CategoryFactory, CustomerFactory, DishFactory, TableFactory
from tests.web.test_hostile_api import token_client

API = "/api/v1"
CASHIER_EMAIL = "caja@casa-azul.test"
MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
EVENING = dt.datetime(2030, 3, 5, 20, 0, tzinfo=MEXICO)


def evening_soon() -> dt.datetime:
    """8 pm in Casa Azul the day after tomorrow: inside the hours, within the days ahead."""
    day = timezone.now().astimezone(MEXICO).date() + dt.timedelta(days=2)
    return dt.datetime.combine(day, dt.time(20), tzinfo=MEXICO)


@pytest.fixture
def manager(restaurant_a) -> Client:
    return token_client(restaurant_a, MANAGER_A)


@pytest.fixture
def manager_b(restaurant_b) -> Client:
    return token_client(restaurant_b, MANAGER_B)


@pytest.fixture
def cashier_api(restaurant_a) -> Client:
    with tenant_context(restaurant_a):
        staff_user_ensure(email=CASHIER_EMAIL, password=PASSWORD, role=CASHIER)
    connection.set_schema_to_public()
    return token_client(restaurant_a, CASHIER_EMAIL)


def send(client: Client, method: str, url: str, body=None, **headers):
    return getattr(client, method)(url, body or {}, content_type="application/json", **headers)


def in_restaurant(restaurant, read):
    with tenant_context(restaurant):
        value = read()
    connection.set_schema_to_public()
    return value


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- Booking policy -----------------------------------------------------------------------


def test_a_manager_changes_the_policy_and_the_next_booking_sees_it(manager, restaurant_a):
    # A booking page read the policy before the change: it is cached.
    cached = in_restaurant(restaurant_a, lambda: booking_policy_snapshot().duration)

    read = manager.get(f"{API}/policy/")
    changed = send(
        manager,
        "patch",
        f"{API}/policy/",
        {"duration_minutes": 150, "tax_rate": "16.00", "phone": "55 1234 5678"},
    )

    assert cached == dt.timedelta(minutes=120)
    assert read.status_code == 200
    assert read.json()["duration_minutes"] == 120 and read.json()["tax_rate"] == "15.00"
    assert changed.status_code == 200, changed.content
    body = changed.json()
    # The phone is kept the way the admin keeps it: E.164, read with the region (MX).
    assert body["phone"] == "+525512345678"
    assert body["tax_rate"] == "16.00" and body["duration_minutes"] == 150
    assert in_restaurant(restaurant_a, lambda: booking_policy_snapshot().duration) == (
        dt.timedelta(minutes=150)
    )


def test_a_policy_out_of_bounds_is_refused_with_each_field_named_and_nothing_saved(
    manager, restaurant_a
):
    too_short = send(
        manager, "patch", f"{API}/policy/", {"duration_minutes": 5, "tax_rate": "16.00"}
    )
    bad_phone = send(manager, "patch", f"{API}/policy/", {"phone": "12", "tax_rate": "16.00"})

    assert too_short.status_code == 400
    assert set(too_short.json()) == {"code", "message", "fields"}
    assert list(too_short.json()["fields"]) == ["duration_minutes"]
    assert bad_phone.status_code == 400
    assert bad_phone.json()["fields"]["phone"] == ["«12» no es un número de teléfono válido."]
    policy = in_restaurant(restaurant_a, booking_policy_get)
    assert (policy.duration_minutes, policy.tax_rate, policy.phone) == (120, Decimal("15.00"), "")


def test_a_cashier_may_neither_read_nor_change_the_policy_or_the_hours(cashier_api, restaurant_a):
    read = cashier_api.get(f"{API}/policy/")
    changed = send(cashier_api, "patch", f"{API}/policy/", {"reservations_enabled": False})
    hours = send(
        cashier_api,
        "post",
        f"{API}/opening-periods/",
        {"weekday": 0, "opens_at": "08:00", "closes_at": "12:00"},
    )

    assert (read.status_code, changed.status_code, hours.status_code) == (403, 403, 403)
    assert hours.json()["code"] == "permission_denied"
    assert in_restaurant(restaurant_a, lambda: booking_policy_get().reservations_enabled)
    assert not in_restaurant(restaurant_a, lambda: OpeningPeriod.objects.exists())


# --- Opening hours and closed dates -------------------------------------------------------


def test_opening_hours_added_and_changed_are_what_the_booking_pages_offer(manager, restaurant_a):
    in_restaurant(restaurant_a, booking_policy_snapshot)  # cached before the change

    added = send(
        manager,
        "post",
        f"{API}/opening-periods/",
        {"weekday": 4, "opens_at": "19:00", "closes_at": "01:30"},
    )
    period = added.json()
    moved = send(manager, "patch", f"{API}/opening-periods/{period['id']}/", {"opens_at": "18:00"})
    listed = results(manager.get(f"{API}/opening-periods/"))

    assert added.status_code == 201, added.content
    assert period["weekday_name"] == "Viernes" and period["crosses_midnight"] is True
    assert moved.status_code == 200
    assert [(p["weekday"], p["opens_at"], p["closes_at"]) for p in listed] == [
        (4, "18:00:00", "01:30:00")
    ]
    periods = in_restaurant(restaurant_a, lambda: booking_policy_snapshot().periods)
    assert periods == {4: ((dt.time(18), dt.time(1, 30)),)}


def test_an_empty_opening_period_is_refused_and_the_hours_stay_as_they_were(manager, restaurant_a):
    added = send(
        manager,
        "post",
        f"{API}/opening-periods/",
        {"weekday": 1, "opens_at": "13:00", "closes_at": "17:00"},
    ).json()

    empty = send(manager, "patch", f"{API}/opening-periods/{added['id']}/", {"closes_at": "13:00"})
    no_weekday = send(
        manager,
        "post",
        f"{API}/opening-periods/",
        {"weekday": 7, "opens_at": "13:00", "closes_at": "17:00"},
    )

    assert empty.status_code == 400
    assert empty.json()["message"] == "La hora de apertura y la de cierre deben ser distintas."
    assert no_weekday.status_code == 400 and "weekday" in no_weekday.json()["fields"]
    hours = in_restaurant(
        restaurant_a, lambda: list(OpeningPeriod.objects.values_list("opens_at", "closes_at"))
    )
    assert hours == [(dt.time(13), dt.time(17))]


def test_a_yearly_closed_date_closes_every_year_until_it_is_removed(manager, restaurant_a):
    added = send(
        manager,
        "post",
        f"{API}/closed-dates/",
        {"date": "2029-12-25", "every_year": True, "reason": "Navidad"},
    )
    closed = in_restaurant(
        restaurant_a, lambda: booking_policy_snapshot().is_closed(dt.date(2031, 12, 25))
    )
    removed = manager.delete(f"{API}/closed-dates/{added.json()['id']}/")
    reopened = in_restaurant(
        restaurant_a, lambda: booking_policy_snapshot().is_closed(dt.date(2031, 12, 25))
    )

    assert added.status_code == 201
    assert added.json() == {
        "id": added.json()["id"],
        "date": "2029-12-25",
        "every_year": True,
        "reason": "Navidad",
    }
    assert closed is True
    assert removed.status_code == 204
    assert reopened is False
    assert not in_restaurant(restaurant_a, lambda: ClosedDate.objects.exists())


# --- Menu -----------------------------------------------------------------------------------


def test_a_manager_builds_the_menu_and_filters_it(manager, restaurant_a):
    starters = send(
        manager, "post", f"{API}/categories/", {"name": "Entradas", "menu_order": 1}
    ).json()
    desserts = send(
        manager, "post", f"{API}/categories/", {"name": "Postres", "menu_order": 5}
    ).json()
    guacamole = send(
        manager,
        "post",
        f"{API}/dishes/",
        {"category": starters["id"], "name": "Guacamole", "price": "7.50", "stock": 12},
    )
    send(
        manager,
        "post",
        f"{API}/dishes/",
        {"category": desserts["id"], "name": "Flan", "price": "4.00", "stock": 0, "active": False},
    )
    repriced = send(
        manager,
        "patch",
        f"{API}/dishes/{guacamole.json()['id']}/",
        {"price": "8.25", "stock": 20},
    )

    assert guacamole.status_code == 201, guacamole.content
    assert guacamole.json()["active"] is True and guacamole.json()["image"] is None
    assert repriced.status_code == 200
    assert (repriced.json()["price"], repriced.json()["stock"]) == ("8.25", 20)
    starters_only = results(manager.get(f"{API}/dishes/", {"category": starters["id"]}))
    inactive = results(manager.get(f"{API}/dishes/", {"active": "false"}))
    assert [dish["name"] for dish in starters_only] == ["Guacamole"]
    assert [dish["name"] for dish in inactive] == ["Flan"]
    categories = results(manager.get(f"{API}/categories/"))
    assert [category["name"] for category in categories] == ["Entradas", "Postres"]
    dish = in_restaurant(restaurant_a, lambda: Dish.objects.get(name="Guacamole"))
    assert (dish.price, dish.stock) == (Decimal("8.25"), 20)


def test_a_change_of_price_leaves_the_stock_pre_orders_took(manager, restaurant_a):
    dish = in_restaurant(restaurant_a, lambda: DishFactory(name="Tacos", stock=10))
    read = manager.get(f"{API}/dishes/{dish.pk}/").json()

    def pre_order_three():
        factories.open_every_day()
        factories.book(
            customer=CustomerFactory(),
            table=TableFactory(),
            starts_at=evening_soon(),
            party_size=2,
            dishes={dish: 3},
        )

    in_restaurant(restaurant_a, pre_order_three)
    repriced = send(manager, "patch", f"{API}/dishes/{dish.pk}/", {"price": "9.00"})

    assert read["stock"] == 10
    assert repriced.status_code == 200
    assert (repriced.json()["price"], repriced.json()["stock"]) == ("9.00", 7)
    assert in_restaurant(restaurant_a, lambda: Dish.objects.get(pk=dish.pk).stock) == 7


def test_a_second_dish_of_the_same_name_or_negative_stock_is_refused_and_not_saved(
    manager, restaurant_a
):
    category = in_restaurant(restaurant_a, lambda: CategoryFactory(name="Fuertes"))
    in_restaurant(restaurant_a, lambda: DishFactory(category=category, name="Mole"))

    twice = send(
        manager,
        "post",
        f"{API}/dishes/",
        {"category": category.pk, "name": "Mole", "price": "11.00"},
    )
    negative = send(
        manager,
        "post",
        f"{API}/dishes/",
        {"category": category.pk, "name": "Pozole", "price": "-1.00", "stock": -2},
    )
    category_twice = send(manager, "post", f"{API}/categories/", {"name": "Fuertes"})

    assert twice.status_code == 400
    assert "ya existe" in twice.json()["message"].lower()
    assert negative.status_code == 400
    assert set(negative.json()["fields"]) == {"price", "stock"}
    assert category_twice.status_code == 400 and "name" in category_twice.json()["fields"]
    names = in_restaurant(restaurant_a, lambda: list(Dish.objects.values_list("name", flat=True)))
    assert names == ["Mole"]
    assert in_restaurant(restaurant_a, lambda: Category.objects.count()) == 1


def test_a_cashier_reads_the_menu_but_cannot_change_a_price(cashier_api, restaurant_a):
    dish = in_restaurant(restaurant_a, lambda: DishFactory(name="Tostadas", price="6.00"))

    listed = results(cashier_api.get(f"{API}/dishes/"))
    changed = send(cashier_api, "patch", f"{API}/dishes/{dish.pk}/", {"price": "0.50"})
    added = send(cashier_api, "post", f"{API}/categories/", {"name": "Gratis"})

    assert [(d["name"], d["price"]) for d in listed] == [("Tostadas", "6.00")]
    assert (changed.status_code, added.status_code) == (403, 403)
    assert in_restaurant(restaurant_a, lambda: Dish.objects.get(pk=dish.pk).price) == Decimal("6")


@pytest.mark.parametrize(
    "query, field",
    [
        ({"active": "maybe"}, "active"),
        ({"category": "entradas"}, "category"),
        ({"category": "-3"}, "category"),
        ({"category": str(2**70)}, "category"),
    ],
)
def test_a_bad_menu_filter_is_a_400_naming_it(manager, query, field):
    response = manager.get(f"{API}/dishes/", query, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


# --- Alerts -------------------------------------------------------------------------------


def raise_alert(restaurant, **fields) -> Alert:
    values = {"kind": "high_occupancy", "severity": "high", "message": "Ocupación al 90 %"}
    return in_restaurant(restaurant, lambda: Alert.objects.create(**(values | fields)))


def test_a_manager_acknowledges_then_resolves_an_alert_and_is_named_for_both(manager, restaurant_a):
    alert = raise_alert(restaurant_a)
    raise_alert(restaurant_a, kind="low_occupancy", severity="medium", status="resolved",
                resolved_at=EVENING)  # fmt: skip

    open_ones = results(manager.get(f"{API}/alerts/", {"status": "open"}))
    acknowledged = send(manager, "post", f"{API}/alerts/{alert.pk}/acknowledge/")
    resolved = send(manager, "post", f"{API}/alerts/{alert.pk}/resolve/")
    again = send(manager, "post", f"{API}/alerts/{alert.pk}/acknowledge/")

    assert [(a["kind"], a["message"]) for a in open_ones] == [
        ("high_occupancy", "Ocupación al 90 %")
    ]
    assert acknowledged.status_code == 200
    assert acknowledged.json()["status"] == "acknowledged"
    assert acknowledged.json()["acknowledged_by"] == MANAGER_A
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_by"] == MANAGER_A
    # The time is the restaurant's, with its offset.
    assert resolved.json()["resolved_at"].endswith("-06:00")
    assert again.status_code == 400
    assert again.json()["message"] == "Una alerta en estado «Resuelta» no puede marcarse «Vista»."
    stored = in_restaurant(
        restaurant_a,
        lambda: Alert.objects.values_list("status", "resolved_by__username").get(pk=alert.pk),
    )
    assert stored == ("resolved", MANAGER_A)


def test_alerts_filter_by_kind_and_refuse_an_unknown_status(manager, restaurant_a):
    raise_alert(restaurant_a)
    raise_alert(restaurant_a, kind="table_conflict", severity="medium", message="M03 doble")

    conflicts = results(manager.get(f"{API}/alerts/", {"kind": "table_conflict"}))
    unknown = manager.get(f"{API}/alerts/", {"status": "closed"}, HTTP_ACCEPT_LANGUAGE="en")

    assert [a["message"] for a in conflicts] == ["M03 doble"]
    assert unknown.status_code == 400
    assert unknown.json()["fields"] == {"status": ["Use one of: open, acknowledged, resolved."]}


def test_a_cashier_cannot_acknowledge_an_alert(cashier_api, restaurant_a):
    alert = raise_alert(restaurant_a)

    response = send(cashier_api, "post", f"{API}/alerts/{alert.pk}/acknowledge/")

    assert response.status_code == 403
    assert in_restaurant(restaurant_a, lambda: Alert.objects.get(pk=alert.pk).status) == "open"


def test_another_restaurants_alert_is_neither_listed_nor_found(
    manager, manager_b, restaurant_a, restaurant_b
):
    theirs = raise_alert(restaurant_b, message="Bistro lleno")
    raise_alert(restaurant_a, message="Casa Azul llena")

    listed = results(manager.get(f"{API}/alerts/"))
    found = manager.get(f"{API}/alerts/{theirs.pk}/")
    resolved = send(manager, "post", f"{API}/alerts/{theirs.pk}/resolve/")

    assert [a["message"] for a in listed] == ["Casa Azul llena"]
    assert (found.status_code, resolved.status_code) == (404, 404)
    assert in_restaurant(restaurant_b, lambda: Alert.objects.get(pk=theirs.pk).status) == "open"
    assert [a["message"] for a in results(manager_b.get(f"{API}/alerts/"))] == ["Bistro lleno"]


# --- Hourly metrics -----------------------------------------------------------------------


def snapshot(restaurant, hour: dt.datetime, occupied: int, revenue: str) -> MetricsSnapshot:
    return in_restaurant(
        restaurant,
        lambda: MetricsSnapshot.objects.create(
            hour=hour,
            tables_total=10,
            tables_occupied=occupied,
            tables_reserved=1,
            tables_free=9 - occupied,
            occupancy_rate=Decimal(occupied * 10),
            revenue=Decimal(revenue),
        ),
    )


def test_metrics_of_a_day_in_the_restaurants_time_newest_first(manager, restaurant_a):
    # 4 March 23:00 and 5 March 00:00, 20:00 and 23:00 in Mexico City, then 6 March 00:00.
    for hour, occupied in [((3, 4, 23), 1), ((3, 5, 0), 2), ((3, 5, 20), 8), ((3, 5, 23), 3),
                           ((3, 6, 0), 0)]:  # fmt: skip
        snapshot(restaurant_a, dt.datetime(2030, *hour, tzinfo=MEXICO), occupied, "120.50")

    day = results(manager.get(f"{API}/metrics/", {"since": "2030-03-05", "until": "2030-03-05"}))
    evening = results(
        manager.get(f"{API}/metrics/", {"since": "2030-03-05T19:00", "until": "2030-03-05T21:00"})
    )

    assert [m["hour"] for m in day] == [
        "2030-03-05T23:00:00-06:00",
        "2030-03-05T20:00:00-06:00",
        "2030-03-05T00:00:00-06:00",
    ]
    assert [(m["tables_occupied"], m["occupancy_rate"], m["revenue"]) for m in evening] == [
        (8, "80.0", "120.50")
    ]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"since": "ayer"}, "since"),
        ({"until": "2030-02-30"}, "until"),
        ({"until": "9999-12-31"}, "until"),
        ({"since": "2030-03-06", "until": "2030-03-05"}, "until"),
    ],
)
def test_a_bad_span_of_metrics_is_a_400_naming_it(manager, query, field):
    response = manager.get(f"{API}/metrics/", query, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_an_offset_sent_unencoded_is_still_read(manager, restaurant_a):
    snapshot(restaurant_a, dt.datetime(2030, 3, 5, 20, tzinfo=MEXICO), 8, "10.00")

    # "+01:00" in a query string without encoding arrives as " 01:00": 20:00 UTC = 14:00 MX.
    response = manager.get(f"{API}/metrics/?since=2030-03-05T21:00:00+01:00")

    assert [m["hour"] for m in results(response)] == ["2030-03-05T20:00:00-06:00"]


def test_another_restaurants_metrics_are_not_seen(manager, restaurant_a, restaurant_b):
    theirs = snapshot(restaurant_b, dt.datetime(2030, 3, 5, 12, tzinfo=dt.UTC), 5, "999.00")
    snapshot(restaurant_a, dt.datetime(2030, 3, 5, 12, tzinfo=dt.UTC), 2, "100.00")

    listed = results(manager.get(f"{API}/metrics/"))

    assert [m["revenue"] for m in listed] == ["100.00"]
    assert manager.get(f"{API}/metrics/{theirs.pk}/").status_code == 404


# --- Message log --------------------------------------------------------------------------


def log_message(restaurant, **fields) -> Message:
    def create():
        values = {
            "event": "confirmation",
            "channel": "whatsapp",
            "recipient": "+525512345678",
            "language": "es",
            "body": "Hola Ana, tu reserva está confirmada.",
            "status": "delivered",
            "idempotency_key": f"test:{Message.objects.count()}:{fields}",
        }
        return Message.objects.create(**(values | fields))

    return in_restaurant(restaurant, create)


def test_a_manager_reads_the_log_of_one_booking_with_its_contacts(manager, restaurant_a):
    def booked():
        factories.open_every_day()
        return factories.book(
            customer=CustomerFactory(),
            table=TableFactory(),
            starts_at=evening_soon(),
            party_size=2,
        )

    reservation = in_restaurant(restaurant_a, booked)
    log_message(restaurant_a, reservation=reservation, channel="sms")
    log_message(restaurant_a, reservation=reservation, channel="email", recipient="ana@example.com")
    log_message(restaurant_a, recipient="+525599990000")

    of_booking = results(manager.get(f"{API}/messages/", {"reservation": reservation.reference}))
    by_sms = results(
        manager.get(f"{API}/messages/", {"reservation": reservation.reference, "channel": "sms"})
    )

    assert sorted(m["recipient"] for m in of_booking) == ["+525512345678", "ana@example.com"]
    assert {m["reservation"] for m in of_booking} == {reservation.reference}
    assert [(m["channel"], m["body"]) for m in by_sms] == [
        ("sms", "Hola Ana, tu reserva está confirmada.")
    ]


def test_a_cashier_sees_phones_and_emails_masked_as_in_the_admin(cashier_api, restaurant_a):
    phone = log_message(restaurant_a)
    email = log_message(restaurant_a, channel="email", recipient="ana@example.com")

    listed = results(cashier_api.get(f"{API}/messages/"))
    one = cashier_api.get(f"{API}/messages/{phone.pk}/").json()

    recipients = {m["id"]: m["recipient"] for m in listed}
    assert recipients == {phone.pk: "+52••••••5678", email.pk: "a•••@example.com"}
    assert one["recipient"] == "+52••••••5678"
    assert "12345678" not in str(listed)


def test_the_log_refuses_an_unknown_status_or_channel(manager):
    status = manager.get(f"{API}/messages/", {"status": "lost"}, HTTP_ACCEPT_LANGUAGE="en")
    channel = manager.get(f"{API}/messages/", {"channel": "fax"}, HTTP_ACCEPT_LANGUAGE="en")

    assert status.status_code == 400 and "delivered" in status.json()["fields"]["status"][0]
    assert channel.status_code == 400
    assert channel.json()["fields"] == {"channel": ["Use one of: whatsapp, sms, email."]}


def test_another_restaurants_messages_are_not_seen(manager, restaurant_a, restaurant_b):
    theirs = log_message(restaurant_b, recipient="+34600111222")
    log_message(restaurant_a)

    listed = results(manager.get(f"{API}/messages/"))

    assert [m["recipient"] for m in listed] == ["+525512345678"]
    assert manager.get(f"{API}/messages/{theirs.pk}/").status_code == 404


def test_nothing_here_is_open_without_a_token(restaurant_a):
    anonymous = Client(HTTP_HOST=f"{restaurant_a.slug}.localhost")

    for path in ("policy/", "opening-periods/", "closed-dates/", "categories/", "dishes/",
                 "alerts/", "metrics/", "messages/"):  # fmt: skip
        response = anonymous.get(f"{API}/{path}")
        assert response.status_code == 401, path
        assert response.json()["code"] == "not_authenticated"
    refused = send(anonymous, "patch", f"{API}/policy/", {"reservations_enabled": False})
    assert refused.status_code == 401
    assert in_restaurant(restaurant_a, lambda: booking_policy_get().reservations_enabled)
