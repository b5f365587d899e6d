import datetime as dt

from django.utils.translation import gettext as _
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from billing.models import ConsumptionNote
from billing.serializers import ConsumptionNoteSerializer
from restaurants.parsers import CheckedQueryParameters


class ConsumptionNoteViewSet(CheckedQueryParameters, viewsets.ReadOnlyModelViewSet):
    """The restaurant's consumption notes, read-only: they change only through the cashier's
    admin, where every change goes through the billing services."""

    queryset = (
        ConsumptionNote.objects.select_related("reservation")
        .prefetch_related("lines", "payments")
        .order_by("-service_day", "-number")
    )
    serializer_class = ConsumptionNoteSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        day = self.request.query_params.get("service_day")
        status = self.request.query_params.get("status")
        if day:
            try:
                queryset = queryset.filter(service_day=dt.date.fromisoformat(day))
            except ValueError:
                raise ValidationError({"service_day": _("Use a date like 2030-03-05.")}) from None
        if status:
            queryset = queryset.filter(status=status)
        return queryset
