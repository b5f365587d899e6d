import secrets
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from restaurants.models import Language

# --- Booking policy ---------------------------------------------------------------------


class BookingPolicy(models.Model):
    """The restaurant's booking rules: one row per restaurant schema."""

    reservations_enabled = models.BooleanField(_("accept reservations"), default=True)
    auto_confirm = models.BooleanField(
        _("confirm automatically"),
        default=True,
        help_text=_(
            "Bookings from customers are confirmed at once; otherwise they wait as pending."
        ),
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("reservation duration (minutes)"),
        default=120,
        validators=[MinValueValidator(15), MaxValueValidator(720)],
    )
    slot_interval_minutes = models.PositiveSmallIntegerField(
        _("slot interval (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"), default=60, validators=[MaxValueValidator(60 * 24 * 30)]
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        _("maximum days ahead"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    seat_window_minutes = models.PositiveSmallIntegerField(
        _("seating window (± minutes)"),
        default=30,
        help_text=_("A confirmed booking is seated automatically within this window of its start."),
    )
    finish_after_minutes = models.PositiveSmallIntegerField(
        _("finish after (minutes)"),
        default=180,
        help_text=_("A seated booking is finished automatically this long after it was seated."),
    )
    no_show_after_minutes = models.PositiveSmallIntegerField(
        _("no-show after (minutes)"),
        null=True,
        blank=True,
        default=30,
        help_text=_(
            "A confirmed booking never seated is marked as a no-show this long after its "
            "start. Empty: never automatically."
        ),
    )
    finish_when_paid = models.BooleanField(
        _("free the table when the bill is paid"),
        default=True,
        help_text=_(
            "When a seated party's consumption note is paid, the party is finished and its "
            "table freed, in the cashier's name."
        ),
    )
    high_occupancy_percent = models.PositiveSmallIntegerField(
        _("high occupancy alert at (%)"), default=85, validators=[MaxValueValidator(100)]
    )
    high_occupancy_cooldown_minutes = models.PositiveSmallIntegerField(
        _("high occupancy alert: not again within (minutes)"), default=15
    )
    low_occupancy_percent = models.PositiveSmallIntegerField(
        _("low occupancy alert at (%)"),
        default=20,
        validators=[MaxValueValidator(100)],
        help_text=_("Checked only while the restaurant is open."),
    )
    low_occupancy_cooldown_minutes = models.PositiveSmallIntegerField(
        _("low occupancy alert: not again within (minutes)"), default=30
    )
    prediction_anomaly_percent = models.PositiveSmallIntegerField(
        _("prediction anomaly alert at (%)"),
        default=30,
        validators=[MaxValueValidator(1000)],
        help_text=_(
            "Raised when the guests in the restaurant depart from the forecast for the hour "
            "by more than this share of it."
        ),
    )
    prediction_anomaly_cooldown_minutes = models.PositiveSmallIntegerField(
        _("prediction anomaly alert: not again within (minutes)"), default=60
    )
    table_conflict_cooldown_minutes = models.PositiveSmallIntegerField(
        _("table conflict alert: not again within (minutes)"), default=10
    )
    retention_days = models.PositiveSmallIntegerField(
        _("keep metrics and resolved alerts (days)"),
        default=400,
        validators=[MinValueValidator(7)],
    )
    phone_region = models.CharField(
        _("phone region"),
        max_length=2,
        default="MX",
        validators=[RegexValidator(r"^[A-Z]{2}$")],
        help_text=_(
            "Country code used for phone numbers written without +prefix (e.g. MX, ES, CO)."
        ),
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("15.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Applied to the subtotal of every consumption note issued from now on."),
    )
    cashier_discount_limit = models.DecimalField(
        _("cashier discount limit (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "Cashiers may grant discounts up to this share of the subtotal; "
            "larger ones need a manager."
        ),
    )
    address = models.CharField(
        _("address"), max_length=200, blank=True, help_text=_("Shown on the public booking page.")
    )
    online_max_party_size = models.PositiveSmallIntegerField(
        _("largest party online"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Larger parties are asked to call the restaurant."),
    )
    cancel_cutoff_minutes = models.PositiveIntegerField(
        _("online cancellation cut-off (minutes)"),
        default=120,
        validators=[MaxValueValidator(60 * 24 * 7)],
        help_text=_("Customers may cancel or move their booking online until this long before it."),
    )
    phone = models.CharField(
        _("phone"),
        max_length=30,
        blank=True,
        help_text=_(
            "The restaurant's phone for customers: shown on the booking pages, the printed "
            "note and the messages."
        ),
    )
    embed_origins = models.TextField(
        _("websites that may embed the booking form"),
        blank=True,
        validators=[
            RegexValidator(
                r"^(https?://[a-z0-9.-]+(:\d+)?\s*)*$",
                _("One origin per line, like https://www.my-restaurant.com (no path)."),
            )
        ],
        help_text=_("One origin per line, like https://www.my-restaurant.com."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policy")

    def __str__(self):
        return str(_("Booking policy"))

    def clean(self):
        super().clean()
        # Kept in E.164, read with the restaurant's phone region ("55 1234 5678" in MX).
        if self.phone:
            try:
                parsed = phonenumbers.parse(self.phone, self.phone_region)
            except phonenumbers.NumberParseException:
                parsed = None
            if parsed is None or not phonenumbers.is_valid_number(parsed):
                raise ValidationError(
                    {"phone": _("'%(phone)s' is not a valid phone number.") % {"phone": self.phone}}
                )
            self.phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    @property
    def phone_display(self) -> str:
        """The phone as customers read it: "+52 55 1234 5678"."""
        try:
            parsed = phonenumbers.parse(self.phone, self.phone_region)
        except phonenumbers.NumberParseException:
            return self.phone
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class Weekday(models.IntegerChoices):
    # A context of their own: Django's date formats name days with the same words, in
    # lowercase mid-sentence in Spanish ("el domingo 29 de noviembre").
    MONDAY = 0, pgettext_lazy("weekday", "Monday")
    TUESDAY = 1, pgettext_lazy("weekday", "Tuesday")
    WEDNESDAY = 2, pgettext_lazy("weekday", "Wednesday")
    THURSDAY = 3, pgettext_lazy("weekday", "Thursday")
    FRIDAY = 4, pgettext_lazy("weekday", "Friday")
    SATURDAY = 5, pgettext_lazy("weekday", "Saturday")
    SUNDAY = 6, pgettext_lazy("weekday", "Sunday")


class OpeningPeriod(models.Model):
    """A service period on a weekday; closing at or before opening means it ends after midnight."""

    policy = models.ForeignKey(
        BookingPolicy, on_delete=models.CASCADE, related_name="periods", verbose_name=_("policy")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        verbose_name = _("opening period")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(opens_at=F("closes_at")),
                name="opening_period_not_empty",
                violation_error_message=_("Opening and closing times must differ."),
            )
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.closes_at <= self.opens_at


class ClosedDate(models.Model):
    """A day without service: once, or every year on the same day (e.g. 25 December)."""

    policy = models.ForeignKey(
        BookingPolicy,
        on_delete=models.CASCADE,
        related_name="closed_dates",
        verbose_name=_("policy"),
    )
    date = models.DateField(_("date"))
    every_year = models.BooleanField(_("every year"), default=False)
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("closed date")
        verbose_name_plural = _("closed dates")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d}{' ↻' if self.every_year else ''} {self.reason}".strip()


class TablePriceBracket(models.Model):
    """Reservation price for tables up to a maximum capacity; the open bracket has no limit."""

    policy = models.ForeignKey(
        BookingPolicy,
        on_delete=models.CASCADE,
        related_name="price_brackets",
        verbose_name=_("policy"),
    )
    up_to_capacity = models.PositiveSmallIntegerField(
        _("up to capacity"),
        null=True,
        blank=True,
        help_text=_("Largest maximum capacity of this bracket; empty for 'more than the rest'."),
    )
    price = models.DecimalField(
        _("price"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("table price bracket")
        verbose_name_plural = _("table price brackets")
        ordering = [F("up_to_capacity").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "up_to_capacity"],
                name="price_bracket_unique_capacity",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="price_bracket_not_negative"),
        ]

    def __str__(self):
        if self.up_to_capacity is None:
            return f"> … : {self.price}"
        return f"≤ {self.up_to_capacity}: {self.price}"


# --- Tables -----------------------------------------------------------------------------


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


class TableQuerySet(models.QuerySet):
    def fitting(self, party_size: int):
        """Tables that seat this party and are not in maintenance."""
        return self.filter(min_capacity__lte=party_size, max_capacity__gte=party_size).exclude(
            status=TableStatus.MAINTENANCE
        )


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

    objects = TableQuerySet.as_manager()

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
        return f"{self.code} ({self.get_area_display()}, {self.min_capacity}–{self.max_capacity})"


# --- Customers --------------------------------------------------------------------------


class Customer(models.Model):
    """A guest of the restaurant, recognised again by phone or email."""

    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80, blank=True)
    national_id = models.CharField(_("national id"), max_length=30, blank=True)
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        help_text=_("International format, e.g. +525512345678."),
    )
    email = models.EmailField(_("email"), blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    marketing_consent = models.BooleanField(_("accepts marketing"), default=False)
    language = models.CharField(
        _("language of messages"),
        max_length=5,
        blank=True,
        choices=Language.choices,
        help_text=_("Empty: the restaurant's language."),
    )
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=~Q(national_id=""),
                name="customer_unique_national_id",
                violation_error_message=_("Another customer has this national id."),
            ),
            models.UniqueConstraint(
                fields=["phone"],
                condition=~Q(phone=""),
                name="customer_unique_phone",
                violation_error_message=_("Another customer has this phone number."),
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=~Q(email=""),
                name="customer_unique_email",
                violation_error_message=_("Another customer has this email."),
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


# --- Reservations -----------------------------------------------------------------------


class ReservationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    SEATED = "seated", _("Seated")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# The only moves a reservation can make (SPEC, Reservations).
RESERVATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ReservationStatus.PENDING: frozenset(
        {ReservationStatus.CONFIRMED, ReservationStatus.CANCELLED}
    ),
    ReservationStatus.CONFIRMED: frozenset(
        {ReservationStatus.SEATED, ReservationStatus.CANCELLED, ReservationStatus.NO_SHOW}
    ),
    ReservationStatus.SEATED: frozenset({ReservationStatus.FINISHED}),
    ReservationStatus.FINISHED: frozenset(),
    ReservationStatus.CANCELLED: frozenset(),
    ReservationStatus.NO_SHOW: frozenset(),
}
# Reservations that hold their table for their time range.
ACTIVE_STATUSES = (ReservationStatus.PENDING, ReservationStatus.CONFIRMED, ReservationStatus.SEATED)


class ReservationSource(models.TextChoices):
    WEB = "web", _("Web")
    ADMIN = "admin", _("Admin")
    WHATSAPP = "whatsapp", _("WhatsApp")
    PHONE = "phone", _("Phone")
    VOICE = "voice", _("Voice agent")
    API = "api", _("API")


class ReservationQuerySet(models.QuerySet):
    def active(self):
        """Reservations that hold their table (pending, confirmed or seated)."""
        return self.filter(status__in=ACTIVE_STATUSES)

    def overlapping(self, starts_at, ends_at):
        """Reservations whose time range meets [starts_at, ends_at)."""
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


def _new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Reservation(models.Model):
    """A party's booking of one table for a time range."""

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=_new_reference, editable=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("customer")
    )
    table = models.ForeignKey(
        Table, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("table")
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    party_size = models.PositiveSmallIntegerField(
        _("party size"), validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ReservationStatus.choices,
        default=ReservationStatus.PENDING,
        db_index=True,
    )
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=ReservationSource.choices,
        default=ReservationSource.ADMIN,
    )
    special_requests = models.TextField(_("special requests"), blank=True)
    seated_at = models.DateTimeField(_("seated at"), null=True, blank=True, editable=False)
    # The online form's one-time key: the same submission twice is one booking.
    submission_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["table", "starts_at"], name="reservation_table_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="reservation_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="reservation_party_size"),
            # No two active reservations of one table overlap in time. The table id is a
            # one-point range so that plain GiST handles it without btree_gist.
            ExclusionConstraint(
                name="reservation_no_overlap",
                expressions=[
                    (
                        Func(F("table"), F("table"), Value("[]"), function="int8range"),
                        RangeOperators.OVERLAPS,
                    ),
                    (
                        Func(F("starts_at"), F("ends_at"), Value("[)"), function="tstzrange"),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(status__in=ACTIVE_STATUSES),
                violation_error_message=_("This table is already booked at that time."),
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


# --- Audit history ----------------------------------------------------------------------


class ActorKind(models.TextChoices):
    USER = "user", _("Staff user")
    CUSTOMER = "customer", _("Customer")
    SYSTEM = "system", _("System")


class StatusChange(models.Model):
    """One status change of a table, reservation or note: never edited, never deleted."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    object_label = models.CharField(_("object"), max_length=60)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor_kind = models.CharField(_("who"), max_length=10, choices=ActorKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff user"),
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("audit history")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="status_change_subject")]

    def __str__(self):
        from_label = self.status_label(self.from_status) if self.from_status else "∅"
        return f"{self.object_label}: {from_label} → {self.status_label(self.to_status)}"

    def status_label(self, value: str) -> str:
        """A status value of the subject (``seated``, ``draft``) as staff read it: the label of
        that model's own status choices, in the current language."""
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        fields = model._meta.fields if model is not None else []
        status = next((field for field in fields if field.name == "status"), None)
        labels = dict(status.flatchoices) if status is not None else {}
        return str(labels.get(value, value))
