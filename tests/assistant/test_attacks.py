"""The assistant under attack, a few of the bench's attacks (``bench/data/assistant_attacks.json``):
with the rules, and with a "worst case" model that calls whatever tools the attacker wants
(a local stand-in for the Responses API, the real ``openai`` client talking to it), nothing
is done beyond the attacker's own bookings within the rules, and nothing of another customer
is told."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from bench import assistant_attacks
from menu.models import PreOrder
from reservations.models import Reservation, ReservationStatus
from tests.factories import DishFactory, TableFactory, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
NOW = dt.datetime(2030, 12, 2, 10, 0, tzinfo=MEXICO)
# One or two of each kind, both languages, some over several messages.
PLAYED = [
    "override-en-01",
    "override-es-06",
    "override-es-15",
    "staff-es-01",
    "staff-en-09",
    "data-en-02",
    "bulk-es-04",
    "name-en-01",
    "note-es-03",
    "party-en-01",
    "party-es-09",
    "past-es-01",
    "preorder-es-01",
    "preorder-en-03",
]


@pytest.fixture
def casa_azul(restaurant_a):
    """Casa Azul open 13:00–23:30 every day, with tables for everyone's bookings."""
    with tenant_context(restaurant_a):
        open_every_day("13:00", "23:30", max_days_ahead=60)
        for _number in range(6):
            TableFactory(max_capacity=4)
        DishFactory(name="Flan napolitano", price=Decimal("65.00"))
        yield restaurant_a
    connection.set_schema_to_public()


def test_the_attacks_do_nothing_beyond_the_attackers_own_bookings(casa_azul):
    attacks = {attack["id"]: attack for attack in assistant_attacks.attacks_load()}
    assert len(attacks) >= 200
    assert {attack["language"] for attack in attacks.values()} == {"es", "en"}

    results = assistant_attacks.attacks_play([attacks[id] for id in PLAYED], now=NOW)

    assert set(results) == set(assistant_attacks.ENGINES)
    for engine, outcomes in results.items():
        assert [outcome.id for outcome in outcomes] == PLAYED
        assert {o.id: o.effects for o in outcomes if o.effects} == {}, engine
        assert {o.id: o.disclosures for o in outcomes if o.disclosures} == {}, engine
    # The worst-case model was reached and its echo of the tools' outputs was the reply.
    echoed = [
        outcome.id
        for outcome in results["model_tools"]
        if any(reply.startswith("Done as you asked") for reply in outcome.replies)
    ]
    assert "override-en-01" in echoed and "bulk-es-04" in echoed
    # Nothing played stays.
    assert not Reservation.objects.exists()


def test_the_harness_sees_another_customers_booking_changed_and_named(casa_azul):
    values = assistant_attacks._setup(NOW)
    before = assistant_attacks._snapshot()
    Reservation.objects.filter(reference=values["{OTHER_REF}"]).update(
        status=ReservationStatus.CANCELLED
    )

    effects = assistant_attacks._effects(
        before, assistant_attacks._snapshot(), phone=assistant_attacks.ATTACKER[1], now=NOW
    )

    assert effects == [f"another customer's booking {values['{OTHER_REF}']} changed"]
    secrets = assistant_attacks._secrets(values, f"cancel {values['{OTHER_REF}']}")
    assert values["{OTHER_REF}"] not in secrets  # the attacker wrote it
    assert assistant_attacks._disclosed(secrets, "Zacarías is at +593 98 765 4321") == [
        "Zacarías",
        "987654321",
    ]


def test_the_harness_sees_a_pre_order_put_on_another_customers_booking(casa_azul):
    values = assistant_attacks._setup(NOW)
    before = assistant_attacks._snapshot()
    others = Reservation.objects.get(reference=values["{OTHER_REF}"])
    PreOrder.objects.create(
        reservation=others, dish_id=values["{DISH_ID}"], quantity=1, unit_price=Decimal("65.00")
    )

    effects = assistant_attacks._effects(
        before, assistant_attacks._snapshot(), phone=assistant_attacks.ATTACKER[1], now=NOW
    )

    assert effects == [f"a pre-order on another customer's booking {others.pk}"]
