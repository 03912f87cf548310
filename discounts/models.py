"""Pricing data, after WebSphere Commerce's calculation framework: tax categories, shipping
modes and scales, calculation rules (CALCODE/CALRULE), coupons, and the adjustments a pricing
run records per item (ORDIADJUST) and per order (ORDADJUST).

The engine that reads these lives in discounts/services/engine.py; docs/architecture.md
("Pricing") describes the calculation order and the one place money is rounded.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

CURRENCY_REGEX = r"^[A-Z]{3}$"


class TaxCategory(models.Model):
    """A VAT category with its rate, e.g. 'Reduced food rate' at 5.50%."""

    code = models.SlugField(max_length=40, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    rate = models.DecimalField(
        max_digits=5, decimal_places=2, help_text=_("Percent, e.g. 5.50"), verbose_name=_("rate")
    )

    class Meta:
        verbose_name = _("tax category")
        ordering = ["code"]
        verbose_name_plural = _("tax categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=100), name="tax_category_rate_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate}%)"


class ShippingMode(models.Model):
    """How items reach the customer: pickup at the hub, delivery, courier..."""

    code = models.SlugField(max_length=40, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    tax_category = models.ForeignKey(
        TaxCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The tax category of this mode's shipping charges (shipping tax); empty: none."
        ),
        verbose_name=_("tax category"),
    )

    class Meta:
        verbose_name = _("shipping mode")
        verbose_name_plural = _("shipping modes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Usage(models.TextChoices):
    """WebSphere's calculation usages, in the order a pricing run applies them."""

    COUPON = "coupon", _("coupon")
    DISCOUNT = "discount", _("discount")
    SHIPPING = "shipping", _("shipping")
    SALES_TAX = "sales_tax", _("sales tax")
    SHIPPING_TAX = "shipping_tax", _("shipping tax")
    SURCHARGE = "surcharge", _("surcharge")


# Usages whose adjustments are reductions of the price (negative amounts).
REDUCING_USAGES = frozenset({Usage.COUPON, Usage.DISCOUNT})
# Usages summed into OrderItem.total_adjustment / Order.total_adjustment.
ADJUSTMENT_USAGES = frozenset({Usage.COUPON, Usage.DISCOUNT, Usage.SURCHARGE})


class Method(models.TextChoices):
    PERCENTAGE = "percentage", _("percentage")
    FIXED_AMOUNT = "fixed_amount", _("fixed amount")
    FIXED_PRICE = "fixed_price", _("fixed replacement unit price")


class Scope(models.TextChoices):
    ORDER = "order", _("the order as a whole")
    ITEM = "item", _("each item")
    PRODUCT = "product", _("items of one product")
    PRODUCER = "producer", _("items of one producer")
    SESSION = "session", _("items offered in one sales session")


class PriceBasis(models.TextChoices):
    """WebSphere's CalculationScaleLookupMethod for prices."""

    NON_DISCOUNTED = "non_discounted", _("non-discounted price (before other discounts)")
    NET = "net", _("net price (after the discounts already applied)")


class ShippingScale(models.Model):
    """A table of charges looked up by quantity, weight or price (WebSphere CALSCALE)."""

    class Lookup(models.TextChoices):
        QUANTITY = "quantity", _("quantity (units)")
        WEIGHT = "weight", _("weight (kg)")
        PRICE = "price", _("price (non-discounted or net, as the rule says)")

    trader = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        related_name="shipping_scales",
        limit_choices_to={"kind": "trader"},
        verbose_name=_("trader"),
    )
    name = models.CharField(max_length=120, verbose_name=_("name"))
    lookup = models.CharField(max_length=10, choices=Lookup.choices, verbose_name=_("lookup"))

    class Meta:
        verbose_name = _("shipping scale")
        verbose_name_plural = _("shipping scales")
        ordering = ["trader", "name"]

    def __str__(self) -> str:
        return f"{self.name} (by {self.lookup})"

    def clean(self) -> None:
        if self.trader_id and not self.trader.is_trader:
            raise ValidationError({"trader": "A shipping scale belongs to a trader."})


