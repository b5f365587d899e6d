"""The manager's backoffice: every page loads, phone bookings, actions, roles."""

import datetime as dt
import json
import zoneinfo

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tenants.utils import tenant_context

from menu.models import Dish
from reservations.models import Customer, Reservation, StatusChange
from tests.conftest import MANAGER_A, PASSWORD
from tests.factories import CustomerFactory, DishFactory, TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
HISTORY = "reservations-statuschange-content_type-object_id"
PRE_ORDERS = "pre_orders"


def inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial)}


@pytest.fixture
def floor(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:00", max_days_ahead=365)
        tables = [
            TableFactory(code="M01", min_capacity=1, max_capacity=2),
            TableFactory(code="M02", min_capacity=2, max_capacity=4),
        ]
        customer = CustomerFactory(first_name="Lucía", last_name="García", phone="+525512345678")
        dish = DishFactory(name="Mole poblano", stock=3)
    connection.set_schema_to_public()
    return {"tables": tables, "customer": customer, "dish": dish}


@pytest.fixture
def manager(client_a) -> Client:
    assert (
        client_a.post(
            "/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD}
        ).status_code
        == 302
    )
    return client_a


def a_future_evening() -> dt.datetime:
    day = dt.date.today() + dt.timedelta(days=3)
    return dt.datetime.combine(day, dt.time(20), tzinfo=MEXICO)


def phone_booking(customer, when, party_size, table="", **extra):
    return {
        "customer": customer.pk,
        "starts_at_0": f"{when:%Y-%m-%d}",
        "starts_at_1": f"{when:%H:%M}",
        "party_size": party_size,
        "table": table,
        "special_requests": "ventana",
        **inline_management(PRE_ORDERS),
        **inline_management(HISTORY),
        **extra,
    }


def test_every_admin_page_loads_for_a_manager(manager, floor, restaurant_a):
    with tenant_context(restaurant_a):
        Reservation.objects.create(
            customer=floor["customer"],
            table=floor["tables"][0],
            starts_at=a_future_evening(),
            ends_at=a_future_evening() + dt.timedelta(hours=2),
            party_size=2,
        )
    connection.set_schema_to_public()
    for model in admin.site._registry:
        meta = model._meta
        changelist = manager.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"), follow=True
        )
        assert changelist.status_code == 200, meta.label
        add = manager.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        # Singletons, history, groups (roles are declared in code), notes (issued from
        # a reservation), alerts and figures (the scheduled jobs'), the message log, the
        # partners' deliveries and customers' chats are not added by hand.
        read_only = meta.label in {
            "analytics.Alert",
            "assistant.Conversation",
            "analytics.MetricsSnapshot",
            "analytics.DailyRollup",
            "billing.ConsumptionNote",
            "reservations.BookingPolicy",
            "reservations.StatusChange",
            "menu.PreOrder",
            "notifications.Message",
            "notifications.PartnerDelivery",
            "auth.Group",
        }
        assert add.status_code == (403 if read_only else 200), meta.label
        with tenant_context(restaurant_a):
            first = model._default_manager.first()
        connection.set_schema_to_public()
        if first is not None:
            change = manager.get(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            )
            assert change.status_code == 200, meta.label


def test_phone_booking_in_admin_gets_the_best_table_and_is_recorded(manager, floor, restaurant_a):
    when = a_future_evening()

    response = manager.post(
        "/admin/reservations/reservation/add/", phone_booking(floor["customer"], when, 2)
    )

    assert response.status_code == 302, response.content.decode()[-3000:]
    with tenant_context(restaurant_a):
        reservation = Reservation.objects.get()
        assert (reservation.table.code, reservation.status, reservation.source) == (
            "M01",
            "confirmed",
            "admin",
        )
        assert reservation.created_by.username == MANAGER_A
        assert reservation.ends_at - reservation.starts_at == dt.timedelta(hours=2)
        history = StatusChange.objects.get(
            object_id=reservation.pk, content_type__model="reservation"
        )
        assert (history.to_status, history.actor_label) == ("confirmed", MANAGER_A)


