from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat import models as beat_models

from restaurants import services
from restaurants.forms import RestaurantCreationForm
from restaurants.models import Domain, Restaurant


class StaffModelAdmin(admin.ModelAdmin):
    """The restaurant admin's lists: fifty rows a page, each row's selection box written
    directly instead of through a widget template (with a hundred rows that box alone took a
    quarter of the page's time)."""

    list_per_page = 50
    # One COUNT per list, not two ("n of N" costs a second count of the whole table).
    show_full_result_count = False

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), str(obj)),
        )


class FormRefused(Exception):
    """A service refused what an admin form saved: shown as a message, nothing kept."""

    def __init__(self, error: ValidationError):
        self.error = error


class ServiceRefusalMixin:
    """Admin pages whose saves go through services: a refusal becomes a message."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except FormRefused as refused:
            self.message_user(request, " ".join(refused.error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def selection_apply(
    model_admin: admin.ModelAdmin,
    request,
    rows,
    service: Callable,
    *,
    done: Callable[[int], str],
) -> list:
    """Run ``service(row)`` on each selected row; report how many it did (``done(count)``)
    and each refusal (a ``ValidationError``), named by its row. Returns what it returned."""
    results = []
    for row in rows:
        try:
            results.append(service(row))
        except ValidationError as error:
            model_admin.message_user(request, f"{row}: {' '.join(error.messages)}", messages.ERROR)
    if results:
        model_admin.message_user(request, done(len(results)))
    return results


class ReadOnlyModelAdmin(StaffModelAdmin):
    """Records written only by the system (history, figures, the message log): viewed and
    filtered in admin, never added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlatformAdminSite(admin.AdminSite):
    """The platform operator's admin, served on the public host only."""

    site_header = _("Comensal — platform")
    site_title = _("Comensal platform")
    index_title = _("Restaurants and scheduled jobs")


platform_admin = PlatformAdminSite(name="platform_admin")


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    fields = ["domain", "is_primary"]


@admin.register(Restaurant, site=platform_admin)
class RestaurantAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "plan",
        "timezone",
        "currency",
        "language",
        "is_active",
        "created_at",
    ]
    list_filter = ["plan", "is_active", "language", "currency"]
    search_fields = ["name", "slug", "domains__domain"]
    date_hierarchy = "created_at"
    readonly_fields = ["schema_name", "created_at"]
    inlines = [DomainInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RestaurantCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*RestaurantCreationForm.Meta.fields, "manager_email", "manager_password"]
        return [
            "name",
            "slug",
            "schema_name",
            "plan",
            "timezone",
            "currency",
            "language",
            "country",
            "is_active",
            "created_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        # The slug names the schema and the host: it never changes once created.
        return [*self.readonly_fields, "slug"] if obj else []

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = services.restaurant_create(
            **{
                name: data[name]
                for name in [
                    *RestaurantCreationForm.Meta.fields,
                    "manager_email",
                    "manager_password",
                ]
            }
        )
        obj.pk, obj.schema_name, obj.created_at = (
            created.pk,
            created.schema_name,
            created.created_at,
        )
        obj._state.adding = False
        self.message_user(
            request,
            _("%(name)s is open at %(domain)s.")
            % {"name": created.name, "domain": services.restaurant_domain_for(created.slug)},
            messages.SUCCESS,
        )

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)


@admin.register(Domain, site=platform_admin)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "tenant", "is_primary"]
    list_filter = ["is_primary"]
    search_fields = ["domain", "tenant__name"]
    autocomplete_fields = ["tenant"]


platform_admin.register(User, UserAdmin)
platform_admin.register(Group, GroupAdmin)

# Scheduled jobs are the platform's: edited on the operator's admin, never a restaurant's.
for model, model_admin in [
    (beat_models.PeriodicTask, beat_admin.PeriodicTaskAdmin),
    (beat_models.IntervalSchedule, admin.ModelAdmin),
    (beat_models.CrontabSchedule, admin.ModelAdmin),
    (beat_models.SolarSchedule, admin.ModelAdmin),
    (beat_models.ClockedSchedule, beat_admin.ClockedScheduleAdmin),
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    platform_admin.register(model, model_admin)
