from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from restaurants import services
from restaurants.models import Restaurant


def service_errors_to_form(
    form: forms.Form, error: ValidationError, *, fields: dict[str, str | None] | None = None
) -> None:
    """Show a service's ValidationError on a form: each field's errors next to that field
    (renamed through ``fields``), the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        target = (fields or {}).get(field, field)
        form.add_error(target if target in form.fields else None, errors)


def secret_fields(label):
    """A write-only secret: a new value (never shown), or a box to remove the stored one."""
    new = forms.CharField(
        label=label,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current one."),
    )
    return new, forms.BooleanField(label=_("Remove the stored one"), required=False)


def secrets_apply(form: forms.Form, instance, secrets: list[str]) -> None:
    """Write the secrets a form's ``new_<name>`` / ``forget_<name>`` fields ask for."""
    for secret in secrets:
        if form.cleaned_data.get(f"forget_{secret}"):
            setattr(instance, secret, "")
        elif form.cleaned_data.get(f"new_{secret}"):
            setattr(instance, secret, form.cleaned_data[f"new_{secret}"])


class ServiceModelForm(forms.ModelForm):
    """An admin form whose save goes through a service: the service validates and writes,
    so the model's own validation of the instance (``_post_clean``) is not run twice."""

    def _post_clean(self):
        pass


class RestaurantCreationForm(forms.ModelForm):
    """The operator's form to open a new restaurant with its first manager."""

    manager_email = forms.EmailField(label=_("manager's email"))
    manager_password = forms.CharField(
        label=_("manager's password"), widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = Restaurant
        fields = ["name", "slug", "plan", "timezone", "currency", "language", "country"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            cleaned.update(
                services.restaurant_create_validate(
                    **{
                        name: cleaned.get(name)
                        for name in [*self.Meta.fields, "manager_email", "manager_password"]
                    }
                )
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned

    def validate_unique(self):
        # The service checks the slug with a message of its own.
        pass
