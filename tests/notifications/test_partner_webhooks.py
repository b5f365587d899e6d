"""Signed webhooks to partners: written with the booking, handed to the workers after its
commit, POSTed through the real ``requests`` client to a fake partner (``responses``),
retried on the schedule, and kept in each restaurant's own log."""

import datetime as dt
import hashlib
import hmac
import json
import re
import zoneinfo
from decimal import Decimal

import pytest
import responses
import time_machine
from celery import current_app
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client, override_settings
from django_tenants.utils import tenant_context

from billing.models import ConsumptionNote
from billing.services import note_finalise
from booking.services.bookings import (
    Contact,
    booking_create,
    booking_reschedule,
    booking_transition,
)
from booking.services.notes import booking_note_charge
from notifications import partners
from notifications.models import PartnerDelivery, PartnerWebhook
from notifications.tasks import messages_requeue, partner_delivery_task
from reservations.models import Table
from reservations.services.tables import table_save
from tests.conftest import MANAGER_A, PASSWORD, host_of
from tests.factories import DishFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
SATURDAY_NINE_PM = dt.datetime(2030, 3, 9, 21, 0, tzinfo=MEXICO)
BOOKED_AT = SATURDAY_NINE_PM - dt.timedelta(days=2)
PARTNER = "https://pos.partner.example/comensal/hooks"
ALL_EVENTS = ["reservation.created", "reservation.updated", "reservation.cancelled", "note.paid"]
PHONE, EMAIL = "+525512345678", "lucia@example.com"


class Broker:
    """Celery's broker as the web process sees it: the tasks handed over after the commit,
    run here by the real task (eagerly) when the test says."""

    def __init__(self):
        self.sent: list[tuple[str, list]] = []

    def send_task(self, name, args=None, **_options):
        # The customers' messages are another test's business.
        if name == partners.DELIVER_TASK:
            self.sent.append((name, list(args or [])))

    def run(self, at: dt.datetime = BOOKED_AT) -> list[str]:
        """Run the partner tasks sent so far, at ``at`` (when the bookings were made)."""
        sent, self.sent = self.sent, []
        with time_machine.travel(at, tick=False):
            return [partner_delivery_task.apply(args=args).result for _name, args in sent]


@pytest.fixture
def broker(monkeypatch) -> Broker:
    fake = Broker()
    monkeypatch.setattr(current_app._get_current_object(), "send_task", fake.send_task)
    return fake


@pytest.fixture
def casa_azul(restaurant_a):
    with tenant_context(restaurant_a):
        open_every_day("12:00", "23:00", tax_rate=Decimal("16.00"))
        table_save(table=Table(code="T07", area="terrace", min_capacity=2, max_capacity=4))
        yield restaurant_a
    connection.set_schema_to_public()


def webhook(**fields) -> PartnerWebhook:
    return partners.partner_webhook_save(
        webhook=PartnerWebhook(
            **{"name": "Punto de venta", "url": PARTNER, "events": ALL_EVENTS, **fields}
        )
    )


def web_booking(key: str = "k1", **fields):
    contact = Contact(first_name="Lucía", last_name="Pérez", phone=PHONE, email=EMAIL)
    with time_machine.travel(BOOKED_AT, tick=False):
        reservation, _created = booking_create(
            source="web",
            contact=contact,
            starts_at=SATURDAY_NINE_PM,
            party_size=3,
            submission_key=key,
            **fields,
        )
    return reservation


