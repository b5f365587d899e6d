"""The note admin's own pages: finalise, charge (which frees the party's table), void,
print, and the day's cash report."""

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from billing import selectors, services
from billing.models import ConsumptionNote, NoteStatus
from booking.services.notes import booking_note_charge
from reservations.selectors import booking_policy_cached
from restaurants.forms import service_errors_to_form
from restaurants.money import money


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
    # A date input takes and shows ISO dates only: in the page's own format it would show empty.
    day = forms.DateField(
        label=_("Service day"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    cashier = forms.ModelChoiceField(
        label=_("Cashier"),
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label=_("Whole restaurant"),
    )


class NotePagesMixin:
    """The pages a cashier works a note on, added to the note admin's URLs."""

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
                {
                    "notes": notes,
                    "restaurant": restaurant,
                    "language": restaurant.language,
                    "policy": booking_policy_cached(),
                },
            )
            response.render()
        return response

    def cash_report_view(self, request):
        self._require(request, "view_cash_report")
        data = request.GET.copy()
        if not data.get("day"):
            data["day"] = selectors.service_day_today().isoformat()
        form = CashReportForm(data)
        form.fields["cashier"].queryset = get_user_model().objects.filter(is_active=True)
        report = csv_query = None
        if form.is_valid():
            report = selectors.cash_report(
                day=form.cleaned_data["day"], cashier=form.cleaned_data["cashier"]
            )
            if request.GET.get("format") == "csv":
                return self._cash_report_csv(report)
            # The export is of the report shown: its day and cashier, whatever the address had.
            csv_query = QueryDict(mutable=True)
            csv_query["day"] = report.day.isoformat()
            if report.cashier is not None:
                csv_query["cashier"] = str(report.cashier.pk)
            csv_query["format"] = "csv"
            csv_query = csv_query.urlencode()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Cash report"),
            "form": form,
            "report": report,
            "csv_query": csv_query,
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
        open_notes = [*report.open_after_service, *report.open_before_service]
        for note in [*report.paid, *report.voided, *open_notes]:
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
