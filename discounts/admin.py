"""Admin for the trader's pricing: tax categories, shipping modes and scales, calculation rules
and coupons. Forms validate through the models' clean() and their CHECK constraints, so a bad
value (a negative percentage, a fixed amount without a currency) is a form error."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from discounts.models import (
    CalculationRule,
    Coupon,
    CouponRedemption,
    FulfilmentCentre,
    FulfilmentWindow,
    ShippingMode,
    ShippingScale,
    ShippingScaleBand,
    TaxCategory,
)
from platforms.tenancy.roles import EnterpriseScopedAdmin


@admin.register(TaxCategory)
class TaxCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "rate")
    search_fields = ("code", "name")


@admin.register(ShippingMode)
class ShippingModeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "tax_category")
    search_fields = ("code", "name")
    list_select_related = ("tax_category",)


class ShippingScaleBandInline(admin.TabularInline):
    model = ShippingScaleBand
    extra = 2


@admin.register(ShippingScale)
class ShippingScaleAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
    list_display = ("name", "trader", "lookup")
    list_filter = ("trader", "lookup")
    search_fields = ("name",)
    inlines = [ShippingScaleBandInline]


@admin.register(CalculationRule)
class CalculationRuleAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
    list_display = (
        "name",
        "trader",
        "usage",
        "method",
        "value",
        "currency",
        "scope",
        "priority",
        "is_exclusive",
        "is_active",
        "valid_from",
        "valid_until",
    )
    list_filter = ("trader", "usage", "method", "scope", "is_active")
    search_fields = ("name",)
    list_select_related = ("trader",)
    autocomplete_fields = ("product",)
    filter_horizontal = ("exempt_tax_categories",)
    fieldsets = (
        (None, {"fields": ("trader", "name", "usage", "method", "value", "currency")}),
        (_("Applies to"), {"fields": ("scope", "product", "producer", "sales_session")}),
        (
            _("Qualifies when"),
            {
                "fields": (
                    "minimum_order_total",
                    "threshold_basis",
                    "minimum_quantity",
                    "valid_from",
                    "valid_until",
                    "is_active",
                )
            },
        ),
        (_("Calculation"), {"fields": ("price_basis", "priority", "is_exclusive")}),
        (_("Shipping"), {"fields": ("shipping_mode", "shipping_scale")}),
        (_("Tax"), {"fields": ("exempt_tax_categories",)}),
        (_("Manual adjustment"), {"fields": ("order",)}),
    )
    readonly_fields = ("order",)  # set by a customer-service edit, never typed in


class CouponRedemptionInline(admin.TabularInline):
    model = CouponRedemption
    extra = 0
    fields = ("order", "customer", "redeemed_at")
    readonly_fields = fields
    can_delete = False  # a use is given back only by order_coupon_remove

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Coupon)
class CouponAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
    list_display = (
        "code",
        "trader",
        "rule",
        "times_used",
        "usage_limit",
        "once_per_customer",
        "valid_from",
        "valid_until",
        "is_active",
    )
    list_filter = ("trader", "is_active", "once_per_customer")
    search_fields = ("code",)
    list_select_related = ("trader", "rule")
    readonly_fields = ("times_used",)
    inlines = [CouponRedemptionInline]


class FulfilmentWindowInline(admin.TabularInline):
    """Opening times per sales session."""

    model = FulfilmentWindow
    extra = 1


@admin.register(FulfilmentCentre)
class FulfilmentCentreAdmin(EnterpriseScopedAdmin):
    """Pickup points and delivery zones; the fee comes from the shipping rules of the mode."""

    scope_trader = "trader"
    list_display = ("name", "kind", "trader", "shipping_mode", "postcode", "is_active")
    list_filter = ("trader", "kind", "is_active")
    search_fields = ("name", "code", "postcode")
    inlines = [FulfilmentWindowInline]
