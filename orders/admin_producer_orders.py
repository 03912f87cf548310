"""Admin for producer orders: what the trader sends each producer per session."""

from django.contrib import admin

from orders.models import ProducerOrder, ProducerOrderLine


class ProducerOrderLineInline(admin.TabularInline):
    model = ProducerOrderLine
    extra = 0
    can_delete = False
    fields = (
        "product",
        "customer_quantity",
        "weight_kg",
        "packs",
        "surplus_kg",
        "quantity",
        "unit_price",
        "remote_id",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProducerOrder)
class ProducerOrderAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "producer",
        "sales_session",
        "status",
        "order_state",
        "aggregate_by_weight",
        "total_product",
        "version",
        "updated_at",
    )
    list_filter = ("status", "order_state", "sales_session", "producer__platform", "producer")
    search_fields = ("producer__name", "sales_session__name")
    list_select_related = ("producer", "sales_session")
    inlines = [ProducerOrderLineInline]
    readonly_fields = (
        "sales_session",
        "producer",
        "trader",
        "status",
        "order_state",
        "aggregate_by_weight",
        "currency",
        "total_product",
        "version",
        "remote_id",
        "created_at",
        "updated_at",
        "computed_at",
        "finalised_at",
    )

    def has_add_permission(self, request):
        return False  # recomputed from customer orders, never typed in

    def has_delete_permission(self, request, obj=None):
        return False
