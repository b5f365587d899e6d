"""The inbox: customers' chats with their thread, where staff reply, take a chat over, hand
it back to the assistant or end it; the assistant's figures; and the assistant's settings."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from analytics import dashboard
from assistant import inbox, services
from assistant.live import conversation_name
from assistant.models import AssistantSettings, Conversation, HandoffReason, Speaker
from assistant.selectors import HANDED_BACK, assistant_figures, with_last_message
from reservations.selectors import restaurant_zone
from restaurants.admin import FormRefused, ServiceRefusalMixin, StaffModelAdmin, selection_apply
from restaurants.forms import secret_fields, secrets_apply

REPLY_PERMISSION = "assistant.reply_conversation"

# The assistant's figures: the last 30 days unless asked, a year at most.
FIGURES_DAYS = 30
FIGURES_MAX_DAYS = 366
INTENT_LABELS = {
    "book": _("Book"),
    "availability": _("Check availability"),
    "cancel": _("Cancel a booking"),
    "change": _("Change a booking"),
    "menu": _("The menu"),
    "hours": _("Opening hours"),
    "human": _("Talk to a person"),
    "other": _("Something else"),
}
REASON_LABELS = {
    **dict(HandoffReason.choices),
    HANDED_BACK: _("Handed back to the assistant (reason not kept)"),
}


class FiguresForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise ValidationError(_("The period ends before it starts."))
            if (end - start).days + 1 > FIGURES_MAX_DAYS:
                raise ValidationError(
                    _("Choose a period of %(days)d days at most.") % {"days": FIGURES_MAX_DAYS}
                )
        return cleaned


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(closed_at__isnull=False)
        return queryset


class ReplyForm(forms.ModelForm):
    """The change page's one input: a reply to the customer."""

    reply = forms.CharField(
        label=_("Reply"),
        max_length=1600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the customer the way they wrote (WhatsApp or SMS)."),
    )

    class Meta:
        model = Conversation
        fields = []


