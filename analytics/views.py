"""The manager's period reports in the admin: charts beside their tables, CSV, print."""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.models import DailyRollup
from analytics.reports import (
    CSV_TABLES,
    CSV_TABLES_OF_DAYS,
    PERIOD_KINDS,
    Period,
    PeriodError,
    period_bounds,
    period_report_cached,
    report_csv_rows,
    summary_labels,
)
from analytics.selectors import service_day_at
from restaurants.money import money, money_locale

# Okabe–Ito's blue: the heatmap's cells from white to it, readable by every colour vision.
HEAT_RGB = (0, 114, 178)


def _date_input():
    # A date input takes and shows ISO dates only: in the page's own format it would show empty.
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ReportPeriodForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIOD_KINDS.items())
    day = forms.DateField(
        label=gettext_lazy("A day of the period"), required=False, widget=_date_input()
    )
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=_date_input())
    end = forms.DateField(label=gettext_lazy("Until"), required=False, widget=_date_input())

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("period")
        if kind is None or self.errors:
            return cleaned
        if kind == "custom":
            if cleaned.get("start") is None:
                raise ValidationError(_("Give the first day of the period."))
            anchor, until = cleaned["start"], cleaned.get("end")
        else:
            anchor, until = cleaned.get("day") or service_day_at(timezone.now()), None
        try:
            cleaned["bounds"] = period_bounds(kind, anchor, until)
        except PeriodError as error:
            raise ValidationError(str(error)) from error
        return cleaned


def _query(form: ReportPeriodForm, **extra) -> str:
    """The address's query of the report shown (its period as cleaned), plus ``extra``."""
    query = QueryDict(mutable=True)
    bounds: Period = form.cleaned_data["bounds"]
    query["period"] = form.cleaned_data["period"]
    if query["period"] == "custom":
        query["start"], query["end"] = bounds.start.isoformat(), bounds.end.isoformat()
    else:
        query["day"] = bounds.start.isoformat()
    for name, value in extra.items():
        query[name] = value
    return query.urlencode()


def _csv(report: dict, table: str) -> HttpResponse:
    period: Period = report["period"]
    slug = getattr(connection.tenant, "slug", "restaurant")
    # Written whole, then sent: row by row, the response went out in a chunk a row (365
    # messages through the ASGI server for a year, twice the time of the page).
    content = io.StringIO()
    csv.writer(content).writerows(report_csv_rows(report, table))
    response = HttpResponse(content.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{slug}-{table}-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.csv"'
    )
    return response


def _heat(value: float | None, peak: float) -> str:
    if not value or not peak:
        return ""
    strength = round(0.12 + 0.88 * value / peak, 2)
    colour = "#fff" if strength > 0.55 else "#000"
    return f"background: rgba({HEAT_RGB[0]}, {HEAT_RGB[1]}, {HEAT_RGB[2]}, {strength}); color: {colour}"


def _chart_data(report: dict) -> dict:
    """What reports.js draws: the numbers only; its words come from the template."""
    return {
        "days": [line["day"].isoformat() for line in report["daily"]],
        "previous_days": [line["previous_day"].isoformat() for line in report["daily"]],
        "covers": [line["covers"] for line in report["daily"]],
        "previous_covers": [line["previous_covers"] for line in report["daily"]],
        "revenue": [float(line["revenue"]) for line in report["daily"]],
        "previous_revenue": [float(line["previous_revenue"]) for line in report["daily"]],
        "tables": {
            "labels": [line["code"] for line in report["tables"]],
            "values": [line["reservations"] for line in report["tables"]],
        },
        "dishes": {
            "labels": [line["name"] for line in report["dishes"]],
            "values": [float(line["revenue"]) for line in report["dishes"]],
        },
        "sources": {
            "labels": [line["label"] for line in report["sources"]],
            "values": [line["reservations"] for line in report["sources"]],
        },
        "turns": {
            "labels": [str(line["party_size"]) for line in report["turns"]],
            "values": [line["minutes"] for line in report["turns"]],
        },
    }


