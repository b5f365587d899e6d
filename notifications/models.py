"""Messages to customers: what each restaurant sends, how, and what became of each one."""

import ipaddress
import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from restaurants.models import Language

E164 = RegexValidator(r"^\+[1-9]\d{6,14}$", _("Use the international format, e.g. +525512345678."))


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class Event(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmation")
    REMINDER = "reminder", _("Reminder")
    CHANGE = "change", pgettext_lazy("booking event", "Change")
    CANCELLATION = "cancellation", _("Cancellation")
    CHAT = "chat", _("Chat reply")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


# The events whose messages a restaurant words itself (a chat reply is written in the chat).
TEMPLATE_EVENTS = [(value, label) for value, label in Event.choices if value != Event.CHAT]


# How far each status is along the way: a callback never moves a message back.
STATUS_RANK = {
    MessageStatus.PENDING: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
    MessageStatus.FAILED: 4,
    MessageStatus.SKIPPED: 4,
}


def default_reminder_hours() -> list[int]:
    return [24, 2]


class MessagingSettings(models.Model):
    """How one restaurant reaches its customers: one row per restaurant schema.

    Blank senders and account use the platform's (settings); the auth token is write-only.
    """

    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, default=Channel.WHATSAPP
    )
    whatsapp_from = models.CharField(
        _("WhatsApp sender number"), max_length=16, blank=True, validators=[E164]
    )
    sms_from = models.CharField(
        _("SMS sender number"), max_length=16, blank=True, validators=[E164]
    )
    email_from = models.EmailField(_("email sender"), blank=True)
    twilio_account_sid = models.CharField(
        _("Twilio account SID"),
        max_length=34,
        blank=True,
        validators=[
            RegexValidator(r"^AC[0-9a-fA-F]{32}$", _("An account SID is AC + 32 hex digits."))
        ],
    )
    twilio_auth_token = models.CharField(_("Twilio auth token"), max_length=64, blank=True)
    meta_phone_number_id = models.CharField(
        _("Meta phone number id"),
        max_length=32,
        blank=True,
        validators=[RegexValidator(r"^\d{5,32}$", _("A phone number id is digits only."))],
        help_text=_("WhatsApp Cloud API: the id of the number customers write to."),
    )
    meta_access_token = models.CharField(_("Meta access token"), max_length=512, blank=True)
    meta_app_secret = models.CharField(_("Meta app secret"), max_length=64, blank=True)
    meta_verify_token = models.CharField(
        _("Meta verify token"),
        max_length=64,
        blank=True,
        help_text=_("Any word you also type in Meta's webhook settings."),
    )
    reminder_hours = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(336)]),
        verbose_name=_("reminders (hours before)"),
        default=default_reminder_hours,
        blank=True,
        size=4,
        help_text=_("Comma-separated, e.g. 24,2. Empty: no reminders."),
    )

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")

    def __str__(self):
        return str(_("Messaging settings"))


class MessageTemplate(models.Model):
    """A restaurant's own wording of one event's message in one language."""

    event = models.CharField(_("event"), max_length=20, choices=TEMPLATE_EVENTS)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    subject = models.CharField(_("email subject"), max_length=150, blank=True)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["event", "language"]
        constraints = [
            models.UniqueConstraint(fields=["event", "language"], name="message_template_unique")
        ]

    def __str__(self):
        return f"{self.get_event_display()} ({self.language})"


class Message(models.Model):
    """One message to a customer and what became of it."""

    reservation = models.ForeignKey(
        "reservations.Reservation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("reservation"),
    )
    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=5)
    subject = models.CharField(_("subject"), max_length=150, blank=True)
    body = models.TextField(_("text"))
    # The booking's start when the message was written: a reminder for another time is stale.
    about_starts_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    provider = models.CharField(_("sent through"), max_length=10, blank=True)
    # A chat reply goes back the way the customer wrote: through Meta's API or Twilio, from
    # the number (or Meta phone number id) they wrote to. Blank: the restaurant's default.
    via = models.CharField(max_length=10, blank=True, editable=False)
    sender = models.CharField(max_length=64, blank=True, editable=False)
    # Meta's ids (wamid.…) run to 60 characters and more.
    provider_message_id = models.CharField(_("provider's id"), max_length=128, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # One message per (reservation, event, channel[, moment]), whoever asks how often.
    idempotency_key = models.CharField(max_length=120, unique=True, editable=False)
    # A delivery under way holds the message until then; a crashed one is taken over after.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("message log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["provider_message_id"],
                name="message_provider_id",
                condition=~models.Q(provider_message_id=""),
            )
        ]

    def __str__(self):
        return f"{self.get_event_display()} → {self.recipient} ({self.get_status_display()})"


