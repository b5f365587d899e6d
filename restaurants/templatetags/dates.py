import datetime as dt
import functools

from django import template
from django.utils import formats, translation
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def long_date(day: dt.date) -> str:
    """{{ day|long_date }} → "10 de diciembre de 2026": the reader's language's DATE_FORMAT,
    remembered per day and language (a month's calendar names forty days on every view)."""
    return _long_date(day, translation.get_language())


@functools.lru_cache(maxsize=2048)
def _long_date(day: dt.date, language: str) -> str:
    return formats.date_format(day, "DATE_FORMAT")


@register.filter
def short_day(day: dt.date) -> str:
    """{{ day|short_day }} → "lun 30 nov" / "Mon 30 Nov": a day in a table's row, in the
    order and words of the reader's language."""
    # Translators: a day in a table's row, Django's date format ("D j M": Mon 30 Nov).
    return formats.date_format(day, _("D j M"))


@register.filter
def day_month(day: dt.date) -> str:
    """{{ day|day_month }} → "30 nov" / "30 Nov"."""
    # Translators: a day and its month, Django's date format ("j M": 30 Nov).
    return formats.date_format(day, _("j M"))


@register.filter
def weekday(day: dt.date) -> str:
    """{{ day|weekday }} → "lunes" / "Monday"."""
    return formats.date_format(day, "l")
