from django.contrib import admin

from reservations import services
from reservations.models import Table


@admin.register(Table)
class TableAdmin(admin.ModelAdmin):
    list_display = ["code", "area", "min_capacity", "max_capacity", "status", "reservation_price"]
    list_filter = ["area", "status"]
    search_fields = ["code", "description"]
    readonly_fields = ["reservation_price", "created_at", "updated_at"]
    ordering = ["code"]

    def save_model(self, request, obj, form, change):
        services.table_save(table=obj)
