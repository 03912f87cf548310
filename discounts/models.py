"""Pricing data: tax categories and shipping modes (the pricing issue adds calculation rules,
coupons and shipping scales here)."""

from django.db import models
from django.db.models import Q


class TaxCategory(models.Model):
    """A VAT category with its rate, e.g. 'Reduced food rate' at 5.50%."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    rate = models.DecimalField(max_digits=5, decimal_places=2, help_text="Percent, e.g. 5.50")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "tax categories"
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=100), name="tax_category_rate_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate}%)"


class ShippingMode(models.Model):
    """How items reach the customer: pickup at the hub, delivery, courier..."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
