"""The customer admin page's history panel: ``{% guest_history customer %}``.

The customer's page belongs to reservations, which may not read the till (billing is
above it); the project's template for that page loads this tag, so the panel is drawn
from analytics, which may, and reservations imports nothing of either.
"""

from django import template

from analytics.selectors import guest_history as guest_history_of

register = template.Library()


@register.inclusion_tag("admin/reservations/customer/_guest_history.html")
def guest_history(customer):
    """The history of ``customer`` (nothing for a customer not saved yet)."""
    if customer is None or customer.pk is None:
        return {"history": None}
    return {"history": guest_history_of(customer=customer), "customer": customer}
