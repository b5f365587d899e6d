"""What the staff screens are told when a customer's chat needs staff."""

from __future__ import annotations


def conversation_changed(conversation) -> None:
    """A conversation was handed to staff, or a message came for staff: the screens are told
    after the commit."""
