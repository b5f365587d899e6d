"""The book through the API: reservations, availability, customers.

Thin doors: each parses its input with a serializer, calls one booking workflow, selector or
customer service, and presents the result. A service's refusal (a Django ValidationError) is
answered 400 by the API's exception handler, in the caller's language, with nothing written.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.serializers.reservations import (
    AlternativesQuerySerializer,
    AlternativesSerializer,
    AvailabilityQuerySerializer,
    CustomerExportSerializer,
    CustomerSerializer,
    DayAvailabilitySerializer,
    PreOrderAddSerializer,
    PreOrderSerializer,
    ReservationCancelSerializer,
    ReservationCreateSerializer,
    ReservationFilterSerializer,
    ReservationRescheduleSerializer,
    ReservationSerializer,
    ReservationTransitionSerializer,
)
from booking.services import bookings as workflows
from booking.services.pre_orders import booking_pre_order_add, booking_pre_order_remove
from reservations import selectors
from reservations.models import Customer, Reservation, ReservationSource, ReservationStatus
from reservations.services import customers
from restaurants.parsers import CheckedQueryParameters
from restaurants.permissions import needs

CanChangeReservations = needs("reservations.change_reservation")
CanViewReservations = needs("reservations.view_reservation")
CanEraseCustomers = needs("reservations.delete_customer")
# A booking's pre-orders, as the admin's pre-order inline asks.
PRE_ORDER_PERMISSIONS = {
    "pre_orders": needs("reservations.view_reservation", "menu.view_preorder"),
    "pre_order_add": needs("reservations.view_reservation", "menu.add_preorder"),
    "pre_order_remove": needs("reservations.view_reservation", "menu.delete_preorder"),
}


def _checked(serializer_class, data):
    """The validated query parameters (a 400 naming the bad one otherwise)."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class StrictOrdering(filters.OrderingFilter):
    """``?ordering=`` with one of the view's ``ordering_fields`` (``-`` for descending), an
    unknown one refused with a 400 rather than ignored; the id breaks ties, in the same
    direction, so that the cursor pages walk one fixed order."""

    @staticmethod
    def allowed(view) -> list[str]:
        return [f"{sign}{name}" for name in view.ordering_fields for sign in ("", "-")]

    def get_ordering(self, request, queryset, view):
        wanted = request.query_params.get(self.ordering_param)
        allowed = self.allowed(view)
        if wanted is None:
            wanted = view.ordering
        elif wanted not in allowed:
            raise ValidationError(
                {
                    self.ordering_param: _("Order by one of: %(fields)s.")
                    % {"fields": ", ".join(allowed)}
                }
            )
        return (wanted, "-pk" if wanted.startswith("-") else "pk")

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"The order of the list (default {view.ordering}).",
                "schema": {"type": "string", "enum": self.allowed(view)},
            }
        ]


# --- Reservations -------------------------------------------------------------------------

