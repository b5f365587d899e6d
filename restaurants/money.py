"""Amounts shown to people: in the restaurant's currency and the reader's language."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel.numbers import format_currency
from django.db import connection
from django.utils import translation

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
