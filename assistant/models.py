"""Chats with customers: one conversation per customer phone at a time, every message in
and out, what the assistant has gathered so far, and who is answering (assistant or staff)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.models import Channel

# A conversation that is a phone call with a voice agent (no messages are sent on it).
VOICE = "voice"


class Engine(models.TextChoices):
    OFFLINE = "offline", _("The built-in rules")
    MODEL = "model", _("The OpenAI model")
    MODEL_WITH_FALLBACK = "model_fallback", _("The OpenAI model, the rules when it fails")


class AssistantSettings(models.Model):
    """How the assistant behaves for this restaurant: one row per restaurant schema."""

    enabled = models.BooleanField(
        _("the assistant answers"),
        default=True,
        help_text=_("Off: customers' chats wait in the inbox for staff."),
    )
    idle_minutes = models.PositiveSmallIntegerField(
        _("a chat ends after (minutes idle)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    misunderstood_turns = models.PositiveSmallIntegerField(
        _("hand over to staff after (messages not understood)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    engine = models.CharField(
        _("who answers"),
        max_length=20,
        choices=Engine.choices,
        default=Engine.MODEL_WITH_FALLBACK,
        help_text=_("Without an OpenAI key the built-in rules answer whatever is chosen."),
    )
    openai_api_key = models.CharField(_("OpenAI API key"), max_length=200, blank=True)
    openai_model = models.CharField(_("OpenAI model"), max_length=60, default="gpt-4.1-mini")
    max_tool_calls = models.PositiveSmallIntegerField(
        _("tool calls per customer message (at most)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    model_timeout_seconds = models.PositiveSmallIntegerField(
        _("the model answers within (seconds)"),
        default=15,
        validators=[MinValueValidator(2), MaxValueValidator(60)],
    )
    retell_api_key = models.CharField(_("Retell API key"), max_length=200, blank=True)
    retell_agent_id = models.CharField(
        _("Retell agent id"),
        max_length=64,
        blank=True,
        help_text=_("The voice agent that calls this restaurant's tools."),
    )

    class Meta:
        verbose_name = _("assistant settings")
        verbose_name_plural = _("assistant settings")

    def __str__(self):
        return str(_("Assistant settings"))


class Speaker(models.TextChoices):
    ASSISTANT = "assistant", _("Assistant")
    STAFF = "staff", _("Staff")


class HandoffReason(models.TextChoices):
    ASKED = "asked", _("The customer asked for a person")
    NOT_UNDERSTOOD = "not_understood", _("The assistant did not understand")
    NOT_ALLOWED = "not_allowed", _("Something only staff may do")
    LARGE_PARTY = "large_party", _("A party larger than online bookings take")
    STAFF = "staff", _("Staff took over")
    ASSISTANT_OFF = "assistant_off", _("The assistant is off")
    MODEL_UNAVAILABLE = "model_unavailable", _("The model could not answer")


class ConversationQuerySet(models.QuerySet):
    def open(self):
        """Conversations not ended (idle expiry or staff closing them)."""
        return self.filter(closed_at__isnull=True)

    def waiting_for_staff(self):
        """Open conversations handed to staff."""
        return self.open().filter(speaker=Speaker.STAFF)


class Conversation(models.Model):
    """One customer's chat with the restaurant, from its first message until it goes idle."""

    phone = models.CharField(_("phone"), max_length=20)
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=[*Channel.choices, (VOICE, _("Voice call"))],
        default=Channel.WHATSAPP,
    )
    # How replies go back: the provider and the number (or Meta phone number id) written to.
    provider = models.CharField(_("provider"), max_length=10, blank=True)
    receiving = models.CharField(_("written to"), max_length=64, blank=True)
    profile_name = models.CharField(_("name on WhatsApp"), max_length=120, blank=True)
    customer = models.ForeignKey(
        "reservations.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("customer"),
    )
    language = models.CharField(_("language"), max_length=5, default="es")
    speaker = models.CharField(
        _("answered by"), max_length=10, choices=Speaker.choices, default=Speaker.ASSISTANT
    )
    # What the assistant is waiting for ("" = nothing) and what it has gathered so far.
    state = models.CharField(_("waiting for"), max_length=30, blank=True)
    slots = models.JSONField(_("gathered so far"), default=dict, blank=True)
    misunderstood = models.PositiveSmallIntegerField(default=0, editable=False)
    handoff_reason = models.CharField(
        _("handed to staff because"), max_length=20, choices=HandoffReason.choices, blank=True
    )
    handoff_at = models.DateTimeField(_("handed to staff at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True, db_index=True)
    last_message_at = models.DateTimeField(_("last message at"))
    closed_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # What a model spent on this conversation, for the operator.
    tokens_in = models.PositiveIntegerField(_("model tokens in"), default=0)
    tokens_out = models.PositiveIntegerField(_("model tokens out"), default=0)
    # A voice call's id and, once it ended, what was said.
    call_id = models.CharField(_("call id"), max_length=128, blank=True)
    transcript = models.TextField(_("call transcript"), blank=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("inbox")
        ordering = ["-last_message_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(closed_at__isnull=True),
                name="conversation_one_open_per_phone",
            ),
            # A voice call is kept once, whatever its end is delivered how many times.
            models.UniqueConstraint(
                fields=["call_id"],
                condition=~models.Q(call_id=""),
                name="conversation_one_per_call",
            ),
        ]
        indexes = [models.Index(fields=["speaker", "closed_at"], name="conversation_waiting")]
        permissions = [("reply_conversation", _("Can reply to customers' chats"))]

    def __str__(self):
        return f"{self.profile_name or self.phone}"


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("To the customer")


class ConversationMessage(models.Model):
    """One message of a conversation, in or out."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    author = models.CharField(
        _("written by"), max_length=10, choices=[("customer", _("Customer")), *Speaker.choices]
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("staff member"),
    )
    body = models.TextField(_("text"))
    # What the assistant understood (messages in) and did (messages out), for its figures.
    intent = models.CharField(_("intent"), max_length=20, blank=True)
    actions = models.JSONField(default=list, blank=True)
    # A provider's id of a message in: the same id delivered again is taken once.
    provider_message_id = models.CharField(max_length=128, blank=True)
    # The message log's row of a reply (its delivery status).
    sent = models.ForeignKey(
        "notifications.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivery"),
    )
    created_at = models.DateTimeField(_("written at"), db_index=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="chat_message_once",
            )
        ]

    def __str__(self):
        return self.body[:60]


class VoiceToolCall(models.Model):
    """A voice agent's tool call and its first result: the provider's retries of the same call
    and arguments get that result again instead of running the tool twice."""

    call_id = models.CharField(_("call id"), max_length=128)
    name = models.CharField(_("tool"), max_length=40)
    # SHA-256 of the arguments as canonical JSON.
    arguments_digest = models.CharField(max_length=64)
    result = models.JSONField(_("result"), default=dict)
    created_at = models.DateTimeField(_("called at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("voice tool call")
        verbose_name_plural = _("voice tool calls")
        constraints = [
            models.UniqueConstraint(
                fields=["call_id", "name", "arguments_digest"], name="voice_tool_call_once"
            )
        ]

    def __str__(self):
        return f"{self.call_id} {self.name}"
