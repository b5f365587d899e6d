"""What the API takes in, refused at the edge with a 400 (or a 413) the caller can read.

PostgreSQL cannot store NUL and psycopg cannot encode a lone surrogate, so either would reach
the database as a 500; the other control characters (all but tab and line breaks) are part of
nothing a restaurant writes. A JSON body nested deeper than ``JSON_MAX_DEPTH`` is refused once
decoded, before a serializer or a renderer walks it (the decoder itself gives up near Python's
recursion limit, with a RecursionError: a 400 too). A body above Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused before it is read. Set in ``REST_FRAMEWORK`` (config/settings.py); query parameters are checked by the
views that use :class:`CheckedQueryParameters`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status
from rest_framework.settings import api_settings

JSON_MAX_DEPTH = 32
# NUL and the other C0 controls but tab, line feed and carriage return; DEL; lone surrogates.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def has_forbidden_characters(text: str) -> bool:
    """True if ``text`` holds a character no field of Comensal takes (see the module)."""
    return FORBIDDEN_CHARACTERS.search(text) is not None


def _forbidden(field: str | None) -> exceptions.ValidationError:
    message = _("Control characters and invalid Unicode characters are not allowed.")
    return exceptions.ValidationError({field or api_settings.NON_FIELD_ERRORS_KEY: [message]})


def fields_check(fields: Iterable[tuple[str, list]]) -> None:
    """400 naming the first field (name, values) with a forbidden character in its name or a
    value; values that are not text (uploaded files) are left to their field."""
    for name, values in fields:
        if has_forbidden_characters(name):
            raise _forbidden(None)
        for value in values:
            if isinstance(value, str) and has_forbidden_characters(value):
                raise _forbidden(name)


def json_check(document) -> None:
    """400 if ``document`` nests deeper than JSON_MAX_DEPTH or holds a forbidden character in a
    key or a string (naming the top-level field it is in); walked without recursion."""
    pending = [(document, 1, None)]
    while pending:
        value, depth, field = pending.pop()
        if isinstance(value, str):
            if has_forbidden_characters(value):
                raise _forbidden(field)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > JSON_MAX_DEPTH:
            raise _too_deep()
        if isinstance(value, list):
            pending.extend((item, depth + 1, field) for item in value)
            continue
        for key, item in value.items():
            if has_forbidden_characters(key):
                raise _forbidden(field)
            pending.append((item, depth + 1, key if depth == 1 else field))


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(
        _("The JSON is nested too deeply (at most %(depth)d levels).") % {"depth": JSON_MAX_DEPTH}
    )


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (strict: no NaN or Infinity), with the depth and characters checked
    and the errors in the caller's language."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            document = json.loads(stream.read().decode(encoding), parse_constant=_no_constant)
        except RecursionError:
            raise _too_deep() from None
        except ValueError:  # not JSON, not in the encoding, or an integer of thousands of digits
            raise exceptions.ParseError(_("The request body is not valid JSON.")) from None
        json_check(document)
        return document


class FormParser(parsers.FormParser):
    """DRF's form parser, with every field's name and value checked."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        fields_check(data.lists())
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, with every field's name and value checked."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        fields_check(parsed.data.lists())
        fields_check((name, [upload.name]) for name, upload in parsed.files.items())
        return parsed


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def exception_handler(error, context):
    """Every API error as one body, in the caller's language:
    ``{"code": …, "message": …, "fields": {field: [messages]}}`` — DRF's handler first (its
    status, headers and Django's 404 and 403), plus the bodies Django refuses before reading
    them: too large (413) or with too many fields (400)."""
    # Not at the top: rest_framework.views reads this module's classes from the settings.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(error, RequestDataTooBig):
        error = RequestTooLarge(
            _("The request body is too large (at most %(size)s).")
            % {"size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
        )
    elif isinstance(error, TooManyFieldsSent | TooManyFilesSent):
        error = exceptions.ParseError(_("The request has too many fields."))
    elif isinstance(error, DjangoValidationError):
        # A service's rule refused the write: the view lets it through, answered as a 400.
        error = exceptions.ValidationError(
            {
                (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
                for name, messages in (
                    error.message_dict
                    if hasattr(error, "error_dict")
                    else {NON_FIELD_ERRORS: error.messages}
                ).items()
            }
        )
    elif isinstance(error, ObjectDoesNotExist | Http404):
        # Gone since it was looked up, or never there: the same words whatever the model.
        error = exceptions.NotFound()
    response = drf_exception_handler(error, context)
    if response is not None:
        response.data = error_body(error, response.data)
    return response


def error_body(error, detail) -> dict:
    """``{"code", "message", "fields"}`` of an API error and DRF's detail of it."""
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    if isinstance(error, exceptions.ValidationError) and isinstance(detail, dict):
        fields = {name: _messages(value) for name, value in detail.items() if name != non_field}
        general = _messages(detail.get(non_field, []))
        codes = error.get_codes() if isinstance(error.detail, dict) else {}
        first = next(iter(codes.get(non_field) or [None]), None)
        return {
            "code": first if isinstance(first, str) and not fields else "invalid",
            "message": " ".join(general) or _("Some fields are not valid."),
            "fields": fields,
        }
    if isinstance(detail, list):
        return {"code": "invalid", "message": " ".join(_messages(detail)), "fields": {}}
    if isinstance(detail, dict) and "detail" in detail:
        detail = detail["detail"]
    code = getattr(detail, "code", None) or getattr(error, "default_code", "error")
    return {"code": str(code), "message": str(detail), "fields": {}}


def _messages(value) -> list[str] | dict:
    """A field's messages as a list of text; a nested serializer's as a dict of those."""
    if isinstance(value, dict):
        return {str(name): _messages(item) for name, item in value.items()}
    if isinstance(value, list):
        flat = []
        for item in value:
            if isinstance(item, dict | list):
                return [_messages(item) for item in value]
            flat.append(str(item))
        return flat
    return [str(value)]


class CheckedQueryParameters:
    """A view whose query parameters are checked like its body fields, once the caller has been
    let in (a stranger is still told 401 or 403 first)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        fields_check(request.query_params.lists())
