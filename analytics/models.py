"""Alerts staff acknowledge and resolve (raised by the scheduled checks)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    HIGH_OCCUPANCY = "high_occupancy", _("High occupancy")
    LOW_OCCUPANCY = "low_occupancy", _("Low occupancy")
    TABLE_CONFLICT = "table_conflict", _("Table conflict")
    PREDICTION_ANOMALY = "prediction_anomaly", _("Prediction anomaly")


class AlertSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


# Allowed moves, declared once: an alert is acknowledged, then resolved (or resolved at once).
ALERT_TRANSITIONS = {
    AlertStatus.OPEN: (AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED),
    AlertStatus.ACKNOWLEDGED: (AlertStatus.RESOLVED,),
    AlertStatus.RESOLVED: (),
}


class AlertQuerySet(models.QuerySet):
    def unresolved(self):
        """Alerts still open or acknowledged: what the floor shows."""
        return self.exclude(status=AlertStatus.RESOLVED)


class Alert(models.Model):
    kind = models.CharField(_("kind"), max_length=30, choices=AlertKind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=AlertSeverity.choices)
    status = models.CharField(
        _("status"), max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    message = models.CharField(_("message"), max_length=255)
    subject = models.CharField(
        _("about"), max_length=60, blank=True, help_text=_("The table or period concerned.")
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["kind", "-raised_at"], name="alert_kind_raised")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="resolved") | models.Q(resolved_at__isnull=False),
                name="alert_resolved_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.message}"


class MetricsSnapshot(models.Model):
    """The floor and the till over one clock hour: one row per restaurant and hour."""

    hour = models.DateTimeField(_("hour"), unique=True, help_text=_("Start of the hour (UTC)."))
    tables_total = models.PositiveSmallIntegerField(_("tables"))
    tables_occupied = models.PositiveSmallIntegerField(_("occupied"))
    tables_reserved = models.PositiveSmallIntegerField(_("reserved"))
    tables_free = models.PositiveSmallIntegerField(_("free"))
    occupancy_rate = models.DecimalField(_("occupancy (%)"), max_digits=5, decimal_places=1)
    revenue = models.DecimalField(_("revenue"), max_digits=12, decimal_places=2)
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)

    class Meta:
        verbose_name = _("metrics snapshot")
        verbose_name_plural = _("metrics snapshots")
        ordering = ["-hour"]

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H:%M}"
