from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, viewsets

from reservations.models import Table
from reservations.serializers import TableSerializer
from reservations.services.tables import table_save


class TableViewSet(viewsets.ModelViewSet):
    """The restaurant's tables (its own schema only, picked by the host)."""

    queryset = Table.objects.all()
    serializer_class = TableSerializer

    def perform_create(self, serializer):
        self._save(serializer, Table())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    @staticmethod
    def _save(serializer, table):
        for field, value in serializer.validated_data.items():
            setattr(table, field, value)
        try:
            serializer.instance = table_save(table=table)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
