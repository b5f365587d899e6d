from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from restaurants.money import money


class NoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINALISED = "finalised", _("Finalised")
    PAID = "paid", _("Paid")
    VOIDED = "voided", _("Voided")


# The only moves a note can make (SPEC, Consumption notes). Only a draft is ever edited.
NOTE_TRANSITIONS: dict[str, frozenset[str]] = {
    NoteStatus.DRAFT: frozenset({NoteStatus.FINALISED, NoteStatus.VOIDED}),
    NoteStatus.FINALISED: frozenset({NoteStatus.PAID, NoteStatus.VOIDED}),
    NoteStatus.PAID: frozenset(),
    NoteStatus.VOIDED: frozenset(),
}


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    TRANSFER = "transfer", _("Transfer")
    MIXED = "mixed", _("Mixed")


# What a single payment can be; a note paid with several of them is "mixed".
TENDER_METHODS = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER)

MONEY = {"max_digits": 10, "decimal_places": 2}


class NoteCounter(models.Model):
    """The last number given on one day; its row is locked while a note is issued."""

    day = models.DateField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day}: {self.last_number}"


class ConsumptionNote(models.Model):
    """What a reservation's party consumed and paid: one note per reservation."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    reservation = models.OneToOneField(
        "reservations.Reservation",
        on_delete=models.PROTECT,
        related_name="note",
        verbose_name=_("reservation"),
    )
    service_day = models.DateField(_("service day"), db_index=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NoteStatus.choices,
        default=NoteStatus.DRAFT,
        db_index=True,
    )
    currency = models.CharField(_("currency"), max_length=3, editable=False)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2)
    subtotal = models.DecimalField(_("subtotal"), default=Decimal("0.00"), **MONEY)
    tax = models.DecimalField(_("tax"), default=Decimal("0.00"), **MONEY)
    discount = models.DecimalField(
        _("discount"),
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        **MONEY,
    )
    discount_reason = models.CharField(_("discount reason"), max_length=200, blank=True)
    total = models.DecimalField(_("total"), default=Decimal("0.00"), **MONEY)
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    change_given = models.DecimalField(_("change given"), default=Decimal("0.00"), **MONEY)
    void_reason = models.CharField(_("void reason"), max_length=255, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    discount_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("discount granted by"),
    )
    charged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("charged by"),
    )
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("consumption note")
        verbose_name_plural = _("consumption notes")
        ordering = ["-service_day", "-number"]
        permissions = [
            ("grant_large_discount", _("Can grant discounts above the cashier limit")),
            ("view_cash_report", _("Can see the daily cash report")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=0) & Q(tax__gte=0) & Q(discount__gte=0),
                name="note_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount__lte=F("subtotal")), name="note_discount_within_subtotal"
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("tax") - F("discount")),
                name="note_total_adds_up",
            ),
            models.CheckConstraint(
                condition=~Q(status=NoteStatus.VOIDED) | ~Q(void_reason=""),
                name="note_void_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=NoteStatus.PAID) | ~Q(payment_method=""),
                name="note_paid_has_method",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_editable(self) -> bool:
        return self.status == NoteStatus.DRAFT


class NoteLineKind(models.TextChoices):
    TABLE = "table", _("Table price")
    PRE_ORDER = "pre_order", _("Pre-order")
    EXTRA = "extra", _("Consumed")


class NoteLine(models.Model):
    """One line of a note; table and pre-order lines come from the reservation."""

    note = models.ForeignKey(
        ConsumptionNote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("note")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=NoteLineKind.choices, default=NoteLineKind.EXTRA
    )
    dish = models.ForeignKey(
        "menu.Dish",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dish"),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=8,
        decimal_places=2,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Empty: the dish's price on the menu."),
    )
    amount = models.DecimalField(_("amount"), default=Decimal("0.00"), **MONEY)

    class Meta:
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="note_line_quantity"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="note_line_price"),
            models.CheckConstraint(
                condition=Q(amount=F("quantity") * F("unit_price")), name="note_line_amount"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.label}"

    @property
    def label(self) -> str:
        if self.kind == NoteLineKind.TABLE:
            return gettext("Reservation of table %(code)s") % {"code": self.description}
        return self.description


class Payment(models.Model):
    """Money received for a note; cash may be tendered above the amount, the rest is change."""

    note = models.ForeignKey(
        ConsumptionNote, on_delete=models.PROTECT, related_name="payments", verbose_name=_("note")
    )
    method = models.CharField(
        _("method"), max_length=10, choices=[(m.value, m.label) for m in TENDER_METHODS]
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    tendered = models.DecimalField(_("received"), **MONEY)
    created_at = models.DateTimeField(_("paid at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount"),
            models.CheckConstraint(
                condition=Q(tendered__gte=F("amount")), name="payment_tendered_covers"
            ),
            models.CheckConstraint(
                condition=Q(method=PaymentMethod.CASH) | Q(tendered=F("amount")),
                name="payment_change_only_cash",
            ),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {money(self.amount, self.note.currency)}"

    @property
    def change(self) -> Decimal:
        return self.tendered - self.amount
