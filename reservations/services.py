"""Writes of the booking book: tables, customers, reservations and their history."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import phonenumbers
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import live
from notifications.services import reservation_announce as announce
from reservations import selectors
from reservations.models import (
    RESERVATION_TRANSITIONS,
    ActorKind,
    Customer,
    Reservation,
    ReservationSource,
    ReservationStatus,
    StatusChange,
    Table,
    TableStatus,
)

logger = logging.getLogger(__name__)

# Sources where a customer books for themself: the minimum notice applies.
CUSTOMER_SOURCES = {
    ReservationSource.WEB,
    ReservationSource.WHATSAPP,
    ReservationSource.PHONE,
    ReservationSource.API,
}
# Attempts at another table when the best one is taken between reading and writing.
BOOKING_ATTEMPTS = 3


# --- Audit history ----------------------------------------------------------------------


def status_change_build(
    *,
    subject,
    from_status: str,
    to_status: str,
    by=None,
    actor_kind: str | None = None,
    reason: str = "",
) -> StatusChange:
    """One status change of a table, reservation or note, not saved yet."""
    if actor_kind is None:
        actor_kind = ActorKind.USER if by is not None else ActorKind.SYSTEM
    if actor_kind == ActorKind.USER:
        label = by.get_username() if by is not None else ""
    elif actor_kind == ActorKind.CUSTOMER:
        label = _("customer")
    else:
        label = _("system")
    return StatusChange(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        object_label=str(getattr(subject, "reference", None) or getattr(subject, "code", subject))[
            :60
        ],
        from_status=from_status or "",
        to_status=to_status,
        actor_kind=actor_kind,
        user=by if actor_kind == ActorKind.USER else None,
        actor_label=label,
        reason=reason[:255],
    )


def status_change_record(**change) -> StatusChange:
    """Record one status change of a table, reservation or note (see ``status_change_build``)."""
    recorded = status_change_build(**change)
    recorded.save()
    return recorded


def status_change_apply(
    *, subject, to: str, by=None, actor_kind: str | None = None, reason: str = ""
) -> None:
    """Save a locked table, reservation or note in its new status and record the move."""
    _statuses_write([subject], to=to, by=by, actor_kind=actor_kind, reasons={subject.pk: reason})


def _statuses_write(subjects: list, *, to: str, by, actor_kind, reasons: dict, **fields) -> None:
    """Write ``to`` (and ``fields``) on locked rows of one model in one UPDATE, and record
    each move in the audit history (``reasons`` by id) in one INSERT."""
    written = {"status": to, "updated_at": timezone.now(), **fields}
    type(subjects[0]).objects.filter(pk__in=[subject.pk for subject in subjects]).update(**written)
    changes = [
        status_change_build(
            subject=subject,
            from_status=subject.status,
            to_status=to,
            by=by,
            actor_kind=actor_kind,
            reason=reasons.get(subject.pk, ""),
        )
        for subject in subjects
    ]
    StatusChange.objects.bulk_create(changes)
    for subject in subjects:
        for field, value in written.items():
            setattr(subject, field, value)


# --- Tables -----------------------------------------------------------------------------


def table_price_for_capacity(max_capacity: int) -> Decimal:
    """The reservation price of a table seating up to ``max_capacity``, from the brackets."""
    brackets = selectors.booking_policy_snapshot().price_brackets
    for up_to_capacity, price in brackets:
        if up_to_capacity is None or max_capacity <= up_to_capacity:
            return Decimal(price)
    return Decimal(brackets[-1][1]) if brackets else Decimal("0.00")


@transaction.atomic
def table_save(*, table: Table, by=None) -> Table:
    """Validate and save a table, pricing it from its maximum capacity."""
    table.reservation_price = table_price_for_capacity(table.max_capacity)
    previous_status = (
        Table.objects.filter(pk=table.pk).values_list("status", flat=True).first()
        if table.pk
        else None
    )
    table.full_clean()
    table.save()
    if previous_status is not None and previous_status != table.status:
        status_change_record(
            subject=table, from_status=previous_status, to_status=table.status, by=by
        )
    live.table_changed(table)
    return table


@transaction.atomic
def table_set_status(*, table: Table, to: str, by=None, actor_kind=None, reason: str = "") -> Table:
    """Move a table to another status and record it; no change, no record."""
    locked = Table.objects.select_for_update().get(pk=table.pk)
    _tables_move([locked], to=to, by=by, actor_kind=actor_kind, reasons={locked.pk: reason})
    return locked


def _tables_move(
    tables: list[Table], *, to: str, by=None, actor_kind=None, reasons: dict[int, str]
) -> list[Table]:
    """Move tables whose rows this transaction has locked, in one UPDATE, and record each
    move (``reasons`` by table id); a table already there is left alone. Returns those moved."""
    moving = list({table.pk: table for table in tables if table.status != to}.values())
    if not moving:
        return []
    _statuses_write(moving, to=to, by=by, actor_kind=actor_kind, reasons=reasons)
    for table in moving:
        live.table_changed(table)
    return moving


def tables_reprice() -> int:
    """Re-price every table after the price brackets changed; returns how many changed."""
    changed = 0
    for table in Table.objects.all():
        price = table_price_for_capacity(table.max_capacity)
        if price != table.reservation_price:
            Table.objects.filter(pk=table.pk).update(reservation_price=price)
            changed += 1
    return changed


def table_ensure(*, code: str, min_capacity: int, max_capacity: int, area: str) -> Table:
    """Create the table with this code unless it exists (used by the demo)."""
    existing = Table.objects.filter(code=code).first()
    if existing:
        return existing
    return table_save(
        table=Table(code=code, min_capacity=min_capacity, max_capacity=max_capacity, area=area)
    )


# --- Customers --------------------------------------------------------------------------


def phone_normalise(phone: str, *, region: str | None = None) -> str:
    """The phone in E.164 (``+525512345678``); a number that is not a phone is refused."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    region = region or selectors.booking_policy_snapshot().phone_region
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            {"phone": _("'%(phone)s' is not a valid phone number.") % {"phone": phone}}
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def customer_find(*, phone: str = "", email: str = "") -> Customer | None:
    """The customer with this phone or email (already normalised), if any."""
    query = Q(pk__in=[])
    if phone:
        query |= Q(phone=phone)
    if email:
        query |= Q(email__iexact=email)
    return Customer.objects.filter(query, erased_at__isnull=True).order_by("pk").first()


