"""The public booking page, its manage link and the widget, through real HTTP requests."""

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.core import signing
from django.test import Client
from django_tenants.utils import tenant_context

from menu.models import Dish, PreOrder
from reservations.links import manage_token_for
from reservations.models import Customer, Reservation, StatusChange, Table
from reservations.selectors import booking_policy_forget, booking_policy_get
from reservations.services.bookings import reservation_create
from tests.conftest import host_of
from tests.factories import CustomerFactory, DishFactory, TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")


# Many requests from one test client: the per-IP limits are not what these tests are about.
pytestmark = pytest.mark.usefixtures("generous_public_limits")


@pytest.fixture
def day() -> dt.date:
    return dt.datetime.now(MEXICO).date() + dt.timedelta(days=3)


@pytest.fixture
def floor(restaurant_a):
    with tenant_context(restaurant_a):
        policy = open_every_day("13:00", "23:30", max_days_ahead=365)
        policy.address = "Av. Reforma 10, Ciudad de México"
        policy.save()
        booking_policy_forget()
        table = TableFactory(code="M01", max_capacity=4)
        Table.objects.filter(pk=table.pk).update(reservation_price=Decimal("8.00"))
        mole = DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=5)
        yield {"table": table, "mole": mole}


def booking(on, time="20:00", **changes):
    data = {
        "day": f"{on:%Y-%m-%d}",
        "party_size": "2",
        "time": time,
        "first_name": "Lucía",
        "last_name": "García",
        "phone": "55 1234 5678",
        "email": "lucia@example.com",
        "special_requests": "ventana",
        "website": "",
        "submission": "a1b2c3d4e5f6",
    }
    data.update(changes)
    return data


def test_the_landing_page_shows_the_restaurant_its_hours_and_free_times(web, floor, day):
    page = web.get("/", {"day": f"{day:%Y-%m-%d}", "party_size": 2}).content.decode()

    assert "Casa Azul" in page and "Av. Reforma 10" in page
    assert "13:00–23:30" in page
    assert 'value="20:00"' in page and 'value="21:30"' in page
    assert 'value="22:00"' not in page  # a two-hour booking must end by closing
    assert 'class="available' in page


def test_a_customer_books_and_lands_on_the_manage_page(web, floor, day):
    response = web.post("/", booking(day))

    assert response.status_code == 302
    assert re.fullmatch(r"/booking/[^/]+/\?new=1", response["Location"])
    reservation = Reservation.objects.get()
    assert (reservation.source, reservation.status, reservation.party_size) == (
        "web",
        "confirmed",
        2,
    )
    assert reservation.starts_at == dt.datetime.combine(day, dt.time(20), tzinfo=MEXICO)
    assert reservation.customer.phone == "+525512345678"
    assert StatusChange.objects.get(object_label=reservation.reference).actor_kind == "customer"
    page = web.get(response["Location"]).content.decode()
    for text in [
        "Tu mesa está reservada",
        reservation.reference,
        "20:00",
        "Interior",
        "Lucía García",
    ]:
        assert text in page, text


def test_a_restaurant_that_confirms_by_hand_leaves_the_booking_pending(web, floor, day):
    policy = booking_policy_get()
    policy.auto_confirm = False
    policy.save()
    booking_policy_forget()

    page = web.post("/", booking(day), follow=True).content.decode()

    assert Reservation.objects.get().status == "pending"
    assert "Hemos recibido tu solicitud" in page


