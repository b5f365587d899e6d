"""The admin home's panel: ``{% load dashboard %}{% home %}`` on the index page, and
``{% home_panel %}`` alone on the index asked with ``?panel=home``, which the page fetches
again when the floor's data changes (the admin's own index view: its login and its
restaurant, no address of its own)."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import dashboard
from restaurants.roles import LIVE_FLOOR_PERMISSIONS

register = template.Library()

# How often the home reads itself again without a live event: the till has no events, and
# a cashier's screen has no socket (the floor's is for those who may see the tables).
POLL_SECONDS = {dashboard.MANAGER: 300, dashboard.CASHIER: 60}
SOCKET_PATH = "/ws/live/"
# The index asked with this query is the panel alone (templates/admin/index.html).
PANEL_QUERY = "panel=home"


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _chart(today: dashboard.ManagerToday) -> dict:
    """The covers-by-hour chart's data for Chart.js (the page's table says the same)."""
    has_forecast = any(hour.expected is not None for hour in today.hours)
    return {
        "labels": [hour.label for hour in today.hours],
        "series": [
            {"label": _("Covers booked"), "data": [hour.booked for hour in today.hours]},
            {"label": _("Came"), "data": [hour.came for hour in today.hours]},
            *(
                [
                    {
                        "label": _("Expected"),
                        "data": [
                            float(hour.expected) if hour.expected is not None else None
                            for hour in today.hours
                        ],
                        "line": True,
                    }
                ]
                if has_forecast
                else []
            ),
        ],
    }


def panel_context(request, *, now=None) -> dict:
    """What the panel of ``request.user``'s home shows (``kind`` empty: nothing)."""
    if not dashboard.in_restaurant():
        return {"kind": ""}
    kind = dashboard.home_kind(request.user)
    context = {
        "kind": kind,
        "request": request,
        "panel_url": f"{_url('admin:index')}?{PANEL_QUERY}",
        "poll_seconds": POLL_SECONDS.get(kind, 0),
    }
    now = now or timezone.now()
    if kind == dashboard.MANAGER:
        today = dashboard.manager_today(now=now)
        context.update(
            today=today,
            week=dashboard.week_ahead(today=today.day),
            chart=_chart(today),
            alerts_url=_url("admin:analytics_alert_changelist"),
            figures_url=(
                _url("admin:assistant_conversation_figures")
                if request.user.has_perm("assistant.view_conversation")
                else ""
            ),
            # The floor's socket, for those it lets in (the live floor's own rule).
            socket_path=SOCKET_PATH if request.user.has_perms(LIVE_FLOOR_PERMISSIONS) else "",
            cash_report_url=_url("admin:billing_consumptionnote_cash_report"),
        )
    elif kind == dashboard.CASHIER:
        context.update(
            cashier=dashboard.cashier_today(now=now),
            notes_url=_url("admin:billing_consumptionnote_changelist"),
            cash_report_url=_url("admin:billing_consumptionnote_cash_report"),
        )
    return context


@register.inclusion_tag("admin/analytics/home.html", takes_context=True)
def home(context):
    """The manager's or the cashier's home above the model list, with its live scripts."""
    return panel_context(context["request"])


@register.inclusion_tag("admin/analytics/home_panel.html", takes_context=True)
def home_panel(context):
    """The panel alone, as ``analytics/home.js`` swaps it in."""
    return panel_context(context["request"])