@transaction.atomic
def customer_save(*, customer: Customer) -> Customer:
    """Validate and save a customer with the phone in E.164 and the email in lower case."""
    customer.phone = phone_normalise(customer.phone)
    customer.email = (customer.email or "").strip().lower()
    customer.first_name = customer.first_name.strip()
    customer.last_name = customer.last_name.strip()
    if not customer.phone and not customer.email:
        raise ValidationError(_("Give the customer's phone or email, so that we can reach them."))
    # The unique phone, email and national id are the database's to check (three queries
    # fewer on every new customer, and no race between a check and the insert).
    customer.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        # Refused: say which one clashes, in the model's own words.
        customer.validate_constraints()
        raise
    return customer


@transaction.atomic
def customer_get_or_create(
    *,
    first_name: str,
    last_name: str = "",
    phone: str = "",
    email: str = "",
    **details,
) -> tuple[Customer, bool]:
    """Recognise a returning customer by phone or email, or create a new one."""
    phone = phone_normalise(phone)
    email = (email or "").strip().lower()
    existing = customer_find(phone=phone, email=email)
    if existing:
        changed = False
        if phone and not existing.phone:
            existing.phone, changed = phone, True
        if email and not existing.email:
            existing.email, changed = email, True
        if changed:
            customer_save(customer=existing)
        return existing, False
    customer = Customer(
        first_name=first_name, last_name=last_name, phone=phone, email=email, **details
    )
    return customer_save(customer=customer), True


def customer_export(*, customer: Customer) -> dict:
    """Everything the restaurant holds about a customer, for their data request."""
    return {
        "customer": {
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "national_id": customer.national_id,
            "phone": customer.phone,
            "email": customer.email,
            "city": customer.city,
            "notes": customer.notes,
            "marketing_consent": customer.marketing_consent,
            "created_at": customer.created_at.isoformat(),
        },
        "reservations": [
            {
                "reference": reservation.reference,
                "starts_at": reservation.starts_at.isoformat(),
                "party_size": reservation.party_size,
                "status": reservation.status,
                "source": reservation.source,
                "special_requests": reservation.special_requests,
                "pre_orders": [
                    {
                        "dish": pre_order.dish.name,
                        "quantity": pre_order.quantity,
                        "unit_price": str(pre_order.unit_price),
                    }
                    for pre_order in reservation.pre_orders.all()
                ],
            }
            for reservation in customer.reservations.prefetch_related("pre_orders__dish").order_by(
                "starts_at"
            )
        ],
    }


