"""What drf-spectacular adds to every operation of the schema: the error answers any call may
get, in the API's one error shape, and the headers of the plan's limit."""

ERROR = {
    "type": "object",
    "description": "Every error of the API.",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "message": {"type": "string", "example": "Some fields are not valid."},
        "fields": {
            "type": "object",
            "description": "Each refused field's messages (nested for nested objects).",
            "additionalProperties": True,
        },
    },
    "required": ["code", "message", "fields"],
}
ERRORS = {
    "400": "The request or a field is not valid, or a rule of the restaurant refused it.",
    "401": "No token, or a token this restaurant does not know.",
    "403": "The token's user lacks the permission the admin asks for the same thing.",
    "404": "Nothing of this restaurant has that id.",
    "409": "In conflict with the restaurant's state (a table with bookings), or another "
    "request with the same Idempotency-Key is still running.",
    "413": "The body is larger than 1 MiB.",
    "422": "The Idempotency-Key was already used for another request.",
    "429": "The plan's requests for the last 15 minutes are spent (see Retry-After).",
    "503": "The limits cannot be counted for a moment (see Retry-After).",
}
RATE_HEADERS = {
    "RateLimit-Limit": "Requests the plan allows per 15 minutes.",
    "RateLimit-Remaining": "Requests left in the current 15 minutes.",
    "RateLimit-Reset": "Seconds until the oldest counted request leaves the window.",
}
# Errors only some methods can get.
ONLY_FOR = {
    "409": {"post", "delete"},
    "413": {"post", "put", "patch"},
    "422": {"post"},
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A key of yours (1–255 characters) that makes a retried POST return the "
    "first answer instead of doing it twice; kept 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$"


def _plain(node) -> None:
    """What JSON Schema reads otherwise than the API means it: a "time" there needs a zone
    (ours are wall-clock times, "13:00:00"), and ``oneOf`` of a pattern and a blank string
    refuses the blank (it fits both): ``anyOf`` says what the field takes."""
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        if item.get("format") == "time" and item.get("type") == "string":
            del item["format"]
            item["pattern"] = TIME_PATTERN
        choices = item.get("oneOf")
        if choices and all(isinstance(c, dict) and c.get("type") == "string" for c in choices):
            item["anyOf"] = item.pop("oneOf")
        pending.extend(item.values())


def error_responses(result, generator, request, public):
    """drf-spectacular's postprocessing hook: the errors, limit headers and Idempotency-Key."""
    _plain(result)
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    reference = {"$ref": "#/components/schemas/Error"}
    headers = {
        name: {"schema": {"type": "integer"}, "description": description}
        for name, description in RATE_HEADERS.items()
    }
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/") or path.startswith(("/api/v1/schema", "/api/v1/docs")):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, answer in responses.items():
                if status.startswith("2"):
                    answer.setdefault("headers", {}).update(headers)
            for status, description in ERRORS.items():
                if method not in ONLY_FOR.get(status, {method}):
                    continue
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
            if method == "post":
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(IDEMPOTENCY_KEY)
    return result
