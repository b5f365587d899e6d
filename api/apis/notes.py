"""The cashier's consumption notes through the API: the same steps as the note admin (issue,
lines, discount, finalise, charge, void) through the same billing services, under the same
permissions, and the day's cash report."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.serializers.notes import (
    CashReportQuerySerializer,
    CashReportSerializer,
    NoteChargeSerializer,
    NoteDiscountSerializer,
    NoteIssueSerializer,
    NoteLineAddSerializer,
    NoteListQuerySerializer,
    NoteSerializer,
    NoteVoidSerializer,
)
from billing import selectors, services
from billing.models import ConsumptionNote, NoteLine, NoteStatus
from booking.services.notes import booking_note_charge
from restaurants.parsers import CheckedQueryParameters
from restaurants.permissions import needs

VIEW = "billing.view_consumptionnote"
CHANGE = "billing.change_consumptionnote"

# What each step needs: what the note admin checks for it (its page, action or inline).
NOTE_PERMISSIONS: dict[str | None, tuple[str, ...]] = {
    "list": (VIEW,),
    "retrieve": (VIEW,),
    # The reservation admin's "Issue consumption note" action.
    "create": ("reservations.view_reservation", "billing.add_consumptionnote"),
    "line_add": (CHANGE, "billing.add_noteline"),
    "line_remove": (CHANGE, "billing.delete_noteline"),
    # Above the cashier's limit the service asks for billing.grant_large_discount too.
    "discount": (CHANGE,),
    "finalise": (CHANGE,),
    "charge": (CHANGE,),
    "void": (CHANGE,),
}

NOTE_EXAMPLE = {
    "id": 7,
    "number": "NC-20300305-000001",
    "reservation": "R7K2Q9XW",
    "table": "M01",
    "service_day": "2030-03-05",
    "status": "draft",
    "currency": "MXN",
    "subtotal": "45.50",
    "tax_rate": "15.00",
    "tax": "6.83",
    "discount": "0.00",
    "discount_reason": "",
    "total": "52.33",
    "payment_method": "",
    "change_given": "0.00",
    "void_reason": "",
    "created_at": "2030-03-05T20:05:12.114301-06:00",
    "finalised_at": None,
    "paid_at": None,
    "voided_at": None,
    "lines": [
        {
            "id": 31,
            "kind": "table",
            "dish": None,
            "description": "Reservation of table M01",
            "quantity": 1,
            "unit_price": "8.00",
            "amount": "8.00",
        },
        {
            "id": 32,
            "kind": "pre_order",
            "dish": 4,
            "description": "Mole poblano",
            "quantity": 1,
            "unit_price": "18.50",
            "amount": "18.50",
        },
        {
            "id": 33,
            "kind": "pre_order",
            "dish": 5,
            "description": "Chiles en nogada",
            "quantity": 1,
            "unit_price": "19.00",
            "amount": "19.00",
        },
    ],
    "payments": [],
}
NOTE_RESPONSE = [OpenApiExample("A draft note", value=NOTE_EXAMPLE, response_only=True)]


def _step(summary: str, request=None, examples=(), **options):
    """The schema of a step on one note: its body, and the note as it is afterwards (the
    errors are added to every operation by ``api.schema``)."""
    return extend_schema(
        summary=summary,
        request=request,
        responses=NoteSerializer,
        examples=[*examples, *NOTE_RESPONSE],
        **options,
    )


class NoteViewSet(CheckedQueryParameters, viewsets.ReadOnlyModelViewSet):
    """The restaurant's consumption notes, and the cashier's steps on them. Every change goes
    through the billing services, which refuse what the admin refuses (a finalised note is
    never edited, a large discount needs a manager, a note is charged once)."""

    queryset = ConsumptionNote.objects.select_related("reservation__table").prefetch_related(
        "lines", "payments"
    )
    serializer_class = NoteSerializer
    # The number sorts by service day, then by issue: the newest service day first, as the
    # admin lists them (a note issued today for tomorrow's booking comes before yesterday's).
    ordering = "-number"

    def get_permissions(self):
        return [needs(*NOTE_PERMISSIONS.get(self.action, (VIEW,)))()]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        query = NoteListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if day := query.validated_data.get("service_day"):
            queryset = queryset.filter(service_day=day)
        if note_status := query.validated_data.get("status"):
            queryset = queryset.filter(status=note_status)
        return queryset

    def _note(self, note: ConsumptionNote, code: int = status.HTTP_200_OK) -> Response:
        """The note as the services left it, lines and payments included."""
        fresh = self.get_queryset().get(pk=note.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        summary="List the notes",
        parameters=[
            OpenApiParameter("service_day", OpenApiTypes.DATE, description="Only this day."),
            OpenApiParameter(
                "status", str, enum=NoteStatus.values, description="Only the notes in this status."
            ),
        ],
        responses=NoteSerializer(many=True),
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Read a note", responses=NoteSerializer, examples=NOTE_RESPONSE)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Issue a reservation's note",
        description="Numbered on the reservation's service day, with the table price and the "
        "pre-ordered dishes already on it. One note per reservation.",
        request=NoteIssueSerializer,
        responses={201: NoteSerializer},
        examples=[
            OpenApiExample("Issue", value={"reservation": "R7K2Q9XW"}, request_only=True),
            *NOTE_RESPONSE,
        ],
    )
    def create(self, request, *args, **kwargs):
        body = NoteIssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = services.note_issue(reservation=body.validated_data["reservation"], by=request.user)
        return self._note(note, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a consumed line to a draft note",
        description="A dish (its name and menu price by default) or a free description with "
        "its unit price. The answer is the whole note, totals recomputed.",
        request=NoteLineAddSerializer,
        responses={201: NoteSerializer},
        examples=[
            OpenApiExample("A dish", value={"dish": 4, "quantity": 2}, request_only=True),
            OpenApiExample(
                "Free text",
                value={"description": "Corkage", "quantity": 1, "unit_price": "12.00"},
                request_only=True,
            ),
            *NOTE_RESPONSE,
        ],
    )
    @action(detail=True, methods=["post"], url_path="lines")
    def line_add(self, request, pk=None):
        note = self.get_object()
        body = NoteLineAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.note_line_add(note=note, **body.validated_data)
        return self._note(note, status.HTTP_201_CREATED)

    @_step(
        "Take a consumed line off a draft note",
        description="Only lines added by the cashier; the table price and the pre-ordered "
        "dishes stay (grant a discount instead).",
        parameters=[OpenApiParameter("line_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["delete"], url_path=r"lines/(?P<line_id>[0-9]+)")
    def line_remove(self, request, pk=None, line_id=None):
        note = self.get_object()
        line = get_object_or_404(NoteLine, pk=line_id, note=note)
        services.note_line_remove(line=line)
        return self._note(note)

    @_step(
        "Grant or take back a discount on a draft note",
        request=NoteDiscountSerializer,
        description="A reason is required; above the restaurant's cashier limit only a "
        "manager may grant it. 0 takes it back.",
        examples=[
            OpenApiExample(
                "Discount",
                value={"discount": "4.00", "discount_reason": "Birthday"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def discount(self, request, pk=None):
        note = self.get_object()
        body = NoteDiscountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.note_discount_set(
            note=note,
            amount=body.validated_data["discount"],
            reason=body.validated_data["discount_reason"],
            by=request.user,
        )
        return self._note(note)

    @_step(
        "Finalise a draft note",
        description="From here on the note is never edited: it is charged or voided.",
    )
    @action(detail=True, methods=["post"])
    def finalise(self, request, pk=None):
        note = self.get_object()
        services.note_finalise(note=note, by=request.user)
        return self._note(note)

    @_step(
        "Charge a finalised note",
        request=NoteChargeSerializer,
        description="One or several payments that together cover the total (card and transfer "
        "exactly; cash may be more, the difference is the change to give back). When the "
        "restaurant says so, the seated party is finished and its table freed.",
        examples=[
            OpenApiExample(
                "Card and cash",
                value={
                    "payments": [
                        {"method": "card", "amount": "30.00"},
                        {"method": "cash", "amount": "25.00"},
                    ]
                },
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def charge(self, request, pk=None):
        note = self.get_object()
        body = NoteChargeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking_note_charge(note=note, payments=body.tenders(), by=request.user)
        return self._note(note)

    @_step(
        "Void a draft or finalised note",
        request=NoteVoidSerializer,
        description="It keeps its number and says why.",
        examples=[
            OpenApiExample(
                "Void", value={"reason": "Party left before ordering"}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        note = self.get_object()
        body = NoteVoidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.note_void(note=note, reason=body.validated_data["reason"], by=request.user)
        return self._note(note)


class CashReportViewSet(CheckedQueryParameters, viewsets.ViewSet):
    """The cashier's till report of one service day: the admin's cash report."""

    permission_classes = [needs("billing.view_cash_report")]

    @extend_schema(
        summary="The cash report of a service day",
        parameters=[CashReportQuerySerializer],
        responses=CashReportSerializer,
        examples=[
            OpenApiExample(
                "Two paid notes",
                response_only=True,
                value={
                    "day": "2030-03-05",
                    "cashier": None,
                    "currency": "MXN",
                    "paid_count": 2,
                    "open_count": 0,
                    "subtotal": "91.00",
                    "tax": "13.66",
                    "discount": "0.00",
                    "total": "104.66",
                    "change_given": "7.67",
                    "by_method": [
                        {"method": "cash", "label": "Cash", "count": 1, "total": "52.33"},
                        {"method": "card", "label": "Card", "count": 1, "total": "52.33"},
                        {"method": "transfer", "label": "Transfer", "count": 0, "total": "0.00"},
                        {"method": "mixed", "label": "Mixed", "count": 0, "total": "0.00"},
                    ],
                    "tenders": [
                        {"method": "cash", "label": "Cash", "count": 1, "total": "52.33"},
                        {"method": "card", "label": "Card", "count": 1, "total": "52.33"},
                        {"method": "transfer", "label": "Transfer", "count": 0, "total": "0.00"},
                    ],
                    "by_cashier": [
                        {"cashier": "caja@casa-azul.test", "count": 2, "total": "104.66"}
                    ],
                    "paid": [],
                    "voided": [],
                    "open_after_service": [],
                    "open_before_service": [],
                },
            )
        ],
    )
    def list(self, request):
        query = CashReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = selectors.cash_report(
            day=query.validated_data.get("day") or selectors.service_day_today(),
            cashier=query.validated_data.get("cashier"),
        )
        context = {"request": request, "currency": request.tenant.currency}
        return Response(CashReportSerializer(report, context=context).data)


ROUTES: list = [
    ("notes", NoteViewSet, "note"),
    ("cash-report", CashReportViewSet, "cash-report"),
]
