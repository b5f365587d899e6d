"""The words of each message: the platform's defaults or the restaurant's own, filled in.

A template is plain text with placeholders such as ``{{ date }}``; nothing else in it is
interpreted, so a manager's wording can never run code or read anything but the values
listed in ``PLACEHOLDERS``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from babel.dates import format_date
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import Event, MessageTemplate

PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")

PLACEHOLDERS = {
    "restaurant": gettext_lazy("the restaurant's name"),
    "name": gettext_lazy("the customer's first name"),
    "reference": gettext_lazy("the booking reference"),
    "note_number": gettext_lazy("the consumption note's number"),
    "date": gettext_lazy("the date"),
    "time": gettext_lazy("the time"),
    "table": gettext_lazy("the table"),
    "area": gettext_lazy("the table's area"),
    "party_size": gettext_lazy("the number of people"),
    "dishes": gettext_lazy("the pre-ordered dishes with their amounts, one per line"),
    "table_price": gettext_lazy("the table price"),
    "subtotal": gettext_lazy("the subtotal"),
    "tax": gettext_lazy("the tax"),
    "total": gettext_lazy("the total"),
    "manage_link": gettext_lazy("the link to change or cancel the booking"),
    "phone": gettext_lazy("the restaurant's phone"),
}


def _defaults() -> dict[str, tuple[str, str]]:
    """Event → (email subject, text), in the active language."""
    details = _(
        "Booking: {{ reference }}\n"
        "Note: {{ note_number }}\n"
        "Date: {{ date }}\n"
        "Time: {{ time }}\n"
        "Table: {{ table }} ({{ area }})\n"
        "People: {{ party_size }}"
    )
    amounts = _(
        "{{ dishes }}\n"
        "Table price: {{ table_price }}\n"
        "Subtotal: {{ subtotal }}\n"
        "Tax: {{ tax }}\n"
        "Total: {{ total }}"
    )
    manage = _("Change or cancel: {{ manage_link }}")
    # Left out of the message when the restaurant has given no phone.
    call = _("Questions? Call us: {{ phone }}")
    return {
        Event.CONFIRMATION: (
            _("Your booking at {{ restaurant }}"),
            _("Hello {{ name }}, your booking at {{ restaurant }} is confirmed.")
            + f"\n\n{details}\n\n{amounts}\n\n{manage}\n{call}",
        ),
        Event.REMINDER: (
            _("See you soon at {{ restaurant }}"),
            _("Hello {{ name }}, we are expecting you at {{ restaurant }}.")
            + f"\n\n{details}\n\n{manage}\n{call}",
        ),
        Event.CHANGE: (
            _("Your booking at {{ restaurant }} has changed"),
            _("Hello {{ name }}, your booking at {{ restaurant }} has changed.")
            + f"\n\n{details}\n\n{manage}\n{call}",
        ),
        Event.CANCELLATION: (
            _("Your booking at {{ restaurant }} is cancelled"),
            _(
                "Hello {{ name }}, your booking {{ reference }} at {{ restaurant }} for "
                "{{ date }} at {{ time }} is cancelled."
            )
            + f"\n\n{call}",
        ),
    }


def template_default(event: str, language: str) -> tuple[str, str]:
    """The platform's (subject, text) of ``event`` in ``language``."""
    with translation.override(language):
        return _defaults()[event]


def template_for(event: str, language: str) -> tuple[str, str]:
    """This restaurant's (subject, text) of ``event`` in ``language``, or the default."""
    own = MessageTemplate.objects.filter(event=event, language=language).first()
    if own is None:
        return template_default(event, language)
    return own.subject or template_default(event, language)[0], own.body


def template_validate(text: str) -> None:
    """Refuse placeholders that do not exist (a typo would reach customers as is)."""
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(unknown)s. Available: %(available)s.")
            % {
                "unknown": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "available": ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS),
            }
        )


def sample_values(language: str) -> dict[str, str]:
    """The placeholders' values for a made-up booking, to preview a wording in admin."""
    from restaurants.money import money

    with translation.override(language):
        return {
            "restaurant": getattr(connection.tenant, "name", "Comensal"),
            "name": "Lucía",
            "reference": "AB12CD34",
            "note_number": "NC-20300309-000001",
            "date": format_date(dt.date(2030, 3, 9), format="full", locale=language),
            "time": "21:00",
            "table": "T07",
            "area": _("Terrace"),
            "party_size": "3",
            "dishes": f"2 × Tacos al pastor: {money(Decimal('90.00'))}",
            "table_price": money(Decimal("6.00")),
            "subtotal": money(Decimal("96.00")),
            "tax": money(Decimal("15.36")),
            "total": money(Decimal("111.36")),
            "manage_link": "https://example.com/booking/…/",
            "phone": "+52 55 1234 5678",
        }


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with its placeholders replaced by ``values``. A line whose placeholders are
    all empty (no note yet, no dishes) is left out, with the blank lines it would leave."""
    lines = []
    for line in text.splitlines():
        names = PLACEHOLDER.findall(line)
        if names and not any(values.get(name) for name in names):
            continue
        lines.append(PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), "")), line))
    filled = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", filled).strip()
