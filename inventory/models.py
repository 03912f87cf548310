"""Products (DFC SuppliedProduct) of producers, and what is known of their stock."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class UnitOfMeasure(models.TextChoices):
    PIECE = "piece", _("piece")
    KILOGRAM = "kg", _("kilogram")
    GRAM = "g", _("gram")
    LITRE = "l", _("litre")
    MILLILITRE = "ml", _("millilitre")


class Product(models.Model):
    """A producer's product. `nominal_quantity` of `unit_of_measure` is what one unit holds:
    an order item's quantity times it is the actual quantity (WebSphere's nominal quantity)."""

    producer = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("producer"),
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    sku = models.CharField(max_length=64, blank=True, verbose_name=_("SKU"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    unit_of_measure = models.CharField(
        max_length=8,
        choices=UnitOfMeasure.choices,
        default=UnitOfMeasure.PIECE,
        verbose_name=_("unit of measure"),
    )
    nominal_quantity = models.DecimalField(
        max_digits=12, decimal_places=3, default=1, verbose_name=_("nominal quantity")
    )
    weight_kg = models.DecimalField(
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Weight of one unit."),
        verbose_name=_("weight kg"),
    )
    pack_weight_kg = models.DecimalField(
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Weight of the producer's wholesale (bulk) pack, for aggregation by weight."),
        verbose_name=_("pack weight kg"),
    )
    # Bulk units (use case 6): the wholesale product this retail product is bought as, when
    # the trader aggregates (e.g. "Beef mince 500 g" bought as "Beef mince 10 kg case").
    wholesale_product = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="retail_products",
        help_text=_("The producer's wholesale product this one is bought as when aggregating."),
        verbose_name=_("wholesale product"),
    )
    wholesale_ratio = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_(
            "How many of this product one wholesale unit holds (e.g. 20). Empty: by "
            "weight, the wholesale product's weight ÷ this product's."
        ),
        verbose_name=_("wholesale ratio"),
    )
    catalog_discount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Discount per unit the producer's platform offers on this product (its "
            "DFC Offer's dfc-b:discount), read with its catalogue."
        ),
        verbose_name=_("catalog discount"),
    )
    tax_category = models.ForeignKey(
        "discounts.TaxCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("tax category"),
    )
    remote_id = models.URLField(
        max_length=500,
        blank=True,
        help_text=_("The product's DFC @id on its producer's platform."),
        verbose_name=_("remote ID"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["producer__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nominal_quantity__gt=0), name="product_nominal_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(pack_weight_kg__isnull=True) | Q(pack_weight_kg__gt=0),
                name="product_pack_weight_gt_0",
            ),
            models.CheckConstraint(
                condition=Q(wholesale_ratio__isnull=True) | Q(wholesale_ratio__gt=0),
                name="product_wholesale_ratio_gt_0",
            ),
            models.CheckConstraint(
                condition=~Q(wholesale_product=models.F("pk")),
                name="product_not_its_own_wholesale",
            ),
            models.CheckConstraint(
                condition=Q(catalog_discount__isnull=True) | Q(catalog_discount__gte=0),
                name="product_catalog_discount_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        wholesale = self.wholesale_product
        if wholesale is not None and (
            wholesale.producer_id != self.producer_id or wholesale.pk == self.pk
        ):
            raise ValidationError(
                {"wholesale_product": "A wholesale product is another product of this producer."}
            )
        if wholesale is not None and wholesale.wholesale_product_id is not None:
            raise ValidationError(
                {"wholesale_product": f"{wholesale} is itself bought as another product."}
            )


class Stock(models.Model):
    """What is known of a product's stock: one row per product, locked in product-id order.

    `on_hand` empty means the stock is not counted: either the producer publishes none
    (`is_unlimited` false: items are accepted unreserved and flagged, use case 7) or says it is
    unlimited (DFC stockLimitation < 0). A product without a Stock row counts as unknown.
    For a producer on another platform the row mirrors that platform's catalogue, refreshed by
    a task (`refreshed_at`); `reserved` is what this platform's orders hold of it.
    """

    product = models.OneToOneField(
        Product,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stock",
        verbose_name=_("product"),
    )
    on_hand = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True, verbose_name=_("on hand")
    )
    is_unlimited = models.BooleanField(default=False, verbose_name=_("is unlimited"))
    reserved = models.DecimalField(
        max_digits=14, decimal_places=3, default=0, verbose_name=_("reserved")
    )
    is_remote_mirror = models.BooleanField(
        default=False,
        help_text=_("Copied from the producer's platform (DFC stockLimitation)."),
        verbose_name=_("is remote mirror"),
    )
    remote_stock_limitation = models.DecimalField(
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("The stockLimitation last read from the producer's platform, as published."),
        verbose_name=_("remote stock limitation"),
    )
    refreshed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refreshed at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stocks")
        constraints = [
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(on_hand__isnull=True) | Q(on_hand__gte=0), name="stock_on_hand_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(on_hand__isnull=True) | Q(reserved__lte=models.F("on_hand")),
                name="stock_reserved_lte_on_hand",
            ),
            models.CheckConstraint(
                condition=Q(is_unlimited=False) | Q(on_hand__isnull=True),
                name="stock_unlimited_has_no_count",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.describe()}"

    @property
    def is_known(self) -> bool:
        return self.on_hand is not None

    @property
    def available(self):
        """on hand − reserved, or None when the stock is not counted."""
        return None if self.on_hand is None else self.on_hand - self.reserved

    def describe(self) -> str:
        if self.is_unlimited:
            return gettext("unlimited")
        if self.on_hand is None:
            return gettext("unknown")
        return gettext("%(available)s available (%(on_hand)s on hand, %(reserved)s reserved)") % {
            "available": self.available,
            "on_hand": self.on_hand,
            "reserved": self.reserved,
        }


class Reservation(models.Model):
    """What one order item holds: units of its product's stock, of its offer's session
    limitation, or both. A cart's reservation expires; a placed order's does not."""

    order_item = models.OneToOneField(
        "orders.OrderItem",
        on_delete=models.PROTECT,
        related_name="reservation",
        verbose_name=_("order item"),
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("order")
    )
    stock = models.ForeignKey(
        Stock,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("stock"),
    )
    offer = models.ForeignKey(
        "sessions_app.Offer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        help_text=_("Set when the quantity also counts against the offer's stock limitation."),
        verbose_name=_("offer"),
    )
    quantity = models.DecimalField(max_digits=14, decimal_places=3, verbose_name=_("quantity"))
    expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("For a cart: when a task releases it. Empty: firm."),
        verbose_name=_("expires at"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(stock__isnull=False) | Q(offer__isnull=False),
                name="reservation_holds_something",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(expires_at__isnull=False),
                name="reservation_expiring_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} for item {self.order_item_id}"
