"""Products (DFC SuppliedProduct) of producers, and what is known of their stock."""

from django.db import models
from django.db.models import Q


class UnitOfMeasure(models.TextChoices):
    PIECE = "piece", "piece"
    KILOGRAM = "kg", "kilogram"
    GRAM = "g", "gram"
    LITRE = "l", "litre"
    MILLILITRE = "ml", "millilitre"


class Product(models.Model):
    """A producer's product. `nominal_quantity` of `unit_of_measure` is what one unit holds:
    an order item's quantity times it is the actual quantity (WebSphere's nominal quantity)."""

    producer = models.ForeignKey(
        "platforms.Enterprise", on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=64, blank=True)
    description = models.TextField(blank=True)
    unit_of_measure = models.CharField(
        max_length=8, choices=UnitOfMeasure.choices, default=UnitOfMeasure.PIECE
    )
    nominal_quantity = models.DecimalField(max_digits=12, decimal_places=3, default=1)
    weight_kg = models.DecimalField(
        max_digits=10, decimal_places=3, null=True, blank=True, help_text="Weight of one unit."
    )
    pack_weight_kg = models.DecimalField(
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Weight of the producer's wholesale (bulk) pack, for aggregation by weight.",
    )
    tax_category = models.ForeignKey(
        "discounts.TaxCategory", on_delete=models.PROTECT, null=True, blank=True
    )
    remote_id = models.URLField(
        max_length=500, blank=True, help_text="The product's DFC @id on its producer's platform."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["producer__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nominal_quantity__gt=0), name="product_nominal_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(pack_weight_kg__isnull=True) | Q(pack_weight_kg__gt=0),
                name="product_pack_weight_gt_0",
            ),
        ]

    def __str__(self) -> str:
        return self.name
