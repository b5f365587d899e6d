"""Alerts: raised by the scheduled checks, acknowledged and resolved by staff."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.models import ALERT_TRANSITIONS, Alert, AlertStatus
from notifications import live


@transaction.atomic
def alert_raise(*, kind: str, severity: str, message: str, subject: str = "") -> Alert:
    """Record an alert and push it to the staff screens."""
    alert = Alert.objects.create(kind=kind, severity=severity, message=message, subject=subject)
    live.live_event_send(type="alert_triggered", alert=live.alert_payload(alert))
    return alert


def _move(alert: Alert, to: str, *, by) -> Alert:
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if to not in ALERT_TRANSITIONS[locked.status]:
        raise ValidationError(
            _("An alert in status «%(from)s» cannot be marked «%(to)s».")
            % {"from": locked.get_status_display(), "to": AlertStatus(to).label}
        )
    now = timezone.now()
    locked.status = to
    if to == AlertStatus.ACKNOWLEDGED:
        locked.acknowledged_at, locked.acknowledged_by = now, by
    else:
        locked.resolved_at, locked.resolved_by = now, by
        if locked.acknowledged_at is None:
            locked.acknowledged_at, locked.acknowledged_by = now, by
    locked.save()
    live.live_event_send(type=f"alert_{to}", alert=live.alert_payload(locked))
    alert.status = locked.status
    return locked


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by) -> Alert:
    """Staff saw the alert; who and when are kept."""
    return _move(alert, AlertStatus.ACKNOWLEDGED, by=by)


@transaction.atomic
def alert_resolve(*, alert: Alert, by) -> Alert:
    """Staff dealt with the alert; who and when are kept."""
    return _move(alert, AlertStatus.RESOLVED, by=by)
