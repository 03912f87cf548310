"""Customer orders, after WebSphere Commerce's order model (ORDERS, ORDERITEMS, SUBORDERS):
the order, its sub-orders, items and events, and the order-backed lists (quick-order profiles,
orders awaiting approval)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q, Value

from orders.models.customers import Address, Customer
from orders.models.fields import ORDER_NUMBER_SEQUENCE, money_field
from orders.statuses import (
    CANCELLABLE_STATUSES,
    EDITABLE_STATUSES,
    FulfilmentStatus,
    InventoryStatus,
    OrderStatus,
)


class PaymentStatus(models.TextChoices):
    """Where the trader's payment stands (DFC PaymentStatus Unpaid / Paid / Cancelled)."""

    UNPAID = "unpaid", "unpaid"
    DEFERRED = "deferred", "to pay at pickup / on invoice"
    REVIEW = "review", "authorization needs review"
    AUTHORIZED = "authorized", "authorized"
    DUE = "due", "payment due (more than authorized)"
    PAID = "paid", "paid (payment received)"
    CAPTURED = "captured", "captured"
    CAPTURE_FAILED = "capture_failed", "capture failed"
    REFUNDED = "refunded", "refunded"
    VOIDED = "voided", "voided (order cancelled)"


class Order(models.Model):
    number = models.BigIntegerField(
        unique=True,
        editable=False,
        db_default=Func(Value(ORDER_NUMBER_SEQUENCE), function="nextval"),
    )
    status = models.CharField(
        max_length=1, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True
    )
    status_before_edit = models.CharField(
        max_length=1,
        choices=OrderStatus.choices,
        blank=True,
        help_text="While in E: the status a commit or roll-back returns to.",
    )
    currency = models.CharField(max_length=3)
    trader = models.ForeignKey(
        "platforms.Enterprise", on_delete=models.PROTECT, related_name="orders"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    sales_session = models.ForeignKey(
        "sessions_app.SaleSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    origin_platform = models.ForeignKey(
        "platforms.Platform",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placed_orders",
        help_text="The partner platform that placed this order through the API, if any.",
    )
    billing_address = models.ForeignKey(
        Address, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shipping_address = models.ForeignKey(
        Address,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where new items ship by default (a quick-order profile's, copied to carts).",
    )
    shipping_mode = models.ForeignKey(
        "discounts.ShippingMode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="How new items ship by default (a quick-order profile's, copied to carts).",
    )
    fulfilment_centre = models.ForeignKey(
        "discounts.FulfilmentCentre",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where new items are handed over by default (pickup point or delivery zone).",
    )
    repeats_order = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="For a quick-order profile (Q): the order whose items a new cart repeats.",
    )
    customer_note = models.TextField(blank=True)
    customer_ip = models.GenericIPAddressField(null=True, blank=True)
    payment_method = models.CharField(max_length=40, blank=True)
    payment_reference = models.CharField(max_length=120, blank=True)
    payment_status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    amount_authorized = money_field(help_text="What the payment provider has authorized.")
    amount_captured = money_field(help_text="What has been captured or received.")
    amount_refunded = money_field()
    list_name = models.CharField(
        max_length=120, blank=True, help_text="A requisition list's name (Y private, Z shared)."
    )
    approval_reasons = models.JSONField(
        default=list, blank=True, help_text="Why the order waits (or waited) for approval."
    )
    released_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    fulfilment_partner = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The partner on another platform the order is handed to for remote "
        "fulfilment (F, G).",
    )
    checked_out_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the cart was submitted: prices taken and stock reserved.",
    )

    total_product = money_field()
    total_adjustment = money_field(help_text="Coupons and discounts (negative) and surcharges.")
    total_shipping = money_field()
    total_tax = money_field()
    total_shipping_tax = money_field()
    grand_total = models.GeneratedField(
        expression=F("total_product")
        + F("total_adjustment")
        + F("total_shipping")
        + F("total_tax")
        + F("total_shipping_tax"),
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
        db_persist=True,
    )

    placed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not indexed: every re-pricing and status move sets it, and an index on it made each of
    # those updates a non-HOT one (a new index entry in all ~20 indexes). No query plan used
    # it: the partner API's updated_since and the dashboard's recent orders filter by platform
    # or session first; the GDPR purge is a nightly batch (docs/performance.md, "Query plans").
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change (ETag).")

    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="locked_orders",
        help_text="The customer-service agent editing the order.",
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    backup_of = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="backups",
        help_text="For a T order: the order it is a backup copy of.",
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=OrderStatus.TEMPORARY) | Q(backup_of__isnull=False),
                name="temporary_order_has_original",
            ),
            models.CheckConstraint(
                condition=~Q(status=OrderStatus.CSR_EDIT) | ~Q(status_before_edit=""),
                name="edit_remembers_previous_status",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="order_currency_iso"
            ),
            models.UniqueConstraint(
                fields=["backup_of"],
                condition=Q(status=OrderStatus.TEMPORARY),
                name="one_backup_per_order",
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status=OrderStatus.QUICK_ORDER_PROFILE),
                name="one_quick_order_profile_per_customer",
            ),
            models.CheckConstraint(
                condition=~Q(status=OrderStatus.QUICK_ORDER_PROFILE) | Q(customer__isnull=False),
                name="quick_order_profile_has_customer",
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=[
                        OrderStatus.PRIVATE_REQUISITION_LIST,
                        OrderStatus.SHAREABLE_REQUISITION_LIST,
                    ]
                )
                | (Q(customer__isnull=False) & ~Q(list_name="")),
                name="requisition_list_has_customer_and_name",
            ),
            models.CheckConstraint(
                condition=Q(amount_authorized__gte=0)
                & Q(amount_captured__gte=0)
                & Q(amount_refunded__gte=0)
                & Q(amount_refunded__lte=F("amount_captured")),
                name="order_payment_amounts_consistent",
            ),
        ]
        permissions = [
            ("approve_order", "Can approve or deny orders waiting for approval"),
        ]
        indexes = [
            models.Index(fields=["trader", "status"]),
            models.Index(fields=["sales_session", "status"]),
        ]

    def __str__(self) -> str:
        if self.status in (
            OrderStatus.PRIVATE_REQUISITION_LIST,
            OrderStatus.SHAREABLE_REQUISITION_LIST,
        ):
            return f"List {self.list_name or self.number}"
        return f"Order {self.number}"

    @property
    def is_cancellable(self) -> bool:
        return self.status in CANCELLABLE_STATUSES

    @property
    def is_editable_by_csr(self) -> bool:
        return self.status in EDITABLE_STATUSES


class QuickOrderProfileManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(status=OrderStatus.QUICK_ORDER_PROFILE)


class QuickOrderProfile(Order):
    """A customer's quick-order profile (status Q): the payment method, shipping mode and
    addresses copied into each new cart (orders/services/quick_order.py)."""

    objects = QuickOrderProfileManager()

    class Meta:
        proxy = True
        verbose_name = "quick-order profile"

    def __str__(self) -> str:
        return f"Quick-order profile of {self.customer}"


class OrderAwaitingApprovalManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(status=OrderStatus.WAITING_APPROVAL)


class OrderAwaitingApproval(Order):
    """Orders waiting for approval (W): the approval queue in the admin."""

    objects = OrderAwaitingApprovalManager()

    class Meta:
        proxy = True
        verbose_name = "order waiting for approval"
        verbose_name_plural = "approval queue"


class SubOrder(models.Model):
    """The items of one order that share a shipping address, with their subtotals."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="sub_orders")
    shipping_address = models.ForeignKey(
        Address, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total_product = money_field()
    total_adjustment = money_field()
    total_shipping = money_field()
    total_tax = money_field()
    total_shipping_tax = money_field()
    quantity_by_unit = models.JSONField(
        default=dict,
        blank=True,
        help_text='Actual quantity per unit of measure, e.g. {"l": "6", "kg": "20"}: '
        "never one number over mixed units.",
    )
    item_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "shipping_address"],
                nulls_distinct=False,
                name="one_sub_order_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order} → {self.shipping_address or 'no shipping address'}"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sub_order = models.ForeignKey(
        SubOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    # What was bought, snapshotted so later catalogue edits do not rewrite history.
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(
        "sessions_app.Offer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product_name = models.CharField(max_length=200)
    product_sku = models.CharField(max_length=64, blank=True)
    producer = models.ForeignKey("platforms.Enterprise", on_delete=models.PROTECT, related_name="+")
    producer_platform = models.ForeignKey(
        "platforms.Platform", on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    nominal_quantity = models.DecimalField(max_digits=12, decimal_places=3, default=1)
    unit_of_measure = models.CharField(max_length=8, default="piece")
    actual_quantity = models.GeneratedField(
        expression=F("quantity") * F("nominal_quantity"),
        output_field=models.DecimalField(max_digits=24, decimal_places=6),
        db_persist=True,
    )
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)

    total_product = money_field()
    total_adjustment = money_field()
    total_shipping = money_field()
    total_tax = money_field()
    total_shipping_tax = money_field()

    status = models.CharField(
        max_length=1, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    inventory_status = models.CharField(
        max_length=4, choices=InventoryStatus.choices, default=InventoryStatus.NOT_ALLOCATED
    )
    inventory_unknown = models.BooleanField(
        default=False, help_text="The producer publishes no stock: accepted without reservation."
    )
    fulfilment_status = models.CharField(
        max_length=12, choices=FulfilmentStatus.choices, default=FulfilmentStatus.UNFULFILLED
    )
    shipping_mode = models.ForeignKey(
        "discounts.ShippingMode", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fulfilment_centre = models.ForeignKey(
        "discounts.FulfilmentCentre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The pickup point or delivery zone the item is handed over at.",
    )
    customer_category = models.ForeignKey(
        "sessions_app.CustomerCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The contract whose offer priced the item (empty: the public offer).",
    )
    unavailable_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Set when an allocated item became unavailable (the order moved to L).",
    )
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipping_address = models.ForeignKey(
        Address, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    backup_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="On a T order's item: the item it copies (a roll-back restores it in place).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_item_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(nominal_quantity__gt=0), name="order_item_nominal_gt_0"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_item_price_gte_0"),
        ]
        indexes = [models.Index(fields=["producer", "order"])]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"


class OrderEvent(models.Model):
    """The order's history: who did what, when."""

    class Kind(models.TextChoices):
        CREATED = "created", "created"
        STATUS_CHANGED = "status_changed", "status changed"
        ITEM_ADDED = "item_added", "item added"
        ITEM_CHANGED = "item_changed", "item changed"
        ITEM_REMOVED = "item_removed", "item removed"
        ADDRESS_CHANGED = "address_changed", "address changed"
        PRICED = "priced", "re-priced"
        PAYMENT = "payment", "payment"
        STOCK = "stock", "stock"
        EDIT = "edit", "customer-service edit"
        APPROVAL = "approval", "approval"
        FULFILMENT = "fulfilment", "fulfilment"
        CUSTOMER_NOTICE = "customer_notice", "customer told"
        NOTE = "note", "note"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(
        max_length=120, help_text="Who acted: a user name, 'system', or 'platform:<slug>'."
    )
    from_status = models.CharField(max_length=1, blank=True)
    to_status = models.CharField(max_length=1, blank=True)
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["order", "created_at"])]

    def __str__(self) -> str:
        return f"{self.order}: {self.get_kind_display()}"
