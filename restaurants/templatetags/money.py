from django import template

from restaurants.money import money as format_money
from restaurants.money import money_locale

register = template.Library()


@register.filter
def money(amount, currency=None):
    """{{ note.total|money:note.currency }} → "$52.33" (restaurant currency, reader's language)."""
    return format_money(amount, currency)


@register.simple_tag(name="money_locale")
def money_locale_tag():
    """The browser's locale for money, e.g. "es-MX"."""
    return money_locale().replace("_", "-")
