"""What the dialogue tells of the restaurant: welcome, menu, hours, how to call."""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import get_day_names
from django.db import connection
from django.utils.translation import gettext as _

from assistant.dialogue import words
from assistant.dialogue.common import (
    MENU_LINES,
    MENU_WORDS,
    spans_text,
)
from assistant.understanding.dishes import GENERIC, dishes_stated
from assistant.understanding.text import normalise
from menu.models import Dish
from reservations import selectors
from restaurants.money import money


class RestaurantFacts:
    """What the dialogue tells of the restaurant: welcome, menu, hours, how to call."""

    def _welcome(self) -> str:
        return _(
            "Hello! I'm the assistant of %(restaurant)s. I can book a table, check "
            "availability, change or cancel your booking, and tell you about the menu and "
            "opening hours. How can I help?"
        ) % {"restaurant": connection.tenant.name}

    def _menu(self) -> str:
        dishes = list(
            Dish.objects.orderable()
            .select_related("category")
            .order_by("category__menu_order", "category__name", "name")
        )
        if not dishes:
            return _("Our menu is not online yet; our team can tell you about it.")
        named = self._dishes_named(dishes)
        if named:
            return self._dishes_told(named)
        lines, category = [_("Our menu:")], None
        for dish in dishes[:MENU_LINES]:
            if dish.category_id != category:
                category = dish.category_id
                lines.append(f"*{dish.category.name}*")
            lines.append(f"• {dish.name}: {money(dish.price)}")
        if len(dishes) > MENU_LINES:
            lines.append(_("…and %(count)s more.") % {"count": len(dishes) - MENU_LINES})
        return "\n".join(lines)

    def _small_talk(self) -> bool:
        """A greeting, thanks, yes or no: no dish to look for on the menu."""
        text = self.text
        return any(
            check(text) for check in (words.is_greeting, words.is_thanks, words.is_yes, words.is_no)
        )

    def _dishes_named(self, dishes: list[Dish] | None = None) -> list[Dish]:
        """The dishes the message names ("the mole"), else those of the category it names
        ("los postres")."""
        if dishes is None:
            dishes = list(
                Dish.objects.orderable()
                .select_related("category")
                .order_by("category__menu_order", "category__name", "name")
            )
        named = self._named_of([(dish.pk, dish.name) for dish in dishes])
        if named:
            return [dish for dish in dishes if dish.pk in named]
        categories = {dish.category_id: dish.category.name for dish in dishes}
        named = self._named_of(list(categories.items()))
        return [dish for dish in dishes if dish.category_id in named]

    def _named_of(self, names: list[tuple[int, str]]) -> set[int]:
        """The ids of the names the message states; asking about a dish, its first word alone
        names it when no other begins with it ("how much is the mole?")."""
        found = set(dishes_stated(self.text, names))
        if found:
            return found
        heads: dict[str, list[int]] = {}
        for key, name in names:
            content = [
                word
                for word in re.findall(r"\w+", normalise(name))
                if word not in GENERIC and word not in MENU_WORDS
            ]
            if content:
                heads.setdefault(content[0], []).append(key)
        said = set(re.findall(r"\w+", self.plain))
        return {
            keys[0]
            for head, keys in heads.items()
            if len(keys) == 1 and len(head) > 2 and said & {head, head + "s", head + "es"}
        }

    def _dishes_told(self, dishes: list[Dish]) -> str:
        lines = [
            f"{dish.name}: {money(dish.price)}"
            + (f" — {dish.description[:160]}" if dish.description else "")
            for dish in dishes[:MENU_LINES]
        ]
        if len(dishes) > MENU_LINES:
            lines.append(_("…and %(count)s more.") % {"count": len(dishes) - MENU_LINES})
        return "\n".join(lines)

    def _hours(self) -> str:
        snapshot = selectors.booking_policy_snapshot()
        today = self.now.astimezone(self.zone).date()
        day = self.understood.date
        if day is not None and day >= today:
            # "¿Abren el martes 9?": that day's hours, or that it is closed.
            periods = () if snapshot.is_closed(day) else snapshot.periods.get(day.weekday())
            if not periods:
                return _("We are closed on %(day)s.") % {"day": self._day_name(day)}
            return _("On %(day)s we are open %(hours)s.") % {
                "day": self._day_name(day),
                "hours": spans_text(periods),
            }
        names = get_day_names("wide", locale=self.language)
        lines = [_("Our opening hours:")]
        for weekday in range(7):
            periods = snapshot.periods.get(weekday)
            spans = spans_text(periods) if periods else _("closed")
            lines.append(f"{names[weekday].capitalize()}: {spans}")
        closed = [
            today + dt.timedelta(days=offset)
            for offset in range(60)
            if snapshot.is_closed(today + dt.timedelta(days=offset))
        ]
        if closed:
            lines.append(
                _("Closed on: %(days)s.")
                % {"days": ", ".join(self._day_name(day) for day in closed[:6])}
            )
        return "\n".join(lines)

    def _call_us(self) -> str:
        phone = self._policy().phone_display
        if phone:
            return _("You can call us on %(phone)s.") % {"phone": phone}
        return _("Write 'person' and our team will help you.")
