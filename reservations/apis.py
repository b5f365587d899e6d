from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status, viewsets

from reservations.models import Table
from reservations.serializers import TableSerializer
from reservations.services.tables import table_delete, table_save, table_update
from restaurants.parsers import CheckedQueryParameters


class TableInUse(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "table_in_use"


class TableViewSet(CheckedQueryParameters, viewsets.ModelViewSet):
    """The restaurant's tables (its own schema only, picked by the host)."""

    queryset = Table.objects.all()
    serializer_class = TableSerializer

    # A rule the services refuse is answered 400, a table deleted meanwhile 404
    # (restaurants.parsers.exception_handler).
    def perform_create(self, serializer):
        table = Table(**serializer.validated_data)
        serializer.instance = table_save(table=table, by=self.request.user)

    def perform_update(self, serializer):
        # The status moves through table_set_status (row locked, recorded once, by whom).
        serializer.instance = table_update(
            table=serializer.instance, changes=dict(serializer.validated_data), by=self.request.user
        )

    def perform_destroy(self, instance):
        try:
            table_delete(table=instance)
        except DjangoValidationError as error:
            raise TableInUse(" ".join(error.messages)) from None
        except Table.DoesNotExist:  # deleted by another request since it was looked up
            raise exceptions.NotFound from None


ROUTES = [("tables", TableViewSet, "table")]
