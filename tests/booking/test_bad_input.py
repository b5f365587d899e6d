"""What a customer (or anyone) can type or send to the public pages that the booking must not
take: days far outside the calendar, party sizes off the list, closed days, times off the
slot grid, unreadable phones, impossible pre-order quantities. Each is answered with the page
and a message in Spanish; nothing is saved."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.test import Client

from menu.models import Dish, PreOrder
from reservations.links import manage_token_for
from reservations.models import Customer, OpeningPeriod, Reservation
from reservations.selectors import booking_policy_forget, booking_policy_get
from reservations.services.bookings import reservation_create
from tests.conftest import MANAGER_A, PASSWORD, host_of
from tests.factories import CustomerFactory

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
FAR_DAYS = ["9999-12-31", "0001-01-01", "9999-12-01"]
OUTSIDE = "Ese día está fuera del periodo de reservas."

pytestmark = pytest.mark.usefixtures("generous_public_limits")


def today() -> dt.date:
    return dt.datetime.now(MEXICO).date()


def a_day_ahead(days=3) -> dt.date:
    return today() + dt.timedelta(days=days)


def booking(on, time="20:00", **changes):
    data = {
        "day": on if isinstance(on, str) else f"{on:%Y-%m-%d}",
        "party_size": "2",
        "time": time,
        "first_name": "Lucía",
        "last_name": "García",
        "phone": "55 1234 5678",
        "email": "lucia@example.com",
        "special_requests": "",
        "website": "",
        "submission": "f00dcafe01",
    }
    data.update(changes)
    return data


def nothing_saved():
    assert not Reservation.objects.exists()
    assert not Customer.objects.exists()
    assert not PreOrder.objects.exists()


def booked(day, hour=20):
    return reservation_create(
        customer=CustomerFactory(),
        starts_at=dt.datetime.combine(day, dt.time(hour), tzinfo=MEXICO),
        party_size=2,
        source="web",
    )


# --- Days far outside the booking window ---------------------------------------------------


@pytest.mark.parametrize("far", FAR_DAYS)
@pytest.mark.parametrize("path", ["/", "/availability/", "/widget/"])
def test_a_day_far_outside_the_calendar_shows_today_with_a_message(web, floor, path, far):
    response = web.get(path, {"day": far, "party_size": 2})

    assert response.status_code == 200
    page = response.content.decode()
    assert OUTSIDE in page
    assert "Elige un día desde hoy hasta el" in page
    assert f'data-day="{today():%Y-%m-%d}"' in page  # today's times, in today's month


@pytest.mark.parametrize("far", FAR_DAYS)
def test_a_booking_for_a_far_day_is_refused_with_a_message(web, floor, far):
    response = web.post("/", booking(far))

    assert response.status_code == 200
    assert OUTSIDE in response.content.decode()
    nothing_saved()


@pytest.mark.parametrize("far", FAR_DAYS)
def test_an_alternative_for_a_far_day_is_refused_with_a_message(web, floor, far):
    response = web.post("/", {**booking(a_day_ahead()), "alternative": f"{far}T20:00"})

    assert response.status_code == 200
    assert OUTSIDE in response.content.decode()
    nothing_saved()


@pytest.mark.parametrize("far", FAR_DAYS)
def test_the_widget_refuses_a_far_day_with_a_message(web, floor, far):
    response = web.post("/widget/", booking(far), HTTP_ORIGIN="http://casa-azul.localhost")

    assert response.status_code == 200
    assert OUTSIDE in response.content.decode()
    nothing_saved()


@pytest.mark.parametrize("far", FAR_DAYS)
def test_the_manage_link_shows_a_far_day_as_today_with_a_message(web, floor, far):
    reservation = booked(a_day_ahead())

    response = web.get(f"/booking/{manage_token_for(reservation)}/", {"day": far})

    assert response.status_code == 200
    page = response.content.decode()
    assert OUTSIDE in page and reservation.reference in page


@pytest.mark.parametrize("far", FAR_DAYS)
def test_moving_a_booking_to_a_far_day_is_refused_and_the_booking_stays(web, floor, far):
    reservation = booked(a_day_ahead())

    response = web.post(
        f"/booking/{manage_token_for(reservation)}/",
        {"action": "reschedule", "day": far, "time": "20:00"},
    )

    assert response.status_code == 200
    assert OUTSIDE in response.content.decode()
    reservation.refresh_from_db()
    assert reservation.starts_at == dt.datetime.combine(a_day_ahead(), dt.time(20), tzinfo=MEXICO)


def test_the_calendar_offers_no_month_without_a_bookable_day(web, floor):
    page = web.get("/availability/", {"day": f"{today():%Y-%m-%d}", "party_size": 2})

    assert 'aria-label="Mes anterior"' not in page.content.decode()
    last = today() + dt.timedelta(days=60)
    last_month = web.get("/availability/", {"day": f"{last:%Y-%m-%d}", "party_size": 2})
    assert 'aria-label="Mes siguiente"' not in last_month.content.decode()
    assert 'aria-label="Mes anterior"' in last_month.content.decode()


# --- Party size ---------------------------------------------------------------------------


@pytest.mark.parametrize("party_size", ["0", "-1"])
def test_a_party_of_less_than_one_is_told_at_least_one_person(web, floor, party_size):
    page = web.post("/", booking(a_day_ahead(), party_size=party_size)).content.decode()

    assert "El grupo debe ser de al menos una persona." in page
    assert "máximo de 8 personas" not in page
    nothing_saved()


def test_a_party_size_that_is_not_a_number_asks_how_many_are_coming(web, floor):
    page = web.post("/", booking(a_day_ahead(), party_size="dos")).content.decode()

    assert "Elige cuántas personas vienen." in page
    nothing_saved()


# --- Closed days and the slot grid --------------------------------------------------------


def test_a_weekday_the_restaurant_does_not_open_is_called_closed(web, floor):
    closed = a_day_ahead(7)
    OpeningPeriod.objects.filter(weekday=closed.weekday()).delete()
    booking_policy_forget()

    page = web.post("/", booking(closed)).content.decode()

    assert "El restaurante cierra ese día." in page
    assert "fuera del horario" not in page
    nothing_saved()


@pytest.mark.parametrize("time", ["20:07", "20:15", "19:59"])
def test_a_time_off_the_offered_grid_is_refused(web, floor, time):
    page = web.post("/", booking(a_day_ahead(), time=time)).content.decode()

    assert "Elige una de las horas ofrecidas: las reservas empiezan cada 30 minutos." in page
    nothing_saved()


def test_moving_a_booking_off_the_grid_is_refused(web, floor):
    reservation = booked(a_day_ahead())

    page = web.post(
        f"/booking/{manage_token_for(reservation)}/",
        {"action": "reschedule", "day": f"{a_day_ahead():%Y-%m-%d}", "time": "14:10"},
    ).content.decode()

    assert "Elige una de las horas ofrecidas" in page
    reservation.refresh_from_db()
    assert reservation.starts_at.astimezone(MEXICO).time() == dt.time(20)


def test_staff_may_book_the_time_a_guest_gives_off_the_grid(floor):
    """Staff write the time a guest gives on the phone (20:10); customers pick offered ones."""
    starts_at = dt.datetime.combine(a_day_ahead(), dt.time(20, 10), tzinfo=MEXICO)

    reservation = reservation_create(
        customer=CustomerFactory(), starts_at=starts_at, party_size=2, source="admin"
    )

    assert reservation.starts_at == starts_at


# --- Phones -------------------------------------------------------------------------------


def test_a_local_number_reads_in_the_restaurants_phone_region(web, floor):
    policy = booking_policy_get()
    policy.phone_region = "EC"
    policy.save()
    booking_policy_forget()

    response = web.post("/", booking(a_day_ahead(), phone="0991234567"))

    assert response.status_code == 302
    assert Reservation.objects.get().customer.phone == "+593991234567"


@pytest.mark.parametrize(
    ("region", "example"),
    [("EC", "099 123 4567 o +593 99 123 4567"), ("MX", "222 123 4567 o +52 222 123 4567")],
)
def test_an_unreadable_phone_is_refused_with_an_example_for_the_region(web, floor, region, example):
    policy = booking_policy_get()
    policy.phone_region = region
    policy.save()
    booking_policy_forget()

    page = web.post("/", booking(a_day_ahead(), phone="12345")).content.decode()

    assert "no es un número de teléfono válido" in page
    assert f"Escríbelo así: {example}." in page
    nothing_saved()


@pytest.mark.parametrize("typed", ["0991234567", "099 123 4567", "099-123-4567"])
def test_the_admin_finds_a_customer_by_the_local_number(floor, restaurant_a, typed):
    policy = booking_policy_get()
    policy.phone_region = "EC"
    policy.save()
    booking_policy_forget()
    CustomerFactory(first_name="Lucía", last_name="García", phone="+593991234567")
    CustomerFactory(first_name="Otro", last_name="Cliente", phone="+593987654321")
    manager = Client(HTTP_HOST=host_of(restaurant_a))
    manager.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})

    page = manager.get("/admin/reservations/customer/", {"q": typed}).content.decode()

    assert "Lucía García" in page
    assert "Otro Cliente" not in page


# --- Pre-order quantities -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-3", "El número de platos no puede ser negativo."),
        ("9999", "Solo quedan 5 de Mole poblano."),
        ("6", "Solo quedan 5 de Mole poblano."),
        ("dos", "Escribe el número de platos, como 2."),
    ],
)
def test_an_impossible_pre_order_quantity_is_refused_and_not_counted(web, floor, quantity, message):
    mole = floor["mole"]

    page = web.post("/", booking(a_day_ahead(), **{f"dish_{mole.pk}": quantity})).content.decode()

    assert message in page
    nothing_saved()
    assert Dish.objects.get(pk=mole.pk).stock == 5
    # The page's running total counts a dish only up to what is left.
    assert re.search(rf'id="id_dish_{mole.pk}"[^>]*data-max="5"', page)


def test_a_dish_in_plenty_is_capped_per_booking(web, floor):
    mole = floor["mole"]
    Dish.objects.filter(pk=mole.pk).update(stock=500)

    page = web.post("/", booking(a_day_ahead(), **{f"dish_{mole.pk}": "21"})).content.decode()

    assert "Puedes pedir por adelantado hasta 20 de cada plato en línea." in page
    nothing_saved()