def test_a_pre_order_is_taken_with_the_booking_and_totalled_like_the_note(web, floor, day):
    data = booking(day, **{f"dish_{floor['mole'].pk}": "2"})

    page = web.post("/", data, follow=True).content.decode()

    pre_order = PreOrder.objects.get()
    assert (pre_order.dish, pre_order.quantity, pre_order.unit_price) == (
        floor["mole"],
        2,
        Decimal("18.50"),
    )
    assert Dish.objects.get(pk=floor["mole"].pk).stock == 3
    # 37.00 + table 8.00 = 45.00; tax 15 % = 6.75; total 51.75
    for text in ["2 × Mole poblano", "$37.00", "$8.00", "$45.00", "$6.75", "$51.75"]:
        assert text in page, text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"first_name": ""}, "Este campo es requerido"),
        ({"last_name": ""}, "Este campo es requerido"),
        ({"phone": "no tengo"}, "no es un número de teléfono válido"),
        ({"email": "lucia@"}, "Introduce un correo electrónico válido"),
        ({"party_size": "12"}, "un máximo de 8 personas"),
        ({"day": "mañana"}, "Introduce una fecha válida"),
        ({"time": ""}, "Elige una hora."),
        ({"time": "03:00"}, "fuera del horario de apertura"),
        ({"day": "2020-01-01"}, "Ese día está fuera del periodo de reservas."),
        ({"submission": "../../etc"}, "Vuelve a cargar la página"),
    ],
)
def test_each_bad_field_gets_a_spanish_message_and_nothing_is_saved(
    web, floor, day, changes, message
):
    response = web.post("/", booking(day, **changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Reservation.objects.exists()
    assert not Customer.objects.exists()


def test_a_party_above_the_online_limit_is_told_to_call(web, floor, day):
    policy = booking_policy_get()
    policy.online_max_party_size = 4
    policy.save()
    booking_policy_forget()

    page = web.post("/", booking(day, party_size="5")).content.decode()

    assert "un máximo de 4 personas" in page
    assert not Reservation.objects.exists()


def test_a_time_taken_meanwhile_offers_the_nearest_free_times_and_one_click_books_one(
    web, floor, day
):
    reservation_create(
        customer=CustomerFactory(),
        starts_at=dt.datetime.combine(day, dt.time(20), tzinfo=MEXICO),
        party_size=2,
    )

    response = web.post("/", booking(day))

    page = response.content.decode()
    assert "No hay ninguna mesa libre" in page
    assert "Estas horas siguen libres" in page
    alternatives = re.findall(r'name="alternative" value="([^"]+)"', page)
    assert alternatives and f"{day:%Y-%m-%d}T22:00" not in alternatives
    assert Reservation.objects.count() == 1

    booked = web.post("/", {**booking(day), "alternative": alternatives[0]})

    assert booked.status_code == 302
    assert Reservation.objects.count() == 2
    new = Reservation.objects.latest("pk")
    assert f"{new.starts_at.astimezone(MEXICO):%Y-%m-%dT%H:%M}" == alternatives[0]


def test_a_dish_that_ran_out_leaves_nothing_half_saved(web, floor, day):
    Dish.objects.filter(pk=floor["mole"].pk).update(stock=1)

    page = web.post("/", booking(day, **{f"dish_{floor['mole'].pk}": "2"})).content.decode()

    assert "Solo quedan 1 de Mole poblano" in page or "Solo queda" in page
    assert not Reservation.objects.exists() and not Customer.objects.exists()
    assert Dish.objects.get(pk=floor["mole"].pk).stock == 1


def test_the_same_form_sent_twice_makes_one_booking(web, floor, day):
    first = web.post("/", booking(day))
    second = web.post("/", booking(day))

    assert Reservation.objects.count() == 1
    assert first["Location"].split("?")[0] == second["Location"].split("?")[0]


def test_a_filled_honeypot_saves_nothing(web, floor, day):
    page = web.post("/", booking(day, website="http://spam.example")).content.decode()

    assert "No pudimos registrar esta reserva" in page
    assert not Reservation.objects.exists()


def test_booking_submissions_are_limited_per_client_ip(web, floor, day, settings):
    settings.PUBLIC_RATE_LIMITS = {"availability": 1000, "booking": 2}
    web.defaults["REMOTE_ADDR"] = "203.0.113.9"

    answers = [
        web.post("/", booking(day, submission=f"s{index}", time=f"{13 + 3 * index}:00")).status_code
        for index in range(3)
    ]

    assert answers == [302, 302, 429]
    assert Reservation.objects.count() == 2
    other = Client(HTTP_HOST=web.defaults["HTTP_HOST"], REMOTE_ADDR="203.0.113.10")
    assert other.get("/").status_code == 200


def test_availability_is_limited_per_client_ip(web, floor, day, settings):
    settings.PUBLIC_RATE_LIMITS = {"availability": 3, "booking": 5}
    web.defaults["REMOTE_ADDR"] = "203.0.113.11"
    query = {"day": f"{day:%Y-%m-%d}", "party_size": 2}

    answers = [web.get("/availability/", query).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert "Espera un minuto" in web.get("/availability/", query).content.decode()


def test_the_availability_fragment_says_why_a_day_has_no_times(web, floor, day):
    from reservations.models import ClosedDate

    ClosedDate.objects.create(policy=booking_policy_get(), date=day, reason="Inventario")
    booking_policy_forget()

    page = web.get("/availability/", {"day": f"{day:%Y-%m-%d}", "party_size": 2}).content.decode()

    assert "El restaurante cierra ese día." in page
    assert 'name="time"' not in page


def manage_url(reservation) -> str:
    return f"/booking/{manage_token_for(reservation)}/"


def booked(day, hour=20, minute=0):
    return reservation_create(
        customer=CustomerFactory(),
        starts_at=dt.datetime.combine(day, dt.time(hour, minute), tzinfo=MEXICO),
        party_size=2,
        source="web",
    )


def test_the_manage_link_cancels_and_the_history_says_the_customer(web, floor, day):
    reservation = booked(day)

    page = web.post(
        manage_url(reservation), {"action": "cancel", "confirm": "yes"}, follow=True
    ).content.decode()

    reservation.refresh_from_db()
    assert reservation.status == "cancelled"
    assert "Tu reserva está cancelada." in page
    last = StatusChange.objects.filter(object_label=reservation.reference).first()
    assert (last.to_status, last.actor_kind) == ("cancelled", "customer")


def test_the_manage_link_moves_the_booking_to_a_free_time(web, floor, day):
    reservation = booked(day)

    response = web.post(
        manage_url(reservation), {"action": "reschedule", "day": f"{day:%Y-%m-%d}", "time": "14:30"}
    )

    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.starts_at == dt.datetime.combine(day, dt.time(14, 30), tzinfo=MEXICO)
    last = StatusChange.objects.filter(object_label=reservation.reference).first()
    assert last.actor_kind == "customer" and "14:30" in last.reason


def test_moving_to_a_taken_time_is_refused_with_a_message(web, floor, day):
    reservation = booked(day)
    booked(day, 15)

    page = web.post(
        manage_url(reservation), {"action": "reschedule", "day": f"{day:%Y-%m-%d}", "time": "15:00"}
    ).content.decode()

    assert "No hay ninguna mesa libre" in page or "ya está reservada" in page
    reservation.refresh_from_db()
    assert reservation.starts_at.astimezone(MEXICO).hour == 20


def test_online_changes_close_at_the_restaurants_cut_off(web, floor):
    soon = dt.datetime.now(MEXICO) + dt.timedelta(minutes=90)
    soon = soon.replace(minute=0 if soon.minute < 30 else 30, second=0, microsecond=0)
    soon += dt.timedelta(minutes=30)
    # Booked earlier (whatever the hour now, the slot is just under two hours away).
    reservation = Reservation.objects.create(
        customer=CustomerFactory(),
        table=floor["table"],
        starts_at=soon,
        ends_at=soon + dt.timedelta(hours=2),
        party_size=2,
        status="confirmed",
    )

    page = web.post(manage_url(reservation), {"action": "cancel"}, follow=True).content.decode()

    assert "cierran 120 minutos antes" in page
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"


def test_a_tampered_expired_or_foreign_manage_link_is_refused(web, floor, day, restaurant_b):
    reservation = booked(day)
    token = manage_token_for(reservation)

    tampered = web.get(f"/booking/{token[:-2]}xx/")
    assert tampered.status_code == 404
    assert "no es válido" in tampered.content.decode()

    expired_token = signing.Signer(salt="comensal.manage:casa_azul").sign_object(
        {"r": reservation.reference, "e": 1_000_000}
    )
    expired = web.get(f"/booking/{expired_token}/")
    assert expired.status_code == 404 and "ha caducado" in expired.content.decode()

    # A link sent before links were made stable (it carries a signing time) still opens.
    earlier = signing.dumps(
        {"r": reservation.reference, "e": 4_000_000_000}, salt="comensal.manage:casa_azul"
    )
    assert web.get(f"/booking/{earlier}/").status_code == 200

    foreign = Client(HTTP_HOST=host_of(restaurant_b)).get(f"/booking/{token}/")
    assert foreign.status_code == 404
    assert reservation.reference not in foreign.content.decode()


def test_the_page_speaks_english_when_the_customer_switches(web, floor, day):
    web.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = web.post("/", booking(day, phone="nope")).content.decode()

    assert "Book a table" in page
    assert "is not a valid phone number" in page


def test_the_widget_may_be_framed_only_by_the_listed_sites(web, floor, day):
    policy = booking_policy_get()
    policy.embed_origins = "https://www.casa-azul.mx"
    policy.save()
    booking_policy_forget()

    page = web.get("/widget/")

    assert page.status_code == 200
    assert page["Content-Security-Policy"] == "frame-ancestors 'self' https://www.casa-azul.mx"
    assert "X-Frame-Options" not in page
    foreign = web.post("/widget/", booking(day), HTTP_ORIGIN="https://evil.example")
    assert foreign.status_code == 403 and not Reservation.objects.exists()
    own = web.post("/widget/", booking(day), HTTP_ORIGIN="http://casa-azul.localhost")
    assert own.status_code == 302 and own["Location"].startswith("/widget/booking/")
    assert Reservation.objects.count() == 1
    script = web.get("/widget.js")
    assert script["Content-Type"].startswith("application/javascript")
    loader = script.content.decode().encode().decode("unicode_escape")
    assert "http://casa-azul.localhost/widget/" in loader


def test_the_main_page_is_never_framed(web, floor):
    assert web.get("/")["X-Frame-Options"] == "DENY"


def test_another_restaurants_page_shows_only_its_own_book(floor, restaurant_b, day):
    with tenant_context(restaurant_b):
        open_every_day("13:00", "23:30", max_days_ahead=365)
    page = Client(HTTP_HOST=host_of(restaurant_b)).get("/").content.decode()

    assert "Bistro Verde" in page and "Casa Azul" not in page
    assert "Mole poblano" not in page


def test_the_manager_copies_the_widget_snippet_from_the_settings_page(floor, restaurant_a):
    from tests.conftest import MANAGER_A, PASSWORD

    manager = Client(HTTP_HOST=host_of(restaurant_a))
    manager.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})

    page = manager.get(f"/admin/reservations/bookingpolicy/{booking_policy_get().pk}/change/")

    assert "&lt;script src=&quot;http://casa-azul.localhost/widget.js&quot; async&gt;" in (
        page.content.decode()
    )


# --- Limits that stop abuse without locking out a customer who mistypes ------------------


def test_a_customer_who_mistypes_a_few_times_can_still_book(web, floor, day, settings):
    settings.PUBLIC_RATE_LIMITS = {"availability": 1000, "booking": 2}
    web.defaults["REMOTE_ADDR"] = "203.0.113.20"

    typos = [web.post("/", booking(day, phone="55 12")).status_code for _ in range(5)]
    made = web.post("/", booking(day))

    assert typos == [200] * 5
    assert made.status_code == 302
    assert Reservation.objects.count() == 1


def test_a_form_hammered_with_refused_submissions_is_stopped(web, floor, day, settings):
    settings.PUBLIC_RATE_LIMITS = {"availability": 1000, "booking": 2}
    web.defaults["REMOTE_ADDR"] = "203.0.113.21"

    answers = [web.post("/", booking(day, phone="55 12")).status_code for _ in range(9)]

    assert answers == [200] * 8 + [429]
    too_many = web.post("/", booking(day))
    assert too_many.status_code == 429 and not Reservation.objects.exists()
    page = too_many.content.decode()
    assert "Demasiados intentos" in page and "Espera un minuto" in page
    # The way back keeps the day and party the customer was looking at.
    assert f'href="/?day={day:%Y-%m-%d}&amp;party_size=2"' in page
    assert "Volver a la página de reservas" in page
    assert int(too_many["Retry-After"]) <= 60


def test_moving_a_booking_does_not_use_up_the_customers_booking_limit(web, floor, day, settings):
    settings.PUBLIC_RATE_LIMITS = {"availability": 1000, "booking": 1}
    web.defaults["REMOTE_ADDR"] = "203.0.113.22"
    reservation = booked(day)

    moves = [
        web.post(
            manage_url(reservation),
            {"action": "reschedule", "day": f"{day:%Y-%m-%d}", "time": time},
        ).status_code
        for time in ("14:00", "14:30", "15:00")
    ]
    another = web.post("/", booking(day, time="18:00", submission="another1"))

    assert moves == [302, 302, 302]
    assert another.status_code == 302
    assert Reservation.objects.count() == 2


def test_too_many_changes_on_the_manage_link_lead_back_to_that_booking(web, floor, day, settings):
    settings.PUBLIC_RATE_LIMITS = {"availability": 1000, "booking": 5, "manage": 2}
    web.defaults["REMOTE_ADDR"] = "203.0.113.23"
    reservation = booked(day)
    url = manage_url(reservation)

    answers = [
        web.post(url, {"action": "reschedule", "day": "mañana", "time": "20:00"}) for _ in range(3)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    page = answers[-1].content.decode()
    assert f'href="{url}"' in page and "Volver a tu reserva" in page
    assert web.get(url).status_code == 200


# --- The restaurant's phone, the cut-off and the cancel confirmation ----------------------


@pytest.fixture
def phone(floor):
    policy = booking_policy_get()
    policy.phone = "55 9876 5432"
    policy.full_clean()
    policy.save()
    booking_policy_forget()
    assert policy.phone == "+525598765432"  # kept in E.164, read in the restaurant's region
    return {"link": 'href="tel:+525598765432"', "text": "+52 55 9876 5432"}


def test_the_restaurants_phone_shows_with_its_address_on_every_customer_page(
    web, floor, day, phone
):
    response = web.post("/", booking(day))
    reservation = Reservation.objects.get()

    for path in ["/", "/widget/", response["Location"], f"/widget{manage_url(reservation)}"]:
        page = web.get(path).content.decode()
        assert phone["link"] in page and phone["text"] in page, path
        assert "Av. Reforma 10" in page, path


def test_the_printed_note_and_the_messages_give_the_restaurants_phone(
    web, floor, day, phone, restaurant_a
):
    from notifications.services import reservation_message_queue
    from notifications.texts import template_validate
    from tests.conftest import MANAGER_A, PASSWORD

    web.post("/", booking(day))
    reservation = Reservation.objects.get()
    manager = Client(HTTP_HOST=host_of(restaurant_a))
    manager.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})

    printed = manager.get(
        f"/admin/billing/consumptionnote/{reservation.note.pk}/print/"
    ).content.decode()
    message = reservation_message_queue(reservation=reservation, event="confirmation")

    assert "Teléfono: +52 55 9876 5432" in printed and "Av. Reforma 10" in printed
    assert "¿Dudas? Llámanos: +52 55 9876 5432" in message.body.splitlines()
    # A manager's own wording may use it too.
    template_validate("Llámanos al {{ phone }} si llegas tarde.")


