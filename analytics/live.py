"""What the staff screens are told when an alert is raised, acknowledged or resolved."""

from __future__ import annotations

from restaurants.live import live_event_send


def alert_payload(alert) -> dict:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "severity": alert.severity,
        "status": alert.status,
        "message": alert.message,
        "subject": alert.subject,
        "raised_at": alert.raised_at.isoformat(),
    }


def alert_changed(alert, *, type: str) -> None:
    live_event_send(type=type, alert=alert_payload(alert))
