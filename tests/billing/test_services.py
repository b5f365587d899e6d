"""Consumption notes through the services: lifecycle, numbering, payments and bad input."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from billing.models import (
    NOTE_TRANSITIONS,
    ConsumptionNote,
    NoteLine,
    NoteStatus,
    Payment,
)
from billing.services import (
    note_charge,
    note_discount_set,
    note_finalise,
    note_issue,
    note_line_add,
    note_line_change,
    note_line_remove,
    note_void,
)
from booking.services.bookings import booking_transition
from menu.models import Dish
from reservations.models import ReservationStatus, StatusChange
from reservations.selectors import booking_policy_forget, booking_policy_get
from tests.billing.conftest import EVENING, MEXICO, book, table_priced
from tests.factories import open_every_day

LATER = EVENING + dt.timedelta(hours=3)  # M01 is free again
ALLOWED = {
    ("draft", "finalised"),
    ("draft", "voided"),
    ("finalised", "paid"),
    ("finalised", "voided"),
}


def test_transition_table_is_exactly_the_spec():
    declared = {(origin, to) for origin, targets in NOTE_TRANSITIONS.items() for to in targets}
    assert declared == ALLOWED


def move(note, to, by):
    if to == NoteStatus.FINALISED:
        return note_finalise(note=note, by=by)
    if to == NoteStatus.PAID:
        return note_charge(note=note, payments={"card": note.total}, by=by)
    return note_void(note=note, reason="Error de captura", by=by)


def note_in(status, seed_note, by):
    path = {
        NoteStatus.DRAFT: [],
        NoteStatus.FINALISED: [NoteStatus.FINALISED],
        NoteStatus.PAID: [NoteStatus.FINALISED, NoteStatus.PAID],
        NoteStatus.VOIDED: [NoteStatus.VOIDED],
    }[status]
    for step in path:
        seed_note = move(ConsumptionNote.objects.get(pk=seed_note.pk), step, by)
    return ConsumptionNote.objects.get(pk=seed_note.pk)


# No service moves a note back to draft: the targets are the other three.
TARGETS = [NoteStatus.FINALISED, NoteStatus.PAID, NoteStatus.VOIDED]


@pytest.mark.parametrize(("origin", "to"), list(itertools.product(NoteStatus.values, TARGETS)))
def test_each_move_is_allowed_or_refused_as_the_spec_says_and_recorded(
    seed_note, cashier_user, origin, to
):
    note = note_in(origin, seed_note, cashier_user)
    history_before = StatusChange.objects.filter(object_label=note.number).count()

    if (origin, to) in ALLOWED:
        move(note, to, cashier_user)
        note.refresh_from_db()
        assert note.status == to
        last = StatusChange.objects.filter(object_label=note.number).first()
        assert (last.from_status, last.to_status, last.user, last.actor_kind) == (
            origin,
            to,
            cashier_user,
            "user",
        )
    else:
        with pytest.raises(ValidationError):
            move(note, to, cashier_user)
        note.refresh_from_db()
        assert note.status == origin
        assert StatusChange.objects.filter(object_label=note.number).count() == history_before


def test_issuing_is_recorded_as_the_first_step_of_the_history(seed_note, cashier_user):
    first = StatusChange.objects.get(object_label=seed_note.number)
    assert (first.from_status, first.to_status, first.user) == ("", "draft", cashier_user)
    assert first.reason == seed_note.reservation.reference


@pytest.mark.parametrize("status", [NoteStatus.FINALISED, NoteStatus.PAID])
def test_a_finalised_or_paid_note_cannot_be_changed_through_the_services(
    seed_note, salon, cashier_user, manager_user, status
):
    line = note_line_add(note=seed_note, dish=salon["beer"], quantity=2)
    note = note_in(status, seed_note, cashier_user)
    before = (note.subtotal, note.tax, note.discount, note.total, note.lines.count())

    attempts = [
        lambda: note_line_add(note=note, dish=salon["beer"], quantity=1),
        lambda: note_line_change(line=line, quantity=5),
        lambda: note_line_remove(line=line),
        lambda: note_discount_set(note=note, amount="1.00", reason="cortesía", by=manager_user),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="ya no se puede modificar"):
            attempt()

    note.refresh_from_db()
    assert (note.subtotal, note.tax, note.discount, note.total, note.lines.count()) == before


def test_consumed_lines_are_added_changed_and_removed_while_draft(seed_note, salon):
    line = note_line_add(note=seed_note, dish=salon["beer"], quantity=2)
    seed_note.refresh_from_db()
    assert (line.unit_price, line.amount) == (Decimal("4.25"), Decimal("8.50"))
    assert (seed_note.subtotal, seed_note.tax, seed_note.total) == (
        Decimal("54.00"),
        Decimal("8.10"),
        Decimal("62.10"),
    )

    note_line_change(line=line, quantity=3, dish=salon["beer"], unit_price=Decimal("4.00"))
    seed_note.refresh_from_db()
    assert seed_note.subtotal == Decimal("57.50")

    note_line_remove(line=line)
    seed_note.refresh_from_db()
    assert (seed_note.subtotal, seed_note.total) == (Decimal("45.50"), Decimal("52.33"))


def test_lines_from_the_reservation_stay_as_they_are(seed_note):
    table_line = seed_note.lines.get(kind="table")
    with pytest.raises(ValidationError, match="viene de la reserva"):
        note_line_remove(line=table_line)
    with pytest.raises(ValidationError, match="viene de la reserva"):
        note_line_change(line=table_line, quantity=1, unit_price=Decimal("0"))
    assert seed_note.lines.count() == 3


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"quantity": -1}, "quantity", "número entero de 1 a 999"),
        ({"quantity": 0}, "quantity", "número entero de 1 a 999"),
        ({"quantity": 2.5}, "quantity", "número entero de 1 a 999"),
        ({"quantity": 1, "unit_price": Decimal("-3.00")}, "unit_price", "no puede ser negativo"),
        ({"quantity": 1, "unit_price": "tres"}, "unit_price", "debe ser un importe"),
        ({"quantity": 1, "unit_price": Decimal("1.005")}, "unit_price", "más de dos decimales"),
        ({"quantity": 1, "dish": None}, "unit_price", "precio de una línea sin plato"),
        (
            {"quantity": 1, "dish": None, "unit_price": Decimal("2")},
            "description",
            "Elige un plato",
        ),
    ],
)
def test_bad_lines_are_refused_with_a_clear_message_and_nothing_saved(
    seed_note, salon, values, field, message
):
    values = {"dish": salon["beer"], **values}

    with pytest.raises(ValidationError) as refused:
        note_line_add(note=seed_note, **values)

    assert message in " ".join(refused.value.message_dict[field])
    assert seed_note.lines.count() == 3
    assert ConsumptionNote.objects.get(pk=seed_note.pk).total == Decimal("52.33")


def test_a_discount_is_taken_off_the_total_with_its_reason(seed_note, cashier_user):
    note = note_discount_set(note=seed_note, amount="4.55", reason="Cumpleaños", by=cashier_user)

    assert (note.subtotal, note.tax, note.discount, note.total) == (
        Decimal("45.50"),
        Decimal("6.83"),
        Decimal("4.55"),
        Decimal("47.78"),
    )
    assert (note.discount_reason, note.discount_by) == ("Cumpleaños", cashier_user)


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("45.51", "cortesía", "no puede ser mayor que el subtotal"),
        ("-1.00", "cortesía", "no puede ser negativo"),
        ("2.00", "  ", "Indica por qué"),
        ("4.56", "cortesía", "necesitan a un gerente"),  # above 10 % of 45.50
    ],
)
def test_bad_discounts_from_a_cashier_are_refused_and_nothing_saved(
    seed_note, cashier_user, amount, reason, message
):
    with pytest.raises(ValidationError, match=message):
        note_discount_set(note=seed_note, amount=amount, reason=reason, by=cashier_user)

    note = ConsumptionNote.objects.get(pk=seed_note.pk)
    assert (note.discount, note.total) == (Decimal("0.00"), Decimal("52.33"))


def test_a_manager_may_grant_a_discount_above_the_cashier_limit_but_not_above_the_subtotal(
    seed_note, manager_user
):
    note = note_discount_set(
        note=seed_note, amount="45.50", reason="Invita la casa", by=manager_user
    )
    assert note.total == Decimal("6.83")  # tax stays: it is on the subtotal

    with pytest.raises(ValidationError, match="no puede ser mayor que el subtotal"):
        note_discount_set(note=seed_note, amount="45.51", reason="Invita la casa", by=manager_user)


def test_removing_lines_below_a_granted_discount_is_refused(seed_note, salon, manager_user):
    line = note_line_add(note=seed_note, dish=salon["beer"], quantity=10)  # +42.50
    note_discount_set(note=seed_note, amount="80.00", reason="Evento", by=manager_user)

    with pytest.raises(ValidationError, match="no puede ser mayor que el subtotal"):
        note_line_remove(line=line)
    assert NoteLine.objects.filter(pk=line.pk).exists()


def test_the_cashier_limit_is_the_restaurants_setting(seed_note, cashier_user):
    policy = booking_policy_get()
    policy.cashier_discount_limit = Decimal("20")
    policy.save()
    booking_policy_forget()

    note = note_discount_set(note=seed_note, amount="9.10", reason="Queja", by=cashier_user)

    assert note.discount == Decimal("9.10")


def test_cash_above_the_total_gives_change(seed_note, cashier_user):
    note = note_finalise(note=seed_note, by=cashier_user)

    paid = note_charge(note=note, payments={"cash": Decimal("60.00")}, by=cashier_user)

    assert (paid.status, paid.payment_method, paid.change_given) == (
        "paid",
        "cash",
        Decimal("7.67"),
    )
    payment = Payment.objects.get(note=paid)
    assert (payment.amount, payment.tendered, payment.change) == (
        Decimal("52.33"),
        Decimal("60.00"),
        Decimal("7.67"),
    )
    assert (paid.charged_by, paid.paid_at is not None) == (cashier_user, True)


def test_a_mixed_payment_records_each_tender_and_adds_up_to_the_total(seed_note, cashier_user):
    note = note_finalise(note=seed_note, by=cashier_user)

    paid = note_charge(
        note=note,
        payments={"card": Decimal("30.00"), "transfer": Decimal("10.00"), "cash": Decimal("20")},
        by=cashier_user,
    )

    assert (paid.payment_method, paid.change_given) == ("mixed", Decimal("7.67"))
    tenders = {p.method: (p.amount, p.tendered) for p in Payment.objects.filter(note=paid)}
    assert tenders == {
        "card": (Decimal("30.00"), Decimal("30.00")),
        "transfer": (Decimal("10.00"), Decimal("10.00")),
        "cash": (Decimal("12.33"), Decimal("20.00")),
    }
    assert sum(amount for amount, _ in tenders.values()) == paid.total


@pytest.mark.parametrize(
    ("payments", "message"),
    [
        ({"card": Decimal("52.32")}, "0.01 menos que el total"),
        ({"card": Decimal("30"), "cash": Decimal("20")}, "2.33 menos que el total"),
        ({"card": Decimal("60.00")}, "no pueden superar el total"),
        ({"card": Decimal("50"), "transfer": Decimal("5")}, "no pueden superar el total"),
        ({"cheque": Decimal("52.33")}, "Forma de pago desconocida"),
        ({"cash": Decimal("-52.33")}, "no puede ser negativo"),
        ({}, "Indica el importe recibido"),
    ],
)
def test_payments_that_do_not_add_up_are_refused_and_nothing_saved(
    seed_note, cashier_user, payments, message
):
    note = note_finalise(note=seed_note, by=cashier_user)

    with pytest.raises(ValidationError, match=message):
        note_charge(note=note, payments=payments, by=cashier_user)

    note.refresh_from_db()
    assert (note.status, note.payment_method) == ("finalised", "")
    assert not Payment.objects.filter(note=note).exists()


def test_charging_a_draft_asks_to_finalise_it_first(seed_note, cashier_user):
    with pytest.raises(ValidationError, match="finalízala antes de cobrarla"):
        note_charge(note=seed_note, payments={"cash": Decimal("60")}, by=cashier_user)
    assert not Payment.objects.exists()


def test_a_void_needs_a_reason_keeps_the_number_and_gives_nothing_back(
    seed_note, salon, cashier_user
):
    stock = Dish.objects.get(pk=salon["mole"].pk).stock
    with pytest.raises(ValidationError, match="Indica por qué se anula"):
        note_void(note=seed_note, reason=" ", by=cashier_user)

    voided = note_void(note=seed_note, reason="El cliente se fue sin consumir", by=cashier_user)

    assert (voided.status, voided.number, voided.voided_by) == (
        "voided",
        seed_note.number,
        cashier_user,
    )
    assert Dish.objects.get(pk=salon["mole"].pk).stock == stock
    record = StatusChange.objects.filter(object_label=voided.number).first()
    assert record.reason == "El cliente se fue sin consumir"
    # The next note takes the next number: a voided number is never given again.
    assert note_issue(reservation=book(starts_at=LATER), by=cashier_user).number.endswith("-000002")


def test_a_reservation_gets_one_note_only(seed_note, cashier_user):
    with pytest.raises(ValidationError, match=f"ya tiene la nota {seed_note.number}"):
        note_issue(reservation=seed_note.reservation, by=cashier_user)
    assert ConsumptionNote.objects.count() == 1


def test_a_cancelled_reservation_gets_no_note(salon, cashier_user):
    reservation = book(table=salon["table"])
    booking_transition(reservation=reservation, to=ReservationStatus.CANCELLED)

    with pytest.raises(ValidationError, match="está cancelada"):
        note_issue(reservation=reservation, by=cashier_user)
    assert not ConsumptionNote.objects.exists()


def test_a_note_with_nothing_to_charge_cannot_be_finalised(salon, cashier_user):
    free_table = table_priced("B01", "0.00")
    note = note_issue(reservation=book(table=free_table), by=cashier_user)
    assert (note.lines.count(), note.total) == (0, Decimal("0.00"))

    with pytest.raises(ValidationError, match="no tiene nada que cobrar"):
        note_finalise(note=note, by=cashier_user)
    assert ConsumptionNote.objects.get(pk=note.pk).status == "draft"


def test_numbers_follow_the_service_day_and_after_midnight_belongs_to_the_evening(
    salon, cashier_user
):
    open_every_day("12:00", "03:00", max_days_ahead=365)
    at = lambda day, hour, minute=0: dt.datetime(2030, 3, day, hour, minute, tzinfo=MEXICO)  # noqa: E731

    numbers = [
        note_issue(reservation=book(starts_at=starts_at), by=cashier_user).number
        for starts_at in [at(5, 13), at(5, 20), at(6, 20), at(7, 0, 30)]
    ]

    assert numbers == [
        "NC-20300305-000001",
        "NC-20300305-000002",
        "NC-20300306-000001",
        "NC-20300306-000002",  # 00:30 on the 7th is the late service of the 6th
    ]


def test_an_issue_that_rolls_back_gives_its_number_back(salon, cashier_user):
    reservation = book()
    with pytest.raises(RuntimeError), transaction.atomic():
        note_issue(reservation=reservation, by=cashier_user)
        raise RuntimeError("the printer caught fire")

    assert note_issue(reservation=reservation, by=cashier_user).number == "NC-20300305-000001"


def test_a_note_keeps_the_tax_rate_it_was_issued_with(seed_note, salon, cashier_user):
    policy = booking_policy_get()
    policy.tax_rate = Decimal("21.00")
    policy.save()
    booking_policy_forget()

    note_line_add(note=seed_note, dish=salon["beer"], quantity=1)
    later = note_issue(reservation=book(starts_at=LATER, dishes=[salon["mole"]]), by=cashier_user)

    seed_note.refresh_from_db()
    assert (seed_note.tax_rate, seed_note.tax) == (Decimal("15.00"), Decimal("7.46"))
    assert (later.tax_rate, later.subtotal, later.tax) == (
        Decimal("21.00"),
        Decimal("26.50"),
        Decimal("5.57"),
    )
