"""The restaurant's settings, menu, alerts, metrics, forecast and message log through the API.

Reads need the admin's "view" permission of each model, writes its "add", "change" or
"delete" one; every write goes through the owning app's services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from analytics import forecasts
from analytics import services as analytics_services
from analytics.models import Alert, AlertKind, AlertSeverity, AlertStatus, MetricsSnapshot
from analytics.selectors import service_day_at
from api.apis.reservations import OneObjectSchema
from api.serializers.restaurant import (
    AlertSerializer,
    BookingPolicySerializer,
    CategorySerializer,
    ClosedDateSerializer,
    DishSerializer,
    ForecastQuerySerializer,
    ForecastSerializer,
    MessageSerializer,
    MetricsSnapshotSerializer,
    OpeningPeriodSerializer,
)
from menu import services as menu_services
from menu.models import Category, Dish
from notifications.models import Channel, Message, MessageStatus
from reservations.models import BookingPolicy, ClosedDate, OpeningPeriod
from reservations.services import policy as policy_services
from restaurants.parsers import CheckedQueryParameters
from restaurants.permissions import needs

# The largest id PostgreSQL holds (bigint): a larger one would be a database error, not a 404.
LARGEST_ID = 2**63 - 1


# --- Query parameters --------------------------------------------------------------------


def _given(request, name: str) -> str | None:
    value = request.query_params.get(name, "")
    return value or None


def query_choice(request, name: str, choices: list[tuple[str, str]]) -> str | None:
    """``?name=`` if it is one of ``choices`` (a 400 naming them if not); None if absent."""
    value = _given(request, name)
    allowed = [choice for choice, _label in choices]
    if value is not None and value not in allowed:
        raise ValidationError(
            {name: [_("Use one of: %(choices)s.") % {"choices": ", ".join(allowed)}]}
        )
    return value


def query_boolean(request, name: str) -> bool | None:
    """``?name=true`` or ``false`` (``1`` and ``0`` too); None if absent."""
    value = _given(request, name)
    if value is None:
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise ValidationError({name: [_("Use true or false.")]})


def query_id(request, name: str) -> int | None:
    """``?name=`` as the id of a row; None if absent."""
    value = _given(request, name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= LARGEST_ID:
        raise ValidationError({name: [_("Use the id of one, a whole number like 3.")]})
    return int(value)


def query_moment(request, name: str, *, day_end: bool = False) -> dt.datetime | None:
    """``?name=`` as an instant: an ISO 8601 date-time (without an offset: the restaurant's
    time) or a date (its start; its end with ``day_end``, so that a day given as the end of
    a span is included). None if absent."""
    value = _given(request, name)
    if value is None:
        return None
    zone = timezone.get_current_timezone()
    try:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            moment = _datetime_from_iso(value)
        else:
            moment = dt.datetime.combine(day + dt.timedelta(days=int(day_end)), dt.time())
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, zone)
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise ValidationError(
            {name: [_("Use a date like 2030-03-05 or a time like 2030-03-05T20:00.")]}
        ) from None


def _datetime_from_iso(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        if "T" not in value:
            raise
        # An offset's "+" arrives as a space when the caller did not encode it.
        return dt.datetime.fromisoformat(value.replace(" ", "+"))


def _choices_parameter(name: str, choices, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, OpenApiTypes.STR, enum=[value for value, _label in choices], description=description
    )


ACTIVE_PARAMETER = OpenApiParameter(
    "active", OpenApiTypes.BOOL, description="Only active (true) or inactive (false) ones."
)


# --- Settings ----------------------------------------------------------------------------


class BookingPolicyViewSet(CheckedQueryParameters, viewsets.GenericViewSet):
    """The restaurant's booking policy: one per restaurant, read and changed at ``policy/``
    without an id."""

    queryset = BookingPolicy.objects.all()
    serializer_class = BookingPolicySerializer
    pagination_class = None

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        # The router gives a viewset with ``list`` the address without an id; that address
        # reads the one policy and changes it.
        return super().as_view({"get": "show", "patch": "change"}, **initkwargs)

    def list(self, request, *args, **kwargs):  # only for the router to make ``policy/``
        return self.show(request)

    def get_object(self):
        policy = self.get_queryset().get()
        self.check_object_permissions(self.request, policy)
        return policy

    @extend_schema(summary="The booking policy", responses=BookingPolicySerializer)
    def show(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Change some of the booking policy's settings",
        request=BookingPolicySerializer,
        responses=BookingPolicySerializer,
        examples=[
            OpenApiExample(
                "Longer bookings, a day's notice",
                value={"duration_minutes": 150, "min_notice_minutes": 1440},
                request_only=True,
            )
        ],
    )
    def change(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = policy_services.booking_policy_update(changes=serializer.validated_data)
        return Response(self.get_serializer(policy).data)


@extend_schema_view(
    list=extend_schema(summary="Opening hours: the service periods of each weekday"),
    create=extend_schema(summary="Add a service period"),
    update=extend_schema(summary="Change a service period"),
    partial_update=extend_schema(summary="Change some fields of a service period"),
    destroy=extend_schema(summary="Remove a service period"),
)
class OpeningPeriodViewSet(CheckedQueryParameters, viewsets.ModelViewSet):
    """Service periods by weekday (0 Monday … 6 Sunday); a period that closes at or before it
    opens ends after midnight."""

    queryset = OpeningPeriod.objects.all()
    serializer_class = OpeningPeriodSerializer
    ordering = ("weekday", "opens_at")

    def perform_create(self, serializer):
        serializer.instance = policy_services.opening_period_save(
            period=OpeningPeriod(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        period = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(period, name, value)
        serializer.instance = policy_services.opening_period_save(period=period)

    def perform_destroy(self, instance):
        policy_services.opening_period_delete(period=instance)


@extend_schema_view(
    list=extend_schema(summary="Closed dates, once or every year"),
    create=extend_schema(summary="Add a closed date"),
    update=extend_schema(summary="Change a closed date"),
    partial_update=extend_schema(summary="Change some fields of a closed date"),
    destroy=extend_schema(summary="Open again on a closed date"),
)
class ClosedDateViewSet(CheckedQueryParameters, viewsets.ModelViewSet):
    """Days without service; ``every_year`` repeats the day and month (e.g. 25 December)."""

    queryset = ClosedDate.objects.all()
    serializer_class = ClosedDateSerializer
    ordering = ("date",)

    def perform_create(self, serializer):
        serializer.instance = policy_services.closed_date_save(
            closed_date=ClosedDate(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        closed_date = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(closed_date, name, value)
        serializer.instance = policy_services.closed_date_save(closed_date=closed_date)

    def perform_destroy(self, instance):
        policy_services.closed_date_delete(closed_date=instance)


# --- Menu --------------------------------------------------------------------------------


class _MenuViewSet(
    CheckedQueryParameters,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Read, add and change; nothing on a menu is deleted (past pre-orders name its dishes):
    it is made inactive instead."""

    def get_queryset(self):
        queryset = super().get_queryset()
        active = query_boolean(self.request, "active")
        if active is not None:
            queryset = queryset.filter(is_active=active)
        return queryset

    def perform_create(self, serializer):
        serializer.instance = self.save(self.queryset.model(**serializer.validated_data), None)

    def perform_update(self, serializer):
        serializer.instance = self.save(serializer.instance, dict(serializer.validated_data))


