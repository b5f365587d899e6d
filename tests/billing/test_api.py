"""The notes API: never overwritten, staff with the right permission, one restaurant's notes
only."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import tenant_context

from billing.models import ConsumptionNote
from billing.services import note_finalise
from tests.conftest import host_of
from tests.factories import api_key_for

API = "/api/v1/notes/"


def api_client(restaurant, user) -> Client:
    with tenant_context(restaurant):
        key = api_key_for(user)
    return Client(HTTP_HOST=host_of(restaurant), HTTP_AUTHORIZATION=f"Token {key}")


def test_staff_read_their_notes_with_lines_and_amounts(seed_note, cashier_user, restaurant_a):
    client = api_client(restaurant_a, cashier_user)

    response = client.get(API, {"service_day": "2030-03-05"})

    assert response.status_code == 200
    (note,) = response.json()["results"]
    assert (note["number"], note["status"], note["total"], note["tax"]) == (
        "NC-20300305-000001",
        "draft",
        "52.33",
        "6.83",
    )
    assert sorted(line["amount"] for line in note["lines"]) == ["18.50", "19.00", "8.00"]


def test_a_note_cannot_be_written_through_the_api(seed_note, manager_user, restaurant_a):
    note_finalise(note=seed_note, by=manager_user)
    client = api_client(restaurant_a, manager_user)
    url = f"{API}{seed_note.pk}/"

    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(
            url, data={"total": "1.00"}, content_type="application/json"
        )
        assert response.status_code == 405, method
    # A note is issued through the API, once: a second one for the reservation is refused.
    again = client.post(API, {"reservation": seed_note.reservation.reference})
    assert again.status_code == 400
    assert again.json() == {
        "code": "invalid",
        "message": f"La reserva {seed_note.reservation.reference} ya tiene la nota "
        f"{seed_note.number}.",
        "fields": {},
    }
    with tenant_context(restaurant_a):
        note = ConsumptionNote.objects.get(pk=seed_note.pk)
    assert (note.status, note.total) == ("finalised", Decimal("52.33"))


def test_staff_without_the_billing_permission_cannot_read_notes(seed_note, restaurant_a):
    with tenant_context(restaurant_a):
        waiter = get_user_model().objects.create_user("mesero@casa-azul.test", is_staff=True)

    response = api_client(restaurant_a, waiter).get(API)

    assert response.status_code == 403


def test_another_restaurants_token_or_host_never_shows_these_notes(
    seed_note, restaurant_a, restaurant_b
):
    from tests.conftest import MANAGER_B

    with tenant_context(restaurant_b):
        manager_b = get_user_model().objects.get(username=MANAGER_B)
    client_b = api_client(restaurant_b, manager_b)

    own = client_b.get(API)
    assert own.status_code == 200 and own.json()["results"] == []
    assert client_b.get(f"{API}{seed_note.pk}/").status_code == 404
    # B's token presented on A's host is unknown there.
    client_b.defaults["HTTP_HOST"] = host_of(restaurant_a)
    assert client_b.get(API).status_code == 401


def test_a_malformed_day_filter_gets_a_clear_message(seed_note, cashier_user, restaurant_a):
    response = api_client(restaurant_a, cashier_user).get(API, {"service_day": "ayer"})

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["fields"]) == (
        "invalid",
        {"service_day": ["Usa una fecha como 2030-03-05."]},
    )
    assert isinstance(body["message"], str) and body["message"]
