"""Messages to customers: queued once per booking event and channel, delivered by a task.

A message is written to the log (``Message``) in the booking's own transaction and handed
to a Celery task only after it commits: the booking never waits for a provider. Its
idempotency key makes one row per (reservation, event, channel); a delivery claims the row
before sending, so a redelivered or duplicated task does not send it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from babel.dates import format_date
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from billing.models import ConsumptionNote
from billing.selectors import pre_order_estimate
from notifications import senders, texts
from notifications.models import (
    STATUS_RANK,
    Channel,
    Event,
    Message,
    MessageStatus,
    MessagingSettings,
    OptOut,
)
from reservations.links import manage_token_for
from reservations.models import Reservation, ReservationStatus
from reservations.selectors import booking_policy_cached, restaurant_zone
from restaurants.models import InboundNumber, InboundProvider
from restaurants.money import money

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.deliver"
# A delivery under way holds its message this long; then another may take it over.
CLAIM = dt.timedelta(minutes=2)


def messaging_settings() -> MessagingSettings:
    """This restaurant's messaging settings (created with the defaults on first use)."""
    current = MessagingSettings.objects.first()
    return current if current is not None else MessagingSettings.objects.create()


def _inbound_numbers(messaging: MessagingSettings) -> dict[tuple[str, str], str]:
    """The numbers customers write to under ``messaging``: (provider, address) → its field."""
    numbers: dict[tuple[str, str], str] = {}
    for field in ("whatsapp_from", "sms_from"):
        if getattr(messaging, field):
            numbers.setdefault((InboundProvider.TWILIO, getattr(messaging, field)), field)
    if messaging.meta_phone_number_id:
        numbers[(InboundProvider.META, messaging.meta_phone_number_id)] = "meta_phone_number_id"
    return numbers


