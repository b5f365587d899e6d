import logging

from django.db import connection


class RestaurantLogFilter(logging.Filter):
    """Tag each log record with the schema of the restaurant it concerns.

    Uses the request's restaurant when the record carries the request (under ASGI the
    record may be written in another thread than the one that set the connection).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        restaurant = getattr(getattr(record, "request", None), "tenant", None)
        record.schema_name = getattr(restaurant or connection.tenant, "schema_name", "-")
        return True