@transaction.atomic
def customer_erase(*, customer: Customer, by=None) -> Customer:
    """Anonymise a customer on their request; their reservations keep their references."""
    customer.first_name = _("Erased")
    customer.last_name = ""
    customer.national_id = customer.phone = customer.email = customer.city = customer.notes = ""
    customer.marketing_consent = False
    customer.erased_at = timezone.now()
    customer.save()
    customer.reservations.update(special_requests="")
    logger.info("customer erased id=%s", customer.pk)
    return customer


# --- Reservations -----------------------------------------------------------------------


def _validate_booking(
    *,
    starts_at: dt.datetime,
    party_size: int,
    source: str,
    table: Table | None,
    now: dt.datetime,
) -> selectors.PolicySnapshot:
    snapshot = selectors.booking_policy_snapshot()
    zone = selectors.restaurant_zone()
    if not isinstance(party_size, int) or party_size < 1:
        raise ValidationError({"party_size": _("The party must be at least one person.")})
    if not snapshot.enabled and source != ReservationSource.ADMIN:
        raise ValidationError(_("The restaurant is not taking reservations right now."))
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": _("The time must carry its time zone.")})
    if starts_at < now:
        raise ValidationError({"starts_at": _("That time has already passed.")})
    if source in CUSTOMER_SOURCES and starts_at < now + snapshot.min_notice:
        minutes = int(snapshot.min_notice.total_seconds() // 60)
        raise ValidationError(
            {"starts_at": _("Bookings need %(minutes)s minutes' notice.") % {"minutes": minutes}}
        )
    local_day = starts_at.astimezone(zone).date()
    if local_day > now.astimezone(zone).date() + dt.timedelta(days=snapshot.max_days_ahead):
        raise ValidationError(
            {
                "starts_at": _("Bookings open %(days)s days ahead at most.")
                % {"days": snapshot.max_days_ahead}
            }
        )
    if selectors.service_day_of(snapshot, starts_at, zone) is None:
        if snapshot.is_closed(local_day):
            raise ValidationError({"starts_at": _("The restaurant is closed that day.")})
        raise ValidationError(
            {
                "starts_at": _(
                    "That time is outside the opening hours (the last booking ends by closing)."
                )
            }
        )
    if table is not None:
        if table.status == TableStatus.MAINTENANCE:
            raise ValidationError(
                {"table": _("Table %(code)s is in maintenance.") % {"code": table.code}}
            )
        if not table.min_capacity <= party_size <= table.max_capacity:
            raise ValidationError(
                {
                    "table": _("Table %(code)s seats %(min)s to %(max)s people.")
                    % {"code": table.code, "min": table.min_capacity, "max": table.max_capacity}
                }
            )
    return snapshot


def _is_overlap(error: IntegrityError) -> bool:
    return "reservation_no_overlap" in str(error)


def _taken_error(table: Table | None):
    if table is None:
        return ValidationError(_("No table is free for that party at that time."))
    return ValidationError(
        {"table": _("Table %(code)s is already booked at that time.") % {"code": table.code}}
    )


def reservation_check(
    *,
    starts_at: dt.datetime,
    party_size: int,
    source: str = ReservationSource.ADMIN,
    table: Table | None = None,
    exclude_reservation: Reservation | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Raise what booking would raise, without writing: for forms to show next to fields.

    When nothing is free, the message names the nearest free times.
    """
    now = now or timezone.now()
    snapshot = _validate_booking(
        starts_at=starts_at, party_size=party_size, source=source, table=table, now=now
    )
    free = selectors.table_best_for(
        starts_at=starts_at,
        party_size=party_size,
        duration=snapshot.duration,
        exclude_reservation=exclude_reservation,
    )
    if table is not None and table.pk in {free_table.id for free_table in free}:
        return
    if table is None and free:
        return
    alternatives = selectors.alternatives_for(starts_at=starts_at, party_size=party_size, now=now)
    error = _taken_error(table)
    if alternatives:
        zone = selectors.restaurant_zone()
        times = ", ".join(f"{slot.starts_at.astimezone(zone):%d/%m %H:%M}" for slot in alternatives)
        message = (
            " ".join(error.messages) + " " + _("Nearest free times: %(times)s.") % {"times": times}
        )
        error = ValidationError({"table": message} if table is not None else message)
    raise error


def _table_to_book(free: list) -> Table:
    """The best of the free tables that no other booking is taking at this moment, locked
    until this booking commits: bookers of one popular time spread over the free tables
    instead of queueing on the best one (the database's overlap check makes the second of
    two on one table wait for the first to commit, then fail). The best table if every one
    is being taken."""
    order = Case(*(When(pk=table.id, then=position) for position, table in enumerate(free)))
    unlocked = (
        Table.objects.select_for_update(skip_locked=True)
        .filter(pk__in=[table.id for table in free])
        .order_by(order)
        .first()
    )
    return unlocked or Table.objects.get(pk=free[0].id)


def reservation_create(
    *,
    customer: Customer,
    starts_at: dt.datetime,
    party_size: int,
    source: str = ReservationSource.ADMIN,
    table: Table | None = None,
    area: str = "",
    special_requests: str = "",
    created_by=None,
    submission_key: str | None = None,
    now: dt.datetime | None = None,
) -> Reservation:
    """Book a table for a party: the chosen one, or the best free one.

    Refuses anything the booking policy forbids. The database's exclusion constraint has
    the last word on overlaps: if another booking took the table meanwhile, the next best
    table is tried; a chosen table that was taken is a validation error.
    """
    now = now or timezone.now()
    snapshot = _validate_booking(
        starts_at=starts_at, party_size=party_size, source=source, table=table, now=now
    )
    if source == ReservationSource.ADMIN or snapshot.auto_confirm:
        status = ReservationStatus.CONFIRMED
    else:
        status = ReservationStatus.PENDING
    tried: set[int] = set()
    for _attempt in range(BOOKING_ATTEMPTS):
        if table is not None:
            candidate = table
        else:
            free = [
                free_table
                for free_table in selectors.table_best_for(
                    starts_at=starts_at,
                    party_size=party_size,
                    area=area,
                    duration=snapshot.duration,
                )
                if free_table.id not in tried
            ]
            if not free:
                raise _taken_error(None)
            candidate = None
        try:
            with transaction.atomic():
                if candidate is None:
                    candidate = _table_to_book(free)
                reservation = Reservation.objects.create(
                    customer=customer,
                    table=candidate,
                    starts_at=starts_at,
                    ends_at=starts_at + snapshot.duration,
                    party_size=party_size,
                    status=status,
                    source=source,
                    special_requests=special_requests.strip(),
                    created_by=created_by,
                    submission_key=submission_key,
                )
                status_change_record(
                    subject=reservation,
                    from_status="",
                    to_status=status,
                    by=created_by,
                    actor_kind=ActorKind.USER if created_by else ActorKind.CUSTOMER,
                    reason=_("booked (%(source)s)") % {"source": source},
                )
        except IntegrityError as error:
            if not _is_overlap(error):
                raise
            if table is not None:
                raise _taken_error(table) from None
            tried.add(candidate.pk)
            continue
        live.reservation_changed(reservation, created=True)
        if reservation.status == ReservationStatus.CONFIRMED:
            announce(reservation=reservation, event="confirmation")
        logger.info(
            "reservation created id=%s table=%s party=%s source=%s",
            reservation.pk,
            candidate.code,
            party_size,
            source,
        )
        return reservation
    raise _taken_error(None)


@transaction.atomic
def reservation_update(
    *,
    reservation: Reservation,
    starts_at: dt.datetime,
    party_size: int,
    table: Table | None = None,
    special_requests: str | None = None,
    by=None,
    source: str = ReservationSource.ADMIN,
    now: dt.datetime | None = None,
) -> Reservation:
    """Move a pending or confirmed reservation to another time, size or table.

    ``source`` says who moves it: a customer's move keeps to the minimum notice."""
    now = now or timezone.now()
    locked = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if locked.status not in (ReservationStatus.PENDING, ReservationStatus.CONFIRMED):
        raise ValidationError(
            _("A reservation in status «%(status)s» can no longer be changed.")
            % {"status": locked.get_status_display()}
        )
    before = (locked.starts_at, locked.table_id, locked.party_size)
    snapshot = _validate_booking(
        starts_at=starts_at,
        party_size=party_size,
        source=source,
        table=table,
        now=now,
    )
    if table is None:
        free = selectors.table_best_for(
            starts_at=starts_at,
            party_size=party_size,
            duration=snapshot.duration,
            exclude_reservation=locked,
        )
        keep = next((f for f in free if f.id == locked.table_id), None)
        if keep is None and not free:
            raise _taken_error(None)
        table = locked.table if keep else Table.objects.get(pk=free[0].id)
    locked.table = table
    locked.starts_at = starts_at
    locked.ends_at = starts_at + snapshot.duration
    locked.party_size = party_size
    if special_requests is not None:
        locked.special_requests = special_requests.strip()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as error:
        if _is_overlap(error):
            raise _taken_error(table) from None
        raise
    live.reservation_changed(locked)
    changed = (locked.starts_at, locked.table_id, locked.party_size) != before
    if changed and locked.status == ReservationStatus.CONFIRMED:
        announce(
            reservation=locked,
            event="change",
            moment=f"{locked.starts_at.astimezone(dt.UTC):%Y%m%dT%H%MZ}-{locked.table_id}"
            f"-{locked.party_size}",
        )
    return locked


def reservation_transition(
    *,
    reservation: Reservation,
    to: str,
    by=None,
    actor_kind: str | None = None,
    reason: str = "",
) -> Reservation:
    """Move one reservation along its lifecycle (see ``reservations_move``); a move that is
    not in the table is refused with a ``ValidationError``."""
    moved, refused = reservations_move(
        reservations=Reservation.objects.filter(pk=reservation.pk),
        to=to,
        by=by,
        actor_kind=actor_kind,
        reason=reason,
    )
    if refused:
        raise ValidationError(refused[0][1])
    if not moved:
        raise Reservation.DoesNotExist(f"reservation {reservation.pk} does not exist")
    reservation.status = moved[0].status
    return moved[0]


def reservations_transition(
    *, reservations, to: str, by=None, reason: str = ""
) -> tuple[int, list[str]]:
    """Move the selected reservations; returns how many moved and the messages of those
    refused."""
    moved, refused = reservations_move(
        reservations=Reservation.objects.filter(pk__in=reservations.values("pk")),
        to=to,
        by=by,
        reason=reason,
    )
    return len(moved), [f"{locked.reference}: {message}" for locked, message in refused]


@transaction.atomic
def reservations_move(
    *,
    reservations,
    to: str,
    by=None,
    actor_kind: str | None = None,
    reason: str = "",
) -> tuple[list[Reservation], list[tuple[Reservation, str]]]:
    """Move the reservations of this queryset to ``to`` in one transaction; returns those
    moved and those refused, with the reason (a move not in the lifecycle's table).

    Their rows and their tables' rows are locked first, by the queryset's own conditions
    (checked again on rows changed meanwhile). Seating occupies the tables; finishing,
    no-show and cancelling free a table nobody else is seated at; cancelling gives the
    pre-ordered dishes back to stock. Every move is recorded in the audit history and sent
    to the live floor. The writes are a few statements, whatever the number of moves.
    """
    locked = list(
        reservations.select_for_update(of=("self", "table"))
        .select_related("table", "customer")
        .order_by("pk")
    )
    moved, refused = [], []
    for reservation in locked:
        if to in RESERVATION_TRANSITIONS.get(reservation.status, ()):
            moved.append(reservation)
            continue
        message = _("A reservation in status «%(from)s» cannot move to «%(to)s».") % {
            "from": reservation.get_status_display(),
            "to": ReservationStatus(to).label if to in ReservationStatus.values else to,
        }
        refused.append((reservation, message))
    if not moved:
        return moved, refused

    _statuses_write(
        moved,
        to=to,
        by=by,
        actor_kind=actor_kind,
        reasons=dict.fromkeys((reservation.pk for reservation in moved), reason),
        **({"seated_at": timezone.now()} if to == ReservationStatus.SEATED else {}),
    )

    if to == ReservationStatus.CANCELLED:
        from billing.services import note_void_with_booking
        from menu.services import pre_orders_release

        for reservation in moved:
            pre_orders_release(reservation=reservation)
            note_void_with_booking(reservation=reservation, reason=_("Booking cancelled"), by=by)
    table_reasons = {reservation.table_id: reservation.reference for reservation in moved}
    if to == ReservationStatus.SEATED:
        _tables_move(
            [reservation.table for reservation in moved],
            to=TableStatus.OCCUPIED,
            by=by,
            actor_kind=actor_kind,
            reasons=table_reasons,
        )
    elif to in (ReservationStatus.FINISHED, ReservationStatus.NO_SHOW, ReservationStatus.CANCELLED):
        still_seated = set(
            Reservation.objects.filter(
                table_id__in=table_reasons, status=ReservationStatus.SEATED
            ).values_list("table_id", flat=True)
        )
        _tables_move(
            [
                reservation.table
                for reservation in moved
                if reservation.table_id not in still_seated
                and reservation.table.status in (TableStatus.OCCUPIED, TableStatus.RESERVED)
            ],
            to=TableStatus.AVAILABLE,
            by=by,
            actor_kind=actor_kind,
            reasons=table_reasons,
        )
    for reservation in moved:
        live.reservation_changed(reservation)
        if to in (ReservationStatus.CONFIRMED, ReservationStatus.CANCELLED):
            event = "confirmation" if to == ReservationStatus.CONFIRMED else "cancellation"
            announce(reservation=reservation, event=event)
    return moved, refused


# --- Following the clock ------------------------------------------------------------------


def reservations_activate(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Move bookings and tables as the clock says; running it twice moves nothing twice.

    - a confirmed booking's table is ``reserved`` from ``seat_window`` before its start;
    - a confirmed booking is seated from its start until ``seat_window`` after it (a run
      that comes later does not seat guests who may never have come);
    - a seated booking is finished ``finish_after_minutes`` after it was seated;
    - if the policy says so, a confirmed booking never seated is a no-show
      ``no_show_after_minutes`` after its start.
    Each kind of move is one ``reservations_move`` as the system, which locks the rows and
    refuses a move already made.
    """
    now = now or timezone.now()
    policy = selectors.booking_policy_get()
    window = dt.timedelta(minutes=policy.seat_window_minutes)
    moves = [
        (
            ReservationStatus.FINISHED,
            Q(
                status=ReservationStatus.SEATED,
                seated_at__lte=now - dt.timedelta(minutes=policy.finish_after_minutes),
            ),
        ),
        (
            ReservationStatus.SEATED,
            Q(status=ReservationStatus.CONFIRMED, starts_at__lte=now, starts_at__gte=now - window),
        ),
    ]
    if policy.no_show_after_minutes is not None:
        late = now - dt.timedelta(minutes=policy.no_show_after_minutes)
        moves.append(
            (ReservationStatus.NO_SHOW, Q(status=ReservationStatus.CONFIRMED, starts_at__lte=late))
        )
    moved = {"reserved": 0, "seated": 0, "finished": 0, "no_show": 0}
    for to, condition in moves:
        done, _ = reservations_move(
            reservations=Reservation.objects.filter(condition), to=to, actor_kind=ActorKind.SYSTEM
        )
        moved[to] += len(done)
    moved["reserved"] = _tables_reserve_for_arrivals(now=now, window=window)
    return moved


@transaction.atomic
def _tables_reserve_for_arrivals(*, now: dt.datetime, window: dt.timedelta) -> int:
    """Mark reserved the free tables of parties due within ``window``; a table that changed
    since it was read is left alone (its status is checked again under the lock)."""
    arriving = Reservation.objects.filter(
        status=ReservationStatus.CONFIRMED, starts_at__gt=now, starts_at__lte=now + window
    )
    tables = list(
        Table.objects.select_for_update()
        .filter(status=TableStatus.AVAILABLE, pk__in=arriving.values("table_id"))
        .order_by("pk")
    )
    if not tables:
        return 0
    # Each table's reason: the reference of the first party due at it.
    reasons = dict(arriving.order_by("-starts_at").values_list("table_id", "reference"))
    return len(
        _tables_move(tables, to=TableStatus.RESERVED, actor_kind=ActorKind.SYSTEM, reasons=reasons)
    )