def test_admin_refuses_a_table_that_is_taken_and_names_free_times(manager, floor, restaurant_a):
    when = a_future_evening()
    manager.post(
        "/admin/reservations/reservation/add/",
        phone_booking(floor["customer"], when, 2, table=floor["tables"][0].pk),
    )

    response = manager.post(
        "/admin/reservations/reservation/add/",
        phone_booking(floor["customer"], when, 2, table=floor["tables"][0].pk),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "La mesa M01 ya está reservada a esa hora." in page
    assert "Horarios libres más cercanos" in page
    with tenant_context(restaurant_a):
        assert Reservation.objects.count() == 1


@pytest.mark.parametrize(
    ("party_size", "hour", "message"),
    [
        (0, 20, "al menos una persona"),
        (2, 11, "fuera del horario"),
        (40, 20, "No hay ninguna mesa libre"),
    ],
)
def test_admin_booking_errors_are_shown_in_spanish_and_nothing_is_saved(
    manager, floor, restaurant_a, party_size, hour, message
):
    when = a_future_evening().replace(hour=hour)

    response = manager.post(
        "/admin/reservations/reservation/add/", phone_booking(floor["customer"], when, party_size)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    with tenant_context(restaurant_a):
        assert Reservation.objects.count() == 0


def test_admin_actions_move_reservations_and_report_refusals(manager, floor, restaurant_a):
    with tenant_context(restaurant_a):
        from reservations.services.bookings import reservation_create

        reservation = reservation_create(
            customer=floor["customer"], starts_at=a_future_evening(), party_size=2
        )
    connection.set_schema_to_public()

    seated = manager.post(
        "/admin/reservations/reservation/",
        {"action": "seat", "_selected_action": [reservation.pk]},
        follow=True,
    )
    again = manager.post(
        "/admin/reservations/reservation/",
        {"action": "confirm", "_selected_action": [reservation.pk]},
        follow=True,
    )

    assert "1 reserva actualizada." in seated.content.decode()
    assert "no puede pasar a «Confirmada»" in again.content.decode()
    with tenant_context(restaurant_a):
        reservation.refresh_from_db()
        assert reservation.status == "seated"
        assert reservation.table.status == "occupied"


def test_pre_order_in_admin_takes_stock_and_cancelling_gives_it_back(manager, floor, restaurant_a):
    with tenant_context(restaurant_a):
        from reservations.services.bookings import reservation_create

        reservation = reservation_create(
            customer=floor["customer"], starts_at=a_future_evening(), party_size=2
        )
    connection.set_schema_to_public()
    when = reservation.starts_at.astimezone(MEXICO)
    data = phone_booking(floor["customer"], when, 2, table=reservation.table_id)
    data.update(inline_management(PRE_ORDERS, total=1))
    data.update(
        {
            f"{PRE_ORDERS}-0-dish": floor["dish"].pk,
            f"{PRE_ORDERS}-0-quantity": 2,
            f"{PRE_ORDERS}-0-remarks": "sin picante",
        }
    )

    response = manager.post(f"/admin/reservations/reservation/{reservation.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[-3000:]
    with tenant_context(restaurant_a):
        pre_order = reservation.pre_orders.get()
        assert (pre_order.quantity, pre_order.unit_price, pre_order.remarks) == (
            2,
            floor["dish"].price,
            "sin picante",
        )
        assert Dish.objects.get(pk=floor["dish"].pk).stock == 1
    manager.post(
        "/admin/reservations/reservation/",
        {"action": "cancel", "_selected_action": [reservation.pk]},
    )
    with tenant_context(restaurant_a):
        assert Dish.objects.get(pk=floor["dish"].pk).stock == 3


def test_customer_export_and_erasure(manager, floor, restaurant_a):
    customer = floor["customer"]
    with tenant_context(restaurant_a):
        from reservations.services.bookings import reservation_create

        reservation = reservation_create(
            customer=customer, starts_at=a_future_evening(), party_size=2
        )
    connection.set_schema_to_public()

    export = manager.post(
        "/admin/reservations/customer/",
        {"action": "export_data", "_selected_action": [customer.pk]},
    )
    erase = manager.post(
        "/admin/reservations/customer/",
        {"action": "erase_data", "_selected_action": [customer.pk]},
        follow=True,
    )

    data = json.loads(export.content)
    assert data[0]["customer"]["phone"] == "+525512345678"
    assert data[0]["reservations"][0]["reference"] == reservation.reference
    assert "conservan sus referencias" in erase.content.decode()
    with tenant_context(restaurant_a):
        erased = Customer.objects.get(pk=customer.pk)
        assert (erased.phone, erased.email, erased.last_name) == ("", "", "")
        assert erased.reservations.get().reference == reservation.reference


def test_customer_phone_is_normalised_and_a_non_phone_is_refused(manager, floor, restaurant_a):
    base = {"first_name": "Mateo", "last_name": "López", "email": "mateo@example.com"}

    bad = manager.post("/admin/reservations/customer/add/", {**base, "phone": "hola"})
    good = manager.post("/admin/reservations/customer/add/", {**base, "phone": "55 1234 9876"})

    assert "no es un número de teléfono válido" in bad.content.decode()
    assert good.status_code == 302
    with tenant_context(restaurant_a):
        assert Customer.objects.get(email="mateo@example.com").phone == "+525512349876"


def test_cashier_reads_reservations_and_menu_but_not_tables_settings_or_users(cashier, floor):
    assert cashier.get("/admin/reservations/reservation/").status_code == 200
    assert cashier.get("/admin/menu/dish/").status_code == 200
    assert cashier.get("/admin/reservations/reservation/add/").status_code == 403
    assert (
        cashier.get(f"/admin/menu/dish/{floor['dish'].pk}/change/").status_code == 200
    )  # read-only view
    assert (
        cashier.post(f"/admin/menu/dish/{floor['dish'].pk}/change/", {"price": "0.01"}).status_code
        == 403
    )
    for forbidden in [
        "/admin/reservations/table/",
        "/admin/reservations/bookingpolicy/",
        "/admin/auth/user/",
    ]:
        assert cashier.get(forbidden).status_code == 403, forbidden
