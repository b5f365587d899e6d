"""Delivering messages to customers, one task per message."""

from __future__ import annotations

from celery import current_task
from django.conf import settings

from notifications import services
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
    """Hand to the workers the messages queued while the broker was down."""
    return services.messages_requeue()
