"""Delivering messages to customers, one task per message, and events to partners."""

from __future__ import annotations

from celery import current_task
from django.conf import settings
from django.utils import timezone

from notifications import partners, services
from notifications.senders import SendFailed
from restaurants.tasks import restaurant_task


@restaurant_task(
    "notifications.deliver",
    autoretry_for=(SendFailed,),
    max_retries=settings.MESSAGE_MAX_RETRIES,
    retry_backoff=settings.MESSAGE_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=settings.MESSAGE_RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
)
def message_deliver_task(message_id: int) -> str:
    """Send one logged message; provider failures worth it are retried with exponential
    backoff, and the last attempt marks the message failed."""
    request = current_task.request
    return services.message_deliver(
        message_id=message_id, last_attempt=request.retries >= current_task.max_retries
    )


@restaurant_task("notifications.reminders")
def reminders_queue() -> int:
    """Queue the reminders whose time has come."""
    return len(services.reminders_queue())


@restaurant_task("notifications.outbox")
def messages_requeue() -> int:
    """Hand to the workers the messages and partner deliveries queued while the broker was
    down (the partners' lost retries too)."""
    return services.messages_requeue() + partners.partner_deliveries_requeue()


# The deliveries count their own attempts (partners.MAX_ATTEMPTS): Celery's count does not
# know of the attempts made from the admin or by the outbox job.
@restaurant_task(partners.DELIVER_TASK, max_retries=None)
def partner_delivery_task(delivery_id: int) -> str:
    """Make one attempt of a partner delivery; a failed one is tried again when its
    schedule says (1 min, 5 min, 30 min, 2 h, 6 h)."""
    attempted = partners.partner_delivery_send(delivery_id=delivery_id)
    if attempted.retry_at is not None:
        countdown = max((attempted.retry_at - timezone.now()).total_seconds(), 0)
        raise current_task.retry(countdown=countdown)
    return attempted.status
