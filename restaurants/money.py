"""Amounts shown to people: in the restaurant's currency and the reader's language."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel.numbers import format_currency
from django.db import connection
from django.utils import formats, translation

# In Spanish, money reads the way the country of its currency writes it: $1,252.33 in
# Mexico, 1.252,33 € in Spain.
SPANISH_LOCALES = {
    "ARS": "es_AR",
    "BOB": "es_BO",
    "CLP": "es_CL",
    "COP": "es_CO",
    "CRC": "es_CR",
    "DOP": "es_DO",
    "EUR": "es_ES",
    "GTQ": "es_GT",
    "MXN": "es_MX",
    "PEN": "es_PE",
    "PYG": "es_PY",
    "USD": "es_US",
    "UYU": "es_UY",
}


def _currency(currency: str | None) -> str:
    return (currency or getattr(connection.tenant, "currency", "") or "USD").upper()


def money_locale(currency: str | None = None) -> str:
    """The locale money is written in, e.g. ``es_MX`` (also given to the browser's Intl)."""
    language = (translation.get_language() or "es")[:2]
    return SPANISH_LOCALES.get(_currency(currency), "es") if language == "es" else language


def money(amount: Decimal | int | None, currency: str | None = None) -> str:
    """``amount`` formatted in ``currency`` (the current restaurant's by default)."""
    if amount is None:
        return ""
    return _formatted(Decimal(amount), _currency(currency), money_locale(currency))


@functools.lru_cache(maxsize=4096)
def _formatted(amount: Decimal, currency: str, locale: str) -> str:
    """Remembered: a menu shows the same prices on every view, and Babel takes its time."""
    return format_currency(amount, currency, locale=locale)


def percent(value: Decimal | int | None) -> str:
    """A percentage's number as people write it, in the reader's language: 10, 12,5 (never
    10.00 or 1E+1)."""
    if value is None:
        return ""
    value = Decimal(value)
    return formats.number_format(
        value.quantize(1) if value == value.to_integral() else value.normalize()
    )


def money_display(field_name: str, description: str):
    """A read-only admin field showing the amount ``field_name`` with ``money``, so that a page
    writes every amount one way ($52.33), not also as Django's plain number (52,33).

    In the object's currency, or its note's; else the restaurant's."""
    # Imported here: models import this module while the admin cannot be imported yet.
    from django.contrib import admin

    @admin.display(description=description)
    def display(model_admin, obj):
        amount = getattr(obj, field_name) if obj is not None else None
        currency = getattr(obj, "currency", None) or getattr(
            getattr(obj, "note", None), "currency", None
        )
        return money(amount, currency)

    return display
