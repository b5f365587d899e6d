"""Signed webhooks to partners: what happened to the restaurant's bookings and bills,
POSTed to the addresses its manager configured.

An event (``reservation.created`` …) is written as one ``PartnerDelivery`` per active
webhook subscribed to it, in the booking's own transaction, and handed to a Celery task only
after the commit: a rolled-back booking tells nobody, and a committed one is never lost (with
the broker down it waits in the log and the outbox job hands it over). The payload is a
snapshot taken then, small and without the customer's name, phone or email: partners read
the rest through the API with their token.

Each attempt is signed afresh: ``Comensal-Signature: sha256=<hex>``, the HMAC-SHA256 of
``"<Comensal-Timestamp>.<raw body>"`` with the webhook's secret. A 2xx answer delivers it;
anything else (another status, a timeout, no connection) is tried again 1 min, 5 min,
30 min, 2 h and 6 h later, then the delivery is failed. Delivery is at least once: a
partner skips an event whose ``id`` it has seen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

import requests
from celery import current_app
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from billing.models import ConsumptionNote
from notifications.models import (
    PartnerDelivery,
    PartnerDeliveryStatus,
    PartnerEvent,
    PartnerWebhook,
    partner_secret_new,
    partner_url_problem,
)
from reservations.models import Reservation
from reservations.selectors import restaurant_zone

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.partner_deliver"
PAYLOAD_VERSION = 1
TIMEOUT_SECONDS = 10
# The wait before each new attempt after a failed one: six attempts in all, over ~9 hours.
RETRY_SCHEDULE = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
# An attempt under way holds its delivery this long (the timeout and some); then another
# may take it over.
CLAIM = dt.timedelta(minutes=1)
# A task a little early (clocks, the broker's countdown) still counts as on time. A copy
# of a retry the broker handed out twice finds the attempt made and sends nothing.
ON_TIME = dt.timedelta(seconds=5)
# A delivery this late was lost on its way to a worker (the broker was down): the outbox
# job hands it over again.
LOST_AFTER = dt.timedelta(minutes=2)
REQUEUE_BATCH = 500
USER_AGENT = "Comensal-Webhooks/1"

_session = requests.Session()


# --- The event: written with the booking, sent after its commit ---------------------------


def _time(moment: dt.datetime | None, zone) -> str | None:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _reservation_data(reservation: Reservation, zone) -> dict:
    # The customer is named by id only: a partner with an API token reads the rest, and a
    # partner's logs keep no one's name, phone or email.
    return {
        "id": reservation.pk,
        "reference": reservation.reference,
        "status": reservation.status,
        "source": reservation.source,
        "starts_at": _time(reservation.starts_at, zone),
        "ends_at": _time(reservation.ends_at, zone),
        "party_size": reservation.party_size,
        "table": reservation.table.code,
        "area": reservation.table.area,
        "customer_id": reservation.customer_id,
    }


def _note_data(note: ConsumptionNote, zone) -> dict:
    return {
        "id": note.pk,
        "number": note.number,
        "status": note.status,
        "currency": note.currency,
        "subtotal": _money(note.subtotal),
        "tax": _money(note.tax),
        "discount": _money(note.discount),
        "total": _money(note.total),
        "payment_method": note.payment_method,
        "paid_at": _time(note.paid_at, zone),
    }


def partner_payload(
    *,
    event: str,
    event_id: uuid.UUID,
    reservation: Reservation | None = None,
    note: ConsumptionNote | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """What partners are told of ``event``: ids, reference, status, times with the
    restaurant's offset, party, source and table; for a note its number and amounts (money as
    strings, never floats). Versioned by ``version``."""
    zone = restaurant_zone()
    if note is not None and reservation is None:
        # Read again: the note's own copy may be older than a move made with its payment.
        reservation = Reservation.objects.select_related("table").get(pk=note.reservation_id)
    data = {}
    if reservation is not None:
        data["reservation"] = _reservation_data(reservation, zone)
    if note is not None:
        data["note"] = _note_data(note, zone)
    return {
        "id": str(event_id),
        "type": event,
        "version": PAYLOAD_VERSION,
        "occurred_at": _time(now or timezone.now(), zone),
        "restaurant": connection.tenant.slug,
        "data": data,
    }


def partner_event(
    *, event: str, reservation: Reservation | None = None, note: ConsumptionNote | None = None
) -> list[PartnerDelivery]:
    """Tell the partners subscribed to ``event`` about ``reservation`` (or ``note``) once the
    current transaction commits: one delivery per active webhook, written now."""
    webhooks = list(PartnerWebhook.objects.filter(is_active=True, events__contains=[event]))
    if not webhooks:
        return []
    now = timezone.now()
    event_id = uuid.uuid4()
    payload = partner_payload(
        event=event, event_id=event_id, reservation=reservation, note=note, now=now
    )
    deliveries = PartnerDelivery.objects.bulk_create(
        PartnerDelivery(
            webhook=webhook, event=event, event_id=event_id, payload=payload, next_attempt_at=now
        )
        for webhook in webhooks
    )
    _send_after_commit([delivery.pk for delivery in deliveries])
    return deliveries


def _send_after_commit(delivery_ids: list[int]) -> None:
    schema_name = connection.schema_name
    transaction.on_commit(lambda: _send_later(schema_name, delivery_ids), robust=True)


def _send_later(schema_name: str, delivery_ids: list[int]) -> None:
    """Hand the deliveries to the workers; with the broker (Redis) down they stay pending
    and the outbox job (``partner_deliveries_requeue``) hands them over once it is back."""
    if not cache.reachable():
        return
    for delivery_id in delivery_ids:
        try:
            # By name: the task is a door above this module (notifications/tasks.py).
            current_app.send_task(DELIVER_TASK, args=[schema_name, delivery_id])
        except Exception as error:  # noqa: BLE001 - the outbox job sends it later
            logger.warning(
                "partner delivery left for the outbox id=%s: broker unreachable (%s)",
                delivery_id,
                error.__class__.__name__,
            )
            return


def partner_deliveries_requeue(*, now: dt.datetime | None = None) -> int:
    """Hand again to the workers the pending deliveries whose attempt is long overdue (the
    broker was down, or lost the retry); returns how many. The claim still sends each once."""
    now = now or timezone.now()
    lost = list(
        PartnerDelivery.objects.filter(
            status=PartnerDeliveryStatus.PENDING, next_attempt_at__lt=now - LOST_AFTER
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    _send_later(connection.schema_name, lost)
    return len(lost)


# --- The attempt ------------------------------------------------------------------------


def partner_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed by ``secret``."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def partner_body(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Attempted:
    """What became of a delivery: its status, and when it is to be tried again if so."""

    status: str
    retry_at: dt.datetime | None = None


def partner_delivery_send(*, delivery_id: int) -> Attempted:
    """Make the delivery's attempt if it is due and no other attempt holds it: POST the
    signed payload, and mark it delivered (2xx), due again later, or failed after the last
    attempt. Running it twice, or early, sends nothing the second time."""
    now = timezone.now()
    claimed = (
        PartnerDelivery.objects.filter(pk=delivery_id, status=PartnerDeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + ON_TIME))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM, attempts=F("attempts") + 1)
    )
    delivery = PartnerDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        logger.warning("partner delivery not found id=%s", delivery_id)
        return Attempted(status="")
    if not claimed:
        return Attempted(status=delivery.status)
    webhook = delivery.webhook
    refusal = partner_url_problem(webhook.url)
    if not webhook.is_active:
        refusal = translation.gettext("The webhook is turned off.")
    if refusal:
        _record(delivery, status=PartnerDeliveryStatus.FAILED, last_error=refusal[:300])
        return Attempted(status=delivery.status)
    status_code, error = _post(delivery, webhook)
    if error is None:
        _record(
            delivery,
            status=PartnerDeliveryStatus.DELIVERED,
            last_status_code=status_code,
            last_error="",
            delivered_at=timezone.now(),
            next_attempt_at=None,
        )
        logger.info(
            "partner delivery delivered id=%s event=%s webhook=%s attempt=%s status=%s",
            delivery.pk,
            delivery.event,
            webhook.pk,
            delivery.attempts,
            status_code,
        )
        return Attempted(status=delivery.status)
    if delivery.attempts >= MAX_ATTEMPTS:
        status, retry_at = PartnerDeliveryStatus.FAILED, None
    else:
        status = PartnerDeliveryStatus.PENDING
        retry_at = timezone.now() + RETRY_SCHEDULE[delivery.attempts - 1]
    _record(
        delivery,
        status=status,
        last_status_code=status_code,
        last_error=error[:300],
        next_attempt_at=retry_at,
    )
    logger.warning(
        "partner delivery %s id=%s event=%s webhook=%s attempt=%s: %s",
        "failed" if retry_at is None else "to retry",
        delivery.pk,
        delivery.event,
        webhook.pk,
        delivery.attempts,
        error,
    )
    return Attempted(status=delivery.status, retry_at=retry_at)


def _post(delivery: PartnerDelivery, webhook: PartnerWebhook) -> tuple[int | None, str | None]:
    """POST the signed payload; the answer's status code, and the error (None: delivered)."""
    body = partner_body(delivery.payload)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Comensal-Event": delivery.event,
        "Comensal-Delivery": str(delivery.delivery_id),
        "Comensal-Timestamp": timestamp,
        "Comensal-Signature": partner_signature(
            secret=webhook.secret, timestamp=timestamp, body=body
        ),
    }
    try:
        # Redirects are not followed (another address is not the one the manager set), and
        # the answer's body is never read.
        response = _session.post(
            webhook.url,
            data=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        )
    except requests.Timeout:
        return None, f"no answer within {TIMEOUT_SECONDS} s"
    except requests.RequestException as error:
        return None, f"could not connect ({type(error).__name__})"
    response.close()
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code} {response.reason or ''}".strip()


