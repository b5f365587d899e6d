"""The cashier's notes: lines, discount, finalise, charge (which frees the party's table),
void, print, and the day's cash report."""

import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from billing import selectors, services
from billing.models import ConsumptionNote, NoteLine, NoteStatus, Payment
from booking.services.notes import booking_note_charge
from reservations.admin import StatusChangeInline
from restaurants.admin import FormRefused, ServiceRefusalMixin, StaffModelAdmin, selection_apply
from restaurants.forms import ServiceModelForm, service_errors_to_form
from restaurants.money import money


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
    fields = ["kind", "dish", "description", "quantity", "unit_price", "amount"]
    readonly_fields = ["kind", "amount"]
    autocomplete_fields = ["dish"]

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
    fields = ["method", "amount", "tendered", "change", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("change"))
    def change(self, payment):
        return payment.change

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class NoteForm(ServiceModelForm):
    class Meta:
        model = ConsumptionNote
        fields = ["discount", "discount_reason"]


class ChargeForm(forms.Form):
    cash = forms.DecimalField(
        label=_("Cash received"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    card = forms.DecimalField(
        label=_("Card"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    transfer = forms.DecimalField(
        label=_("Transfer"), required=False, min_value=0, max_digits=10, decimal_places=2
    )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=255, widget=forms.Textarea(attrs={"rows": 3})
    )


class CashReportForm(forms.Form):
    day = forms.DateField(label=_("Service day"), widget=forms.DateInput(attrs={"type": "date"}))
    cashier = forms.ModelChoiceField(
        label=_("Cashier"),
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label=_("Whole restaurant"),
    )


@admin.register(ConsumptionNote)
class ConsumptionNoteAdmin(ServiceRefusalMixin, StaffModelAdmin):
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
            {"fields": ["subtotal", "tax_rate", "tax", "discount", "discount_reason", "total"]},
        ),
        (_("Payment"), {"fields": ["payment_method", "change_given", "paid_at", "charged_by"]}),
        (_("Void"), {"fields": ["void_reason", "voided_at", "voided_by"]}),
        (_("Issue"), {"fields": ["created_at", "issued_by", "finalised_at", "discount_by"]}),
    ]
    readonly_fields = [
        "number",
        "reservation_link",
        "status",
        "service_day",
        "subtotal",
        "tax_rate",
        "tax",
        "total",
        "payment_method",
        "change_given",
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

    # --- Pages of their own ---

    def get_urls(self):
        own = [
            path(
                "<int:note_id>/finalise/",
                self.admin_site.admin_view(self.finalise_view),
                name="billing_consumptionnote_finalise",
            ),
            path(
                "<int:note_id>/charge/",
                self.admin_site.admin_view(self.charge_view),
                name="billing_consumptionnote_charge",
            ),
            path(
                "<int:note_id>/void/",
                self.admin_site.admin_view(self.void_view),
                name="billing_consumptionnote_void",
            ),
            path(
                "<int:note_id>/print/",
                self.admin_site.admin_view(self.print_view),
                name="billing_consumptionnote_print",
            ),
            path(
                "cash-report/",
                self.admin_site.admin_view(self.cash_report_view),
                name="billing_consumptionnote_cash_report",
            ),
        ]
        return own + super().get_urls()

    def _note_url(self, note):
        return reverse("admin:billing_consumptionnote_change", args=[note.pk])

    def _note_page(self, request, note, *, form, title: str, submit: str, template: str):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "note": note,
            "form": form,
            "submit_label": submit,
            "note_url": self._note_url(note),
        }
        return TemplateResponse(request, f"admin/billing/consumptionnote/{template}", context)

    @staticmethod
    def _note_or_404(note_id):
        return get_object_or_404(
            ConsumptionNote.objects.select_related("reservation__table", "reservation__customer"),
            pk=note_id,
        )

    def finalise_view(self, request, note_id):
        self._require(request, "change_consumptionnote")
        return require_POST(self._finalise)(request, note_id)

    def _finalise(self, request, note_id):
        note = self._note_or_404(note_id)
        try:
            services.note_finalise(note=note, by=request.user)
            self.message_user(request, _("Note %(number)s finalised.") % {"number": note.number})
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        return HttpResponseRedirect(self._note_url(note))

    def charge_view(self, request, note_id):
        self._require(request, "change_consumptionnote")
        note = self._note_or_404(note_id)
        form = ChargeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                paid = booking_note_charge(
                    note=note,
                    payments=dict(form.cleaned_data),
                    by=request.user,
                )
            except ValidationError as error:
                service_errors_to_form(form, error)
            else:
                message = _("Note %(number)s paid: %(total)s.") % {
                    "number": paid.number,
                    "total": money(paid.total, paid.currency),
                }
                if paid.change_given:
                    message += " " + _("Change to give back: %(change)s.") % {
                        "change": money(paid.change_given, paid.currency)
                    }
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(self._note_url(paid))
        return self._note_page(
            request,
            note,
            form=form,
            title=_("Charge note %(number)s") % {"number": note.number},
            submit=_("Charge"),
            template="charge.html",
        )

    def void_view(self, request, note_id):
        self._require(request, "change_consumptionnote")
        note = self._note_or_404(note_id)
        form = VoidForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.note_void(note=note, reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as error:
                service_errors_to_form(form, error)
            else:
                self.message_user(request, _("Note %(number)s voided.") % {"number": note.number})
                return HttpResponseRedirect(self._note_url(note))
        return self._note_page(
            request,
            note,
            form=form,
            title=_("Void note %(number)s") % {"number": note.number},
            submit=_("Void the note"),
            template="void.html",
        )

    def print_view(self, request, note_id):
        self._require(request, "view_consumptionnote")
        return self._print(request, [self._note_or_404(note_id)])

    def _print(self, request, notes):
        """The printable notes, in the restaurant's language whatever the cashier reads."""
        restaurant = connection.tenant
        notes = (
            ConsumptionNote.objects.filter(pk__in=[note.pk for note in notes])
            .select_related("reservation__table", "reservation__customer", "charged_by")
            .prefetch_related("lines", "payments")
            .order_by("number")
        )
        with translation.override(restaurant.language):
            response = TemplateResponse(
                request,
                "billing/note_print.html",
                {"notes": notes, "restaurant": restaurant, "language": restaurant.language},
            )
            response.render()
        return response

    def cash_report_view(self, request):
        self._require(request, "view_cash_report")
        form = CashReportForm(request.GET or {"day": selectors.service_day_today()})
        form.fields["cashier"].queryset = get_user_model().objects.filter(is_active=True)
        report = None
        if form.is_valid():
            report = selectors.cash_report(
                day=form.cleaned_data["day"], cashier=form.cleaned_data["cashier"]
            )
            if request.GET.get("format") == "csv":
                return self._cash_report_csv(report)
        csv_query = request.GET.copy()
        csv_query["format"] = "csv"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Cash report"),
            "form": form,
            "report": report,
            "csv_query": csv_query.urlencode(),
        }
        return TemplateResponse(request, "admin/billing/cash_report.html", context)

    @staticmethod
    def _cash_report_csv(report):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="cash-report-{report.day:%Y-%m-%d}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(
            [
                _("number"),
                _("status"),
                _("table"),
                _("cashier"),
                _("payment method"),
                _("subtotal"),
                _("tax"),
                _("discount"),
                _("total"),
                _("void reason"),
            ]
        )
        for note in [*report.paid, *report.voided]:
            person = note.charged_by if note.status == NoteStatus.PAID else note.voided_by
            writer.writerow(
                [
                    note.number,
                    note.get_status_display(),
                    note.reservation.table.code,
                    person.get_username() if person else "",
                    note.get_payment_method_display(),
                    note.subtotal,
                    note.tax,
                    note.discount,
                    note.total,
                    note.void_reason,
                ]
            )
        writer.writerow([])
        writer.writerow([_("payment method"), _("notes"), _("total")])
        for line in report.by_method:
            writer.writerow([line.label, line.count, line.total])
        writer.writerow([_("Total"), len(report.paid), report.total])
        return response
