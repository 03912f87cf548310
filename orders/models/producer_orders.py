"""Producer orders: what the trader orders from one producer for a sales session, and its lines."""

from django.db import models
from django.db.models import Q

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
        READY_FOR_REMOTE_FULFILMENT = "F", "F · ready for remote fulfilment"
        WAITING_REMOTE_FULFILMENT = "G", "G · waiting for remote fulfilment"

    class OrderState(models.TextChoices):
        # The DFC order status sent to the producer's platform.
        HELD = "Held", "Held (session open)"
        COMPLETE = "Complete", "Complete (session closed)"
        # Made obsolete by a switch of consolidation mode: cancelled here and at the partner.
        CANCELLED = "Cancelled", "Cancelled (consolidation switched)"

    class PartnerState(models.TextChoices):
        # What the producer's platform made of the latest request (platforms/delivery_adapters).
        ACCEPTED = "accepted", "accepted by the partner"
        REFUSED = "refused", "refused by the partner"
        COMPLETED = "completed", "completed at the partner"
        CANCELLED = "cancelled", "cancelled at the partner"

    sales_session = models.ForeignKey(
        "sessions_app.SaleSession", on_delete=models.PROTECT, related_name="producer_orders"
    )
    producer = models.ForeignKey(
        "platforms.Enterprise", on_delete=models.PROTECT, related_name="producer_orders"
    )
    trader = models.ForeignKey("platforms.Enterprise", on_delete=models.PROTECT, related_name="+")
    customer_order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="producer_orders",
        help_text="Set when the trader does not consolidate: one producer order per customer "
        "order and producer. Empty for the consolidated order of the session.",
    )
    status = models.CharField(
        max_length=1, choices=Status.choices, default=Status.READY_FOR_REMOTE_FULFILMENT
    )
    order_state = models.CharField(
        max_length=10, choices=OrderState.choices, default=OrderState.HELD
    )
    aggregate_by_weight = models.BooleanField(default=False)
    currency = models.CharField(max_length=3, default="EUR")
    total_product = money_field()
    # Discounts that travel: what Larder expects (the producer's catalogue offers) and what the
    # producer's platform answered; the seller's figure wins, a disagreement is flagged.
    total_discount = money_field(help_text="Σ the lines' expected discounts, sent as DFC discount.")
    partner_discount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The discount the producer's platform answered for the order (it decides).",
    )
    discount_disagrees = models.BooleanField(
        default=False,
        help_text="The producer's platform answered another discount than the one expected.",
    )
    version = models.PositiveIntegerField(default=1, help_text="Bumped when the lines change.")
    remote_id = models.URLField(
        max_length=500, blank=True, help_text="The order's @id on the producer's platform."
    )
    partner_state = models.CharField(
        max_length=10,
        choices=PartnerState.choices,
        blank=True,
        help_text="What the producer's platform last answered (empty: not heard from yet).",
    )
    partner_message = models.CharField(
        max_length=500, blank=True, help_text="The partner's own words when it refused."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
        ProducerOrder, on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(
        "sessions_app.Offer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer_quantity = models.DecimalField(
        max_digits=14, decimal_places=3, help_text="Sum of live customer-order quantities."
    )
    weight_kg = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    packs = models.PositiveIntegerField(
        null=True, blank=True, help_text="Whole bulk packs ordered, when aggregating by weight."
    )
    surplus_kg = models.DecimalField(
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Packed weight beyond what customers ordered, for the trader to sell.",
    )
    quantity = models.DecimalField(
        max_digits=14, decimal_places=3, help_text="What the producer is asked for."
    )
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    discount = money_field(
        help_text="Expected: the catalogue's discount per unit × quantity (DFC discount)."
    )
    partner_discount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The discount the producer's platform answered for this line.",
    )
    remote_id = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["producer_order", "product__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["producer_order", "product"], name="one_line_per_product"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="producer_line_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"
