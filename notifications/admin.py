"""The message log (the outbox when no provider is set), the wording and the settings; the
partners' webhooks and what was sent to them."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import partners, services, texts
from notifications.models import (
    SUBSCRIBABLE_EVENTS,
    Message,
    MessageTemplate,
    MessagingSettings,
    OptOut,
    PartnerDelivery,
    PartnerEvent,
    PartnerWebhook,
)
from notifications.selectors import masked, sees_contacts
from restaurants.admin import ReadOnlyModelAdmin, StaffModelAdmin
from restaurants.forms import secret_fields, secrets_apply


@admin.register(Message)
class MessageAdmin(ReadOnlyModelAdmin):
    """Every message sent (or not) to customers, with what the provider said. Read-only."""

    list_display = [
        "created_at",
        "event",
        "channel",
        "recipient",
        "status",
        "provider",
        "attempts",
        "reservation",
    ]
    list_filter = ["status", "channel", "event", "provider", "language"]
    search_fields = ["reservation__reference", "provider_message_id", "recipient"]
    date_hierarchy = "created_at"
    list_select_related = ["reservation"]
    fields = [
        "reservation",
        "event",
        "channel",
        "recipient",
        "language",
        "status",
        "provider",
        "provider_message_id",
        "attempts",
        "error",
        "subject",
        "body",
        "created_at",
        "sent_at",
        "delivered_at",
        "read_at",
        "failed_at",
    ]

    def _recipient_field(self, request, names):
        if sees_contacts(request):
            return names
        return ["masked_recipient" if name == "recipient" else name for name in names]

    def get_list_display(self, request):
        return self._recipient_field(request, super().get_list_display(request))

    def get_fields(self, request, obj=None):
        return self._recipient_field(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_search_fields(self, request):
        # Searching by a phone number would tell a cashier whose it is.
        return [
            name
            for name in super().get_search_fields(request)
            if name != "recipient" or sees_contacts(request)
        ]

    @admin.display(description=_("recipient"))
    def masked_recipient(self, message):
        return masked(message.recipient)


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["event", "language", "subject", "body"]

    def clean(self):
        cleaned = super().clean()
        for field in ("subject", "body"):
            try:
                texts.template_validate(cleaned.get(field) or "")
            except ValidationError as error:
                self.add_error(field, error)
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(StaffModelAdmin):
    """The restaurant's own wording of a message; the preview fills it with a sample booking."""

    form = MessageTemplateForm
    list_display = ["event", "language", "subject", "updated_at"]
    list_filter = ["event", "language"]
    search_fields = ["subject", "body"]
    readonly_fields = ["placeholders", "preview"]
    fields = ["event", "language", "subject", "body", "placeholders", "preview"]

    @admin.display(description=_("placeholders"))
    def placeholders(self, template):
        return format_html_join(
            "", "<div><code>{{{{ {} }}}}</code> — {}</div>", texts.PLACEHOLDERS.items()
        )

    @admin.display(description=_("preview"))
    def preview(self, template):
        if not template.pk:
            return _("Save to see the preview.")
        return format_html(
            '<pre style="white-space: pre-wrap">{}</pre>',
            texts.render(template.body, texts.sample_values(template.language)),
        )


# Secrets stored on the settings and never sent back to the browser.
SECRETS = ["twilio_auth_token", "meta_access_token", "meta_app_secret"]


class MessagingSettingsForm(forms.ModelForm):
    new_twilio_auth_token, forget_twilio_auth_token = secret_fields(_("Twilio auth token"))
    new_meta_access_token, forget_meta_access_token = secret_fields(_("Meta access token"))
    new_meta_app_secret, forget_meta_app_secret = secret_fields(_("Meta app secret"))

    class Meta:
        model = MessagingSettings
        fields = [
            "preferred_channel",
            "reminder_hours",
            "whatsapp_from",
            "sms_from",
            "email_from",
            "twilio_account_sid",
            "meta_phone_number_id",
            "meta_verify_token",
        ]

    def clean(self):
        cleaned = super().clean()
        numbers = MessagingSettings(
            whatsapp_from=cleaned.get("whatsapp_from") or "",
            sms_from=cleaned.get("sms_from") or "",
            meta_phone_number_id=cleaned.get("meta_phone_number_id") or "",
        )
        try:
            services.inbound_numbers_check(messaging=numbers)
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def save(self, commit=True):
        settings = super().save(commit=False)
        secrets_apply(self, settings, SECRETS)
        if commit:
            services.messaging_settings_save(messaging=settings)
        return settings


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(StaffModelAdmin):
    form = MessagingSettingsForm
    list_display = ["__str__", "preferred_channel", "reminder_hours", "token_set"]
    fieldsets = [
        (None, {"fields": ["preferred_channel", "reminder_hours", "email_from"]}),
        (
            "Twilio",
            {
                "fields": [
                    "whatsapp_from",
                    "sms_from",
                    "twilio_account_sid",
                    "new_twilio_auth_token",
                    "forget_twilio_auth_token",
                ]
            },
        ),
        (
            _("Meta WhatsApp Cloud API"),
            {
                "fields": [
                    "meta_phone_number_id",
                    "new_meta_access_token",
                    "forget_meta_access_token",
                    "new_meta_app_secret",
                    "forget_meta_app_secret",
                    "meta_verify_token",
                ]
            },
        ),
    ]

    @admin.display(description=_("Twilio auth token set"), boolean=True)
    def token_set(self, settings):
        return bool(settings.twilio_auth_token)

    def save_model(self, request, obj, form, change):
        # The numbers customers write to go to the platform's table with the settings.
        services.messaging_settings_save(messaging=obj)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not MessagingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OptOut)
class OptOutAdmin(StaffModelAdmin):
    list_display = ["address", "channel", "created_at"]
    list_filter = ["channel"]
    search_fields = ["address"]
    date_hierarchy = "created_at"


class PartnerWebhookForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=PartnerWebhook._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=SUBSCRIBABLE_EVENTS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = PartnerWebhook
        fields = ["name", "url", "events", "is_active"]


@admin.register(PartnerWebhook)
class PartnerWebhookAdmin(StaffModelAdmin):
    """A partner's address told of the bookings and bills; its signing secret is made here
    and shown, for the partner to check each request with."""

    form = PartnerWebhookForm
    list_display = ["name", "url", "subscribed_events", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret", "signature_help", "created_at", "updated_at"]
    fields = [
        "name",
        "url",
        "events",
        "is_active",
        "secret",
        "signature_help",
        "created_at",
        "updated_at",
    ]
    actions = ["send_test_event", "regenerate_secret"]

    @admin.display(description=_("events"))
    def subscribed_events(self, webhook):
        labels = dict(PartnerEvent.choices)
        return ", ".join(str(labels.get(event, event)) for event in webhook.events)

    @admin.display(description=_("how to check a request"))
    def signature_help(self, webhook):
        return format_html(
            "<div>{}</div><pre>{}</pre>",
            _(
                "Each request carries the headers below; compute the HMAC-SHA256 of the "
                "timestamp, a dot and the raw body with this secret, compare it with the "
                "signature, and refuse timestamps older than five minutes."
            ),
            "Comensal-Event: reservation.created\n"
            "Comensal-Delivery: <uuid>\n"
            "Comensal-Timestamp: <unix seconds>\n"
            'Comensal-Signature: sha256=hex(HMAC_SHA256(secret, timestamp + "." + body))',
        )

    def save_model(self, request, obj, form, change):
        partners.partner_webhook_save(webhook=obj)

    @admin.action(description=_("Send a test event"), permissions=["change"])
    def send_test_event(self, request, queryset):
        for webhook in queryset:
            partners.partner_webhook_test(webhook=webhook)
        self.message_user(
            request,
            ngettext(
                "A test event is on its way to %(count)d webhook; see the deliveries.",
                "A test event is on its way to %(count)d webhooks; see the deliveries.",
                len(queryset),
            )
            % {"count": len(queryset)},
        )

    @admin.action(description=_("Regenerate the signing secret"), permissions=["change"])
    def regenerate_secret(self, request, queryset):
        for webhook in queryset:
            partners.partner_webhook_secret_regenerate(webhook=webhook)
        self.message_user(
            request,
            _("New secrets made: give them to the partners, the old ones no longer sign."),
            messages.WARNING,
        )


@admin.register(PartnerDelivery)
class PartnerDeliveryAdmin(ReadOnlyModelAdmin):
    """Every event sent (or being sent) to a partner, with what its server answered."""

    list_display = [
        "created_at",
        "event",
        "webhook",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", "webhook"]
    search_fields = ["event_id", "delivery_id", "payload__data__reservation__reference"]
    date_hierarchy = "created_at"
    list_select_related = ["webhook"]
    fields = [
        "webhook",
        "event",
        "event_id",
        "delivery_id",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "payload_shown",
    ]
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.display(description=_("payload"))
    def payload_shown(self, delivery):
        return format_html(
            "<pre>{}</pre>", json.dumps(delivery.payload, indent=2, ensure_ascii=False)
        )

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_partnerdelivery")

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = partners.partner_deliveries_retry(deliveries=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be tried again now.",
                "%(count)d deliveries will be tried again now.",
                count,
            )
            % {"count": count},
        )
