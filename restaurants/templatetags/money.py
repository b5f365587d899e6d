from django import template

from restaurants.money import money as format_money

register = template.Library()


@register.filter
def money(amount, currency=None):
    """{{ note.total|money:note.currency }} → "$52.33" (restaurant currency, reader's language)."""
    return format_money(amount, currency)
