"""The public booking form: plain Django forms, so it works without JavaScript."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from menu.models import Dish
from reservations import selectors
from reservations.services import customers
from restaurants.money import money
from restaurants.templatetags.dates import long_date

MAX_DISH_QUANTITY = 20


def starts_at_of(day: dt.date, time: dt.time) -> dt.datetime:
    """The instant of a wall-clock time on a day in the restaurant's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, time), selectors.restaurant_zone())


def day_in_window(day: dt.date, window: tuple[dt.date, dt.date]) -> dt.date:
    """``day``, or a refusal naming the days a customer may book (a day far off, such as
    9999-12-31, never reaches the calendar's or the clock's arithmetic)."""
    first, last = window
    if not first <= day <= last:
        raise ValidationError(
            "{} {}".format(
                _("That day is outside the booking window."),
                _("Choose a day from today to %(last)s.") % {"last": long_date(last)},
            ),
            code="outside_window",
        )
    return day


class PartySizeField(forms.TypedChoiceField):
    """The party's size from the list; a number off the list is told what is wrong with it
    (at least one person; at most the online limit)."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, **kwargs)
        self.error_messages["invalid_choice"] = _("Choose how many people are coming.")

    def validate(self, value):
        if value not in self.empty_values:
            try:
                size = int(value)
            except (TypeError, ValueError):
                size = None
            if size is not None and size < 1:
                raise ValidationError(_("The party must be at least one person."), code="min")
            if size is not None and size > len(self.choices):
                raise ValidationError(
                    _(
                        "Online bookings are for up to %(count)s people; please call us for "
                        "larger parties."
                    )
                    % {"count": len(self.choices)},
                    code="max",
                )
        super().validate(value)


class AvailabilityForm(forms.Form):
    """Day and party size: what the times and the calendar depend on."""

    day = forms.DateField(
        label=_("Day"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    party_size = PartySizeField(label=_("People"))

    def __init__(self, *args, max_party_size: int, window: tuple[dt.date, dt.date], **kwargs):
        super().__init__(*args, **kwargs)
        self.window = window
        self.fields["party_size"].choices = [
            (size, str(size)) for size in range(1, max_party_size + 1)
        ]

    def clean_day(self):
        return day_in_window(self.cleaned_data["day"], self.window)


class BookingForm(AvailabilityForm):
    time = forms.TimeField(
        label=_("Time"),
        error_messages={"required": _("Choose a time."), "invalid": _("Choose a time.")},
    )
    first_name = forms.CharField(label=_("First name"), max_length=80)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    phone = forms.CharField(
        label=_("Phone (WhatsApp)"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    special_requests = forms.CharField(
        label=_("Special requests"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Left empty by people; filled by bots that fill every field.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    submission = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, dishes: list[Dish] = (), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.dishes = list(dishes)
        for dish in self.dishes:
            self.fields[f"dish_{dish.pk}"] = forms.IntegerField(
                label=dish.name,
                required=False,
                min_value=0,
                error_messages={
                    "invalid": _("Write the number of dishes, like 2."),
                    "min_value": _("The number of dishes cannot be negative."),
                },
                # Text with a numeric keypad: Chromium scrolls the page when a number input
                # loses focus, so the tap on "Book" right after typing missed the button.
                widget=forms.TextInput(
                    attrs={"inputmode": "numeric", "pattern": "[0-9]*", "maxlength": 2}
                ),
            )

    def dish_fields(self):
        return [(dish, self[f"dish_{dish.pk}"]) for dish in self.dishes]

    def pre_order_menu(self) -> list[tuple[str, list[dict]]]:
        """The dishes by category as the page lists them, worked out here rather than in the
        template: a menu has dozens of dishes and the page is the busiest of all."""
        categories: dict[int, tuple[str, list[dict]]] = {}
        for dish, field in self.dish_fields():
            value = field.value()
            row = {
                "name": dish.name,
                "price": str(dish.price),
                "most": self.most_of(dish),
                "price_text": money(dish.price),
                "html_name": field.html_name,
                "id": field.auto_id,
                "value": "" if value is None else value,
                "errors": " ".join(field.errors),
            }
            categories.setdefault(dish.category_id, (dish.category.name, []))[1].append(row)
        return list(categories.values())

    def pre_order_open(self) -> bool:
        """Whether the customer already asked for a dish (the section opens by itself)."""
        return any(field.value() not in (None, "", "0", 0) for _dish, field in self.dish_fields())

    @staticmethod
    def most_of(dish: Dish) -> int:
        """The most of a dish one booking may pre-order: what is left, up to a limit."""
        return max(0, min(dish.stock, MAX_DISH_QUANTITY))

    def error_summary(self) -> list[dict]:
        """Every error of the form, in the page's order, each with the id of its field (empty
        for an error about the whole form): the list at the top of the form links to them."""
        summary = [{"anchor": "", "message": error} for error in self.non_field_errors()]
        for name, field in self.fields.items():
            for error in self.errors.get(name, ()):
                if name == "time":
                    anchor, label = "times", field.label
                elif name in ("submission", "website"):
                    anchor, label = "", ""
                else:
                    anchor, label = self[name].auto_id, field.label
                summary.append({"anchor": anchor, "label": label, "message": error})
        return summary

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_phone(self):
        try:
            return customers.phone_normalise(self.cleaned_data["phone"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["phone"]) from None

    def clean_submission(self):
        submission = self.cleaned_data["submission"]
        if not submission.isalnum() or len(submission) > 64:
            raise ValidationError(_("Reload the page and try again."))
        return submission

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("day") and cleaned.get("time"):
            cleaned["starts_at"] = starts_at_of(cleaned["day"], cleaned["time"])
        for dish in self.dishes:
            name = f"dish_{dish.pk}"
            quantity = cleaned.get(name) or 0
            if quantity > self.most_of(dish):
                # The stock is checked again, locked, when the dish is taken; this is the
                # customer's answer before anything is written.
                self.add_error(name, self._too_many_message(dish))
        cleaned["dishes"] = {
            dish: cleaned[f"dish_{dish.pk}"]
            for dish in self.dishes
            if cleaned.get(f"dish_{dish.pk}")
        }
        return cleaned

    @staticmethod
    def _too_many_message(dish: Dish) -> str:
        if dish.stock <= 0:
            return _("%(dish)s is sold out.") % {"dish": dish.name}
        if dish.stock <= MAX_DISH_QUANTITY:
            return _("Only %(left)s of %(dish)s left.") % {"left": dish.stock, "dish": dish.name}
        return _("You can pre-order up to %(count)s of each dish online.") % {
            "count": MAX_DISH_QUANTITY
        }


class RescheduleForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    time = forms.TimeField(
        label=_("Time"),
        error_messages={"required": _("Choose a time."), "invalid": _("Choose a time.")},
    )

    def __init__(self, *args, window: tuple[dt.date, dt.date], **kwargs):
        super().__init__(*args, **kwargs)
        self.window = window

    def clean_day(self):
        return day_in_window(self.cleaned_data["day"], self.window)