@extend_schema_view(
    list=extend_schema(summary="Menu categories, in menu order", parameters=[ACTIVE_PARAMETER]),
    create=extend_schema(summary="Add a category"),
    update=extend_schema(summary="Change a category"),
    partial_update=extend_schema(summary="Change some fields of a category"),
)
class CategoryViewSet(_MenuViewSet):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    ordering = ("menu_order", "name")

    @staticmethod
    def save(category, changes):
        return menu_services.category_save(category=category, changes=changes)


@extend_schema_view(
    list=extend_schema(
        summary="Dishes, with their stock for pre-orders",
        parameters=[
            OpenApiParameter(
                "category", OpenApiTypes.INT, description="Only the dishes of this category (id)."
            ),
            ACTIVE_PARAMETER,
        ],
    ),
    create=extend_schema(summary="Add a dish"),
    update=extend_schema(summary="Change a dish"),
    partial_update=extend_schema(summary="Change some fields of a dish (price, stock …)"),
)
class DishViewSet(_MenuViewSet):
    queryset = Dish.objects.all()
    serializer_class = DishSerializer
    ordering = ("category_id", "name")

    def get_queryset(self):
        queryset = super().get_queryset()
        category = query_id(self.request, "category")
        if category is not None:
            queryset = queryset.filter(category_id=category)
        return queryset

    @staticmethod
    def save(dish, changes):
        return menu_services.dish_save(dish=dish, changes=changes)


# --- Analytics ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Alerts, newest first",
        parameters=[
            _choices_parameter("status", AlertStatus.choices, "Only alerts in this status."),
            _choices_parameter("kind", AlertKind.choices, "Only alerts of this kind."),
            _choices_parameter("severity", AlertSeverity.choices, "Only alerts this severe."),
        ],
    ),
)
class AlertViewSet(CheckedQueryParameters, viewsets.ReadOnlyModelViewSet):
    """Alerts raised by the scheduled checks; staff acknowledge and resolve them."""

    queryset = Alert.objects.select_related("acknowledged_by", "resolved_by")
    serializer_class = AlertSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        filters = {
            "status": query_choice(self.request, "status", AlertStatus.choices),
            "kind": query_choice(self.request, "kind", AlertKind.choices),
            "severity": query_choice(self.request, "severity", AlertSeverity.choices),
        }
        return queryset.filter(**{name: value for name, value in filters.items() if value})

    @extend_schema(summary="Acknowledge an alert: staff saw it", request=None)
    @action(detail=True, methods=["post"], permission_classes=[needs("analytics.change_alert")])
    def acknowledge(self, request, pk=None):
        alert = analytics_services.alert_acknowledge(alert=self.get_object(), by=request.user)
        return Response(self.get_serializer(alert).data)

    @extend_schema(summary="Resolve an alert: staff dealt with it", request=None)
    @action(detail=True, methods=["post"], permission_classes=[needs("analytics.change_alert")])
    def resolve(self, request, pk=None):
        alert = analytics_services.alert_resolve(alert=self.get_object(), by=request.user)
        return Response(self.get_serializer(alert).data)