def verify(request, secret: str) -> dict:
    """What a partner does with a request: check the signature over the raw body, then
    read it."""
    timestamp = request.headers["Comensal-Timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(request.headers["Comensal-Signature"], f"sha256={expected}")
    return json.loads(request.body)


@responses.activate
def test_a_booking_is_posted_once_after_the_commit_signed_and_without_contacts(
    casa_azul, broker, django_capture_on_commit_callbacks
):
    hook = webhook()
    responses.add(responses.POST, PARTNER, status=204)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reservation = web_booking(dishes={DishFactory(name="Tacos", price=Decimal("45")): 2})

    # Written with the booking, handed to no worker before the commit.
    delivery = PartnerDelivery.objects.get()
    assert (delivery.event, delivery.status, delivery.attempts) == (
        "reservation.created",
        "pending",
        0,
    )
    assert broker.sent == [] and not responses.calls
    for callback in callbacks:
        callback()
    assert broker.run() == ["delivered"]

    (call,) = responses.calls
    request = call.request
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Comensal-Event"] == "reservation.created"
    assert request.headers["Comensal-Delivery"] == str(delivery.delivery_id)
    body = verify(request, hook.secret)
    assert body == {
        "id": str(delivery.event_id),
        "type": "reservation.created",
        "version": 1,
        "occurred_at": "2030-03-07T21:00:00-06:00",
        "restaurant": "casa-azul",
        "data": {
            "reservation": {
                "id": reservation.pk,
                "reference": reservation.reference,
                "status": "confirmed",
                "source": "web",
                "starts_at": "2030-03-09T21:00:00-06:00",
                "ends_at": body["data"]["reservation"]["ends_at"],
                "party_size": 3,
                "table": "T07",
                "area": "terrace",
                "customer_id": reservation.customer_id,
            }
        },
    }
    text = request.body.decode()
    assert (
        PHONE not in text and EMAIL not in text and "Lucía" not in text and "5512345678" not in text
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_a_partner_with_a_tampered_body_or_another_secret_fails_the_check(casa_azul):
    body = partners.partner_body({"type": "reservation.created", "total": "52.33"})
    signature = partners.partner_signature(secret="whsec_one", timestamp="1900000000", body=body)

    assert (
        signature
        == "sha256=" + hmac.new(b"whsec_one", b"1900000000." + body, hashlib.sha256).hexdigest()
    )
    assert signature != partners.partner_signature(
        secret="whsec_two", timestamp="1900000000", body=body
    )
    assert signature != partners.partner_signature(
        secret="whsec_one", timestamp="1900000000", body=body.replace(b"52.33", b"0.01")
    )
    assert signature != partners.partner_signature(
        secret="whsec_one", timestamp="1900000001", body=body
    )


def test_nothing_is_written_or_sent_when_the_booking_rolls_back(
    casa_azul, broker, django_capture_on_commit_callbacks
):
    webhook()

    class Refused(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Refused),
        transaction.atomic(),
    ):
        web_booking()
        raise Refused

    assert callbacks == [] and broker.sent == []
    assert not PartnerDelivery.objects.exists()


@responses.activate
def test_a_cancellation_is_posted_as_reservation_cancelled(
    casa_azul, broker, django_capture_on_commit_callbacks
):
    hook = webhook()
    reservation = web_booking()
    responses.add(responses.POST, PARTNER, status=200)

    with django_capture_on_commit_callbacks(execute=True):
        booking_transition(reservation=reservation, to="cancelled")
    broker.run()

    cancelled = PartnerDelivery.objects.get(event="reservation.cancelled")
    assert cancelled.status == "delivered"
    body = verify(responses.calls[0].request, hook.secret)
    assert (body["type"], body["data"]["reservation"]["status"]) == (
        "reservation.cancelled",
        "cancelled",
    )


def test_a_move_and_a_confirmation_are_reservation_updated(casa_azul):
    webhook()
    open_every_day("12:00", "23:00", auto_confirm=False)
    reservation = web_booking()
    assert reservation.status == "pending"

    with time_machine.travel(BOOKED_AT, tick=False):
        booking_reschedule(
            reservation=reservation,
            starts_at=SATURDAY_NINE_PM - dt.timedelta(hours=1),
            party_size=4,
        )
        booking_transition(reservation=reservation, to="confirmed")

    moved, confirmed = PartnerDelivery.objects.filter(event="reservation.updated").order_by("pk")
    assert moved.payload["data"]["reservation"]["starts_at"] == "2030-03-09T20:00:00-06:00"
    assert moved.payload["data"]["reservation"]["party_size"] == 4
    assert confirmed.payload["data"]["reservation"]["status"] == "confirmed"
    assert moved.event_id != confirmed.event_id


def test_a_reschedule_that_changes_nothing_tells_nobody(casa_azul):
    webhook()
    reservation = web_booking()

    with time_machine.travel(BOOKED_AT, tick=False):
        booking_reschedule(reservation=reservation, starts_at=reservation.starts_at, party_size=3)

    assert not PartnerDelivery.objects.filter(event="reservation.updated").exists()


def test_a_paid_bill_is_note_paid_with_its_amounts(casa_azul):
    webhook(events=["note.paid"])
    reservation = web_booking(dishes={DishFactory(name="Tacos", price=Decimal("45.00")): 2})
    with time_machine.travel(SATURDAY_NINE_PM, tick=False):
        booking_transition(reservation=reservation, to="seated")
        note = note_finalise(note=ConsumptionNote.objects.get(reservation=reservation))
        booking_note_charge(note=note, payments={"cash": Decimal("200.00")})

    paid = PartnerDelivery.objects.get()
    data = paid.payload["data"]
    # 2 × 45.00 + table 6.00 = 96.00; 16 % tax = 15.36; total 111.36 (money as text)
    assert data["note"] == {
        "id": note.pk,
        "number": note.number,
        "status": "paid",
        "currency": "MXN",
        "subtotal": "96.00",
        "tax": "15.36",
        "discount": "0.00",
        "total": "111.36",
        "payment_method": "cash",
        "paid_at": "2030-03-09T21:00:00-06:00",
    }
    # The bill's booking as it stands at the commit: finished with the payment.
    assert data["reservation"]["reference"] == reservation.reference
    assert data["reservation"]["status"] == "finished"


@responses.activate
def test_a_partner_that_fails_is_tried_again_later_then_delivered(casa_azul):
    hook = webhook()
    web_booking()
    delivery = PartnerDelivery.objects.get()
    responses.add(responses.POST, PARTNER, status=500)
    responses.add(responses.POST, PARTNER, status=202)

    with time_machine.travel(BOOKED_AT, tick=False):
        first = partners.partner_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (first.status, first.retry_at) == ("pending", BOOKED_AT + dt.timedelta(minutes=1))
    assert (delivery.attempts, delivery.last_status_code) == (1, 500)
    assert delivery.last_error == "HTTP 500 Internal Server Error"
    assert delivery.next_attempt_at == BOOKED_AT + dt.timedelta(minutes=1)

    # A copy of the task early (the broker handed it out twice) sends nothing.
    with time_machine.travel(BOOKED_AT + dt.timedelta(seconds=20), tick=False):
        assert partners.partner_delivery_send(delivery_id=delivery.pk).status == "pending"
    assert len(responses.calls) == 1

    with time_machine.travel(BOOKED_AT + dt.timedelta(minutes=1), tick=False):
        second = partners.partner_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (second.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 202)
    assert delivery.last_error == "" and delivery.next_attempt_at is None
    # Each attempt signed afresh, the same event both times.
    first_request, second_request = (call.request for call in responses.calls)
    assert verify(first_request, hook.secret) == verify(second_request, hook.secret)


@responses.activate
def test_the_task_asks_celery_for_the_retry_when_the_schedule_says(casa_azul, monkeypatch):
    webhook()
    web_booking()
    delivery = PartnerDelivery.objects.get()
    responses.add(responses.POST, PARTNER, body=partners.requests.ConnectionError())
    countdowns = []

    def retry(**options):
        countdowns.append(options["countdown"])
        raise RuntimeError("retry asked")

    monkeypatch.setattr(partner_delivery_task, "retry", retry)
    with time_machine.travel(BOOKED_AT, tick=False):
        partner_delivery_task.apply(args=[casa_azul.schema_name, delivery.pk])

    delivery.refresh_from_db()
    assert countdowns == [60]
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "pending",
        1,
        "could not connect (ConnectionError)",
    )


