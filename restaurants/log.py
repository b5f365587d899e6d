"""What every log line carries: the restaurant's schema and the request's id; and the JSON
format (``COMENSAL_LOG_FORMAT=json``), one object per line, for a log collector.

The lines themselves name no customer: phones and emails are masked where they are logged.
"""

import contextvars
import datetime as dt
import json
import logging
import re
import uuid

from django.db import connection

# The id of the request being answered in this thread (or task of the event loop).
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# An id a proxy or client sent: kept when it is a plain token, else a new one is made.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
REQUEST_ID_HEADER = "X-Request-ID"


class RestaurantLogFilter(logging.Filter):
    """Tag each log record with the schema of the restaurant it concerns and the request's id.

    Uses the request's restaurant when the record carries the request (under ASGI the
    record may be written in another thread than the one that set the connection).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        restaurant = getattr(request, "tenant", None)
        record.schema_name = getattr(restaurant or connection.tenant, "schema_name", "-")
        record.request_id = getattr(request, "request_id", None) or request_id_var.get()
        return True


class RequestIdMiddleware:
    """Gives each request an id (the ``X-Request-ID`` it came with, when sane), puts it on
    the request's log lines and answers it in the same header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = given if _SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, schema, request_id and, when
    there is one, the exception's traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "schema": getattr(record, "schema_name", "-"),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
