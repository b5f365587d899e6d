import datetime as dt
import functools

from django import template
from django.utils import formats, translation

register = template.Library()


@register.filter
def long_date(day: dt.date) -> str:
    """{{ day|long_date }} → "10 de diciembre de 2026": the reader's language's DATE_FORMAT,
    remembered per day and language (a month's calendar names forty days on every view)."""
    return _long_date(day, translation.get_language())


@functools.lru_cache(maxsize=2048)
def _long_date(day: dt.date, language: str) -> str:
    return formats.date_format(day, "DATE_FORMAT")
