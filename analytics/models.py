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


class DailyRollup(models.Model):
    """One service day of the book and the till, summed: what reports over months read
    instead of the reservations themselves. Written by the metrics job and the backfill
    command (``daily_rollup_compute``), never by hand."""

    day = models.DateField(
        _("service day"),
        unique=True,
        help_text=_("The restaurant's service day; a late service after midnight is its day's."),
    )
    reservations = models.PositiveIntegerField(
        _("reservations"), default=0, help_text=_("Bookings for the day, cancelled ones apart.")
    )
    covers_booked = models.PositiveIntegerField(
        _("covers booked"), default=0, help_text=_("Guests of those bookings.")
    )
    covers_seated = models.PositiveIntegerField(
        _("covers seated"), default=0, help_text=_("Guests of the parties seated or finished.")
    )
    no_shows = models.PositiveIntegerField(_("no-shows"), default=0)
    no_show_covers = models.PositiveIntegerField(_("no-show covers"), default=0)
    cancellations = models.PositiveIntegerField(_("cancellations"), default=0)
    by_source = models.JSONField(
        _("by source"),
        default=dict,
        blank=True,
        help_text=_("Bookings and covers by where they were made."),
    )
    covers_by_hour = models.JSONField(
        _("covers by hour"),
        default=dict,
        blank=True,
        help_text=_("Covers booked by local hour of arrival."),
    )
    average_party_size = models.DecimalField(
        _("average party size"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    turn_minutes = models.DecimalField(
        _("average turn (minutes)"),
        max_digits=9,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("From seating to finishing, over the finished parties."),
    )
    turn_by_party_size = models.JSONField(
        _("turn by party size"),
        default=dict,
        blank=True,
        help_text=_("Finished parties and their average turn in minutes, by party size."),
    )
    seated_by_hour = models.JSONField(
        _("covers seated by hour"),
        default=dict,
        blank=True,
        help_text=_("Guests of the parties seated or finished, by local hour of arrival."),
    )
    by_table = models.JSONField(
        _("by table"),
        default=dict,
        blank=True,
        help_text=_("Bookings and covers by table code, cancelled ones apart."),
    )
    dishes = models.JSONField(
        _("dishes"),
        default=dict,
        blank=True,
        help_text=_("Pre-ordered and sold quantities and revenue by dish."),
    )
    revenue = models.DecimalField(_("revenue"), max_digits=12, decimal_places=2, default=0)
    paid_notes = models.PositiveIntegerField(_("paid notes"), default=0)
    paid_covers = models.PositiveIntegerField(
        _("paid covers"), default=0, help_text=_("Guests of the parties whose note was paid.")
    )
    spend_per_cover = models.DecimalField(
        _("spend per cover"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    new_customers = models.PositiveIntegerField(
        _("new customers"), default=0, help_text=_("Customers booked for the first time.")
    )
    returning_customers = models.PositiveIntegerField(_("returning customers"), default=0)
    lead_time_hours = models.DecimalField(
        _("booking lead time (hours)"),
        max_digits=9,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Median time between booking and arrival."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("daily roll-up")
        verbose_name_plural = _("daily roll-ups")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d}"


class Forecast(models.Model):
    """The expected covers of one service day (``hour`` empty) or one local hour of it, as
    the forecast job last computed them: what the dashboard, the floor and the API read."""

    day = models.DateField(_("service day"))
    hour = models.PositiveSmallIntegerField(
        _("hour"), null=True, blank=True, help_text=_("Local hour; empty for the whole day.")
    )
    horizon = models.PositiveSmallIntegerField(
        _("days ahead"), help_text=_("1 for the day the forecast was made on.")
    )
    expected = models.DecimalField(_("expected covers"), max_digits=9, decimal_places=1)
    low = models.DecimalField(_("at least"), max_digits=9, decimal_places=1)
    high = models.DecimalField(_("at most"), max_digits=9, decimal_places=1)
    booked = models.PositiveIntegerField(_("booked covers"), default=0)
    confidence = models.DecimalField(
        _("confidence"),
        max_digits=4,
        decimal_places=3,
        help_text=_("Share of past days whose guests fell inside the range given for them."),
    )
    closed = models.BooleanField(_("closed"), default=False)
    factors = models.JSONField(_("factors"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")
        ordering = ["day", "hour"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "hour"], name="forecast_one_per_hour", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=models.Q(low__lte=models.F("expected"))
                & models.Q(expected__lte=models.F("high")),
                name="forecast_expected_inside_range",
            ),
        ]

    def __str__(self):
        when = f"{self.day:%Y-%m-%d}" + (f" {self.hour:02d}h" if self.hour is not None else "")
        return f"{when}: {self.expected}"