def inbound_numbers_check(*, messaging: MessagingSettings) -> None:
    """ValidationError on each field whose number another restaurant already receives on."""
    restaurant = connection.tenant
    errors: dict[str, list[str]] = {}
    for (provider, address), field in _inbound_numbers(messaging).items():
        taken = (
            InboundNumber.objects.filter(provider=provider, address=address)
            .exclude(restaurant_id=restaurant.pk)
            .exists()
        )
        if taken:
            errors.setdefault(field, []).append(
                translation.gettext(
                    "Another restaurant already receives its customers' messages on %(number)s."
                )
                % {"number": address}
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def messaging_settings_save(*, messaging: MessagingSettings) -> MessagingSettings:
    """Save this restaurant's messaging settings and put its numbers in the public table that
    platform webhooks find restaurants by; a number another restaurant has is refused
    (ValidationError on its field)."""
    inbound_numbers_check(messaging=messaging)
    messaging.save()
    restaurant = connection.tenant
    numbers = _inbound_numbers(messaging)
    InboundNumber.objects.filter(restaurant_id=restaurant.pk).delete()
    try:
        with transaction.atomic():
            InboundNumber.objects.bulk_create(
                InboundNumber(provider=provider, address=address, restaurant_id=restaurant.pk)
                for provider, address in numbers
            )
    except IntegrityError:
        # Another restaurant took one of the numbers since the check above.
        inbound_numbers_check(messaging=messaging)
        raise
    return messaging


def _public_url(host: str) -> str:
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{host}{port}"


def restaurant_public_url() -> str:
    """This restaurant's address as customers and Twilio reach it (settings behind a proxy)."""
    return _public_url(f"{connection.tenant.slug}.{settings.TENANT_BASE_DOMAIN}")


def platform_public_url() -> str:
    """The platform's own address as providers reach it (its base domain; settings behind a
    proxy): the webhooks shared by every restaurant are signed on it."""
    return _public_url(settings.TENANT_BASE_DOMAIN)


def _channels(preferred: str) -> list[str]:
    return [preferred, *(channel for channel in Channel.values if channel != preferred)]


def _address(customer, channel: str) -> str:
    return customer.email if channel == Channel.EMAIL else customer.phone


def channel_for(customer, *, preferred: str) -> tuple[str, str] | None:
    """The channel and address to reach ``customer``: the restaurant's preferred channel
    first, then the others the customer has an address for and did not opt out of."""
    for channel in _channels(preferred):
        address = _address(customer, channel)
        if address and not OptOut.objects.filter(channel=channel, address=address).exists():
            return channel, address
    return None


def message_values(reservation: Reservation, language: str) -> dict[str, str]:
    """What a booking's message says, in ``language``: the placeholders' values."""
    zone = restaurant_zone()
    local_start = reservation.starts_at.astimezone(zone)
    note = ConsumptionNote.objects.filter(reservation=reservation).first()
    pre_orders = list(reservation.pre_orders.select_related("dish").order_by("pk"))
    estimate = pre_order_estimate(
        table_price=reservation.table.reservation_price,
        items=[(item.dish.name, item.quantity, item.unit_price) for item in pre_orders],
    )
    with translation.override(language):
        return {
            "restaurant": connection.tenant.name,
            "name": reservation.customer.first_name,
            "reference": reservation.reference,
            "note_number": note.number if note else "",
            "date": format_date(local_start.date(), format="full", locale=language),
            "time": f"{local_start:%H:%M}",
            "table": reservation.table.code,
            "area": str(reservation.table.get_area_display()),
            "party_size": str(reservation.party_size),
            "dishes": "\n".join(
                f"{quantity} × {name}: {money(amount)}"
                for name, quantity, _price, amount in estimate.lines
            ),
            "table_price": money(estimate.table_price),
            "subtotal": money(note.subtotal if note else estimate.subtotal),
            "tax": money(note.tax if note else estimate.tax),
            "total": money(note.total if note else estimate.total),
            "manage_link": restaurant_public_url()
            + reverse("booking-manage", args=[manage_token_for(reservation)]),
            "phone": booking_policy_cached().phone_display,
        }


def reservation_message_queue(*, reservation: Reservation, event: str, moment: str = "") -> Message:
    """Log one message about ``reservation`` for ``event`` and send it after commit, once.

    ``moment`` tells apart messages of one event that may rightly be sent more than once
    (the reminder for each hour before a given start time). Asking again returns the message
    already queued.
    """
    reservation = Reservation.objects.select_related("customer", "table").get(pk=reservation.pk)
    customer = reservation.customer
    messaging = messaging_settings()
    reach = channel_for(customer, preferred=messaging.preferred_channel)
    channel, recipient = reach or (messaging.preferred_channel, "")
    key = f"{reservation.pk}:{event}:{channel}" + (f":{moment}" if moment else "")
    existing = Message.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    language = customer.language or getattr(connection.tenant, "language", "es")
    subject, body = texts.template_for(event, language)
    values = message_values(reservation, language)
    fields = {
        "reservation": reservation,
        "event": event,
        "channel": channel,
        "recipient": recipient,
        "language": language,
        "about_starts_at": reservation.starts_at,
        "subject": texts.render(subject, values),
        "body": texts.render(body, values),
    }
    if reach is None:
        fields.update(
            status=MessageStatus.SKIPPED,
            error=translation.gettext("The customer has no phone or email we may write to."),
        )
    message, created = Message.objects.get_or_create(idempotency_key=key, defaults=fields)
    if created and message.status == MessageStatus.PENDING:
        schema_name = connection.schema_name
        transaction.on_commit(lambda: _deliver_later(schema_name, message.pk))
    return message


def chat_reply_queue(
    *,
    channel: str,
    recipient: str,
    body: str,
    language: str,
    via: str,
    sender: str,
    key: str | None = None,
) -> Message:
    """Log a reply in a customer's chat and send it after commit: through ``via`` (meta or
    twilio; blank: the restaurant's default) from ``sender``; once per ``key`` when given."""
    fields = {
        "event": Event.CHAT,
        "channel": channel,
        "recipient": recipient,
        "language": language,
        "body": body,
        "via": via,
        "sender": sender,
    }
    if OptOut.objects.filter(channel=channel, address=recipient).exists():
        fields.update(
            status=MessageStatus.SKIPPED,
            error=translation.gettext("The customer opted out of this channel."),
        )
    if key is None:
        message, created = (
            Message.objects.create(idempotency_key=f"chat:{uuid.uuid4()}", **fields),
            True,
        )
    else:
        message, created = Message.objects.get_or_create(idempotency_key=key, defaults=fields)
    if created and message.status == MessageStatus.PENDING:
        schema_name = connection.schema_name
        transaction.on_commit(lambda: _deliver_later(schema_name, message.pk))
    return message


def _deliver_later(schema_name: str, message_id: int) -> None:
    """Hand the message to a worker; with the broker (Redis) down it stays pending in the
    log and the outbox job (``messages_requeue``) hands it over once Redis is back."""
    if not cache.reachable():
        return
    try:
        # By name: the task is a door above this module (notifications/tasks.py).
        current_app.send_task(DELIVER_TASK, args=[schema_name, message_id])
    except Exception as error:  # noqa: BLE001 - any broker failure leaves it to the outbox job
        logger.warning(
            "message left in the outbox id=%s: broker unreachable (%s)",
            message_id,
            error.__class__.__name__,
        )


# A message younger than this may still be on its way to a worker.
OUTBOX_GRACE = dt.timedelta(seconds=30)
OUTBOX_BATCH = 500


def messages_requeue(*, now: dt.datetime | None = None) -> int:
    """Hand again to the workers the pending messages none ever took (the broker was down
    when they were queued); returns how many. The delivery's claim still sends each once."""
    now = now or timezone.now()
    waiting = list(
        Message.objects.filter(
            status=MessageStatus.PENDING,
            attempts=0,
            claimed_until__isnull=True,
            created_at__lt=now - OUTBOX_GRACE,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:OUTBOX_BATCH]
    )
    schema_name = connection.schema_name
    for message_id in waiting:
        _deliver_later(schema_name, message_id)
    return len(waiting)


def message_deliver(*, message_id: int, last_attempt: bool = True) -> str:
    """Send a pending message unless another delivery holds it or it went already; returns
    its status. A provider failure worth retrying is raised again (``SendFailed``) unless
    this is the last attempt; then, as for any other failure, the message is ``failed``
    with the provider's error."""
    now = timezone.now()
    claimed = (
        Message.objects.filter(pk=message_id, status=MessageStatus.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM, attempts=F("attempts") + 1)
    )
    message = Message.objects.select_related("reservation").filter(pk=message_id).first()
    if message is None:
        logger.warning("message to deliver not found id=%s", message_id)
        return ""
    if not claimed:
        return message.status
    stale = _stale(message)
    if stale:
        _finish(message, status=MessageStatus.SKIPPED, error=stale)
        return message.status
    try:
        sent = _send(message)
    except senders.SendFailed as failure:
        if failure.retry and not last_attempt:
            _finish(message, status=MessageStatus.PENDING, error=failure.error)
            raise
        _finish(message, status=MessageStatus.FAILED, error=failure.error, failed_at=timezone.now())
        logger.warning(
            "message failed id=%s channel=%s attempts=%s: %s",
            message.pk,
            message.channel,
            message.attempts,
            failure.error,
        )
        return message.status
    _finish(
        message,
        status=MessageStatus.SENT,
        error="",
        provider=sent.provider,
        provider_message_id=sent.provider_message_id,
        sent_at=timezone.now(),
    )
    return message.status


def _finish(message: Message, **fields) -> None:
    fields["claimed_until"] = None
    fields["updated_at"] = timezone.now()
    Message.objects.filter(pk=message.pk).update(**fields)
    for field, value in fields.items():
        setattr(message, field, value)


def _stale(message: Message) -> str:
    """Why a message should not go any more, or ''."""
    if OptOut.objects.filter(channel=message.channel, address=message.recipient).exists():
        return translation.gettext("The customer opted out of this channel.")
    reservation = message.reservation
    if message.event == Event.REMINDER:
        if reservation is None or reservation.status != ReservationStatus.CONFIRMED:
            return translation.gettext("The booking is no longer confirmed.")
        if reservation.starts_at != message.about_starts_at:
            return translation.gettext("The booking was moved to another time.")
    return ""


def _send(message: Message) -> senders.Sent:
    messaging = messaging_settings()
    if message.channel == Channel.EMAIL:
        if not senders.email_configured():
            return senders.Sent(provider=senders.OUTBOX)
        return senders.send_email(
            sender=messaging.email_from,
            to=message.recipient,
            subject=message.subject,
            body=message.body,
        )
    if message.via == InboundProvider.META:
        phone_number_id = message.sender or messaging.meta_phone_number_id
        access_token = messaging.meta_access_token or settings.META_ACCESS_TOKEN
        if not (phone_number_id and access_token):
            return senders.Sent(provider=senders.OUTBOX)
        return senders.send_meta(
            phone_number_id=phone_number_id,
            access_token=access_token,
            to=message.recipient,
            body=message.body,
        )
    account = senders.twilio_account(messaging)
    if account is None:
        return senders.Sent(provider=senders.OUTBOX)
    return senders.send_twilio(
        account=account,
        channel=message.channel,
        to=message.recipient,
        body=message.body,
        callback_url=senders.status_callback_url(restaurant_public_url()),
        sender=message.sender,
    )


# Twilio's and Meta's statuses that the log keeps; the others (queued, sending, …) change
# nothing.
PROVIDER_STATUSES = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.READ,
    "undelivered": MessageStatus.FAILED,
    "failed": MessageStatus.FAILED,
}
STATUS_TIMES = {
    MessageStatus.SENT: "sent_at",
    MessageStatus.DELIVERED: "delivered_at",
    MessageStatus.READ: "read_at",
    MessageStatus.FAILED: "failed_at",
}