def _record(delivery: PartnerDelivery, **fields) -> None:
    fields["claimed_until"] = None
    PartnerDelivery.objects.filter(pk=delivery.pk).update(**fields)
    for field, value in fields.items():
        setattr(delivery, field, value)


# --- The manager's acts (admin) ---------------------------------------------------------


def partner_deliveries_retry(*, deliveries) -> int:
    """Try these deliveries again now, delivered ones excepted (a failed one gets one more
    attempt); returns how many were handed over."""
    now = timezone.now()
    chosen = list(
        deliveries.exclude(status=PartnerDeliveryStatus.DELIVERED).values_list("pk", flat=True)
    )
    with transaction.atomic():
        PartnerDelivery.objects.filter(pk__in=chosen).update(
            status=PartnerDeliveryStatus.PENDING, next_attempt_at=now
        )
        _send_after_commit(chosen)
    return len(chosen)


@transaction.atomic
def partner_webhook_test(*, webhook: PartnerWebhook) -> PartnerDelivery:
    """Send the webhook a ``ping`` event (sample data, no booking) to check its address
    and its signature checking; logged as any delivery."""
    now = timezone.now()
    event_id = uuid.uuid4()
    payload = partner_payload(event=PartnerEvent.PING, event_id=event_id, now=now)
    payload["data"] = {"webhook": webhook.pk}
    delivery = PartnerDelivery.objects.create(
        webhook=webhook,
        event=PartnerEvent.PING,
        event_id=event_id,
        payload=payload,
        next_attempt_at=now,
    )
    _send_after_commit([delivery.pk])
    return delivery


def partner_webhook_save(*, webhook: PartnerWebhook) -> PartnerWebhook:
    """Save a webhook whose address is one the worker may POST to (ValidationError on the
    ``url`` field otherwise)."""
    webhook.full_clean()
    webhook.save()
    return webhook


def partner_webhook_secret_regenerate(*, webhook: PartnerWebhook) -> PartnerWebhook:
    """Give the webhook a new secret: every attempt from now on, pending ones included, is
    signed with it."""
    webhook.secret = partner_secret_new()
    webhook.save(update_fields=["secret", "updated_at"])
    return webhook
