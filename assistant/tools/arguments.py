"""The tools' arguments: the strict JSON schema pieces a model is given, and the check of a
call's arguments against the same schema before anything runs."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from reservations.models import TableArea

# No restaurant seats more; larger numbers are a mistake or a probe, not a party.
PARTY_SIZE_LIMIT = 500
# The longest text any argument may carry (a name, a note, a summary).
TEXT_LIMIT = 500


def nullable(schema: dict) -> dict:
    """``schema`` that also takes null: strict mode's way of an optional argument."""
    either = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        either["enum"] = [*schema["enum"], None]
    return either


DATE = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}$",
    "description": "A day in the restaurant's calendar, YYYY-MM-DD.",
}
TIME = {
    "type": "string",
    "pattern": r"^\d{2}:\d{2}$",
    "description": "A time of day on the restaurant's clock, HH:MM (24 hours).",
}
PARTY_SIZE = {
    "type": "integer",
    "minimum": 1,
    "maximum": PARTY_SIZE_LIMIT,
    "description": "How many people, children included.",
}
AREA = {
    "type": "string",
    "enum": [str(area) for area in TableArea.values],
    "description": "The part of the room the customer prefers.",
}
REFERENCE = {"type": "string", "description": "The booking's reference, as the customer has it."}
# No one pre-orders more of one dish, nor more dishes, at a table booked online.
QUANTITY_LIMIT = 50
DISHES_LIMIT = 20


def strict_object(**properties: dict) -> dict:
    """A strict object schema: every property required, no other allowed."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


DISHES = {
    "type": "array",
    "maxItems": DISHES_LIMIT,
    "items": strict_object(
        dish_id={"type": "integer", "minimum": 1, "description": "The dish's id from the menu."},
        quantity={"type": "integer", "minimum": 1, "maximum": QUANTITY_LIMIT},
    ),
    "description": "Dishes from the menu to have ready on arrival, as the customer asked.",
}


_TYPES = {
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "null": lambda value: value is None,
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
}


def _fits(schema: dict, value) -> bool:
    """Whether ``value`` is one the (small, strict) property ``schema`` allows."""
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if not any(_TYPES[kind](value) for kind in types):
        return False
    if value is None:
        return True
    if isinstance(value, list):
        return len(value) <= schema.get("maxItems", len(value)) and all(
            _fits(schema["items"], item) for item in value
        )
    if isinstance(value, dict):
        return not arguments_problem(schema, value)
    if "enum" in schema and value not in schema["enum"]:
        return False
    if isinstance(value, str):
        pattern = schema.get("pattern")
        return len(value) <= TEXT_LIMIT and (pattern is None or bool(re.search(pattern, value)))
    return schema.get("minimum", value) <= value <= schema.get("maximum", value)


def arguments_problem(parameters: dict, arguments) -> str:
    """What is wrong with the arguments against the tool's schema ("" when nothing)."""
    if not isinstance(arguments, dict):
        return _("The arguments must be a JSON object.")
    properties = parameters["properties"]
    for name, value in arguments.items():
        if name not in properties:
            return _("Unexpected argument %(name)s.") % {"name": str(name)[:40]}
        if not _fits(properties[name], value):
            return _("Invalid value for %(name)s.") % {"name": name}
    for name in parameters["required"]:
        if name not in arguments:
            return _("Missing argument %(name)s.") % {"name": name}
    return ""
