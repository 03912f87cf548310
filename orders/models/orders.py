"""Customer orders, after WebSphere Commerce's order model (ORDERS, ORDERITEMS, SUBORDERS):
the order, its sub-orders, items and events, and the order-backed lists (quick-order profiles,
orders awaiting approval)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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

    UNPAID = "unpaid", _("unpaid")
    DEFERRED = "deferred", _("to pay at pickup / on invoice")
    REVIEW = "review", _("authorization needs review")
    AUTHORIZED = "authorized", _("authorized")
    DUE = "due", _("payment due (more than authorized)")
    PAID = "paid", _("paid (payment received)")
    CAPTURED = "captured", _("captured")
    CAPTURE_FAILED = "capture_failed", _("capture failed")
    REFUNDED = "refunded", _("refunded")
    VOIDED = "voided", _("voided (order cancelled)")


class Order(models.Model):
    number = models.BigIntegerField(
        unique=True,
        editable=False,
        db_default=Func(Value(ORDER_NUMBER_SEQUENCE), function="nextval"),
        verbose_name=_("number"),
    )
    status = models.CharField(
        max_length=1,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING,
        db_index=True,
        verbose_name=_("status"),
    )
    status_before_edit = models.CharField(
        max_length=1,
        choices=OrderStatus.choices,
        blank=True,
        help_text=_("During a customer-service edit: the status a commit or roll-back returns to."),
        verbose_name=_("status before edit"),
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    trader = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("trader"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("customer"),
    )
    sales_session = models.ForeignKey(
        "sessions_app.SaleSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("sales session"),
        # Indexed by the unique (sales_session, id) below and by (sales_session, status).
        db_index=False,
    )
    origin_platform = models.ForeignKey(
        "platforms.Platform",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placed_orders",
        help_text=_("The partner platform that placed this order through the API, if any."),
        verbose_name=_("origin platform"),
    )
    billing_address = models.ForeignKey(
        Address,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("billing address"),
    )
    shipping_address = models.ForeignKey(
        Address,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where new items ship by default (a quick-order profile's, copied to carts)."),
        verbose_name=_("shipping address"),
    )
    shipping_mode = models.ForeignKey(
        "discounts.ShippingMode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("How new items ship by default (a quick-order profile's, copied to carts)."),
        verbose_name=_("shipping mode"),
    )
    fulfilment_centre = models.ForeignKey(
        "discounts.FulfilmentCentre",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where new items are handed over by default (pickup point or delivery zone)."),
        verbose_name=_("fulfilment centre"),
    )
    repeats_order = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For a quick-order profile: the order whose items a new cart repeats."),
        verbose_name=_("repeats order"),
    )
    customer_note = models.TextField(blank=True, verbose_name=_("customer note"))
    customer_ip = models.GenericIPAddressField(
        null=True, blank=True, verbose_name=_("customer IP address")
    )
    payment_method = models.CharField(max_length=40, blank=True, verbose_name=_("payment method"))
    payment_reference = models.CharField(
        max_length=120, blank=True, verbose_name=_("payment reference")
    )
    payment_status = models.CharField(
        max_length=16,
        choices=PaymentStatus.choices,
        default=PaymentStatus.UNPAID,
        verbose_name=_("payment status"),
    )
    amount_authorized = money_field(
        help_text=_("What the payment provider has authorized."),
        verbose_name=_("amount authorized"),
    )
    amount_captured = money_field(
        help_text=_("What has been captured or received."), verbose_name=_("amount captured")
    )
    amount_refunded = money_field(verbose_name=_("amount refunded"))
    list_name = models.CharField(
        max_length=120,
        blank=True,
        help_text=_("A requisition list's name (Y private, Z shared)."),
        verbose_name=_("list name"),
    )
    approval_reasons = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Why the order waits (or waited) for approval."),
        verbose_name=_("approval reasons"),
    )
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released at"))
    shipped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("shipped at"))
    fulfilment_partner = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The partner on another platform the order is handed to for remote fulfilment."
        ),
        verbose_name=_("fulfilment partner"),
    )
    checked_out_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the cart was submitted: prices taken and stock reserved."),
        verbose_name=_("checked out at"),
    )

    total_product = money_field(verbose_name=_("products total"))
    total_adjustment = money_field(
        help_text=_("Coupons and discounts (negative) and surcharges."),
        verbose_name=_("adjustments total"),
    )
    total_shipping = money_field(verbose_name=_("shipping total"))
    total_tax = money_field(verbose_name=_("tax total"))
    total_shipping_tax = money_field(verbose_name=_("shipping tax total"))
    grand_total = models.GeneratedField(
        expression=F("total_product")
        + F("total_adjustment")
        + F("total_shipping")
        + F("total_tax")
        + F("total_shipping_tax"),
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
        db_persist=True,
        verbose_name=_("grand total"),
    )

    placed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("placed at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # Not indexed: every re-pricing and status move sets it, and an index on it made each of
    # those updates a non-HOT one (a new index entry in all ~20 indexes). No query plan used
    # it: the partner API's updated_since and the dashboard's recent orders filter by platform
    # or session first; the GDPR purge is a nightly batch (docs/performance.md, "Query plans").
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    version = models.PositiveIntegerField(
        default=1, help_text=_("Bumped on every change (ETag)."), verbose_name=_("version")
    )

    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="locked_orders",
        help_text=_("The customer-service agent editing the order."),
        verbose_name=_("locked by"),
    )
    locked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("locked at"))
    backup_of = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="backups",
        help_text=_("For a T order: the order it is a backup copy of."),
        verbose_name=_("backup of"),
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-number"]
        constraints = [
            # What the items' composite foreign key (order, sales_session) refers to: an
            # item's session is its order's (migration 0015).
            models.UniqueConstraint(fields=["sales_session", "id"], name="order_session_key"),
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
            return gettext("List %(name)s") % {"name": self.list_name or self.number}
        return gettext("Order %(number)s") % {"number": self.number}

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
        verbose_name = _("quick-order profile")
        verbose_name_plural = _("quick-order profiles")

    def __str__(self) -> str:
        return gettext("Quick-order profile of %(customer)s") % {"customer": self.customer}


class OrderAwaitingApprovalManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(status=OrderStatus.WAITING_APPROVAL)


class OrderAwaitingApproval(Order):
    """Orders waiting for approval (W): the approval queue in the admin."""

    objects = OrderAwaitingApprovalManager()

    class Meta:
        proxy = True
        verbose_name = _("order waiting for approval")
        verbose_name_plural = _("approval queue")


class SubOrder(models.Model):
    """The items of one order that share a shipping address, with their subtotals."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="sub_orders", verbose_name=_("order")
    )
    shipping_address = models.ForeignKey(
        Address,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shipping address"),
    )
    total_product = money_field(verbose_name=_("products total"))
    total_adjustment = money_field(verbose_name=_("adjustments total"))
    total_shipping = money_field(verbose_name=_("shipping total"))
    total_tax = money_field(verbose_name=_("tax total"))
    total_shipping_tax = money_field(verbose_name=_("shipping tax total"))
    quantity_by_unit = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            'Actual quantity per unit of measure, e.g. {"l": "6", "kg": "20"}: '
            "never one number over mixed units."
        ),
        verbose_name=_("quantity by unit"),
    )
    item_count = models.PositiveIntegerField(default=0, verbose_name=_("item count"))

    class Meta:
        verbose_name = _("sub-order")
        verbose_name_plural = _("sub-orders")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "shipping_address"],
                nulls_distinct=False,
                name="one_sub_order_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order} → {self.shipping_address or gettext('no shipping address')}"


