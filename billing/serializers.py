from rest_framework import serializers

from billing.models import ConsumptionNote, NoteLine, Payment


class NoteLineSerializer(serializers.ModelSerializer):
    description = serializers.CharField(source="label")

    class Meta:
        model = NoteLine
        fields = ["kind", "dish", "description", "quantity", "unit_price", "amount"]


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["method", "amount", "tendered", "created_at"]


class ConsumptionNoteSerializer(serializers.ModelSerializer):
    reservation = serializers.CharField(source="reservation.reference")
    lines = NoteLineSerializer(many=True)
    payments = PaymentSerializer(many=True)

    class Meta:
        model = ConsumptionNote
        fields = [
            "id",
            "number",
            "reservation",
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
