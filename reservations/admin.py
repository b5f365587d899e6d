import contextvars
import json

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reservations import selectors
from reservations.models import (
    BookingPolicy,
    ClosedDate,
    Customer,
    OpeningPeriod,
    StatusChange,
    Table,
    TablePriceBracket,
)
from reservations.services import customers, tables
from restaurants.admin import ReadOnlyModelAdmin, StaffModelAdmin, selection_apply

# The request being rendered, for read-only fields that need its host (per thread/task).
_current_request: contextvars.ContextVar = contextvars.ContextVar("admin_request")


class StatusChangeInline(GenericTabularInline):
    """The audit history of one table or reservation, read-only."""

    model = StatusChange
    ct_field = "content_type"
    ct_fk_field = "object_id"
    extra = 0
    can_delete = False
    fields = ["created_at", "from_label", "to_label", "actor_kind", "actor_label", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("history")

    @admin.display(description=_("from status"))
    def from_label(self, change):
        return change.status_label(change.from_status) if change.from_status else "—"

    @admin.display(description=_("to status"))
    def to_label(self, change):
        return change.status_label(change.to_status)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Booking policy ---------------------------------------------------------------------


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    extra = 0


class ClosedDateInline(admin.TabularInline):
    model = ClosedDate
    extra = 0


class TablePriceBracketInline(admin.TabularInline):
    model = TablePriceBracket
    extra = 0


@admin.register(BookingPolicy)
class BookingPolicyAdmin(StaffModelAdmin):
    """One policy per restaurant: the list goes straight to it."""

    inlines = [OpeningPeriodInline, ClosedDateInline, TablePriceBracketInline]
    fieldsets = [
        (None, {"fields": ["reservations_enabled", "auto_confirm", "phone_region"]}),
        (
            _("Slots"),
            {
                "fields": [
                    "duration_minutes",
                    "slot_interval_minutes",
                    "min_notice_minutes",
                    "max_days_ahead",
                ]
            },
        ),
        (
            _("Automatic activation"),
            {"fields": ["seat_window_minutes", "finish_after_minutes", "no_show_after_minutes"]},
        ),
        (
            _("Alerts"),
            {
                "fields": [
                    "high_occupancy_percent",
                    "high_occupancy_cooldown_minutes",
                    "low_occupancy_percent",
                    "low_occupancy_cooldown_minutes",
                    "table_conflict_cooldown_minutes",
                    "prediction_anomaly_percent",
                    "prediction_anomaly_cooldown_minutes",
                    "retention_days",
                ]
            },
        ),
        (_("Billing"), {"fields": ["tax_rate", "cashier_discount_limit"]}),
        (
            _("Online booking"),
            {
                "fields": [
                    "address",
                    "phone",
                    "online_max_party_size",
                    "cancel_cutoff_minutes",
                    "embed_origins",
                    "embed_snippet",
                ]
            },
        ),
    ]
    readonly_fields = ["embed_snippet"]

    @admin.display(description=_("snippet for your website"))
    def embed_snippet(self, policy):
        request = _current_request.get()
        url = request.build_absolute_uri(reverse("booking-widget-script"))
        return format_html(
            '<code>{}</code><br><span class="help">{}</span>',
            f'<script src="{url}" async></script>',
            _("Paste it where the booking form should appear; list your website above."),
        )

    def changeform_view(self, request, *args, **kwargs):
        token = _current_request.set(request)
        try:
            response = super().changeform_view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()  # while the request is still known
            return response
        finally:
            _current_request.reset(token)

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        policy = selectors.booking_policy_get()
        return HttpResponseRedirect(
            reverse("admin:reservations_bookingpolicy_change", args=[policy.pk])
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Now and once committed: a booking page reading it in between would keep the old
        # policy in the cache for minutes.
        selectors.booking_policy_forget()
        transaction.on_commit(selectors.booking_policy_forget)
        repriced = tables.tables_reprice()
        if repriced:
            self.message_user(
                request,
                ngettext(
                    "%(count)d table has a new reservation price.",
                    "%(count)d tables have a new reservation price.",
                    repriced,
                )
                % {"count": repriced},
            )


# --- Tables -----------------------------------------------------------------------------


@admin.register(Table)
class TableAdmin(StaffModelAdmin):
    list_display = ["code", "area", "min_capacity", "max_capacity", "status", "reservation_price"]
    list_filter = ["area", "status"]
    search_fields = ["code", "description"]
    readonly_fields = ["reservation_price", "created_at", "updated_at"]
    ordering = ["code"]
    inlines = [StatusChangeInline]
    actions = ["mark_available", "mark_maintenance"]

    def save_model(self, request, obj, form, change):
        tables.table_save(table=obj, by=request.user)

    def _set_status(self, request, queryset, status):
        selection_apply(
            self,
            request,
            queryset,
            lambda table: tables.table_set_status(table=table, to=status, by=request.user),
            done=lambda count: (
                ngettext("%(count)d table updated.", "%(count)d tables updated.", count)
                % {"count": count}
            ),
        )

    @admin.action(description=_("Mark as available"), permissions=["change"])
    def mark_available(self, request, queryset):
        self._set_status(request, queryset, "available")

    @admin.action(description=_("Put in maintenance"), permissions=["change"])
    def mark_maintenance(self, request, queryset):
        self._set_status(request, queryset, "maintenance")


# --- Customers --------------------------------------------------------------------------


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "first_name",
            "last_name",
            "national_id",
            "phone",
            "email",
            "city",
            "notes",
            "marketing_consent",
        ]

    def clean_phone(self):
        try:
            return customers.phone_normalise(self.cleaned_data["phone"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


@admin.register(Customer)
class CustomerAdmin(StaffModelAdmin):
    form = CustomerForm
    list_display = ["full_name", "phone", "email", "city", "marketing_consent", "created_at"]
    list_filter = ["marketing_consent", "city", ("erased_at", admin.EmptyFieldListFilter)]
    search_fields = ["first_name", "last_name", "phone", "email", "national_id"]
    date_hierarchy = "created_at"
    readonly_fields = ["erased_at", "created_at", "updated_at"]
    actions = ["export_data", "erase_data"]

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Phones are kept in E.164: "099-123-4567" (in EC) finds "+593991234567".
        try:
            phone = customers.phone_normalise(search_term)
        except ValidationError:
            phone = ""
        if phone:
            found |= queryset.filter(phone=phone)
        return found, may_have_duplicates

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, customer):
        return customer.full_name

    def save_model(self, request, obj, form, change):
        customers.customer_save(customer=obj)

    @admin.action(description=_("Export the selected customers' data (JSON)"), permissions=["view"])
    def export_data(self, request, queryset):
        data = [customers.customer_export(customer=customer) for customer in queryset]
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="customers-{timezone.now():%Y%m%d}.json"'
        )
        return response

    @admin.action(description=_("Erase the selected customers' data"), permissions=["delete"])
    def erase_data(self, request, queryset):
        for customer in queryset.filter(erased_at__isnull=True):
            customers.customer_erase(customer=customer, by=request.user)
        self.message_user(request, _("Customer data erased; their bookings keep their references."))


class ToStatusFilter(admin.SimpleListFilter):
    """The history by the status moved to, named as staff read it, not as it is stored."""

    title = _("to status")
    parameter_name = "to_status"

    def lookups(self, request, model_admin):
        moves = (
            model_admin.get_queryset(request).order_by().values_list("content_type", "to_status")
        )
        named = {}
        for content_type_id, value in moves.distinct():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            label = StatusChange(content_type_id=content_type_id).status_label(value)
            named[value] = (label, model._meta.verbose_name if model else "")
        labels = [label for label, _model in named.values()]
        # "Finalizada" is a finished reservation and a finalised note: then the model says which.
        return sorted(
            (value, f"{label} ({model})" if labels.count(label) > 1 else label)
            for value, (label, model) in named.items()
        )

    def queryset(self, request, queryset):
        return queryset.filter(to_status=self.value()) if self.value() else queryset


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyModelAdmin):
    """Who changed what and when: read-only."""

    list_display = [
        "created_at",
        "content_type",
        "object_label",
        "from_label",
        "to_label",
        "actor_kind",
        "actor_label",
        "reason",
    ]
    list_filter = ["content_type", "actor_kind", ToStatusFilter, "created_at"]
    fields = [
        "created_at",
        "content_type",
        "object_label",
        "from_label",
        "to_label",
        "actor_kind",
        "user",
        "actor_label",
        "reason",
    ]
    readonly_fields = fields
    from_label = StatusChangeInline.from_label
    to_label = StatusChangeInline.to_label
    search_fields = ["object_label", "actor_label", "reason"]
    date_hierarchy = "created_at"
