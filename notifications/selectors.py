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
