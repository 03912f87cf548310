from django.contrib import admin

from sessions_app.models import Offer, SaleSession


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 0
    autocomplete_fields = ("product",)


@admin.register(SaleSession)
class SaleSessionAdmin(admin.ModelAdmin):
    list_display = ("name", "trader", "state", "begins_at", "ends_at", "closed_at")
    list_filter = ("state", "trader")
    search_fields = ("name",)
    inlines = [OfferInline]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = (
        "product",
        "session",
        "price",
        "currency",
        "vat_rate",
        "stock_limitation",
        "allows_backorder",
    )
    list_filter = ("session",)
    search_fields = ("product__name",)
    list_select_related = ("product", "session")
