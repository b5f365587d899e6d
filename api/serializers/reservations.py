"""What the book's API takes in and gives out: reservations, availability, customers.

Inputs are parsed here and nothing more: every rule of the book (opening hours, notice,
free tables, the lifecycle) is the booking workflows' to apply, and their refusals reach the
caller as a 400 through the API's exception handler. Datetimes are written and read in the
restaurant's time zone (a time without an offset is the restaurant's wall clock).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from menu.models import Dish
from reservations import selectors
from reservations.models import (
    Customer,
    Reservation,
    ReservationSource,
    ReservationStatus,
    Table,
    TableArea,
)

# The largest number the book's party-size column holds: a larger party is no input error
# of the book's (no table seats it), but it must not reach the database as an overflow.
MAX_PARTY_SIZE = 32767
TEXT_LIMIT = 2000
REASON_LIMIT = 255


# --- Fields -------------------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "description": "The table's code (M01) or id.",
        "example": "M01",
    }
)
class TableField(serializers.Field):
    """A table named by its code (``M01``, any case) or its id; read back as its code."""

    def to_internal_value(self, data) -> Table:
        text = isinstance(data, str | int) and not isinstance(data, bool)
        named = str(data).strip() if text else ""
        if not named or len(named) > 20:
            raise _unknown_table(str(data)[:20])
        match = Q(code__iexact=named)
        if named.isdigit() and len(named) < 10:
            match |= Q(pk=int(named))
        # A code made of digits ("12") wins over the id that happens to be 12.
        found = sorted(Table.objects.filter(match), key=lambda table: table.code != named.upper())
        if not found:
            raise _unknown_table(named)
        return found[0]

    def to_representation(self, table: Table) -> str:
        return table.code


def _unknown_table(named: str) -> serializers.ValidationError:
    return serializers.ValidationError(
        _("No table has the code or id “%(table)s”.") % {"table": named}, code="unknown"
    )


def _party_size(**options) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_PARTY_SIZE,
        error_messages={"min_value": _("The party must be at least one person.")},
        **options,
    )


# The earliest time the book takes in. Before it, zones had local mean times whose offsets
# carry seconds ("-06:36:36" in Mexico City until 1922), which no ISO 8601 date-time allows.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class DateTimeField(serializers.DateTimeField):
    """DRF's, with a time before 1970 or a wall-clock time at the end of the calendar
    refused as out of range (DRF checks the latter against UTC, where it overflows: a 500)."""

    def enforce_timezone(self, value):
        try:
            moment = super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")
        if moment < EARLIEST:
            self.fail("overflow")
        return moment


def _source(**options) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=ReservationSource.choices,
        default=ReservationSource.API,
        help_text=(
            "Whose rules apply, as for bookings from that door: api (the default) keeps the "
            "minimum notice, the times offered to customers and the online party limit; "
            "admin books as staff do in the admin."
        ),
        **options,
    )


# --- Reservations: what is read -----------------------------------------------------------


class CustomerSummarySerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "first_name", "last_name", "full_name", "phone", "email"]
        read_only_fields = fields


class PreOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    dish = serializers.IntegerField(source="dish_id", read_only=True)
    dish_name = serializers.CharField(source="dish.name", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    subtotal = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    remarks = serializers.CharField(read_only=True)


class PreOrderAddSerializer(serializers.Serializer):
    """A dish pre-ordered with a booking: taken from stock, put on its draft note."""

    dish = serializers.PrimaryKeyRelatedField(queryset=Dish.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=999)
    remarks = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReservationSerializer(serializers.ModelSerializer):
    """A booking as staff see it in the admin: times in the restaurant's time zone."""

    customer = CustomerSummarySerializer(read_only=True)
    table = serializers.CharField(source="table.code", read_only=True)
    table_id = serializers.IntegerField(read_only=True)
    area = serializers.CharField(source="table.area", read_only=True)
    pre_orders = PreOrderSerializer(many=True, read_only=True)

    class Meta:
        model = Reservation
        fields = [
            "id",
            "reference",
            "status",
            "source",
            "starts_at",
            "ends_at",
            "party_size",
            "table",
            "table_id",
            "area",
            "customer",
            "special_requests",
            "pre_orders",
            "seated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- Reservations: what is written --------------------------------------------------------


class ReservationFilterSerializer(serializers.Serializer):
    """The list's filters (query parameters)."""

    day = serializers.DateField(
        required=False, help_text="Bookings starting that day, in the restaurant's time zone."
    )
    status = serializers.ChoiceField(choices=ReservationStatus.choices, required=False)
    source = serializers.ChoiceField(choices=ReservationSource.choices, required=False)
    table = TableField(required=False)


class ReservationCreateSerializer(serializers.Serializer):
    """A new booking: its time (``starts_at``, or ``date`` and ``time``), its party, and the
    customer (an existing one by id, or the contact they give, recognised by phone or email)."""

    starts_at = DateTimeField(
        required=False,
        help_text="Without an offset, the restaurant's wall clock. Or give date and time.",
    )
    date = serializers.DateField(required=False)
    time = serializers.TimeField(required=False)
    party_size = _party_size()
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.filter(erased_at__isnull=True),
        required=False,
        help_text="An existing customer's id; or give first_name and a phone or email.",
    )
    first_name = serializers.CharField(required=False, max_length=80)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=80)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    email = serializers.EmailField(required=False, allow_blank=True)
    table = TableField(
        required=False,
        allow_null=True,
        help_text="Leave it out to assign the best free table.",
    )
    area = serializers.ChoiceField(
        choices=TableArea.choices,
        required=False,
        allow_blank=True,
        help_text="The preferred area when the table is assigned.",
    )
    special_requests = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_LIMIT
    )
    source = _source()

    def validate(self, attrs):
        attrs["starts_at"] = _moment(attrs)
        contact = [attrs.get(name) for name in ("first_name", "last_name", "phone", "email")]
        if attrs.get("customer") is not None:
            if any(contact):
                raise serializers.ValidationError(
                    _("Give either the customer's id or their contact, not both.")
                )
        elif not attrs.get("first_name", "").strip():
            raise serializers.ValidationError(
                {
                    "customer": _(
                        "Give an existing customer's id, or a first name with a phone or email."
                    )
                }
            )
        return attrs


