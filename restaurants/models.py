import zoneinfo

import holidays
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists

from restaurants import schemas
from restaurants.hosts import hosts_forget

SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$"
# Names that would collide with the platform's own schemas or hosts.
RESERVED_SLUGS = frozenset(
    {"public", "www", "admin", "api", "static", "media", "health", "mail", "information-schema"}
)


class Plan(models.TextChoices):
    BASIC = "basic", _("Basic")
    PREMIUM = "premium", _("Premium")
    ENTERPRISE = "enterprise", _("Enterprise")


class Language(models.TextChoices):
    SPANISH = "es", _("Spanish")
    ENGLISH = "en", _("English")


TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class ForgetsHosts:
    """A change of a restaurant or of its domains is seen at once by this process's
    host → restaurant lookup (``restaurants.hosts``); other processes see it within seconds."""

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        hosts_forget()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        hosts_forget()
        return result


def validate_country(value: str) -> None:
    """A country whose public holidays are known (the ``holidays`` package's list)."""
    if value and value not in holidays.list_supported_countries():
        raise ValidationError(
            _("«%(code)s» is not a country code whose holidays are known (MX, ES, EC …).")
            % {"code": value}
        )


class Restaurant(ForgetsHosts, TenantMixin):
    """A restaurant: one tenant, with its own PostgreSQL schema."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.CharField(
        _("slug"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(SLUG_PATTERN)],
        help_text=_("Lowercase letters, digits and hyphens; it names the restaurant's host."),
    )
    plan = models.CharField(_("plan"), max_length=20, choices=Plan.choices, default=Plan.BASIC)
    timezone = models.CharField(
        _("time zone"), max_length=64, choices=TIMEZONE_CHOICES, default="America/Mexico_City"
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.SPANISH
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        default="",
        validators=[validate_country],
        help_text=_("Two-letter ISO code (MX, ES, EC …): its public holidays shape the forecast."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Schemas are dropped only on purpose, never as a side effect of a delete.
    auto_drop_schema = False
    auto_create_schema = True

    class Meta:
        verbose_name = _("restaurant")
        verbose_name_plural = _("restaurants")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="restaurant_currency_iso"
            ),
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^([A-Z]{2})?$"), name="restaurant_country_iso"
            ),
        ]

    def __str__(self):
        return self.name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Create and migrate this restaurant's schema (see ``restaurants.schemas``)."""
        if not sync_schema:
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        schemas.schema_create(self.schema_name, verbosity=verbosity)
        return True

    @staticmethod
    def schema_name_for(slug: str) -> str:
        return slug.replace("-", "_")


class Domain(ForgetsHosts, DomainMixin):
    """A host name that selects a restaurant (``<slug>.localhost``)."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self):
        return self.domain


class InboundProvider(models.TextChoices):
    TWILIO = "twilio", _("Twilio")
    META = "meta", _("Meta WhatsApp Cloud API")
    RETELL = "retell", _("Retell voice agent")


class InboundNumber(models.Model):
    """A number customers write to, and the restaurant it belongs to: how a provider's
    webhook that does not come to the restaurant's own host finds it. Kept from each
    restaurant's messaging settings (its Twilio sender, its Meta phone number id)."""

    provider = models.CharField(_("provider"), max_length=10, choices=InboundProvider.choices)
    # A Twilio number in E.164 (+593…) or a Meta phone number id (digits).
    address = models.CharField(_("number or phone number id"), max_length=64)
    restaurant = models.ForeignKey(
        Restaurant,
        on_delete=models.CASCADE,
        related_name="inbound_numbers",
        verbose_name=_("restaurant"),
    )

    class Meta:
        verbose_name = _("inbound number")
        verbose_name_plural = _("inbound numbers")
        constraints = [
            models.UniqueConstraint(fields=["provider", "address"], name="inbound_number_unique")
        ]

    def __str__(self):
        return f"{self.get_provider_display()} {self.address}"
