"""Reads about messaging that more than one door needs."""

from __future__ import annotations

from notifications.models import MessagingSettings
from restaurants.models import InboundNumber, Restaurant


def messaging_settings_read() -> MessagingSettings:
    """This restaurant's messaging settings, or the defaults unsaved: for a door that must
    write nothing before it knows who is calling."""
    return MessagingSettings.objects.first() or MessagingSettings()


def restaurant_for_inbound_number(*, provider: str, address: str) -> Restaurant | None:
    """The active restaurant whose customers write to ``address`` through ``provider``
    (the public table of inbound numbers, kept from each restaurant's messaging settings)."""
    number = (
        InboundNumber.objects.select_related("restaurant")
        .filter(provider=provider, address=address, restaurant__is_active=True)
        .first()
    )
    return number.restaurant if number else None


def masked(address: str) -> str:
    """A phone or email with only its ends shown: +52••••••5678, l•••@example.com."""
    if "@" in address:
        name, domain = address.split("@", 1)
        return f"{name[:1]}•••@{domain}"
    return f"{address[:3]}{'•' * max(len(address) - 7, 0)}{address[-4:]}" if address else ""


def sees_contacts(request) -> bool:
    """Managers see customers' phones and emails in the message log (admin and API); cashiers see them masked."""
    return request.user.has_perm("reservations.change_customer")
