from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from config.actors import Actor
from config.exceptions import ApplicationError
from orders.models import Address, Customer, Order, OrderEvent, OrderItem
from orders.selectors import order_detail, order_items_by_sub_order, order_list_qs
from orders.services.cancellation import order_cancel
from orders.services.status import order_status_change
from orders.statuses import OrderStatus, allowed_targets


class ProducerPlatformFilter(admin.SimpleListFilter):
    title = "producer platform"
    parameter_name = "platform"

    def lookups(self, request, model_admin):
        from platforms.models import Platform

        return [(p.pk, p.name) for p in Platform.objects.all()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(items__producer_platform_id=self.value()).distinct()
        return queryset


class ProducerFilter(admin.SimpleListFilter):
    title = "producer"
    parameter_name = "producer"

    def lookups(self, request, model_admin):
        from platforms.models import Enterprise

        return [(e.pk, e.name) for e in Enterprise.objects.filter(kind="producer")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(items__producer_id=self.value()).distinct()
        return queryset


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "status",
        "trader",
        "customer",
        "sales_session",
        "currency",
        "grand_total",
        "placed_at",
        "updated_at",
    )
    list_filter = ("status", "trader", "sales_session", ProducerPlatformFilter, ProducerFilter)
    search_fields = ("=number", "customer__name", "customer__email")
    date_hierarchy = "created_at"
    list_select_related = ("trader", "customer", "sales_session")
    readonly_fields = (
        "number",
        "status",
        "status_before_edit",
        "currency",
        "trader",
        "customer",
        "sales_session",
        "origin_platform",
        "total_product",
        "total_adjustment",
        "total_shipping",
        "total_tax",
        "total_shipping_tax",
        "grand_total",
        "placed_at",
        "created_at",
        "updated_at",
        "version",
        "locked_by",
        "locked_at",
        "backup_of",
        "payment_method",
        "payment_reference",
    )
    fields = (
        "number",
        "status",
        "trader",
        "customer",
        "sales_session",
        "origin_platform",
        "currency",
        "billing_address",
        "customer_note",
        "payment_method",
        "payment_reference",
        "placed_at",
        "updated_at",
        "version",
        "locked_by",
        "locked_at",
        "status_before_edit",
        "backup_of",
    )
    change_form_template = "admin/orders/order/change_form.html"

    def get_queryset(self, request):
        return order_list_qs()

    def has_add_permission(self, request):
        return False  # orders are created by checkout, the partner API or the demo loader

    def has_delete_permission(self, request, obj=None):
        return False  # orders are cancelled (X), never deleted

    def get_urls(self):
        return [
            path(
                "<int:order_id>/status/<str:to_status>/",
                self.admin_site.admin_view(self.status_change_view),
                name="orders_order_status_change",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = order_detail(order_id=int(object_id))
        extra_context = {
            **(extra_context or {}),
            "order": order,
            "item_groups": order_items_by_sub_order(order),
            "status_actions": [
                (status, OrderStatus(status).label)
                for status in sorted(allowed_targets(order.status))
                if status != OrderStatus.CSR_EDIT
                and not (
                    order.status == OrderStatus.CSR_EDIT
                    and status not in (order.status_before_edit, OrderStatus.CANCELLED)
                )
            ]
            if self.has_change_permission(request, order)
            else [],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def status_change_view(self, request, order_id: int, to_status: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = get_object_or_404(Order, pk=order_id)
        if not self.has_change_permission(request, order):
            return HttpResponseRedirect(reverse("admin:orders_order_changelist"))
        actor, reason = Actor.for_user(request.user), request.POST.get("reason", "")[:500]
        try:
            if to_status == OrderStatus.CANCELLED:
                # Cancelling releases stock and updates producer orders: its own service.
                order = order_cancel(order_id=order.pk, actor=actor, reason=reason)
            else:
                order = order_status_change(
                    order_id=order.pk, to_status=to_status, actor=actor, reason=reason
                )
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, f"Order {order.number} is now {order.get_status_display()}.")
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order_id]))


@admin.register(OrderItem)
class OrderItemAdmin(admin.ModelAdmin):
    list_display = (
        "order",
        "product_name",
        "producer",
        "producer_platform",
        "quantity",
        "unit_price",
        "total_product",
        "status",
        "inventory_status",
        "inventory_unknown",
    )
    list_filter = ("status", "inventory_status", "inventory_unknown", "producer_platform")
    search_fields = ("product_name", "=order__number")
    list_select_related = ("order", "producer", "producer_platform")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderEvent)
class OrderEventAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "order",
        "kind",
        "actor_label",
        "from_status",
        "to_status",
        "message",
    )
    list_filter = ("kind",)
    search_fields = ("=order__number", "actor_label")
    list_select_related = ("order",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "trader")
    search_fields = ("name", "email")
    list_filter = ("trader",)


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("name", "line1", "postcode", "city", "country", "customer")
    search_fields = ("name", "postcode", "city")

from orders import admin_producer_orders  # noqa: E402,F401 - registers the producer-order admin