@extend_schema_view(
    list=extend_schema(
        summary="Hourly metrics, newest hour first",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.STR,
                description="From this hour on: a date (its start, the restaurant's time) or "
                "an ISO 8601 date-time.",
                examples=[OpenApiExample("A day", value="2030-03-05")],
            ),
            OpenApiParameter(
                "until",
                OpenApiTypes.STR,
                description="Hours starting before this: a date (that day included) or an "
                "ISO 8601 date-time.",
                examples=[OpenApiExample("An instant", value="2030-03-05T20:00:00-06:00")],
            ),
        ],
    ),
)
class MetricsSnapshotViewSet(CheckedQueryParameters, viewsets.ReadOnlyModelViewSet):
    """The floor and the till hour by hour, as the scheduled job took them."""

    queryset = MetricsSnapshot.objects.all()
    serializer_class = MetricsSnapshotSerializer
    ordering = ("-hour",)

    def get_queryset(self):
        queryset = super().get_queryset()
        since = query_moment(self.request, "since")
        until = query_moment(self.request, "until", day_end=True)
        if since and until and since >= until:
            raise ValidationError({"until": [_("The end must come after the start.")]})
        if since:
            queryset = queryset.filter(hour__gte=since)
        if until:
            queryset = queryset.filter(hour__lt=until)
        return queryset


class ForecastViewSet(CheckedQueryParameters, viewsets.ViewSet):
    """The covers expected over the next service days (and, asked, hour by hour), as the
    forecast job last computed them, with what to do about them."""

    permission_classes = [needs("analytics.view_forecast")]
    schema = OneObjectSchema()

    @extend_schema(
        summary="The forecast of the coming days, with recommendations",
        parameters=[ForecastQuerySerializer],
        responses=ForecastSerializer,
    )
    def list(self, request):
        wanted = ForecastQuerySerializer(data=request.query_params)
        wanted.is_valid(raise_exception=True)
        start = wanted.validated_data.get("start") or service_day_at(timezone.now())
        days = wanted.validated_data["days"]
        rows = forecasts.forecast_days_ahead(start=start, days=days)
        hours = (
            forecasts.forecast_hours_ahead(start=start, days=days)
            if wanted.validated_data["hours"]
            else {}
        )
        for row in rows:
            row.hours = hours.get(row.day, [])
        return Response(
            ForecastSerializer(
                {
                    "start": start,
                    "days": rows,
                    "recommendations": forecasts.forecast_recommendations(start=start, days=days),
                }
            ).data
        )


# --- Message log -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Messages sent to customers, newest first",
        parameters=[
            OpenApiParameter(
                "reservation",
                OpenApiTypes.STR,
                description="Only those of this booking (its reference).",
            ),
            _choices_parameter("status", MessageStatus.choices, "Only messages in this status."),
            _choices_parameter("channel", Channel.choices, "Only messages sent this way."),
        ],
    ),
)
class MessageViewSet(CheckedQueryParameters, viewsets.ReadOnlyModelViewSet):
    """The message log, read-only; staff who may not see customers' contacts (the cashier)
    get recipients masked, as in the admin."""

    queryset = Message.objects.select_related("reservation")
    serializer_class = MessageSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        reservation = _given(self.request, "reservation")
        status = query_choice(self.request, "status", MessageStatus.choices)
        channel = query_choice(self.request, "channel", Channel.choices)
        if reservation:
            queryset = queryset.filter(reservation__reference=reservation.strip().upper())
        if status:
            queryset = queryset.filter(status=status)
        if channel:
            queryset = queryset.filter(channel=channel)
        return queryset


ROUTES: list = [
    ("policy", BookingPolicyViewSet, "policy"),
    ("opening-periods", OpeningPeriodViewSet, "opening-period"),
    ("closed-dates", ClosedDateViewSet, "closed-date"),
    ("categories", CategoryViewSet, "category"),
    ("dishes", DishViewSet, "dish"),
    ("alerts", AlertViewSet, "alert"),
    ("metrics", MetricsSnapshotViewSet, "metrics"),
    ("forecast", ForecastViewSet, "forecast"),
    ("messages", MessageViewSet, "message"),
]
