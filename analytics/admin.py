from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from analytics import services
from analytics.models import Alert, DailyRollup, MetricsSnapshot
from restaurants.admin import ReadOnlyModelAdmin, StaffModelAdmin


@admin.register(Alert)
class AlertAdmin(StaffModelAdmin):
    """Alerts are raised by the scheduled checks; staff acknowledge and resolve them."""

    list_display = ["raised_at", "kind", "severity", "status", "message", "subject"]
    list_filter = ["status", "severity", "kind"]
    search_fields = ["message", "subject"]
    date_hierarchy = "raised_at"
    readonly_fields = [
        "kind",
        "severity",
        "status",
        "message",
        "subject",
        "raised_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "resolved_by",
    ]
    actions = ["acknowledge", "resolve"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _apply(self, request, queryset, service):
        done = 0
        for alert in queryset:
            try:
                service(alert=alert, by=request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
        if done:
            self.message_user(
                request,
                ngettext("%(count)d alert updated.", "%(count)d alerts updated.", done)
                % {"count": done},
            )

    @admin.action(description=_("Acknowledge"), permissions=["change"])
    def acknowledge(self, request, queryset):
        self._apply(request, queryset, services.alert_acknowledge)

    @admin.action(description=_("Resolve"), permissions=["change"])
    def resolve(self, request, queryset):
        self._apply(request, queryset, services.alert_resolve)


@admin.register(MetricsSnapshot)
class MetricsSnapshotAdmin(ReadOnlyModelAdmin):
    """Hourly figures, written by the scheduled job: read-only."""

    list_display = [
        "hour",
        "tables_total",
        "tables_occupied",
        "tables_reserved",
        "tables_free",
        "occupancy_rate",
        "revenue",
    ]
    date_hierarchy = "hour"
    list_filter = ["hour"]
    search_fields = ["hour"]


@admin.register(DailyRollup)
class DailyRollupAdmin(ReadOnlyModelAdmin):
    """A service day summed, written by the metrics job and the backfill: read-only. Its
    list links the period reports (``analytics-reports``), which read these rows."""

    change_list_template = "admin/analytics/dailyrollup/change_list.html"

    list_display = [
        "day",
        "reservations",
        "covers_booked",
        "covers_seated",
        "no_shows",
        "cancellations",
        "average_party_size",
        "turn_minutes",
        "revenue",
        "paid_notes",
        "spend_per_cover",
        "new_customers",
        "returning_customers",
        "lead_time_hours",
    ]
    date_hierarchy = "day"
    list_filter = ["day"]
    search_fields = ["day"]
    readonly_fields = [
        "day",
        "reservations",
        "covers_booked",
        "covers_seated",
        "no_shows",
        "no_show_covers",
        "cancellations",
        "by_source",
        "covers_by_hour",
        "average_party_size",
        "turn_minutes",
        "turn_by_party_size",
        "revenue",
        "paid_notes",
        "paid_covers",
        "spend_per_cover",
        "new_customers",
        "returning_customers",
        "lead_time_hours",
        "seated_by_hour",
        "by_table",
        "dishes",
        "updated_at",
    ]
