from django.contrib import admin

from menu.models import Category, Dish, PreOrder
from restaurants.admin import StaffModelAdmin


class DishInline(admin.TabularInline):
    model = Dish
    extra = 0
    fields = ["name", "price", "stock", "is_active", "preparation_minutes"]
    show_change_link = True


@admin.register(Category)
class CategoryAdmin(StaffModelAdmin):
    list_display = ["name", "menu_order", "is_active"]
    list_editable = ["menu_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [DishInline]


@admin.register(Dish)
class DishAdmin(StaffModelAdmin):
    list_display = ["name", "category", "price", "stock", "is_active", "preparation_minutes"]
    list_filter = ["category", "is_active"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["category"]
    list_select_related = ["category"]


@admin.register(PreOrder)
class PreOrderAdmin(StaffModelAdmin):
    """Pre-orders across reservations, read-only: they are taken on the reservation."""

    list_display = ["reservation", "dish", "quantity", "unit_price", "subtotal", "created_at"]
    list_filter = ["dish__category", "created_at"]
    search_fields = ["reservation__reference", "dish__name"]
    date_hierarchy = "created_at"
    list_select_related = ["reservation", "dish"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
