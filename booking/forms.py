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

MAX_DISH_QUANTITY = 20


def starts_at_of(day: dt.date, time: dt.time) -> dt.datetime:
    """The instant of a wall-clock time on a day in the restaurant's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, time), selectors.restaurant_zone())


class AvailabilityForm(forms.Form):
    """Day and party size: what the times and the calendar depend on."""

    day = forms.DateField(
        label=_("Day"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    party_size = forms.TypedChoiceField(label=_("People"), coerce=int)

    def __init__(self, *args, max_party_size: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_size"].choices = [
            (size, str(size)) for size in range(1, max_party_size + 1)
        ]


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
        self.fields["party_size"].error_messages["invalid_choice"] = _(
            "Online bookings are for up to %(count)s people; please call us for larger parties."
        ) % {"count": len(self.fields["party_size"].choices)}
        self.dishes = list(dishes)
        for dish in self.dishes:
            self.fields[f"dish_{dish.pk}"] = forms.IntegerField(
                label=dish.name,
                required=False,
                min_value=0,
                max_value=MAX_DISH_QUANTITY,
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
        cleaned["dishes"] = {
            dish: cleaned.get(f"dish_{dish.pk}") or 0
            for dish in self.dishes
            if cleaned.get(f"dish_{dish.pk}")
        }
        return cleaned


class RescheduleForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    time = forms.TimeField(
        label=_("Time"),
        error_messages={"required": _("Choose a time."), "invalid": _("Choose a time.")},
    )
