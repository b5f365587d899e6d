from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class TableArea(models.TextChoices):
    INTERIOR = "interior", _("Interior")
    TERRACE = "terrace", _("Terrace")
    VIP = "vip", _("VIP")
    BAR = "bar", _("Bar")


class TableStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    OCCUPIED = "occupied", _("Occupied")
    RESERVED = "reserved", _("Reserved")
    MAINTENANCE = "maintenance", _("Maintenance")


class Table(models.Model):
    """A table of the restaurant's floor."""

    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z0-9-]{1,10}$", _("Use capital letters and digits, e.g. M01."))
        ],
    )
    min_capacity = models.PositiveSmallIntegerField(
        _("minimum capacity"), default=1, validators=[MinValueValidator(1)]
    )
    max_capacity = models.PositiveSmallIntegerField(
        _("maximum capacity"), validators=[MinValueValidator(1)]
    )
    area = models.CharField(
        _("area"), max_length=20, choices=TableArea.choices, default=TableArea.INTERIOR
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TableStatus.choices, default=TableStatus.AVAILABLE
    )
    description = models.TextField(_("description"), blank=True)
    reservation_price = models.DecimalField(
        _("reservation price"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
        help_text=_("Set from the maximum capacity."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("table")
        verbose_name_plural = _("tables")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_capacity__gte=1)
                & models.Q(max_capacity__gte=models.F("min_capacity")),
                name="table_capacity_range",
                violation_error_message=_("The maximum capacity cannot be below the minimum."),
            ),
            models.CheckConstraint(
                condition=models.Q(reservation_price__gte=0), name="table_price_not_negative"
            ),
        ]

    def __str__(self):
        return self.code