class ShippingScaleBand(models.Model):
    """From `from_value` (inclusive) up to the next band, the charge is `charge` (an amount in
    the rule's currency, or a percentage of the price when the rule's method is percentage)."""

    scale = models.ForeignKey(
        ShippingScale, on_delete=models.CASCADE, related_name="bands", verbose_name=_("scale")
    )
    from_value = models.DecimalField(max_digits=14, decimal_places=3, verbose_name=_("from value"))
    charge = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("charge"))

    class Meta:
        verbose_name = _("shipping scale band")
        verbose_name_plural = _("shipping scale bands")
        ordering = ["scale", "from_value"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "from_value"], name="one_band_per_start"),
            models.CheckConstraint(
                condition=Q(from_value__gte=0),
                name="band_from_value_gte_0",
                violation_error_message="A band starts at zero or more.",
            ),
            models.CheckConstraint(
                condition=Q(charge__gte=0),
                name="band_charge_gte_0",
                violation_error_message="A shipping charge cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"from {self.from_value}: {self.charge}"


class CalculationRule(models.Model):
    """A trader's pricing rule (WebSphere calculation code + rule): what it is for (usage),
    how it computes (method, value), what it applies to (scope) and when it qualifies."""

    # The seller whose rules these are: a trader, or a producer on this platform selling to
    # hubs through the DFC API (their orders are priced by the seller's rules).
    trader = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        related_name="calculation_rules",
        limit_choices_to=Q(kind="trader") | Q(platform__is_local=True),
        verbose_name=_("trader"),
    )
    name = models.CharField(
        max_length=160, help_text=_("Shown to the customer on the order."), verbose_name=_("name")
    )
    usage = models.CharField(max_length=12, choices=Usage.choices, verbose_name=_("usage"))
    method = models.CharField(max_length=12, choices=Method.choices, verbose_name=_("method"))
    scope = models.CharField(
        max_length=10, choices=Scope.choices, default=Scope.ORDER, verbose_name=_("scope")
    )
    value = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=0,
        help_text=_(
            "Percent (0-100) for a percentage; an amount in `currency` otherwise. A "
            "fixed amount is per unit for item scopes and for the whole order at order scope. "
            "Unused by a shipping rule with a scale."
        ),
        verbose_name=_("value"),
    )
    currency = models.CharField(
        max_length=3,
        blank=True,
        help_text=_(
            "ISO code of fixed amounts and thresholds; the rule applies only to orders "
            "in this currency. May be empty for a percentage without a minimum order total."
        ),
        verbose_name=_("currency"),
    )
    product = models.ForeignKey(
        "inventory.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    producer = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "producer"},
        verbose_name=_("producer"),
    )
    sales_session = models.ForeignKey(
        "sessions_app.SaleSession",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calculation_rules",
        help_text=_(
            "Session scope: items offered in this session. Other scopes: the rule "
            "qualifies only for orders of this session."
        ),
        verbose_name=_("sales session"),
    )
    shipping_mode = models.ForeignKey(
        ShippingMode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rules",
        verbose_name=_("shipping mode"),
    )
    shipping_scale = models.ForeignKey(
        ShippingScale,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rules",
        verbose_name=_("shipping scale"),
    )
    minimum_order_total = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The rule qualifies when the order's product total is at least this."),
        verbose_name=_("minimum order total"),
    )
    threshold_basis = models.CharField(
        max_length=16,
        choices=PriceBasis.choices,
        default=PriceBasis.NON_DISCOUNTED,
        help_text=_(
            "Whether the minimum order total is compared before or after the coupons "
            "and discounts applied before this rule."
        ),
        verbose_name=_("threshold basis"),
    )
    minimum_quantity = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Item scopes: the line's quantity; order scope: the order's total quantity."),
        verbose_name=_("minimum quantity"),
    )
    price_basis = models.CharField(
        max_length=16,
        choices=PriceBasis.choices,
        default=PriceBasis.NET,
        help_text=_(
            "What a percentage is taken of, and what a price scale looks up: the price "
            "before other discounts (two 10% = 20% off) or the net price (two 10% = 19% off)."
        ),
        verbose_name=_("price basis"),
    )
    valid_from = models.DateTimeField(null=True, blank=True, verbose_name=_("valid from"))
    valid_until = models.DateTimeField(null=True, blank=True, verbose_name=_("valid until"))
    priority = models.PositiveSmallIntegerField(
        default=100,
        help_text=_("Lower runs first within the same usage."),
        verbose_name=_("priority"),
    )
    is_exclusive = models.BooleanField(
        default=False,
        help_text=_(
            "Applies only to items no other rule of the same usage has touched, and no "
            "later rule of that usage applies to them."
        ),
        verbose_name=_("is exclusive"),
    )
    exempt_tax_categories = models.ManyToManyField(
        TaxCategory,
        blank=True,
        related_name="+",
        help_text=_(
            "This rule's adjustments do not change the taxable amount of these categories."
        ),
        verbose_name=_("exempt tax categories"),
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="manual_rules",
        help_text=_(
            "A manual adjustment: the rule applies to this one order only (a "
            "customer-service discount; its name carries the reason)."
        ),
        verbose_name=_("order"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("calculation rule")
        verbose_name_plural = _("calculation rules")
        ordering = ["trader", "usage", "priority", "pk"]
        indexes = [models.Index(fields=["trader", "is_active", "usage"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="rule_value_gte_0",
                violation_error_message="The value cannot be negative (a discount is entered "
                "as a positive percentage or amount).",
            ),
            models.CheckConstraint(
                condition=~Q(method=Method.PERCENTAGE) | Q(value__lte=100),
                name="rule_percentage_lte_100",
                violation_error_message="A percentage is at most 100.",
            ),
            models.CheckConstraint(
                condition=Q(currency="") | Q(currency__regex=CURRENCY_REGEX),
                name="rule_currency_iso",
                violation_error_message="The currency is a three-letter ISO code, e.g. EUR.",
            ),
            models.CheckConstraint(
                condition=Q(method=Method.PERCENTAGE) | ~Q(currency=""),
                name="rule_amount_has_currency",
                violation_error_message="A fixed amount or price needs a currency.",
            ),
            models.CheckConstraint(
                condition=Q(minimum_order_total__isnull=True)
                | (Q(minimum_order_total__gte=0) & ~Q(currency="")),
                name="rule_minimum_total_has_currency",
                violation_error_message="A minimum order total is zero or more, in the "
                "rule's currency (set the currency).",
            ),
            models.CheckConstraint(
                condition=Q(minimum_quantity__isnull=True) | Q(minimum_quantity__gt=0),
                name="rule_minimum_quantity_gt_0",
                violation_error_message="A minimum quantity is greater than zero.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=F("valid_from")),
                name="rule_window_ends_after_start",
                violation_error_message="The validity window must end after it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(scope=Scope.PRODUCT) | Q(product__isnull=False),
                name="rule_product_scope_has_product",
                violation_error_message="Product scope needs a product.",
            ),
            models.CheckConstraint(
                condition=~Q(scope=Scope.PRODUCER) | Q(producer__isnull=False),
                name="rule_producer_scope_has_producer",
                violation_error_message="Producer scope needs a producer.",
            ),
            models.CheckConstraint(
                condition=~Q(scope=Scope.SESSION) | Q(sales_session__isnull=False),
                name="rule_session_scope_has_session",
                violation_error_message="Session scope needs a sales session.",
            ),
            models.CheckConstraint(
                condition=~Q(method=Method.FIXED_PRICE)
                | (Q(usage__in=[Usage.COUPON, Usage.DISCOUNT]) & ~Q(scope=Scope.ORDER)),
                name="rule_fixed_price_on_items",
                violation_error_message="A fixed replacement price is a coupon or discount "
                "on items, not on the order as a whole.",
            ),
            models.CheckConstraint(
                condition=~Q(usage=Usage.SHIPPING) | Q(shipping_mode__isnull=False),
                name="rule_shipping_has_mode",
                violation_error_message="A shipping rule names its shipping mode.",
            ),
            models.CheckConstraint(
                condition=Q(shipping_scale__isnull=True) | Q(usage=Usage.SHIPPING),
                name="rule_scale_only_for_shipping",
                violation_error_message="Only shipping rules use a shipping scale.",
            ),
            models.CheckConstraint(
                condition=~Q(usage__in=[Usage.SALES_TAX, Usage.SHIPPING_TAX])
                | Q(method=Method.PERCENTAGE),
                name="rule_tax_is_percentage",
                violation_error_message="A tax rule is a percentage (the rate).",
            ),
            models.CheckConstraint(
                condition=Q(order__isnull=True) | (Q(usage=Usage.DISCOUNT) & Q(scope=Scope.ORDER)),
                name="manual_rule_is_order_discount",
                violation_error_message="A manual adjustment is a discount on the whole order.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_usage_display()})"

    def clean(self) -> None:
        errors = {}
        if self.trader_id and not self.trader.is_trader:
            errors["trader"] = "Rules belong to a trader."
        if self.producer_id and self.producer.is_trader:
            errors["producer"] = "Choose a producer."
        if self.shipping_scale_id and self.trader_id:
            if self.shipping_scale.trader_id != self.trader_id:
                errors["shipping_scale"] = "The scale belongs to another trader."
        if self.sales_session_id and self.trader_id:
            if self.sales_session.trader_id != self.trader_id:
                errors["sales_session"] = "The session belongs to another trader."
        if errors:
            raise ValidationError(errors)


class Coupon(models.Model):
    """A code a customer enters to get its coupon rule. A use is counted when the coupon is
    applied to an order and released when it is removed (orders/services/coupons.py)."""

    trader = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        related_name="coupons",
        limit_choices_to={"kind": "trader"},
        verbose_name=_("trader"),
    )
    code = models.CharField(
        max_length=40, help_text=_("Case does not matter."), verbose_name=_("code")
    )
    rule = models.ForeignKey(
        CalculationRule,
        on_delete=models.PROTECT,
        related_name="coupons",
        limit_choices_to={"usage": Usage.COUPON},
        verbose_name=_("rule"),
    )
    valid_from = models.DateTimeField(null=True, blank=True, verbose_name=_("valid from"))
    valid_until = models.DateTimeField(null=True, blank=True, verbose_name=_("valid until"))
    usage_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("How many orders may use it; 1 = single use; empty: no limit."),
        verbose_name=_("usage limit"),
    )
    once_per_customer = models.BooleanField(default=False, verbose_name=_("once per customer"))
    times_used = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("times used")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["trader", "code"]
        constraints = [
            models.UniqueConstraint(
                Upper("code"),
                "trader",
                name="coupon_code_unique_per_trader",
                violation_error_message="This trader already has a coupon with this code.",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(usage_limit__gt=0),
                name="coupon_usage_limit_gt_0",
                violation_error_message="A usage limit is at least 1.",
            ),
            # The last line of defence behind the conditional UPDATE in order_coupon_apply.
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=F("usage_limit")),
                name="coupon_used_within_limit",
                violation_error_message="The usage limit is below the uses already counted.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=F("valid_from")),
                name="coupon_window_ends_after_start",
                violation_error_message="The validity window must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        self.code = (self.code or "").strip().upper()
        errors = {}
        if self.rule_id:
            if self.rule.usage != Usage.COUPON:
                errors["rule"] = "Choose a rule whose usage is coupon."
            elif self.trader_id and self.rule.trader_id != self.trader_id:
                errors["rule"] = "The rule belongs to another trader."
        if errors:
            raise ValidationError(errors)


class CouponRedemption(models.Model):
    """A coupon applied to an order: one per (coupon, order), and for a once-per-customer
    coupon one per (coupon, customer), both guarded by the database."""

    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("coupon")
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="coupon_redemptions",
        verbose_name=_("order"),
    )
    customer = models.ForeignKey(
        "orders.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    once_per_customer = models.BooleanField(default=False, verbose_name=_("once per customer"))
    redeemed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("redeemed at"))

    class Meta:
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")
        ordering = ["redeemed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["coupon", "order"], name="coupon_once_per_order"),
            models.UniqueConstraint(
                fields=["coupon", "customer"],
                condition=Q(once_per_customer=True),
                name="coupon_once_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(once_per_customer=False) | Q(customer__isnull=False),
                name="coupon_once_per_customer_has_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coupon} on order {self.order_id}"


class _Adjustment(models.Model):
    """Fields shared by item and order adjustments. The rule, coupon and tax category keys are
    not indexed: rows are rewritten on every re-pricing and those keys are only followed when
    a rule, coupon or category is deleted (an admin action)."""

    usage = models.CharField(max_length=12, choices=Usage.choices, verbose_name=_("usage"))
    rule = models.ForeignKey(
        CalculationRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("rule"),
    )
    coupon = models.ForeignKey(
        Coupon,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("coupon"),
    )
    tax_category = models.ForeignKey(
        TaxCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("tax category"),
    )
    description = models.CharField(
        max_length=200, help_text=_("Snapshot of the rule's name."), verbose_name=_("description")
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("amount"))
    sequence = models.PositiveSmallIntegerField(
        help_text=_("Position in the pricing run."), verbose_name=_("sequence")
    )

    class Meta:
        abstract = True


class ItemAdjustment(_Adjustment):
    """One rule's effect on one item (WebSphere ORDIADJUST), tax included as its own rows.

    Indexed by item (the order page's prefetch, cascades) and by (order, usage) (re-pricing's
    delete, the discount totals) only: the rows are rewritten on every re-pricing.
    """

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="item_adjustments",
        db_index=False,  # the (order, usage) index serves
        verbose_name=_("order"),
    )
    item = models.ForeignKey(
        "orders.OrderItem",
        on_delete=models.CASCADE,
        related_name="adjustments",
        verbose_name=_("item"),
    )

    class Meta:
        verbose_name = _("item adjustment")
        verbose_name_plural = _("item adjustments")
        ordering = ["item", "sequence", "pk"]
        indexes = [models.Index(fields=["order", "usage"])]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


class OrderAdjustment(_Adjustment):
    """One rule's effect on the whole order (WebSphere ORDADJUST): the sum of its item rows."""

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="adjustments",
        verbose_name=_("order"),
    )

    class Meta:
        verbose_name = _("order adjustment")
        verbose_name_plural = _("order adjustments")
        ordering = ["order", "sequence", "pk"]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


class FulfilmentCentre(models.Model):
    """Where a trader hands orders over: a pickup point, or a delivery zone (postcode
    prefixes). Its shipping mode's shipping rules (and their scales) price the fee; its
    opening times are set per sales session (FulfilmentWindow). DFC PickupOption /
    DeliveryOption at a PhysicalPlace."""

    class Kind(models.TextChoices):
        PICKUP = "pickup", _("pickup point")
        DELIVERY = "delivery", _("delivery zone")

    trader = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        related_name="fulfilment_centres",
        limit_choices_to={"kind": "trader"},
        verbose_name=_("trader"),
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    code = models.SlugField(max_length=40, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    shipping_mode = models.ForeignKey(
        ShippingMode,
        on_delete=models.PROTECT,
        related_name="fulfilment_centres",
        help_text=_("Items fulfilled here ship by this mode: its shipping rules price the fee."),
        verbose_name=_("shipping mode"),
    )
    # The place (a pickup point's address; a delivery zone's depot).
    street = models.CharField(max_length=200, blank=True, verbose_name=_("street"))
    city = models.CharField(max_length=100, blank=True, verbose_name=_("city"))
    postcode = models.CharField(max_length=20, blank=True, verbose_name=_("postcode"))
    country = models.CharField(max_length=2, default="GB", verbose_name=_("country"))
    delivery_postcodes = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("A delivery zone: comma-separated postcode prefixes it delivers to."),
        verbose_name=_("delivery postcodes"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = _("fulfilment centre")
        verbose_name_plural = _("fulfilment centres")
        ordering = ["trader", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["trader", "code"], name="one_centre_code_per_trader")
        ]

    def __str__(self) -> str:
        return self.name

    def delivers_to(self, postcode: str) -> bool:
        prefixes = [p.strip().upper() for p in self.delivery_postcodes.split(",") if p.strip()]
        wanted = (postcode or "").replace(" ", "").upper()
        return not prefixes or any(wanted.startswith(p.replace(" ", "")) for p in prefixes)


class FulfilmentWindow(models.Model):
    """When a fulfilment centre hands over the orders of one sales session."""

    sales_session = models.ForeignKey(
        "sessions_app.SaleSession",
        on_delete=models.CASCADE,
        related_name="fulfilment_windows",
        verbose_name=_("sales session"),
    )
    centre = models.ForeignKey(
        FulfilmentCentre, on_delete=models.CASCADE, related_name="windows", verbose_name=_("centre")
    )
    opens_at = models.DateTimeField(verbose_name=_("opens at"))
    closes_at = models.DateTimeField(verbose_name=_("closes at"))

    class Meta:
        verbose_name = _("fulfilment window")
        verbose_name_plural = _("fulfilment windows")
        ordering = ["sales_session", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="fulfilment_window_closes_after_opening",
                violation_error_message="A window closes after it opens.",
            ),
            models.UniqueConstraint(
                fields=["sales_session", "centre", "opens_at"], name="one_window_per_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre}: {self.opens_at:%Y-%m-%d %H:%M}–{self.closes_at:%H:%M}"