def test_the_manager_gives_the_phone_in_the_online_booking_settings(floor, restaurant_a):
    from tests.conftest import MANAGER_A, PASSWORD

    manager = Client(HTTP_HOST=host_of(restaurant_a))
    manager.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})

    page = manager.get(
        f"/admin/reservations/bookingpolicy/{booking_policy_get().pk}/change/"
    ).content.decode()

    section = page.index("Reservas en línea")
    assert section < page.index('name="address"') < page.index('name="phone"')


def a_booking_inside_the_cut_off(floor) -> Reservation:
    soon = dt.datetime.now(MEXICO) + dt.timedelta(minutes=90)
    soon = soon.replace(minute=0 if soon.minute < 30 else 30, second=0, microsecond=0)
    soon += dt.timedelta(minutes=30)
    return Reservation.objects.create(
        customer=CustomerFactory(),
        table=floor["table"],
        starts_at=soon,
        ends_at=soon + dt.timedelta(hours=2),
        party_size=2,
        status="confirmed",
    )


def test_inside_the_cut_off_the_manage_page_offers_no_change_and_gives_the_phone(web, floor, phone):
    reservation = a_booking_inside_the_cut_off(floor)

    page = web.get(manage_url(reservation)).content.decode()

    assert 'id="cancel-form"' not in page and 'id="move-form"' not in page
    assert "Los cambios en línea cierran 120 minutos antes de la reserva." in page
    assert "Para cambiarla o cancelarla, llama a Casa Azul:" in page
    assert phone["link"] in page


