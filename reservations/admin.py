import contextvars
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from menu.models import PreOrder
from menu.services import pre_order_add, pre_order_remove
from reservations import selectors, services
from reservations.models import (
    BookingPolicy,
    ClosedDate,
    Customer,
    OpeningPeriod,
    Reservation,
    ReservationSource,
    ReservationStatus,
    StatusChange,
    Table,
    TablePriceBracket,
)
from restaurants.admin import ReadOnlyModelAdmin, StaffModelAdmin

# The request being rendered, for read-only fields that need its host (per thread/task).
_current_request: contextvars.ContextVar = contextvars.ContextVar("admin_request")


class FormRefused(Exception):
    """A service refused what an admin form saved: shown as a message, nothing kept."""

    def __init__(self, error: ValidationError):
        self.error = error


class ServiceRefusalMixin:
    """Admin pages whose saves go through services: a refusal becomes a message."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except FormRefused as refused:
            self.message_user(request, " ".join(refused.error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class StatusChangeInline(GenericTabularInline):
    """The audit history of one table or reservation, read-only."""

    model = StatusChange
    ct_field = "content_type"
    ct_fk_field = "object_id"
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor_kind", "actor_label", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("history")

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
        selectors.booking_policy_forget()
        repriced = services.tables_reprice()
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
        services.table_save(table=obj, by=request.user)

    def _set_status(self, request, queryset, status):
        for table in queryset:
            services.table_set_status(table=table, to=status, by=request.user)
        self.message_user(request, _("%(count)d tables updated.") % {"count": queryset.count()})

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
            return services.phone_normalise(self.cleaned_data["phone"])
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

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, customer):
        return customer.full_name

    def save_model(self, request, obj, form, change):
        services.customer_save(customer=obj)

    @admin.action(description=_("Export the selected customers' data (JSON)"), permissions=["view"])
    def export_data(self, request, queryset):
        data = [services.customer_export(customer=customer) for customer in queryset]
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
            services.customer_erase(customer=customer, by=request.user)
        self.message_user(request, _("Customer data erased; their bookings keep their references."))


# --- Reservations -----------------------------------------------------------------------


class PreOrderForm(forms.ModelForm):
    class Meta:
        model = PreOrder
        fields = ["dish", "quantity", "remarks"]

    def clean(self):
        cleaned = super().clean()
        dish, quantity = cleaned.get("dish"), cleaned.get("quantity")
        if self.instance.pk is None and dish and quantity:
            if not (dish.is_active and dish.category.is_active):
                self.add_error("dish", _("%(dish)s is not on the menu right now.") % {"dish": dish})
            elif dish.stock < quantity:
                self.add_error(
                    "quantity",
                    _("Only %(left)s of %(dish)s left.") % {"left": dish.stock, "dish": dish},
                )
        return cleaned

    def _post_clean(self):
        # Unit price and stock are the pre-order service's to set.
        pass


class PreOrderInline(admin.TabularInline):
    model = PreOrder
    form = PreOrderForm
    extra = 0
    fields = ["dish", "quantity", "unit_price", "line_total", "remarks"]
    readonly_fields = ["unit_price", "line_total"]
    autocomplete_fields = ["dish"]

    @admin.display(description=_("subtotal"))
    def line_total(self, pre_order):
        return pre_order.subtotal if pre_order.pk else "—"

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields


class ReservationForm(forms.ModelForm):
    """Staff booking: the table is optional; left empty, the best free table is assigned."""

    class Meta:
        model = Reservation
        fields = ["customer", "starts_at", "party_size", "table", "special_requests"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "table" not in self.fields:  # a read-only view (e.g. a cashier's)
            return
        self.fields["table"].required = False
        self.fields["table"].help_text = _(
            "Leave empty to assign the best free table. Only tables free at that time are accepted."
        )
        instance = self.instance
        if instance.pk and instance.starts_at and instance.party_size:
            free = selectors.table_best_for(
                starts_at=instance.starts_at,
                party_size=instance.party_size,
                exclude_reservation=instance,
            )
            self.fields["table"].queryset = Table.objects.filter(
                pk__in=[table.id for table in free] + [instance.table_id]
            )

    def _post_clean(self):
        # The booking services validate (below); the model's own checks would repeat them.
        pass

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.reservation_check(
                starts_at=cleaned["starts_at"],
                party_size=cleaned["party_size"],
                table=cleaned.get("table"),
                exclude_reservation=self.instance if self.instance.pk else None,
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


@admin.register(Reservation)
class ReservationAdmin(ServiceRefusalMixin, StaffModelAdmin):
    form = ReservationForm
    list_display = [
        "reference",
        "starts_at",
        "customer",
        "party_size",
        "table",
        "status",
        "source",
        "consumption_note",
    ]
    list_filter = ["status", "source", "table__area", "starts_at"]
    search_fields = [
        "reference",
        "customer__first_name",
        "customer__last_name",
        "customer__phone",
        "customer__email",
        "table__code",
    ]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["customer"]
    list_select_related = ["customer", "table", "note"]
    readonly_fields = [
        "reference",
        "status",
        "ends_at",
        "source",
        "created_by",
        "created_at",
        "consumption_note",
    ]
    inlines = [PreOrderInline, StatusChangeInline]
    actions = ["confirm", "seat", "finish", "cancel", "no_show", "issue_note"]

    def get_fields(self, request, obj=None):
        fields = ["customer", "starts_at", "party_size", "table", "special_requests"]
        if obj is None:
            return fields
        return [
            "reference",
            "status",
            *fields,
            "ends_at",
            "source",
            "created_by",
            "consumption_note",
        ]

    @admin.display(description=_("consumption note"))
    def consumption_note(self, reservation):
        note = getattr(reservation, "note", None)
        if note is None:
            return "—"
        url = reverse("admin:billing_consumptionnote_change", args=[note.pk])
        return format_html('<a href="{}">{}</a> ({})', url, note.number, note.get_status_display())

    def has_issue_note_permission(self, request):
        return request.user.has_perm("billing.add_consumptionnote")

    @admin.action(description=_("Issue consumption note"), permissions=["issue_note"])
    def issue_note(self, request, queryset):
        from billing.services import notes_issue

        issued, refused = notes_issue(reservations=queryset, by=request.user)
        for message in refused:
            self.message_user(request, message, messages.ERROR)
        if len(issued) == 1 and not refused:
            self.message_user(request, _("Note %(number)s issued.") % {"number": issued[0].number})
            return HttpResponseRedirect(
                reverse("admin:billing_consumptionnote_change", args=[issued[0].pk])
            )
        if issued:
            self.message_user(
                request,
                ngettext("%(count)d note issued.", "%(count)d notes issued.", len(issued))
                % {"count": len(issued)},
            )
        return None

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                saved = services.reservation_update(
                    reservation=obj,
                    starts_at=data["starts_at"],
                    party_size=data["party_size"],
                    table=data.get("table"),
                    special_requests=data.get("special_requests", ""),
                    by=request.user,
                )
            else:
                saved = services.reservation_create(
                    customer=data["customer"],
                    starts_at=data["starts_at"],
                    party_size=data["party_size"],
                    table=data.get("table"),
                    special_requests=data.get("special_requests", ""),
                    source=ReservationSource.ADMIN,
                    created_by=request.user,
                )
        except ValidationError as error:
            raise FormRefused(error) from None
        obj.pk, obj.reference, obj.table = saved.pk, saved.reference, saved.table
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not PreOrder:
            return super().save_formset(request, form, formset, change)
        # Pre-orders go through the menu service, which takes and gives back stock.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                formset.deleted_objects.append(inline_form.instance)
                pre_order_remove(pre_order=inline_form.instance)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            if inline_form.instance.pk is not None:
                # An edited line is given back and ordered again, so stock stays exact.
                pre_order_remove(pre_order=PreOrder.objects.get(pk=inline_form.instance.pk))
            try:
                formset.new_objects.append(
                    pre_order_add(
                        reservation=form.instance,
                        dish=data["dish"],
                        quantity=data["quantity"],
                        remarks=data.get("remarks", ""),
                    )
                )
            except ValidationError as error:
                raise FormRefused(error) from None
        return None

    def _transition(self, request, queryset, to):
        moved, refused = services.reservations_transition(
            reservations=queryset, to=to, by=request.user
        )
        if moved:
            self.message_user(
                request,
                ngettext("%(count)d reservation updated.", "%(count)d reservations updated.", moved)
                % {"count": moved},
            )
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description=_("Confirm"), permissions=["change"])
    def confirm(self, request, queryset):
        self._transition(request, queryset, ReservationStatus.CONFIRMED)

    @admin.action(description=_("Seat"), permissions=["change"])
    def seat(self, request, queryset):
        self._transition(request, queryset, ReservationStatus.SEATED)

    @admin.action(description=_("Finish"), permissions=["change"])
    def finish(self, request, queryset):
        self._transition(request, queryset, ReservationStatus.FINISHED)

    @admin.action(description=_("Cancel"), permissions=["change"])
    def cancel(self, request, queryset):
        self._transition(request, queryset, ReservationStatus.CANCELLED)

    @admin.action(description=_("Mark as no-show"), permissions=["change"])
    def no_show(self, request, queryset):
        self._transition(request, queryset, ReservationStatus.NO_SHOW)


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyModelAdmin):
    """Who changed what and when: read-only."""

    list_display = [
        "created_at",
        "content_type",
        "object_label",
        "from_status",
        "to_status",
        "actor_kind",
        "actor_label",
        "reason",
    ]
    list_filter = ["content_type", "actor_kind", "to_status", "created_at"]
    search_fields = ["object_label", "actor_label", "reason"]
    date_hierarchy = "created_at"
