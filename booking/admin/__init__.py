"""The admin pages whose saves run the booking workflows: reservations and their notes."""

from booking.admin import notes, reservations  # noqa: F401 - registers the model admins