def test_cancelling_on_the_manage_page_asks_for_confirmation_first(web, floor, day):
    reservation = booked(day)

    asked = web.post(manage_url(reservation), {"action": "cancel"})

    assert asked.status_code == 200
    page = asked.content.decode()
    assert "¿Cancelar esta reserva?" in page
    assert 'name="confirm" value="yes"' in page and "Sí, cancelar mi reserva" in page
    assert "No, mantener mi reserva" in page
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"

    web.post(manage_url(reservation), {"action": "cancel", "confirm": "yes"})

    reservation.refresh_from_db()
    assert reservation.status == "cancelled"


# --- The booking's language --------------------------------------------------------------


def test_an_english_booking_opens_its_manage_link_in_english_on_another_device(
    web, floor, day, restaurant_a
):
    web.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = web.post("/", booking(day))
    link = response["Location"].split("?")[0]

    elsewhere = Client(HTTP_HOST=host_of(restaurant_a)).get(link)

    page = elsewhere.content.decode()
    assert elsewhere["Content-Language"] == "en"
    assert "Your booking" in page and "Move to another time" in page
    assert "Tu reserva" not in page
    # A visitor who picks Spanish with the language switch gets Spanish.
    spanish = Client(HTTP_HOST=host_of(restaurant_a))
    spanish.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert "Tu reserva" in spanish.get(link).content.decode()
