from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A section of the menu (Starters, Mains, …), shown in menu order."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    menu_order = models.PositiveSmallIntegerField(_("menu order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["menu_order", "name"]

    def __str__(self):
        return self.name


class DishQuerySet(models.QuerySet):
    def orderable(self):
        """Active dishes of active categories."""
        return self.filter(is_active=True, category__is_active=True)


class Dish(models.Model):
    """A dish or drink on the menu, with the stock left for pre-orders."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="dishes", verbose_name=_("category")
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(
        _("price"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)
    image = models.ImageField(_("image"), upload_to="dishes/", blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    preparation_minutes = models.PositiveSmallIntegerField(_("preparation (minutes)"), default=15)

    objects = DishQuerySet.as_manager()

    class Meta:
        verbose_name = _("dish")
        verbose_name_plural = _("dishes")
        ordering = ["category__menu_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="dish_unique_name"),
            models.CheckConstraint(condition=Q(price__gte=0), name="dish_price_not_negative"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="dish_stock_not_negative"),
        ]

    def __str__(self):
        return self.name


class PreOrder(models.Model):
    """A dish ordered ahead with a reservation, at the price of the moment it was ordered."""

    reservation = models.ForeignKey(
        "reservations.Reservation",
        on_delete=models.CASCADE,
        related_name="pre_orders",
        verbose_name=_("reservation"),
    )
    dish = models.ForeignKey(
        Dish, on_delete=models.PROTECT, related_name="pre_orders", verbose_name=_("dish")
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price"), max_digits=8, decimal_places=2)
    remarks = models.CharField(_("remarks"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pre-order")
        verbose_name_plural = _("pre-orders")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="pre_order_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="pre_order_price_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.dish}"

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity
