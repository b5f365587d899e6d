"""The message log (the outbox when no provider is set), the wording and the settings."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from notifications import texts
from notifications.models import Message, MessageTemplate, MessagingSettings, OptOut
from restaurants.admin import ReadOnlyModelAdmin, StaffModelAdmin


def masked(address: str) -> str:
    """A phone or email with only its ends shown: +52••••••5678, l•••@example.com."""
    if "@" in address:
        name, domain = address.split("@", 1)
        return f"{name[:1]}•••@{domain}"
    return f"{address[:3]}{'•' * max(len(address) - 7, 0)}{address[-4:]}" if address else ""


def sees_contacts(request) -> bool:
    """Managers see customers' phones and emails in the log; cashiers see them masked."""
    return request.user.has_perm("reservations.change_customer")


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


class MessagingSettingsForm(forms.ModelForm):
    # Write-only: the stored token is never sent back to the browser.
    new_twilio_auth_token = forms.CharField(
        label=_("Twilio auth token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current token."),
    )
    forget_twilio_auth_token = forms.BooleanField(
        label=_("Remove the stored token"), required=False
    )

    class Meta:
        model = MessagingSettings
        fields = [
            "preferred_channel",
            "reminder_hours",
            "whatsapp_from",
            "sms_from",
            "email_from",
            "twilio_account_sid",
        ]

    def save(self, commit=True):
        settings = super().save(commit=False)
        if self.cleaned_data.get("forget_twilio_auth_token"):
            settings.twilio_auth_token = ""
        elif self.cleaned_data.get("new_twilio_auth_token"):
            settings.twilio_auth_token = self.cleaned_data["new_twilio_auth_token"]
        if commit:
            settings.save()
        return settings


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(StaffModelAdmin):
    form = MessagingSettingsForm
    list_display = ["__str__", "preferred_channel", "reminder_hours", "token_set"]

    @admin.display(description=_("Twilio auth token set"), boolean=True)
    def token_set(self, settings):
        return bool(settings.twilio_auth_token)

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