PROVIDER_NAMES = {InboundProvider.TWILIO: "Twilio", InboundProvider.META: "Meta"}


@transaction.atomic
def message_status_record(
    *,
    provider_message_id: str,
    provider_status: str,
    error_code: str = "",
    provider: str = InboundProvider.TWILIO,
):
    """Note what the provider says became of a message; a status never goes back (a late or
    replayed callback changes nothing). Returns the message, or None if it is not ours."""
    status = PROVIDER_STATUSES.get(provider_status)
    message = (
        Message.objects.select_for_update().filter(provider_message_id=provider_message_id).first()
        if provider_message_id
        else None
    )
    if message is None or status is None:
        return message
    if STATUS_RANK[status] <= STATUS_RANK[message.status]:
        return message
    fields = {"status": status, STATUS_TIMES[status]: timezone.now()}
    if status == MessageStatus.FAILED:
        name = PROVIDER_NAMES.get(provider, provider)
        fields["error"] = f"{name} error {error_code or '?'} ({provider_status})"
    _finish(message, **fields)
    return message


STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "BAJA", "ALTO", "PARAR"}
# In a chat "cancel" or "alto" alone is far likelier about a booking than about messages.
CHAT_STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "BAJA"}
START_WORDS = {"START", "UNSTOP", "YES", "ALTA", "INICIO"}