BOOKING_EXAMPLES = [
    OpenApiExample(
        "An existing customer, the best free table",
        value={"starts_at": "2030-03-05T20:00:00-06:00", "party_size": 4, "customer": 42},
        request_only=True,
    ),
    OpenApiExample(
        "A new guest, by date and time, on table M01",
        value={
            "date": "2030-03-05",
            "time": "20:00",
            "party_size": 2,
            "first_name": "Ana",
            "last_name": "López",
            "phone": "+525512345678",
            "email": "ana@example.com",
            "table": "M01",
            "special_requests": "Window seat, please.",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Taken by staff on the phone (the admin's rules: no online party limit)",
        value={
            "starts_at": "2030-03-05T20:10:00",
            "party_size": 12,
            "first_name": "Luis",
            "phone": "55 1234 5678",
            "area": "terrace",
            "source": "admin",
        },
        request_only=True,
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary="List bookings",
        parameters=[ReservationFilterSerializer],
    ),
    retrieve=extend_schema(summary="A booking"),
)
class ReservationViewSet(
    CheckedQueryParameters,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The restaurant's bookings. Written only through the booking workflows, as in the
    admin: the same rules, the customer's messages, the note following the booking."""

    queryset = Reservation.objects.select_related("customer", "table").prefetch_related(
        "pre_orders__dish"
    )
    serializer_class = ReservationSerializer
    filter_backends = [StrictOrdering]
    ordering_fields = ["starts_at", "created_at"]
    ordering = "starts_at"

    def get_permissions(self):
        if self.action in ("reschedule", "transition", "cancel"):
            return [CanChangeReservations()]
        if self.action in PRE_ORDER_PERMISSIONS:
            return [PRE_ORDER_PERMISSIONS[self.action]()]
        return super().get_permissions()

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        wanted = _checked(ReservationFilterSerializer, self.request.query_params)
        if "day" in wanted:
            zone = selectors.restaurant_zone()
            start = dt.datetime.combine(wanted["day"], dt.time.min, tzinfo=zone)
            queryset = queryset.filter(starts_at__gte=start)
            if wanted["day"] < dt.date.max:  # the calendar's last day has no next one
                queryset = queryset.filter(starts_at__lt=start + dt.timedelta(days=1))
        if "status" in wanted:
            queryset = queryset.filter(status=wanted["status"])
        if "source" in wanted:
            queryset = queryset.filter(source=wanted["source"])
        if "table" in wanted:
            queryset = queryset.filter(table=wanted["table"])
        return queryset

    def _present(self, reservation: Reservation, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=reservation.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        summary="Book",
        request=ReservationCreateSerializer,
        responses={201: ReservationSerializer},
        examples=BOOKING_EXAMPLES,
    )
    def create(self, request):
        data = _checked(ReservationCreateSerializer, request.data)
        customer = data.get("customer")
        contact = None
        if customer is None:
            contact = workflows.Contact(
                first_name=data["first_name"],
                last_name=data.get("last_name", ""),
                phone=data.get("phone", ""),
                email=data.get("email", ""),
            )
        reservation, _created = workflows.booking_create(
            source=data["source"],
            starts_at=data["starts_at"],
            party_size=data["party_size"],
            customer=customer,
            contact=contact,
            table=data.get("table"),
            area=data.get("area", ""),
            special_requests=data.get("special_requests", ""),
            by=request.user,
        )
        response = self._present(reservation, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{reservation.pk}/")
        return response

    @extend_schema(
        summary="Reschedule a booking",
        request=ReservationRescheduleSerializer,
        responses=ReservationSerializer,
        examples=[
            OpenApiExample(
                "Two more guests, half an hour later",
                value={"starts_at": "2030-03-05T20:30:00-06:00", "party_size": 6},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        reservation = self.get_object()
        data = _checked(ReservationRescheduleSerializer, request.data)
        moved = workflows.booking_reschedule(
            reservation=reservation,
            starts_at=data.get("starts_at", reservation.starts_at),
            party_size=data.get("party_size", reservation.party_size),
            table=data.get("table"),
            special_requests=data.get("special_requests"),
            by=request.user,
            source=data["source"],
        )
        return self._present(moved)

    @extend_schema(
        summary="Move a booking along its lifecycle",
        request=ReservationTransitionSerializer,
        responses=ReservationSerializer,
        examples=[
            OpenApiExample(
                "The party arrived",
                value={"to": "seated", "reason": "Arrived 10 minutes early"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        reservation = self.get_object()
        data = _checked(ReservationTransitionSerializer, request.data)
        moved = workflows.booking_transition(
            reservation=reservation, to=data["to"], by=request.user, reason=data["reason"]
        )
        return self._present(moved)

    @extend_schema(
        summary="Cancel a booking",
        request=ReservationCancelSerializer,
        responses=ReservationSerializer,
        examples=[
            OpenApiExample(
                "The guest called", value={"reason": "Guest called to cancel"}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        reservation = self.get_object()
        data = _checked(ReservationCancelSerializer, request.data)
        moved = workflows.booking_transition(
            reservation=reservation,
            to=ReservationStatus.CANCELLED,
            by=request.user,
            reason=data["reason"],
        )
        return self._present(moved)

    @extend_schema(
        summary="The dishes pre-ordered with a booking", responses=PreOrderSerializer(many=True)
    )
    @action(detail=True, methods=["get"], url_path="pre-orders", pagination_class=None)
    def pre_orders(self, request, pk=None):
        reservation = self.get_object()
        ordered = reservation.pre_orders.select_related("dish").order_by("pk")
        return Response(PreOrderSerializer(ordered, many=True).data)

    @extend_schema(
        summary="Pre-order a dish with a booking",
        description="Taken from the dish's stock at once and put on the booking's draft note.",
        request=PreOrderAddSerializer,
        responses={201: PreOrderSerializer},
        examples=[
            OpenApiExample(
                "Two flans",
                value={"dish": 7, "quantity": 2, "remarks": "sin nuez"},
                request_only=True,
            )
        ],
    )
    @pre_orders.mapping.post
    def pre_order_add(self, request, pk=None):
        reservation = self.get_object()
        data = _checked(PreOrderAddSerializer, request.data)
        added = booking_pre_order_add(
            reservation=reservation,
            dish=data["dish"],
            quantity=data["quantity"],
            remarks=data["remarks"],
        )
        return Response(PreOrderSerializer(added).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Take a pre-ordered dish off a booking", responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"pre-orders/(?P<pre_order_id>\d+)",
        url_name="pre-order",
    )
    def pre_order_remove(self, request, pk=None, pre_order_id=None):
        reservation = self.get_object()
        pre_order = reservation.pre_orders.select_related("reservation").get(pk=pre_order_id)
        booking_pre_order_remove(pre_order=pre_order)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Availability -------------------------------------------------------------------------


class OneObjectSchema(AutoSchema):
    """The schema of a view whose ``list`` answers one object (a day), not a list of them."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class AvailabilityViewSet(CheckedQueryParameters, viewsets.ViewSet):
    """The free times of the book, as customers are offered them (opening hours, minimum
    notice, tables that fit and are free)."""

    permission_classes = [CanViewReservations]
    schema = OneObjectSchema()

    @extend_schema(
        summary="Free times of a day",
        parameters=[AvailabilityQuerySerializer],
        responses=DayAvailabilitySerializer,
    )
    def list(self, request):
        wanted = _checked(AvailabilityQuerySerializer, request.query_params)
        availability = selectors.availability_for_day(
            day=wanted["date"], party_size=wanted["party_size"], area=wanted.get("area", "")
        )
        area = wanted.get("area", "")
        return Response(DayAvailabilitySerializer(availability, context={"area": area}).data)

    @extend_schema(
        summary="The nearest free times to a time",
        parameters=[AlternativesQuerySerializer],
        responses=AlternativesSerializer,
    )
    @action(detail=False, methods=["get"])
    def alternatives(self, request):
        wanted = _checked(AlternativesQuerySerializer, request.query_params)
        starts_at, party_size = wanted["starts_at"], wanted["party_size"]
        message = ""
        try:
            workflows.booking_check(
                starts_at=starts_at, party_size=party_size, source=ReservationSource.API
            )
        except DjangoValidationError as error:
            message = " ".join(error.messages)
        _first, last = selectors.booking_window()
        alternatives = []
        # Past the booking window no day has times (and near the calendar's last day the
        # following days could not be counted).
        if starts_at.astimezone(selectors.restaurant_zone()).date() <= last:
            alternatives = selectors.alternatives_for(
                starts_at=starts_at,
                party_size=party_size,
                area=wanted.get("area", ""),
                count=wanted["count"],
            )
        return Response(
            AlternativesSerializer(
                {
                    "starts_at": starts_at,
                    "party_size": party_size,
                    "free": not message,
                    "message": message,
                    "alternatives": alternatives,
                }
            ).data
        )


# --- Customers ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Find customers",
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description="Words of the name, the phone (as the guest writes it) or the email.",
            )
        ],
    ),
    retrieve=extend_schema(summary="A customer"),
    create=extend_schema(
        summary="Add a customer",
        examples=[
            OpenApiExample(
                "A new guest",
                value={
                    "first_name": "Ana",
                    "last_name": "López",
                    "phone": "55 1234 5678",
                    "email": "Ana@Example.com",
                    "marketing_consent": True,
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(summary="Change a customer"),
)
class CustomerViewSet(
    CheckedQueryParameters,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The restaurant's customers, saved through the customer services (phone in E.164,
    email in lower case, one customer per phone and per email)."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action == "erase":
            return [CanEraseCustomers()]
        return super().get_permissions()

    def get_queryset(self):
        queryset = super().get_queryset()
        query = self.request.query_params.get("q", "").strip() if self.action == "list" else ""
        if not query:
            return queryset
        # As the admin's search: every word in a name, the phone, the email or the national
        # id; and the phone as the guest writes it, read in E.164.
        match = Q()
        for word in query.split()[:10]:
            match &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(phone__icontains=word)
                | Q(email__icontains=word)
                | Q(national_id__iexact=word)
            )
        try:
            phone = customers.phone_normalise(query)
        except DjangoValidationError:
            phone = ""
        if phone:
            match |= Q(phone=phone)
        return queryset.filter(match)

    def perform_create(self, serializer):
        serializer.instance = customers.customer_save(
            customer=Customer(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        customer = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(customer, name, value)
        serializer.instance = customers.customer_save(customer=customer)

    @extend_schema(
        summary="A customer's data, for their request", responses=CustomerExportSerializer
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        return Response(customers.customer_export(customer=self.get_object()))

    @extend_schema(
        summary="Erase a customer's data, on their request",
        request=None,
        responses=CustomerSerializer,
    )
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        customer = self.get_object()
        if customer.erased_at is None:  # erased once: a second request changes nothing
            customer = customers.customer_erase(customer=customer, by=request.user)
        return Response(CustomerSerializer(customer).data)


ROUTES: list = [
    ("reservations", ReservationViewSet, "reservation"),
    ("availability", AvailabilityViewSet, "availability"),
    ("customers", CustomerViewSet, "customer"),
]
