"""Producer orders: what the trader orders from one producer for a sales session, and its lines."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models.fields import money_field
from orders.models.orders import Order


class ProducerOrder(models.Model):
    """What the trader orders from one producer for one sales session.

    Its lines are recomputed from all live customer orders of the session (never patched by
    deltas), so a refresh run twice or late gives the same result.
    """

    class Status(models.TextChoices):
        # WebSphere's remote-fulfilment letters: F = changed, not yet delivered to the
        # producer's platform; G = the producer's platform holds the latest version.
        READY_FOR_REMOTE_FULFILMENT = "F", _("F · ready for remote fulfilment")
        WAITING_REMOTE_FULFILMENT = "G", _("G · waiting for remote fulfilment")

    class OrderState(models.TextChoices):
        # The DFC order status sent to the producer's platform.
        HELD = "Held", _("Held (session open)")
        COMPLETE = "Complete", _("Complete (session closed)")
        # Made obsolete by a switch of consolidation mode: cancelled here and at the partner.
        CANCELLED = "Cancelled", _("Cancelled (consolidation switched)")

    class PartnerState(models.TextChoices):
        # What the producer's platform made of the latest request (platforms/delivery_adapters).
        ACCEPTED = "accepted", _("accepted by the partner")
        REFUSED = "refused", _("refused by the partner")
        COMPLETED = "completed", _("completed at the partner")
        CANCELLED = "cancelled", _("cancelled at the partner")

    sales_session = models.ForeignKey(
        "sessions_app.SaleSession",
        on_delete=models.PROTECT,
        related_name="producer_orders",
        verbose_name=_("sales session"),
    )
    producer = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        related_name="producer_orders",
        verbose_name=_("producer"),
    )
    trader = models.ForeignKey(
        "platforms.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name=_("trader")
    )
    customer_order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="producer_orders",
        help_text=_(
            "Set when the trader does not consolidate: one producer order per customer "
            "order and producer. Empty for the consolidated order of the session."
        ),
        verbose_name=_("customer order"),
    )
    status = models.CharField(
        max_length=1,
        choices=Status.choices,
        default=Status.READY_FOR_REMOTE_FULFILMENT,
        verbose_name=_("status"),
    )
    order_state = models.CharField(
        max_length=10,
        choices=OrderState.choices,
        default=OrderState.HELD,
        verbose_name=_("order state"),
    )
    aggregate_by_weight = models.BooleanField(default=False, verbose_name=_("aggregate by weight"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    total_product = money_field(verbose_name=_("products total"))
    # Discounts that travel: what Larder expects (the producer's catalogue offers) and what the
    # producer's platform answered; the seller's figure wins, a disagreement is flagged.
    total_discount = money_field(
        help_text=_("Σ the lines' expected discounts, sent as DFC discount."),
        verbose_name=_("discount total"),
    )
    partner_discount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The discount the producer's platform answered for the order (it decides)."),
        verbose_name=_("partner discount"),
    )
    discount_disagrees = models.BooleanField(
        default=False,
        help_text=_("The producer's platform answered another discount than the one expected."),
        verbose_name=_("discount disagrees"),
    )
    version = models.PositiveIntegerField(
        default=1, help_text=_("Bumped when the lines change."), verbose_name=_("version")
    )
    remote_id = models.URLField(
        max_length=500,
        blank=True,
        help_text=_("The order's @id on the producer's platform."),
        verbose_name=_("remote ID"),
    )
    partner_state = models.CharField(
        max_length=10,
        choices=PartnerState.choices,
        blank=True,
        help_text=_("What the producer's platform last answered (empty: not heard from yet)."),
        verbose_name=_("partner state"),
    )
    partner_message = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("The partner's own words when it refused."),
        verbose_name=_("partner message"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    computed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("computed at"))
    finalised_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finalised at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))

    class Meta:
        verbose_name = _("producer order")
        verbose_name_plural = _("producer orders")
        ordering = ["sales_session", "producer__name"]
        # Cancelled producer orders stay as history; only live ones are unique, so a mode
        # switched back and forth makes a new order beside the cancelled one.
        constraints = [
            models.UniqueConstraint(
                fields=["sales_session", "producer"],
                condition=Q(customer_order__isnull=True) & ~Q(order_state="Cancelled"),
                name="one_producer_order_per_session",
            ),
            models.UniqueConstraint(
                fields=["sales_session", "producer", "customer_order"],
                condition=Q(customer_order__isnull=False) & ~Q(order_state="Cancelled"),
                name="one_producer_order_per_customer_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.producer} · {self.sales_session}"

    @property
    def is_cancelled(self) -> bool:
        return self.order_state == self.OrderState.CANCELLED


class ProducerOrderLine(models.Model):
    producer_order = models.ForeignKey(
        ProducerOrder,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("producer order"),
    )
    product = models.ForeignKey(
        "inventory.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    offer = models.ForeignKey(
        "sessions_app.Offer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offer"),
    )
    customer_quantity = models.DecimalField(
        max_digits=14,
        decimal_places=3,
        help_text=_("Sum of live customer-order quantities."),
        verbose_name=_("customer quantity"),
    )
    weight_kg = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True, verbose_name=_("weight (kg)")
    )
    packs = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Whole bulk packs ordered, when aggregating by weight."),
        verbose_name=_("packs"),
    )
    surplus_kg = models.DecimalField(
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Packed weight beyond what customers ordered, for the trader to sell."),
        verbose_name=_("surplus (kg)"),
    )
    quantity = models.DecimalField(
        max_digits=14,
        decimal_places=3,
        help_text=_("What the producer is asked for."),
        verbose_name=_("quantity"),
    )
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("unit price"))
    discount = money_field(
        help_text=_("Expected: the catalogue's discount per unit × quantity (DFC discount)."),
        verbose_name=_("discount"),
    )
    partner_discount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The discount the producer's platform answered for this line."),
        verbose_name=_("partner discount"),
    )
    remote_id = models.URLField(max_length=500, blank=True, verbose_name=_("remote ID"))

    class Meta:
        verbose_name = _("producer order line")
        verbose_name_plural = _("producer order lines")
        ordering = ["producer_order", "product__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["producer_order", "product"], name="one_line_per_product"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="producer_line_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"
