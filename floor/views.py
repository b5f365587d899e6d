"""The live floor: one admin page for the host during service, fed by the staff socket."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from analytics import services as alerts
from analytics.forecasts import forecast_live_payload
from analytics.models import Alert
from assistant.models import HandoffReason, Speaker
from booking.services.bookings import booking_transition
from floor.selectors import can_see_chats, can_watch_floor
from reservations.models import (
    RESERVATION_TRANSITIONS,
    Reservation,
    ReservationStatus,
    Table,
    TableArea,
    TableStatus,
)
from reservations.services.tables import table_set_status

# Today's line of the forecast: written by the page, and again by its script on every state.
FORECAST_TEXT = {
    "day": gettext_lazy(
        "About %(expected)s guests today (%(low)s–%(high)s); %(booked)s booked so far."
    ),
    "closed": gettext_lazy("Closed today."),
    "none": gettext_lazy("No forecast for today yet."),
}


def _forecast_text(forecast: dict | None) -> str:
    if forecast is None:
        return str(FORECAST_TEXT["none"])
    if forecast["closed"]:
        return str(FORECAST_TEXT["closed"])
    return str(FORECAST_TEXT["day"]) % forecast


def live_floor(request):
    """The floor by area, today's bookings on a timeline, the open alerts, tonight's forecast
    and the customers' chats waiting for staff, kept live."""
    if not can_watch_floor(request.user):
        raise PermissionDenied
    labels = {
        "table_status": dict(TableStatus.choices),
        "handoff_reason": dict(HandoffReason.choices),
        "author": {"customer": _("Customer"), **dict(Speaker.choices)},
        "reservation_status": dict(ReservationStatus.choices),
        "areas": dict(TableArea.choices),
        "transitions": {status: sorted(moves) for status, moves in RESERVATION_TRANSITIONS.items()},
        "actions": {
            ReservationStatus.CONFIRMED: _("Confirm"),
            ReservationStatus.SEATED: _("Seat"),
            ReservationStatus.FINISHED: _("Finish"),
            ReservationStatus.CANCELLED: _("Cancel"),
            ReservationStatus.NO_SHOW: _("No-show"),
            TableStatus.AVAILABLE: _("Free the table"),
            TableStatus.MAINTENANCE: _("Put in maintenance"),
            "acknowledge": _("Acknowledge"),
            "resolve": _("Resolve"),
        },
        "text": {
            "connected": _("Live"),
            "reconnecting": _("Reconnecting…"),
            "now": _("Now"),
            "next": _("Next"),
            "people": _("people"),
            "occupied": _("Occupied tables"),
            "reserved": _("Reserved tables"),
            "free_tables": _("Free tables"),
            "occupancy": _("Occupancy"),
            "last_hour": _("Last hour"),
            "no_bookings": _("No bookings on this day."),
            "no_alerts": _("No open alerts."),
            "close": _("Close"),
            "cancel_question": _("Cancel this booking? The customer will be told."),
            "cancel_yes": _("Yes, cancel it"),
            "no_chats": _("No chats waiting."),
            "waiting_since": _("waiting since"),
            "open_chat": _("Open the chat"),
            "forecast": {name: str(line) for name, line in FORECAST_TEXT.items()},
        },
        "inbox_url": reverse("admin:assistant_conversation_changelist"),
    }
    forecast = forecast_live_payload()
    context = {
        **admin.site.each_context(request),
        "title": _("Live floor"),
        "forecast": forecast,
        "forecast_text": _forecast_text(forecast),
        "labels": labels,
        "can_see_chats": can_see_chats(request.user),
        "can_change": request.user.has_perms(
            ["reservations.change_reservation", "reservations.change_table"]
        ),
    }
    return render(request, "admin/live_floor.html", context)


@require_POST
def live_floor_action(request):
    """One click on the floor: a reservation's move, a table's status, an alert's step.

    Goes through the same services as the admin's actions; the screens learn the result
    from the socket like everyone else's.
    """
    kind, to = request.POST.get("kind"), request.POST.get("to", "")
    try:
        object_id = int(request.POST.get("id", ""))
    except ValueError:
        return JsonResponse({"error": _("Unknown item.")}, status=400)
    try:
        if kind == "reservation" and request.user.has_perm("reservations.change_reservation"):
            reservation = get_object_or_404(Reservation, pk=object_id)
            booking_transition(reservation=reservation, to=to, by=request.user)
        elif kind == "table" and request.user.has_perm("reservations.change_table"):
            if to not in (TableStatus.AVAILABLE, TableStatus.MAINTENANCE):
                return JsonResponse({"error": _("Unknown action.")}, status=400)
            table = get_object_or_404(Table, pk=object_id)
            table_set_status(table=table, to=to, by=request.user)
        elif kind == "alert" and request.user.has_perm("analytics.change_alert"):
            alert = get_object_or_404(Alert, pk=object_id)
            steps = {"acknowledge": alerts.alert_acknowledge, "resolve": alerts.alert_resolve}
            if to not in steps:
                return JsonResponse({"error": _("Unknown action.")}, status=400)
            steps[to](alert=alert, by=request.user)
        else:
            raise PermissionDenied
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"ok": True})