class OrderItem(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order")
    )
    # The order's session, copied at insert so a session's lines are read by an index on the
    # lines alone, never by joining every session's lines to the orders. The database keeps it
    # the order's: a composite foreign key (order, sales_session) → orders_order (id,
    # sales_session), ON UPDATE CASCADE, and the totals trigger refuses a NULL beside an
    # order's session (migration 0015). No constraint of its own to the sessions table: the
    # order's foreign key is that check.
    sales_session = models.ForeignKey(
        "sessions_app.SaleSession",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sales session"),
        help_text=_("The order's session (the database keeps it so)."),
    )
    sub_order = models.ForeignKey(
        SubOrder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("sub-order"),
    )
    # What was bought, snapshotted so later catalogue edits do not rewrite history.
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
    product_name = models.CharField(max_length=200, verbose_name=_("product name"))
    product_sku = models.CharField(max_length=64, blank=True, verbose_name=_("product SKU"))
    # Indexed by (producer, order) below.
    producer = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("producer"),
    )
    producer_platform = models.ForeignKey(
        "platforms.Platform",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("producer platform"),
    )
    quantity = models.DecimalField(max_digits=12, decimal_places=3, verbose_name=_("quantity"))
    nominal_quantity = models.DecimalField(
        max_digits=12, decimal_places=3, default=1, verbose_name=_("nominal quantity")
    )
    unit_of_measure = models.CharField(
        max_length=8, default="piece", verbose_name=_("unit of measure")
    )
    actual_quantity = models.GeneratedField(
        expression=F("quantity") * F("nominal_quantity"),
        output_field=models.DecimalField(max_digits=24, decimal_places=6),
        db_persist=True,
        verbose_name=_("actual quantity"),
    )
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("unit price"))
    vat_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, verbose_name=_("VAT rate")
    )

    total_product = money_field(verbose_name=_("products total"))
    total_adjustment = money_field(verbose_name=_("adjustments total"))
    total_shipping = money_field(verbose_name=_("shipping total"))
    total_tax = money_field(verbose_name=_("tax total"))
    total_shipping_tax = money_field(verbose_name=_("shipping tax total"))

    status = models.CharField(
        max_length=1,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING,
        verbose_name=_("status"),
    )
    inventory_status = models.CharField(
        max_length=4,
        choices=InventoryStatus.choices,
        default=InventoryStatus.NOT_ALLOCATED,
        verbose_name=_("inventory status"),
    )
    inventory_unknown = models.BooleanField(
        default=False,
        help_text=_("The producer publishes no stock: accepted without reservation."),
        verbose_name=_("stock unknown"),
    )
    fulfilment_status = models.CharField(
        max_length=12,
        choices=FulfilmentStatus.choices,
        default=FulfilmentStatus.UNFULFILLED,
        verbose_name=_("fulfilment status"),
    )
    shipping_mode = models.ForeignKey(
        "discounts.ShippingMode",
        on_delete=models.PROTECT,
        null=True,
        db_index=False,
        blank=True,
        related_name="+",
        verbose_name=_("shipping mode"),
    )
    fulfilment_centre = models.ForeignKey(
        "discounts.FulfilmentCentre",
        on_delete=models.PROTECT,
        null=True,
        db_index=False,
        blank=True,
        related_name="+",
        help_text=_("The pickup point or delivery zone the item is handed over at."),
        verbose_name=_("fulfilment centre"),
    )
    customer_category = models.ForeignKey(
        "sessions_app.CustomerCategory",
        on_delete=models.PROTECT,
        null=True,
        db_index=False,
        blank=True,
        related_name="+",
        help_text=_("The contract whose offer priced the item (empty: the public offer)."),
        verbose_name=_("customer category"),
    )
    unavailable_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text=_(
            "Set when an allocated item became unavailable (the order became short of stock)."
        ),
        verbose_name=_("unavailable reason"),
    )
    shipped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("shipped at"))
    shipping_address = models.ForeignKey(
        Address,
        on_delete=models.PROTECT,
        null=True,
        db_index=False,
        blank=True,
        related_name="+",
        verbose_name=_("shipping address"),
    )
    backup_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        db_index=False,
        blank=True,
        related_name="+",
        help_text=_("On a T order's item: the item it copies (a roll-back restores it in place)."),
        verbose_name=_("backup of"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_item_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(nominal_quantity__gt=0), name="order_item_nominal_gt_0"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_item_price_gte_0"),
        ]
        indexes = [
            models.Index(fields=["producer", "order"]),
            # A session's lines, and its lines of some producers (the producer-order refresh).
            models.Index(fields=["sales_session", "producer"], name="orderitem_session_producer"),
            # The optional keys are indexed where set only (what a delete of the row they name
            # looks up): a line without them, a partner's line, writes 5 index entries fewer
            # (13 → 8) at its insert and at each update that cannot stay on its page.
            *(
                models.Index(
                    fields=[key],
                    condition=Q(**{f"{key}__isnull": False}),
                    name=f"orderitem_{key}",
                )
                for key in (
                    "shipping_address",
                    "shipping_mode",
                    "fulfilment_centre",
                    "customer_category",
                    "backup_of",
                )
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"


class OrderEvent(models.Model):
    """The order's history: who did what, when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        STATUS_CHANGED = "status_changed", _("status changed")
        ITEM_ADDED = "item_added", _("item added")
        ITEM_CHANGED = "item_changed", _("item changed")
        ITEM_REMOVED = "item_removed", _("item removed")
        ADDRESS_CHANGED = "address_changed", _("address changed")
        PRICED = "priced", _("re-priced")
        PAYMENT = "payment", _("payment")
        STOCK = "stock", _("stock")
        EDIT = "edit", _("customer-service edit")
        APPROVAL = "approval", _("approval")
        FULFILMENT = "fulfilment", _("fulfilment")
        CUSTOMER_NOTICE = "customer_notice", _("customer told")
        NOTE = "note", _("note")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(
        max_length=120,
        help_text=_("Who acted: a user name, 'system', or 'platform:<slug>'."),
        verbose_name=_("actor label"),
    )
    from_status = models.CharField(max_length=1, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=1, blank=True, verbose_name=_("to status"))
    message = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("The text in English, as written when it happened."),
        verbose_name=_("message"),
    )
    # The text to translate when shown (orders.events.order_event_text): its untranslated
    # message id and parameters. Empty on rows written before: those show `message`.
    message_id = models.CharField(
        max_length=300, blank=True, default="", verbose_name=_("message id")
    )
    message_params = models.JSONField(
        default=dict, blank=True, verbose_name=_("message parameters")
    )
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["order", "created_at"])]

    def __str__(self) -> str:
        return f"{self.order}: {self.get_kind_display()}"