class OptOut(models.Model):
    """A phone or email that asked for no more messages on a channel (e.g. replied STOP)."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("phone or email"), max_length=254)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="opt_out_unique")
        ]

    def __str__(self):
        return f"{self.address} ({self.get_channel_display()})"


# --- Partners' webhooks -----------------------------------------------------------------


class PartnerEvent(models.TextChoices):
    RESERVATION_CREATED = "reservation.created", _("Booking created")
    RESERVATION_UPDATED = "reservation.updated", _("Booking changed")
    RESERVATION_CANCELLED = "reservation.cancelled", _("Booking cancelled")
    NOTE_PAID = "note.paid", _("Bill paid")
    # Sent from the admin to check a webhook; nobody subscribes to it.
    PING = "ping", _("Test event")


SUBSCRIBABLE_EVENTS = [(value, label) for value, label in PartnerEvent.choices if value != "ping"]


class PartnerDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


def partner_secret_new() -> str:
    """A webhook's signing secret: 256 random bits, made on the server, never typed."""
    return "whsec_" + secrets.token_urlsafe(32)


def partner_url_problem(url: str) -> str:
    """Why the worker must not POST to ``url``, or ''.

    In production only https to a name on the internet: plain http would carry the signed
    bookings in clear, and localhost, private or link-local addresses and single-label
    names (``redis``, ``db``) are the platform's own network, which a restaurant's setting
    must not reach. With DEBUG on, any http(s) address (a receiver on the developer's
    machine). Names are not resolved here: one pointing at a private address is let by.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host:
        return str(_("Enter an http or https address."))
    if settings.DEBUG:
        return ""
    if parts.scheme != "https":
        return str(_("The address must begin with https://."))
    if parts.username or parts.password:
        return str(_("Leave user names and passwords out of the address."))
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        internal = host == "localhost" or host.endswith(".localhost") or "." not in host
    else:
        internal = not address.is_global
    if internal:
        return str(_("The address must be on the internet, not on the platform's own network."))
    return ""


def partner_url_validate(url: str) -> None:
    problem = partner_url_problem(url)
    if problem:
        raise ValidationError(problem, code="partner_url")


class PartnerWebhook(models.Model):
    """An address of a partner's (a POS, a CRM …) told of this restaurant's bookings and
    paid bills, each request signed with the webhook's secret."""

    name = models.CharField(_("partner"), max_length=80)
    url = models.URLField(
        _("URL"),
        max_length=500,
        validators=[partner_url_validate],
        help_text=_("Where the events are POSTed: an https address on the internet."),
    )
    events = ArrayField(
        models.CharField(max_length=30, choices=SUBSCRIBABLE_EVENTS),
        verbose_name=_("events"),
        default=list,
        blank=True,
    )
    secret = models.CharField(
        _("signing secret"), max_length=64, default=partner_secret_new, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("partner webhook")
        verbose_name_plural = _("partner webhooks")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class PartnerDelivery(models.Model):
    """One event sent (or being sent) to one partner webhook, and how it went."""

    webhook = models.ForeignKey(
        PartnerWebhook,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("partner webhook"),
    )
    event = models.CharField(_("event"), max_length=30, choices=PartnerEvent.choices)
    # The same for every webhook told of one event: partners skip an event seen before.
    event_id = models.UUIDField(_("event id"), db_index=True, editable=False)
    delivery_id = models.UUIDField(
        _("delivery id"), default=uuid.uuid4, unique=True, editable=False
    )
    payload = models.JSONField(_("payload"), editable=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PartnerDeliveryStatus.choices,
        default=PartnerDeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # An attempt under way holds the delivery until then; a crashed one is taken over after.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner delivery")
        verbose_name_plural = _("partner deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="partner_delivery_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self):
        return f"{self.event} → {self.webhook} ({self.get_status_display()})"
