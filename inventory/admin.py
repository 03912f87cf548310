from django.contrib import admin, messages
from django.utils.translation import gettext_lazy

from config.exceptions import ApplicationError
from inventory.models import Product, Reservation, Stock
from inventory.services.stock import stock_set
from platforms.tenancy.roles import EnterpriseScopedAdmin


class PartnerLinkFilter(admin.SimpleListFilter):
    """Products of remote producers with or without the partner's product @id (an OFN or FDC
    producer order is not sent for a product without one)."""

    title = gettext_lazy("link to the partner's product")
    parameter_name = "partner_link"

    def lookups(self, request, model_admin):
        return (("missing", gettext_lazy("missing")), ("set", gettext_lazy("set")))

    def queryset(self, request, queryset):
        remote = queryset.filter(producer__platform__is_local=False)
        if self.value() == "missing":
            return remote.filter(remote_id="")
        if self.value() == "set":
            return remote.exclude(remote_id="")
        return queryset


@admin.register(Product)
class ProductAdmin(EnterpriseScopedAdmin):
    # A trader sees the products offered in its sessions; a producer its own.
    scope_trader = "offers__session__trader"
    scope_producer = "producer"
    scope_distinct = True
    list_display = (
        "name",
        "producer",
        "unit_of_measure",
        "nominal_quantity",
        "weight_kg",
        "pack_weight_kg",
        "wholesale_product",
        "wholesale_ratio",
        "catalog_discount",
        "tax_category",
        "is_active",
    )
    list_filter = ("producer__platform", "producer", PartnerLinkFilter, "is_active")
    search_fields = ("name", "sku")
    list_select_related = ("producer", "tax_category", "wholesale_product")
    autocomplete_fields = ("wholesale_product",)
    readonly_fields = ("catalog_discount",)


@admin.register(Stock)
class StockAdmin(EnterpriseScopedAdmin):
    """Read-mostly: on hand is set through `stock_set`, so reservations stay consistent."""

    scope_trader = "product__offers__session__trader"
    scope_producer = "product__producer"
    scope_distinct = True

    list_display = (
        "product",
        "on_hand",
        "reserved",
        "available_display",
        "is_unlimited",
        "is_remote_mirror",
        "remote_stock_limitation",
        "refreshed_at",
    )
    list_filter = ("is_remote_mirror", "is_unlimited", "product__producer__platform")
    search_fields = ("product__name",)
    list_select_related = ("product",)
    fields = (
        "product",
        "on_hand",
        "is_unlimited",
        "reserved",
        "is_remote_mirror",
        "remote_stock_limitation",
        "refreshed_at",
    )
    readonly_fields = ("reserved", "is_remote_mirror", "remote_stock_limitation", "refreshed_at")
    autocomplete_fields = ("product",)

    @admin.display(description=gettext_lazy("available"))
    def available_display(self, stock: Stock) -> str:
        return stock.describe()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("product", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        try:
            stock_set(product_id=obj.product_id, on_hand=obj.on_hand, is_unlimited=obj.is_unlimited)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reservation)
class ReservationAdmin(EnterpriseScopedAdmin):
    scope_trader = "order__trader"
    list_display = ("order_item", "order", "stock", "offer", "quantity", "expires_at", "created_at")
    list_filter = (("expires_at", admin.EmptyFieldListFilter),)
    search_fields = ("=order__number", "order_item__product_name")
    list_select_related = ("order_item", "order", "stock__product", "offer__product")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