def _moment(attrs: dict) -> dt.datetime:
    """The booking's start from ``starts_at``, or from ``date`` and ``time`` on the
    restaurant's wall clock."""
    starts_at, day, time = (
        attrs.pop("starts_at", None),
        attrs.pop("date", None),
        attrs.pop("time", None),
    )
    if starts_at is not None:
        if day is not None or time is not None:
            raise serializers.ValidationError(
                {"starts_at": _("Give starts_at, or date and time, not both.")}
            )
        return starts_at
    if day is None or time is None:
        raise serializers.ValidationError({"starts_at": _("Give starts_at, or date and time.")})
    # Read as DRF reads a starts_at without an offset (one beyond the calendar in UTC is
    # refused as out of range).
    wall_clock = DateTimeField(default_timezone=selectors.restaurant_zone())
    try:
        return wall_clock.enforce_timezone(dt.datetime.combine(day, time))
    except serializers.ValidationError as error:
        raise serializers.ValidationError({"time": error.detail}) from None


class ReservationRescheduleSerializer(serializers.Serializer):
    """Another time, party size or table for a booking: what is left out stays."""

    starts_at = DateTimeField(required=False)
    party_size = _party_size(required=False)
    table = TableField(
        required=False,
        allow_null=True,
        help_text="Leave it out to keep the table if it is free, or take the best free one.",
    )
    special_requests = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_LIMIT
    )
    source = _source()

    def validate(self, attrs):
        if not {"starts_at", "party_size", "table", "special_requests"} & attrs.keys():
            raise serializers.ValidationError(_("There is nothing to change."))
        return attrs


class ReservationTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=ReservationStatus.choices,
        help_text=(
            "pending → confirmed or cancelled; confirmed → seated, cancelled or no_show; "
            "seated → finished."
        ),
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_LIMIT, default=""
    )


class ReservationCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_LIMIT, default=""
    )


# --- Availability -------------------------------------------------------------------------


class AvailabilityQuerySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The service day, in the restaurant's time zone.")
    party_size = _party_size()
    area = serializers.ChoiceField(
        choices=TableArea.choices,
        required=False,
        allow_blank=True,
        help_text="The preferred area: its tables come first.",
    )


class AlternativesQuerySerializer(serializers.Serializer):
    starts_at = DateTimeField(
        help_text="The time asked for; without an offset, the restaurant's wall clock."
    )
    party_size = _party_size()
    area = serializers.ChoiceField(choices=TableArea.choices, required=False, allow_blank=True)
    count = serializers.IntegerField(required=False, default=3, min_value=1, max_value=10)


class FreeTableSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    area = serializers.CharField()
    max_capacity = serializers.IntegerField()
    reservation_price = serializers.DecimalField(max_digits=8, decimal_places=2)


class SlotSerializer(serializers.Serializer):
    """A free start time, with the table the book would assign and every free table's code."""

    starts_at = serializers.DateTimeField()
    best_table = FreeTableSerializer()
    free_tables = serializers.SerializerMethodField()

    def get_free_tables(self, slot) -> list[str]:
        return [table.code for table in slot.tables]


class DayAvailabilitySerializer(serializers.Serializer):
    date = serializers.DateField(source="day")
    party_size = serializers.IntegerField()
    area = serializers.SerializerMethodField(help_text="The preferred area asked for.")
    reason = serializers.CharField(
        help_text="Why the day has no times (reservations_off, closed, outside_window, "
        "no_table_fits, fully_booked, no_times_left); empty when it has some."
    )
    message = serializers.CharField(source="reason_text")
    slots = SlotSerializer(many=True)

    def get_area(self, availability) -> str:
        return self.context.get("area", "")


class AlternativesSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    party_size = serializers.IntegerField()
    free = serializers.BooleanField(help_text="Whether the time asked for can be booked.")
    message = serializers.CharField(help_text="Why it cannot, when it cannot.")
    alternatives = SlotSerializer(many=True)


# --- Customers ----------------------------------------------------------------------------


class CustomerSerializer(serializers.ModelSerializer):
    """A customer; the phone is kept in E.164 (written as the guest gives it, read with the
    restaurant's phone region) and the email in lower case."""

    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "first_name",
            "last_name",
            "full_name",
            "national_id",
            "phone",
            "email",
            "city",
            "notes",
            "marketing_consent",
            "language",
            "erased_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["erased_at", "created_at", "updated_at"]
        # Longer than the stored E.164 on the way in ("+52 (55) 1234-5678").
        extra_kwargs = {"phone": {"max_length": 30}}

    def get_fields(self):
        fields = super().get_fields()
        # A taken phone, email or national id is the model's to refuse (customer_save): after
        # the phone is normalised, and with one message whoever saved the other first.
        for name in ("phone", "email", "national_id"):
            field = fields[name]
            field.validators = [v for v in field.validators if not isinstance(v, UniqueValidator)]
        return fields


class CustomerExportDataSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    national_id = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    city = serializers.CharField()
    notes = serializers.CharField()
    marketing_consent = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class CustomerExportPreOrderSerializer(serializers.Serializer):
    dish = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=8, decimal_places=2)


class CustomerExportReservationSerializer(serializers.Serializer):
    reference = serializers.CharField()
    starts_at = serializers.DateTimeField()
    party_size = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ReservationStatus.choices)
    source = serializers.ChoiceField(choices=ReservationSource.choices)
    special_requests = serializers.CharField()
    pre_orders = CustomerExportPreOrderSerializer(many=True)


class CustomerExportSerializer(serializers.Serializer):
    """The shape of a customer's data export (``customer_export``, as the admin's export
    action gives it), for the schema."""

    customer = CustomerExportDataSerializer()
    reservations = CustomerExportReservationSerializer(many=True)
