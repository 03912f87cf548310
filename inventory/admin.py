from django.contrib import admin

from inventory.models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "producer",
        "unit_of_measure",
        "nominal_quantity",
        "weight_kg",
        "pack_weight_kg",
        "tax_category",
        "is_active",
    )
    list_filter = ("producer__platform", "producer", "is_active")
    search_fields = ("name", "sku")
    list_select_related = ("producer", "tax_category")