@responses.activate
def test_after_six_attempts_the_delivery_is_failed_and_kept(casa_azul):
    webhook()
    web_booking()
    delivery = PartnerDelivery.objects.get()
    responses.add(responses.POST, PARTNER, status=503)
    moment = BOOKED_AT
    waits = []
    for _attempt in range(partners.MAX_ATTEMPTS):
        with time_machine.travel(moment, tick=False):
            attempted = partners.partner_delivery_send(delivery_id=delivery.pk)
        if attempted.retry_at:
            waits.append(attempted.retry_at - moment)
            moment = attempted.retry_at

    delivery.refresh_from_db()
    assert waits == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
        dt.timedelta(hours=6),
    ]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 6, None)
    assert len(responses.calls) == 6


def test_an_inactive_webhook_or_an_event_not_chosen_gets_nothing(casa_azul):
    webhook(is_active=False)
    webhook(name="Cancellations only", events=["reservation.cancelled"])

    web_booking()

    assert not PartnerDelivery.objects.exists()


@responses.activate
def test_a_webhook_turned_off_after_the_event_is_not_posted(casa_azul):
    hook = webhook()
    web_booking()
    PartnerWebhook.objects.filter(pk=hook.pk).update(is_active=False)

    with time_machine.travel(BOOKED_AT, tick=False):
        attempted = partners.partner_delivery_send(delivery_id=PartnerDelivery.objects.get().pk)

    assert attempted.status == "failed" and not responses.calls


def test_another_restaurants_webhook_never_hears_of_these_bookings(
    casa_azul, restaurant_b, broker, django_capture_on_commit_callbacks
):
    with tenant_context(restaurant_b):
        webhook(url="https://bistro-partner.example/hooks")
    with django_capture_on_commit_callbacks(execute=True):
        web_booking()
    assert broker.sent == [] and not PartnerDelivery.objects.exists()

    webhook()
    table_save(table=Table(code="T08", area="terrace", min_capacity=2, max_capacity=4))
    web_booking(key="k2")
    delivery = PartnerDelivery.objects.get()
    # A task naming the other restaurant finds no such delivery there and sends nothing.
    result = partner_delivery_task.apply(args=[restaurant_b.schema_name, delivery.pk]).result
    assert result == ""
    with tenant_context(restaurant_b):
        assert not PartnerDelivery.objects.exists()
    connection.set_tenant(casa_azul)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)


