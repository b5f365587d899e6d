"""The reservation admin: staff book, reschedule and move bookings through the workflows."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billing.services import note_issue
from booking.services import bookings as workflows
from booking.services.pre_orders import booking_pre_order_add, booking_pre_order_remove
from menu.models import PreOrder
from reservations import selectors
from reservations.admin import StatusChangeInline
from reservations.models import Reservation, ReservationSource, ReservationStatus, Table
from restaurants.admin import FormRefused, ServiceRefusalMixin, StaffModelAdmin, selection_apply
from restaurants.forms import ServiceModelForm
from restaurants.money import money, money_display


class PreOrderForm(ServiceModelForm):
    """A pre-order line: unit price and stock are the pre-order service's to set."""

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


class PreOrderInline(admin.TabularInline):
    model = PreOrder
    form = PreOrderForm
    extra = 0
    fields = ["dish", "quantity", "unit_price_money", "line_total", "remarks"]
    readonly_fields = ["unit_price_money", "line_total"]
    autocomplete_fields = ["dish"]
    unit_price_money = money_display("unit_price", _("unit price"))

    @admin.display(description=_("subtotal"))
    def line_total(self, pre_order):
        return money(pre_order.subtotal) if pre_order.pk else "—"

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields


class ReservationForm(ServiceModelForm):
    """Staff booking: the table is optional; left empty, the best free table is assigned.
    The booking services validate (``clean``); the model's own checks would repeat them."""

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

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            workflows.booking_check(
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
        issued = selection_apply(
            self,
            request,
            queryset,
            lambda reservation: note_issue(reservation=reservation, by=request.user),
            done=lambda count: (
                ngettext("%(count)d note issued.", "%(count)d notes issued.", count)
                % {"count": count}
            ),
        )
        if len(issued) == 1 and len(queryset) == 1:
            return HttpResponseRedirect(
                reverse("admin:billing_consumptionnote_change", args=[issued[0].pk])
            )
        return None

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                saved = workflows.booking_reschedule(
                    reservation=obj,
                    starts_at=data["starts_at"],
                    party_size=data["party_size"],
                    table=data.get("table"),
                    special_requests=data.get("special_requests", ""),
                    by=request.user,
                )
            else:
                saved, _created = workflows.booking_create(
                    source=ReservationSource.ADMIN,
                    customer=data["customer"],
                    starts_at=data["starts_at"],
                    party_size=data["party_size"],
                    table=data.get("table"),
                    special_requests=data.get("special_requests", ""),
                    by=request.user,
                )
        except ValidationError as error:
            raise FormRefused(error) from None
        obj.pk, obj.reference, obj.table = saved.pk, saved.reference, saved.table
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not PreOrder:
            return super().save_formset(request, form, formset, change)
        # Pre-orders go through the workflow: stock taken and given back, the note following.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                formset.deleted_objects.append(inline_form.instance)
                booking_pre_order_remove(pre_order=inline_form.instance)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            if inline_form.instance.pk is not None:
                # An edited line is given back and ordered again, so stock stays exact.
                booking_pre_order_remove(pre_order=PreOrder.objects.get(pk=inline_form.instance.pk))
            try:
                formset.new_objects.append(
                    booking_pre_order_add(
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
        # One transaction for the whole selection (rows locked together), not one per row.
        moved, refused = workflows.bookings_transition(
            reservations=Reservation.objects.filter(pk__in=queryset.values("pk")),
            to=to,
            by=request.user,
        )
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(count)d reservation updated.", "%(count)d reservations updated.", len(moved)
                )
                % {"count": len(moved)},
            )
        for reservation, message in refused:
            self.message_user(request, f"{reservation.reference}: {message}", messages.ERROR)

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
