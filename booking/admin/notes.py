"""The cashier's notes in the admin: the list, lines and discount of a draft, and the
actions (finalise, charge, void, print); their own pages are in ``note_pages``."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billing import services
from billing.models import ConsumptionNote, NoteLine, Payment
from booking.admin.note_pages import NotePagesMixin
from reservations.admin import StatusChangeInline
from restaurants.admin import FormRefused, ServiceRefusalMixin, StaffModelAdmin, selection_apply
from restaurants.forms import ServiceModelForm
from restaurants.money import money, money_display


class NoteLineForm(ServiceModelForm):
    """A note's line: prices, amounts and totals are the billing services' to set."""

    class Meta:
        model = NoteLine
        fields = ["dish", "description", "quantity", "unit_price"]


class NoteLineInline(admin.TabularInline):
    """The note's lines; only a draft's consumed lines can be added, changed or removed."""

    model = NoteLine
    form = NoteLineForm
    extra = 0
    fields = ["kind", "dish", "description", "quantity", "unit_price", "amount_money"]
    readonly_fields = ["kind", "unit_price_money", "amount_money"]
    autocomplete_fields = ["dish"]
    unit_price_money = money_display("unit_price", _("unit price"))
    amount_money = money_display("amount", _("amount"))

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not obj.is_editable:  # shown, not typed: as money
            return ["unit_price_money" if name == "unit_price" else name for name in fields]
        return fields

    def _editable(self, request, obj, allowed: bool) -> bool:
        return allowed and (obj is None or obj.is_editable)

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj, super().has_add_permission(request, obj))

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj, super().has_change_permission(request, obj))

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj, super().has_delete_permission(request, obj))


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ["method", "amount_money", "tendered_money", "change", "created_at"]
    readonly_fields = fields
    amount_money = money_display("amount", _("amount"))
    tendered_money = money_display("tendered", _("received"))
    change = money_display("change", _("change"))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class NoteForm(ServiceModelForm):
    class Meta:
        model = ConsumptionNote
        fields = ["discount", "discount_reason"]


@admin.register(ConsumptionNote)
class ConsumptionNoteAdmin(NotePagesMixin, ServiceRefusalMixin, StaffModelAdmin):
    form = NoteForm
    list_display = [
        "number",
        "service_day",
        "reservation",
        "table",
        "customer",
        "status",
        "total_display",
        "payment_method",
        "print_link",
    ]
    list_filter = ["status", "payment_method", "service_day"]
    search_fields = [
        "number",
        "reservation__reference",
        "reservation__customer__first_name",
        "reservation__customer__last_name",
        "reservation__table__code",
    ]
    date_hierarchy = "service_day"
    list_select_related = ["reservation__table", "reservation__customer"]
    fieldsets = [
        (None, {"fields": ["number", "reservation_link", "status", "service_day"]}),
        (
            _("Amounts"),
            {
                "fields": [
                    "subtotal_money",
                    "tax_rate",
                    "tax_money",
                    "discount",
                    "discount_reason",
                    "total_money",
                ]
            },
        ),
        (
            _("Payment"),
            {"fields": ["payment_method", "change_given_money", "paid_at", "charged_by"]},
        ),
        (_("Void"), {"fields": ["void_reason", "voided_at", "voided_by"]}),
        (_("Issue"), {"fields": ["created_at", "issued_by", "finalised_at", "discount_by"]}),
    ]
    readonly_fields = [
        "number",
        "reservation_link",
        "status",
        "service_day",
        "subtotal_money",
        "tax_rate",
        "tax_money",
        "total_money",
        "payment_method",
        "change_given_money",
        "paid_at",
        "charged_by",
        "void_reason",
        "voided_at",
        "voided_by",
        "created_at",
        "issued_by",
        "finalised_at",
        "discount_by",
    ]
    inlines = [NoteLineInline, PaymentInline, StatusChangeInline]
    actions = ["finalise", "charge", "void", "print_notes"]

    # --- Amounts, written as money like the rest of the page ---

    subtotal_money = money_display("subtotal", _("subtotal"))
    tax_money = money_display("tax", _("tax"))
    total_money = money_display("total", _("total"))
    change_given_money = money_display("change_given", _("change given"))
    discount_money = money_display("discount", _("discount"))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # A note that can no longer change shows its discount too, not a field to type in.
        shown = []
        for name, options in fieldsets:
            fields = [
                "discount_money" if field == "discount" else field for field in options["fields"]
            ]
            shown.append((name, {**options, "fields": fields}))
        return shown

    # --- Columns ---

    @admin.display(description=_("table"), ordering="reservation__table__code")
    def table(self, note):
        return note.reservation.table.code

    @admin.display(description=_("customer"))
    def customer(self, note):
        return note.reservation.customer

    @admin.display(description=_("total"), ordering="total")
    def total_display(self, note):
        return money(note.total, note.currency)

    @admin.display(description=_("print"))
    def print_link(self, note):
        url = reverse("admin:billing_consumptionnote_print", args=[note.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Print"))

    @admin.display(description=_("reservation"))
    def reservation_link(self, note):
        reservation = note.reservation
        url = reverse("admin:reservations_reservation_change", args=[reservation.pk])
        return format_html(
            '<a href="{}">{}</a> · {} · {} · {}',
            url,
            reservation.reference,
            reservation.customer,
            reservation.table.code,
            reservation.party_size,
        )

    # --- Permissions: notes are issued from reservations and never deleted ---

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.is_editable)

    def _require(self, request, permission: str):
        if not request.user.has_perm(f"billing.{permission}"):
            raise PermissionDenied

    # --- Saving through the services ---

    def save_model(self, request, obj, form, change):
        if not {"discount", "discount_reason"} & set(form.changed_data):
            return
        try:
            services.note_discount_set(
                note=obj,
                amount=form.cleaned_data.get("discount") or 0,
                reason=form.cleaned_data.get("discount_reason", ""),
                by=request.user,
            )
        except ValidationError as error:
            raise FormRefused(error) from None

    def save_formset(self, request, form, formset, change):
        if formset.model is not NoteLine:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        try:
            for inline_form in formset.deleted_forms:
                if inline_form.instance.pk:
                    services.note_line_remove(line=inline_form.instance)
                    formset.deleted_objects.append(inline_form.instance)
            for inline_form in formset.forms:
                if inline_form in formset.deleted_forms or not inline_form.has_changed():
                    continue
                values = {
                    key: inline_form.cleaned_data.get(key)
                    for key in ("dish", "description", "quantity", "unit_price")
                }
                if inline_form.instance.pk is None:
                    line = services.note_line_add(note=form.instance, **values)
                    formset.new_objects.append(line)
                else:
                    line = services.note_line_change(line=inline_form.instance, **values)
                    formset.changed_objects.append((line, inline_form.changed_data))
        except ValidationError as error:
            raise FormRefused(error) from None
        return None

    # --- Actions ---

    @admin.action(description=_("Finalise"), permissions=["change"])
    def finalise(self, request, queryset):
        selection_apply(
            self,
            request,
            queryset,
            lambda note: services.note_finalise(note=note, by=request.user),
            done=lambda count: (
                ngettext("%(count)d note updated.", "%(count)d notes updated.", count)
                % {"count": count}
            ),
        )

    def _one(self, request, queryset, view: str):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one note."), messages.ERROR)
            return None
        return HttpResponseRedirect(
            reverse(f"admin:billing_consumptionnote_{view}", args=[queryset.get().pk])
        )

    @admin.action(description=_("Charge"), permissions=["change"])
    def charge(self, request, queryset):
        return self._one(request, queryset, "charge")

    @admin.action(description=_("Void"), permissions=["change"])
    def void(self, request, queryset):
        return self._one(request, queryset, "void")

    @admin.action(description=_("Print"), permissions=["view"])
    def print_notes(self, request, queryset):
        return self._print(request, list(queryset.order_by("number")))