def test_deliveries_the_broker_lost_are_handed_over_by_the_outbox_job(casa_azul, broker):
    webhook()
    with time_machine.travel(BOOKED_AT, tick=False):
        web_booking()  # not committed: as if the broker had been down at the commit
    delivery = PartnerDelivery.objects.get()

    with time_machine.travel(BOOKED_AT + dt.timedelta(seconds=30), tick=False):
        assert partners.partner_deliveries_requeue() == 0  # maybe still on its way
    with time_machine.travel(BOOKED_AT + dt.timedelta(minutes=3), tick=False):
        messages_requeue.apply(args=[casa_azul.schema_name])

    assert broker.sent == [(partners.DELIVER_TASK, [casa_azul.schema_name, delivery.pk])]


@pytest.mark.parametrize(
    "url",
    [
        "http://pos.partner.example/hooks",
        "https://localhost/hooks",
        "https://127.0.0.1:8000/hooks",
        "https://10.0.0.5/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://redis:6379/",
        "https://user:password@pos.partner.example/hooks",
    ],
)
def test_in_production_only_https_addresses_on_the_internet_are_taken(casa_azul, url):
    with pytest.raises(ValidationError) as refused:
        webhook(url=url)

    assert "url" in refused.value.message_dict


@override_settings(DEBUG=True)
def test_with_debug_on_a_receiver_on_this_machine_is_taken(casa_azul):
    assert webhook(url="http://127.0.0.1:9000/hooks").pk


# --- The admin ---------------------------------------------------------------------------


@pytest.fixture
def manager(restaurant_a) -> Client:
    client = Client(HTTP_HOST=host_of(restaurant_a))
    client.post("/admin/login/?next=/admin/", {"username": MANAGER_A, "password": PASSWORD})
    return client


def test_the_manager_adds_a_webhook_and_sees_its_secret(manager, restaurant_a):
    response = manager.post(
        "/admin/notifications/partnerwebhook/add/",
        {
            "name": "Punto de venta",
            "url": PARTNER,
            "events": ["reservation.created", "note.paid"],
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    with tenant_context(restaurant_a):
        hook = PartnerWebhook.objects.get()
    assert hook.events == ["reservation.created", "note.paid"]
    assert re.fullmatch(r"whsec_[\w-]{43}", hook.secret)
    page = manager.get(f"/admin/notifications/partnerwebhook/{hook.pk}/change/").content.decode()
    assert hook.secret in page


def test_the_admin_refuses_a_plain_http_address_on_its_field(manager, restaurant_a):
    response = manager.post(
        "/admin/notifications/partnerwebhook/add/",
        {"name": "POS", "url": "http://pos.partner.example/", "events": ["note.paid"]},
    )

    assert response.status_code == 200
    assert "https://" in response.context["adminform"].form.errors["url"][0]
    with tenant_context(restaurant_a):
        assert not PartnerWebhook.objects.exists()


@responses.activate
def test_a_test_event_regenerating_the_secret_and_retrying_from_the_admin(
    manager, restaurant_a, broker, django_capture_on_commit_callbacks
):
    with tenant_context(restaurant_a):
        hook = webhook()
        old_secret = hook.secret
    changelist = "/admin/notifications/partnerwebhook/"

    manager.post(changelist, {"action": "regenerate_secret", "_selected_action": [hook.pk]})
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(changelist, {"action": "send_test_event", "_selected_action": [hook.pk]})

    with tenant_context(restaurant_a):
        hook.refresh_from_db()
        assert hook.secret != old_secret
        ping = PartnerDelivery.objects.get()
    assert ping.event == "ping"
    responses.add(responses.POST, PARTNER, status=500)
    responses.add(responses.POST, PARTNER, status=200)
    assert broker.run() == ["pending"]
    assert verify(responses.calls[0].request, hook.secret)["type"] == "ping"

    listing = manager.get("/admin/notifications/partnerdelivery/?status__exact=pending")
    assert f"/partnerdelivery/{ping.pk}/change/" in listing.content.decode()
    found = manager.get("/admin/notifications/partnerdelivery/", {"q": str(ping.event_id)[:8]})
    assert f"/partnerdelivery/{ping.pk}/change/" in found.content.decode()
    detail = manager.get(f"/admin/notifications/partnerdelivery/{ping.pk}/change/")
    assert "HTTP 500 Internal Server Error" in detail.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(
            "/admin/notifications/partnerdelivery/",
            {"action": "retry_now", "_selected_action": [ping.pk]},
        )
    assert broker.run() == ["delivered"]
    with tenant_context(restaurant_a):
        ping.refresh_from_db()
    assert (ping.status, ping.attempts) == ("delivered", 2)


def test_a_cashier_sees_neither_the_webhooks_nor_their_deliveries(cashier):
    assert cashier.get("/admin/notifications/partnerwebhook/").status_code == 403
    assert cashier.get("/admin/notifications/partnerdelivery/").status_code == 403