def opt_out_reply_take(*, channel: str, address: str, text: str, opt_out_type: str = "") -> bool:
    """A customer's message that is STOP (or the provider says it is an opt-out) opts them
    out of ``channel``, START back in; True if it was one of these, and nothing else is due.

    START words count only from a customer who opted out: "yes" from anyone else is an
    answer to the assistant."""
    word = text.strip().upper()
    opt_out_type = opt_out_type.upper()
    if not address:
        return False
    stop_words = CHAT_STOP_WORDS if channel == Channel.WHATSAPP else STOP_WORDS
    if opt_out_type == "STOP" or word in stop_words:
        opt_out(channel=channel, address=address)
        return True
    if (opt_out_type == "START" or word in START_WORDS) and OptOut.objects.filter(
        channel=channel, address=address
    ).exists():
        opt_in(channel=channel, address=address)
        return True
    return False


def opt_out(*, channel: str, address: str) -> None:
    """No more messages to ``address`` on ``channel``, until it asks again."""
    OptOut.objects.get_or_create(channel=channel, address=address)


def opt_in(*, channel: str, address: str) -> None:
    OptOut.objects.filter(channel=channel, address=address).delete()


def reminders_queue(*, now: dt.datetime | None = None) -> list[Message]:
    """Queue the reminder each confirmed booking is due now: the one of the nearest
    reminder time already passed (24 h, 2 h … before its start, per restaurant), once per
    start time. A booking made after a reminder time does not get that reminder late, and a
    reminder whose time passed unsent gives way to the next one."""
    now = now or timezone.now()
    hours = sorted(set(messaging_settings().reminder_hours))
    if not hours:
        return []
    upcoming = Reservation.objects.filter(
        status=ReservationStatus.CONFIRMED,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(hours=hours[-1]),
    ).order_by("starts_at")
    queued = []
    for reservation in upcoming:
        before = next(
            hour for hour in hours if reservation.starts_at - dt.timedelta(hours=hour) <= now
        )
        reminder_time = reservation.starts_at - dt.timedelta(hours=before)
        if reservation.created_at > reminder_time:
            continue
        queued.append(
            reservation_message_queue(
                reservation=reservation,
                event=Event.REMINDER,
                moment=f"{before}h-{reservation.starts_at.astimezone(dt.UTC):%Y%m%dT%H%MZ}",
            )
        )
    return queued


def reservation_announce(*, reservation: Reservation, event: str, moment: str = "") -> None:
    """Queue ``event``'s message about ``reservation`` once the current transaction commits.

    Queuing runs after the commit, so the booking stands whatever happens to its message;
    an error is logged, never raised into the booking.
    """
    tenant, reservation_id = connection.tenant, reservation.pk

    def queue():
        with tenant_context(tenant):
            reservation_message_queue(
                reservation=Reservation(pk=reservation_id), event=event, moment=moment
            )

    transaction.on_commit(queue, robust=True)