@admin.register(Conversation)
class ConversationAdmin(ServiceRefusalMixin, StaffModelAdmin):
    """Open chats first, those waiting for staff at the top; each with its thread."""

    form = ReplyForm
    change_form_template = "admin/assistant/conversation/change_form.html"
    list_display = [
        "who",
        "phone",
        "speaker",
        "handoff_reason",
        "last_message",
        "last_message_at",
        "is_open",
    ]
    list_filter = [OpenFilter, "speaker", "handoff_reason", "channel"]
    search_fields = ["phone", "profile_name", "customer__first_name", "customer__last_name"]
    date_hierarchy = "last_message_at"
    list_select_related = ["customer"]
    # Waiting for staff, then open with the assistant, then ended; the latest first in each.
    ordering = [
        Case(
            When(closed_at__isnull=False, then=Value(2)),
            When(speaker=Speaker.STAFF, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ).asc(),
        "-last_message_at",
    ]
    readonly_fields = [
        "who",
        "phone",
        "channel",
        "speaker",
        "handoff_reason",
        "handoff_at",
        "started_at",
        "last_message_at",
        "closed_at",
        "tokens_in",
        "tokens_out",
        "transcript",
        "thread",
    ]
    actions = ["hand_back", "close"]

    class Media:
        css = {"all": ["assistant/inbox.css"]}

    def get_queryset(self, request):
        return with_last_message(super().get_queryset(request))

    def get_fields(self, request, obj=None):
        fields = [*self.readonly_fields]
        if self.can_reply(request) and self.has_change_permission(request, obj):
            fields.append("reply")
        return fields

    def get_fieldsets(self, request, obj=None):
        fields = self.get_fields(request, obj)
        return [
            (None, {"fields": [name for name in fields if name not in ("thread", "reply")]}),
            (_("Thread"), {"fields": [name for name in fields if name in ("thread", "reply")]}),
        ]

    @staticmethod
    def can_reply(request) -> bool:
        return request.user.has_perm(REPLY_PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- Columns and fields -----------------------------------------------------------

    @admin.display(description=_("customer"), ordering="profile_name")
    def who(self, conversation):
        return conversation_name(conversation) or "—"

    @admin.display(description=_("last message"))
    def last_message(self, conversation):
        return Truncator(conversation.last_body or "").chars(80)

    @admin.display(description=_("open"), boolean=True, ordering="closed_at")
    def is_open(self, conversation):
        return conversation.closed_at is None

    @admin.display(description=_("thread"))
    def thread(self, conversation):
        thread = conversation.messages.select_related("staff", "sent").order_by("created_at", "pk")
        return render_to_string("admin/assistant/conversation/thread.html", {"thread": thread})

    # --- The reply (the change form's save) --------------------------------------------

    def save_model(self, request, obj, form, change):
        if not self.can_reply(request):
            raise PermissionDenied
        try:
            inbox.conversation_reply(
                conversation=obj, body=form.cleaned_data["reply"], staff=request.user
            )
        except ValidationError as error:
            raise FormRefused(error) from error

    def save_related(self, request, form, formsets, change):
        """Nothing else is saved from this page."""

    def construct_change_message(self, request, form, formsets, add=False):
        return [{"changed": {"fields": [str(_("Reply"))]}}]

    def response_change(self, request, obj):
        self.message_user(request, _("Reply queued to %(name)s.") % {"name": obj}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:assistant_conversation_change", args=[obj.pk]))

    # --- Take over, hand back, end: buttons on the change page and list actions -----------

    def get_urls(self):
        own = [
            path(
                f"<int:conversation_id>/{step}/",
                self.admin_site.admin_view(require_POST(self.step_view)),
                {"step": step},
                name=f"assistant_conversation_{step.replace('-', '_')}",
            )
            for step in ("take", "hand-back", "end")
        ]
        own.append(
            path(
                "figures/",
                self.admin_site.admin_view(self.figures_view),
                name="assistant_conversation_figures",
            )
        )
        return own + super().get_urls()

    # --- The assistant's figures -------------------------------------------------------

    @staticmethod
    def can_see_figures(request) -> bool:
        """Managers only: the figures speak of the whole restaurant's customers and staff."""
        return dashboard.home_kind(request.user) == dashboard.MANAGER and request.user.has_perm(
            "assistant.view_conversation"
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.can_see_figures(request):
            extra_context["figures_url"] = reverse("admin:assistant_conversation_figures")
        return super().changelist_view(request, extra_context)

    def figures_view(self, request):
        """Per day over a period: conversations, share booked without staff, hand-offs and
        why, intents, reply times."""
        if not self.can_see_figures(request):
            raise PermissionDenied
        today = timezone.now().astimezone(restaurant_zone()).date()
        data = request.GET.copy()
        data.setdefault("end", today.isoformat())
        data.setdefault("start", (today - dt.timedelta(days=FIGURES_DAYS - 1)).isoformat())
        form = FiguresForm(data)
        figures = None
        if form.is_valid():
            figures = assistant_figures(
                start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("The assistant's figures"),
            "form": form,
            "figures": figures,
            **(_figures_tables(figures) if figures else {}),
        }
        return TemplateResponse(request, "admin/assistant/conversation/figures.html", context)

    def step_view(self, request, conversation_id, step):
        """One button of the change page: the step's service, its result as a message."""
        conversation = get_object_or_404(Conversation, pk=conversation_id)
        if step == "take":
            allowed, service = self.can_reply(request), inbox.conversation_take
            done = _("You are answering %(name)s now: the assistant stays quiet.")
        elif step == "hand-back":
            allowed, service = self.has_change_permission(request), inbox.conversation_hand_back
            done = _("The assistant answers %(name)s again.")
        else:
            allowed, service = self.has_change_permission(request), inbox.conversation_close
            done = _("The conversation with %(name)s has ended.")
        if not allowed:
            raise PermissionDenied
        try:
            service(conversation=conversation, staff=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, done % {"name": conversation}, messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:assistant_conversation_change", args=[conversation.pk])
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(
            can_reply=self.can_reply(request),
            can_change=self.has_change_permission(request, obj),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description=_("Hand back to the assistant"), permissions=["change"])
    def hand_back(self, request, queryset):
        selection_apply(
            self,
            request,
            queryset,
            lambda conversation: inbox.conversation_hand_back(
                conversation=conversation, staff=request.user
            ),
            done=lambda count: (
                ngettext(
                    "%(count)d conversation handed back to the assistant.",
                    "%(count)d conversations handed back to the assistant.",
                    count,
                )
                % {"count": count}
            ),
        )

    @admin.action(description=_("End the conversations"), permissions=["change"])
    def close(self, request, queryset):
        selection_apply(
            self,
            request,
            queryset,
            lambda conversation: inbox.conversation_close(
                conversation=conversation, staff=request.user
            ),
            done=lambda count: (
                ngettext("%(count)d conversation ended.", "%(count)d conversations ended.", count)
                % {"count": count}
            ),
        )


def _wait(seconds: float | None) -> str:
    """A reply time as people say it: "4 s", "2 min 5 s", "1 h 3 min"."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return _("%(seconds)d s") % {"seconds": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


def _figures_tables(figures) -> dict:
    """The figures page's tables: a row a day (and the totals), a column an intent or reason
    met in the period."""
    asked = figures.totals.intents
    intents = [intent for intent in INTENT_LABELS if intent in asked]
    intents += sorted(set(asked) - set(intents))  # any the labels do not know yet, last
    reasons = [reason for reason in REASON_LABELS if reason in figures.totals.reasons]

    def row(day):
        return {
            "figures": day,
            "assistant_wait": _wait(day.assistant_reply_seconds),
            "staff_wait": _wait(day.staff_reply_seconds),
            "intents": [day.intents.get(intent, 0) for intent in intents],
            "reasons": [day.reasons.get(reason, 0) for reason in reasons],
        }

    return {
        "rows": [row(day) for day in figures.days],
        "total": row(figures.totals),
        "intent_columns": [INTENT_LABELS.get(intent, intent) for intent in intents],
        "reason_columns": [REASON_LABELS[reason] for reason in reasons],
        "chart": {
            "labels": [f"{day.day:%d/%m}" for day in figures.days],
            "series": [
                {
                    "label": str(_("Booked without staff")),
                    "data": [day.booked_alone for day in figures.days],
                },
                {
                    "label": str(_("Handed to staff")),
                    "data": [day.handed_off for day in figures.days],
                },
                {
                    "label": str(_("Other conversations")),
                    "data": [
                        day.conversations - day.booked_alone - day.handed_off
                        for day in figures.days
                    ],
                },
            ],
        },
    }


# Keys stored on the settings and never sent back to the browser.
SECRETS = ["openai_api_key", "retell_api_key"]


class AssistantSettingsForm(forms.ModelForm):
    new_openai_api_key, forget_openai_api_key = secret_fields(_("OpenAI API key"))
    new_retell_api_key, forget_retell_api_key = secret_fields(_("Retell API key"))

    class Meta:
        model = AssistantSettings
        fields = [
            "enabled",
            "idle_minutes",
            "misunderstood_turns",
            "engine",
            "openai_model",
            "max_tool_calls",
            "model_timeout_seconds",
            "retell_agent_id",
        ]

    def clean(self):
        cleaned = super().clean()
        agent = AssistantSettings(retell_agent_id=cleaned.get("retell_agent_id") or "")
        try:
            services.assistant_settings_check(settings=agent)
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def save(self, commit=True):
        settings = super().save(commit=False)
        secrets_apply(self, settings, SECRETS)
        if commit:
            services.assistant_settings_save(settings=settings)
        return settings


@admin.register(AssistantSettings)
class AssistantSettingsAdmin(ServiceRefusalMixin, StaffModelAdmin):
    form = AssistantSettingsForm
    list_display = ["__str__", "enabled", "engine", "idle_minutes", "misunderstood_turns"]
    fieldsets = [
        (None, {"fields": ["enabled", "idle_minutes", "misunderstood_turns"]}),
        (
            _("OpenAI model"),
            {
                "fields": [
                    "engine",
                    "new_openai_api_key",
                    "forget_openai_api_key",
                    "openai_model",
                    "max_tool_calls",
                    "model_timeout_seconds",
                ]
            },
        ),
        (
            _("Voice agent (Retell)"),
            {"fields": ["retell_agent_id", "new_retell_api_key", "forget_retell_api_key"]},
        ),
    ]

    def save_model(self, request, obj, form, change):
        # The voice agent's id goes to the platform's table with the settings.
        try:
            services.assistant_settings_save(settings=obj)
        except ValidationError as error:
            raise FormRefused(error) from None

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not AssistantSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
