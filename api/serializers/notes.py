"""What the cashier's notes API shows and takes: notes with their lines and payments, the
bodies of each step of a note (issue, line, discount, charge, void) and the cash report.

Bodies are parsed here as the admin's forms parse them (types, digits, lengths); every rule
of billing (what may change, limits, totals) is the billing services' to apply."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from billing.models import TENDER_METHODS, ConsumptionNote, NoteLine, NoteStatus, Payment
from menu.models import Dish
from reservations.models import Reservation

DATE_INVALID = _("Use a date like 2030-03-05.")


def _money(**options) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **options)


# --- What a note shows ----------------------------------------------------------------


class NoteLineSerializer(serializers.ModelSerializer):
    description = serializers.CharField(source="label", read_only=True)

    class Meta:
        model = NoteLine
        fields = ["id", "kind", "dish", "description", "quantity", "unit_price", "amount"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    change = _money(help_text=_("Cash handed back: received minus the amount kept."))

    class Meta:
        model = Payment
        fields = ["method", "amount", "tendered", "change", "created_at"]
        read_only_fields = fields


class NoteSerializer(serializers.ModelSerializer):
    reservation = serializers.CharField(source="reservation.reference", read_only=True)
    table = serializers.CharField(source="reservation.table.code", read_only=True)
    lines = NoteLineSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = ConsumptionNote
        fields = [
            "id",
            "number",
            "reservation",
            "table",
            "service_day",
            "status",
            "currency",
            "subtotal",
            "tax_rate",
            "tax",
            "discount",
            "discount_reason",
            "total",
            "payment_method",
            "change_given",
            "void_reason",
            "created_at",
            "finalised_at",
            "paid_at",
            "voided_at",
            "lines",
            "payments",
        ]
        read_only_fields = fields


class NoteListQuerySerializer(serializers.Serializer):
    service_day = serializers.DateField(
        required=False, error_messages={"invalid": DATE_INVALID, "datetime": DATE_INVALID}
    )
    status = serializers.ChoiceField(choices=NoteStatus.choices, required=False)


# --- What each step takes -------------------------------------------------------------


class NoteIssueSerializer(serializers.Serializer):
    reservation = serializers.SlugRelatedField(
        slug_field="reference",
        queryset=Reservation.objects.all(),
        help_text=_("The reference of the reservation whose note is issued."),
    )


class NoteLineAddSerializer(serializers.Serializer):
    """A consumed line, as the note admin's line form takes it."""

    dish = serializers.PrimaryKeyRelatedField(
        queryset=Dish.objects.all(), required=False, allow_null=True, default=None
    )
    description = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Empty: the dish's name."),
    )
    quantity = serializers.IntegerField(min_value=1, max_value=999, default=1)
    unit_price = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Empty: the dish's price on the menu."),
    )


class NoteDiscountSerializer(serializers.Serializer):
    discount = serializers.DecimalField(
        max_digits=10, decimal_places=2, help_text=_("0 takes the discount back.")
    )
    discount_reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class TenderSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=[(m.value, m.label) for m in TENDER_METHODS])
    amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        help_text=_("What was received; cash may be more than what is left to pay."),
    )


class NoteChargeSerializer(serializers.Serializer):
    payments = TenderSerializer(many=True, min_length=1, max_length=len(TENDER_METHODS))

    def validate_payments(self, payments):
        methods = [payment["method"] for payment in payments]
        if len(set(methods)) != len(methods):
            raise serializers.ValidationError(_("Give each payment method once."))
        return payments

    def tenders(self) -> dict:
        """{method: amount received}, as the charge service takes them."""
        return {payment["method"]: payment["amount"] for payment in self.validated_data["payments"]}


class NoteVoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, allow_blank=True)


# --- The cash report ------------------------------------------------------------------


class CashReportQuerySerializer(serializers.Serializer):
    day = serializers.DateField(
        required=False,
        error_messages={"invalid": DATE_INVALID, "datetime": DATE_INVALID},
        help_text=_("The service day; today's when not given."),
    )
    cashier = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("Only what this user charged or voided; the whole restaurant when not given."),
    )


class ReportNoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    number = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=NoteStatus.choices, read_only=True)
    table = serializers.CharField(source="reservation.table.code", read_only=True)
    payment_method = serializers.CharField(read_only=True)
    total = _money()
    charged_by = serializers.CharField(
        source="charged_by.username", read_only=True, allow_null=True
    )
    voided_by = serializers.CharField(source="voided_by.username", read_only=True, allow_null=True)
    void_reason = serializers.CharField(read_only=True)


class MethodLineSerializer(serializers.Serializer):
    method = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    total = _money()


class CashierLineSerializer(serializers.Serializer):
    cashier = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    total = _money()


@extend_schema_serializer(many=False)
class CashReportSerializer(serializers.Serializer):
    """The admin's cash report of one service day (``billing.selectors.cash_report``)."""

    day = serializers.DateField(read_only=True)
    cashier = serializers.CharField(source="cashier.username", read_only=True, allow_null=True)
    currency = serializers.SerializerMethodField()
    paid_count = serializers.SerializerMethodField()
    open_count = serializers.IntegerField(read_only=True)
    subtotal = _money()
    tax = _money()
    discount = _money()
    total = _money(help_text=_("What the paid notes came to."))
    change_given = _money()
    by_method = MethodLineSerializer(many=True, read_only=True)
    tenders = MethodLineSerializer(
        many=True, read_only=True, help_text=_("What entered the till, by payment method.")
    )
    by_cashier = CashierLineSerializer(many=True, read_only=True)
    paid = ReportNoteSerializer(many=True, read_only=True)
    voided = ReportNoteSerializer(many=True, read_only=True)
    open_after_service = ReportNoteSerializer(
        many=True, read_only=True, help_text=_("Unpaid after their service: to charge or void.")
    )
    open_before_service = ReportNoteSerializer(
        many=True, read_only=True, help_text=_("Their booking is still to come or at the table.")
    )

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, report) -> str:
        return self.context["currency"]

    def get_paid_count(self, report) -> int:
        return len(report.paid)
