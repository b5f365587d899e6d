"""What the API shows of the restaurant's settings, menu, alerts, metrics, forecast and
message log."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from analytics.forecast import MAX_HORIZON
from analytics.models import Alert, Forecast, MetricsSnapshot
from menu.models import Category, Dish
from notifications.models import Message
from notifications.selectors import masked, sees_contacts
from reservations.models import BookingPolicy, ClosedDate, OpeningPeriod

# --- Settings ----------------------------------------------------------------------------


class BookingPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = BookingPolicy
        fields = [
            "reservations_enabled",
            "auto_confirm",
            "phone_region",
            "duration_minutes",
            "slot_interval_minutes",
            "min_notice_minutes",
            "max_days_ahead",
            "seat_window_minutes",
            "finish_after_minutes",
            "no_show_after_minutes",
            "finish_when_paid",
            "high_occupancy_percent",
            "high_occupancy_cooldown_minutes",
            "low_occupancy_percent",
            "low_occupancy_cooldown_minutes",
            "table_conflict_cooldown_minutes",
            "prediction_anomaly_percent",
            "prediction_anomaly_cooldown_minutes",
            "retention_days",
            "tax_rate",
            "cashier_discount_limit",
            "address",
            "phone",
            "online_max_party_size",
            "cancel_cutoff_minutes",
            "embed_origins",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class OpeningPeriodSerializer(serializers.ModelSerializer):
    weekday_name = serializers.CharField(source="get_weekday_display", read_only=True)
    crosses_midnight = serializers.BooleanField(read_only=True)

    class Meta:
        model = OpeningPeriod
        fields = ["id", "weekday", "weekday_name", "opens_at", "closes_at", "crosses_midnight"]


class ClosedDateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClosedDate
        fields = ["id", "date", "every_year", "reason"]


# --- Menu --------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", required=False)

    class Meta:
        model = Category
        fields = ["id", "name", "description", "menu_order", "active"]

    def get_fields(self):
        fields = super().get_fields()
        # A name taken is category_save's to refuse: one message, even for two requests at once.
        fields["name"].validators = [
            validator
            for validator in fields["name"].validators
            if not isinstance(validator, UniqueValidator)
        ]
        return fields


class DishSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", required=False)

    class Meta:
        model = Dish
        fields = [
            "id",
            "category",
            "name",
            "description",
            "price",
            "stock",
            "image",
            "active",
            "preparation_minutes",
        ]
        read_only_fields = ["image"]
        # Two dishes of one name in a category: refused by dish_save, with the model's message.
        validators: list = []


# --- Analytics ---------------------------------------------------------------------------


class AlertSerializer(serializers.ModelSerializer):
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", read_only=True, allow_null=True
    )
    resolved_by = serializers.CharField(
        source="resolved_by.username", read_only=True, allow_null=True
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "severity",
            "status",
            "message",
            "subject",
            "raised_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
        ]
        read_only_fields = fields


class MetricsSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = MetricsSnapshot
        fields = [
            "id",
            "hour",
            "tables_total",
            "tables_occupied",
            "tables_reserved",
            "tables_free",
            "occupancy_rate",
            "revenue",
            "taken_at",
        ]
        read_only_fields = fields


class ForecastQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False,
        help_text="The first service day (the restaurant's calendar); today's if absent.",
    )
    days = serializers.IntegerField(
        required=False,
        default=7,
        min_value=1,
        max_value=MAX_HORIZON,
        help_text=f"How many days from the start (1 to {MAX_HORIZON}).",
    )
    hours = serializers.BooleanField(
        required=False, default=False, help_text="Each day's hours too (true or false)."
    )

    def validate_start(self, start: dt.date) -> dt.date:
        if start > dt.date.max - dt.timedelta(days=MAX_HORIZON):
            raise serializers.ValidationError(_("Use a date before the year 9999."))
        return start


class ForecastHourSerializer(serializers.ModelSerializer):
    class Meta:
        model = Forecast
        fields = ["hour", "expected", "low", "high", "booked", "confidence", "closed"]
        read_only_fields = fields
        extra_kwargs = {
            "hour": {
                "help_text": "Local hour of arrival (a late service's hours after midnight "
                "belong to its day, last)."
            },
            "expected": {"help_text": "Guests expected to arrive in the hour."},
        }


class ForecastDaySerializer(serializers.ModelSerializer):
    date = serializers.DateField(source="day", read_only=True)
    factors = serializers.JSONField(
        read_only=True,
        help_text="What the forecast is made of: level (an ordinary day lately, in covers), "
        "weekday, trend, season and holiday (ratios, 1.0 = no effect), holiday_name and "
        "booked. Empty when closed or without history.",
    )
    hours = ForecastHourSerializer(
        many=True, read_only=True, help_text="Empty unless hours=true was asked."
    )

    class Meta:
        model = Forecast
        fields = [
            "date",
            "horizon",
            "expected",
            "low",
            "high",
            "booked",
            "confidence",
            "closed",
            "factors",
            "computed_at",
            "hours",
        ]
        read_only_fields = fields
        extra_kwargs = {"expected": {"help_text": "Covers expected over the service day."}}


class RecommendationSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["staff_up", "open_terrace", "promotion"], help_text="What to do."
    )
    date = serializers.DateField()
    hours = serializers.ListField(
        child=serializers.IntegerField(),
        allow_null=True,
        min_length=2,
        max_length=2,
        help_text="From hour to hour (the second excluded); null for the whole day.",
    )
    message = serializers.CharField(help_text="In the caller's language.")


class ForecastSerializer(serializers.Serializer):
    start = serializers.DateField()
    days = ForecastDaySerializer(many=True, help_text="The days forecast, in order.")
    recommendations = RecommendationSerializer(many=True)


# --- Message log -------------------------------------------------------------------------


class MessageSerializer(serializers.ModelSerializer):
    reservation = serializers.CharField(
        source="reservation.reference", read_only=True, allow_null=True
    )
    recipient = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "reservation",
            "event",
            "channel",
            "recipient",
            "language",
            "status",
            "provider",
            "provider_message_id",
            "attempts",
            "error",
            "subject",
            "body",
            "created_at",
            "sent_at",
            "delivered_at",
            "read_at",
            "failed_at",
        ]
        read_only_fields = fields

    def get_recipient(self, message: Message) -> str:
        """The phone or email, masked for staff who may not see customers' contacts (as in
        the admin's message log)."""
        if sees_contacts(self.context["request"]):
            return message.recipient
        return masked(message.recipient)