def _daily_tbody(daily: list[dict], currency: str) -> str:
    """The rows of the table of days, written here rather than by a template loop: a
    year's 365 rows of five cells took the template 40 ms, this a few."""
    weekdays = [escape(WEEKDAYS_ABBR[weekday]) for weekday in range(7)]
    months = {number: escape(str(name).title()) for number, name in MONTHS_3.items()}
    # Translators: a day in the report's table of days, e.g. "Tue 5 Mar"; reorder as read.
    label = _("%(weekday)s %(day)s %(month)s")
    amounts: dict = {}

    def amount(value) -> str:
        if value not in amounts:
            amounts[value] = escape(money(value, currency))
        return amounts[value]

    rows = (
        '<tr><th scope="row">{day}</th><td class="number">{covers}</td>'
        '<td class="number">{revenue}</td><td class="number">{previous_covers}</td>'
        '<td class="number">{previous_revenue}</td></tr>'.format(
            day=label
            % {
                "weekday": weekdays[line["day"].weekday()],
                "day": line["day"].day,
                "month": months[line["day"].month],
            },
            covers=int(line["covers"]),
            revenue=amount(line["revenue"]),
            previous_covers=int(line["previous_covers"]),
            previous_revenue=amount(line["previous_revenue"]),
        )
        for line in daily
    )
    # Safe: every part above is escaped or an integer.
    return mark_safe("".join(rows))


def _summary_rows(report: dict) -> list[dict]:
    money_figures = {"revenue", "spend_per_cover"}
    rows = []
    for name, label in summary_labels().items():
        now, before = report["summary"][name], report["previous"][name]
        if name in money_figures:
            now, before = money(now), money(before)
        rows.append(
            {
                "name": name,
                "label": label,
                "now": "—" if now in (None, "") else now,
                "before": "—" if before in (None, "") else before,
                "change": report["comparison"].get(name),
            }
        )
    return rows


def period_reports(request):
    """The report of a day, week, month or any span: the figures of the daily roll-ups
    beside the period before it, each chart with its table, a CSV of each table, a
    printable page. For those who may read the roll-ups (managers)."""
    if not request.user.has_perm("analytics.view_dailyrollup"):
        raise PermissionDenied
    data = request.GET.copy()
    data.setdefault("period", "month")
    form = ReportPeriodForm(data)
    context = {
        **admin.site.each_context(request),
        "title": _("Reports"),
        "rollups_name": DailyRollup._meta.verbose_name_plural,
        "form": form,
        "printing": request.GET.get("print") == "1",
        "report": None,
    }
    if form.is_valid():
        bounds: Period = form.cleaned_data["bounds"]
        if request.GET.get("format") == "csv":
            table = request.GET.get("table", "")
            if table not in CSV_TABLES:
                return HttpResponseBadRequest(
                    _("Unknown table: choose one of %(tables)s.")
                    % {"tables": ", ".join(CSV_TABLES)}
                )
            report = period_report_cached(
                start=bounds.start, end=bounds.end, breakdowns=table not in CSV_TABLES_OF_DAYS
            )
            return _csv(report, table)
        report = period_report_cached(start=bounds.start, end=bounds.end)
        peak = report["heatmap"]["peak"]
        currency = getattr(connection.tenant, "currency", "USD")
        context.update(
            report=report,
            summary_rows=_summary_rows(report),
            daily_tbody=_daily_tbody(report["daily"], currency),
            dish_rows=[
                {**line, "revenue_text": money(line["revenue"])} for line in report["dishes"]
            ],
            heatmap_rows=[
                {
                    "hour": line["hour"],
                    "cells": [
                        {"covers": covers, "share": share, "style": _heat(covers, peak)}
                        for covers, share in zip(line["covers"], line["share"], strict=True)
                    ],
                }
                for line in report["heatmap"]["rows"]
            ],
            weekdays=[WEEKDAYS[weekday] for weekday in range(7)],
            weekdays_abbr=[WEEKDAYS_ABBR[weekday] for weekday in range(7)],
            chart_data=_chart_data(report),
            currency=currency,
            locale=money_locale().replace("_", "-"),
            csv_queries={table: _query(form, format="csv", table=table) for table in CSV_TABLES},
            print_query=_query(form, print="1"),
            report_query=_query(form),
        )
    return TemplateResponse(request, "admin/analytics/reports.html", context)
