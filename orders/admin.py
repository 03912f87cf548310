from decimal import Decimal

from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from config.actors import Actor
from config.exceptions import ApplicationError
from discounts.models import CalculationRule, CouponRedemption
from orders.models import Address, Customer, Order, OrderEvent, OrderItem, QuickOrderProfile
from orders.selectors import order_detail, order_items_by_sub_order, order_list_qs
from orders.services import edit_changes, editing
from orders.services.cancellation import order_cancel
from orders.services.partner_resend import order_is_resendable, order_resend_to_partners
from orders.services.payments import order_payment_review_accept
from orders.services.quick_order import quick_order_profile_save
from orders.services.status import order_status_change
from orders.statuses import EDITABLE_STATUSES, OrderStatus, allowed_targets
from platforms.roles import EnterpriseScopedAdmin, scope_queryset


class ProducerPlatformFilter(admin.SimpleListFilter):
    title = "producer platform"
    parameter_name = "platform"

    def lookups(self, request, model_admin):
        from platforms.models import Platform

        platform_ids = model_admin.get_queryset(request).values("items__producer_platform_id")
        return [(p.pk, p.name) for p in Platform.objects.filter(pk__in=platform_ids)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(items__producer_platform_id=self.value()).distinct()
        return queryset


class ProducerFilter(admin.SimpleListFilter):
    title = "producer"
    parameter_name = "producer"

    def lookups(self, request, model_admin):
        from platforms.models import Enterprise

        producer_ids = model_admin.get_queryset(request).values("items__producer_id")
        return [(e.pk, e.name) for e in Enterprise.objects.filter(pk__in=producer_ids)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(items__producer_id=self.value()).distinct()
        return queryset


@admin.register(Order)
class OrderAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
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
        "locked_by",
    )
    list_filter = (
        "status",
        "payment_status",
        "trader",
        "sales_session",
        ProducerPlatformFilter,
        ProducerFilter,
        ("locked_by", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("=number", "customer__name", "customer__email", "payment_reference")
    date_hierarchy = "created_at"
    list_select_related = ("trader", "customer", "sales_session", "locked_by")
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
        # Quick-order profiles are not orders anyone placed: they have their own page.
        queryset = order_list_qs().exclude(status=OrderStatus.QUICK_ORDER_PROFILE)
        return scope_queryset(queryset, request.user, trader=self.scope_trader)

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
            path(
                "<int:order_id>/edit/<str:step>/",
                self.admin_site.admin_view(self.edit_step_view),
                name="orders_order_edit_step",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            # Unknown, or another enterprise's: the admin's "does not exist" redirect.
            return super().change_view(request, object_id, form_url, extra_context)
        order = order_detail(order_id=int(object_id))
        extra_context = {
            **(extra_context or {}),
            "order": order,
            "item_groups": order_items_by_sub_order(order),
            "status_actions": [
                (status, OrderStatus(status).label)
                for status in sorted(allowed_targets(order.status))
                # An edit begins, commits and rolls back through its own buttons (the edit
                # panel), never through a bare status move.
                if status != OrderStatus.CSR_EDIT
                and not (order.status == OrderStatus.CSR_EDIT and status != OrderStatus.CANCELLED)
            ]
            if self.has_change_permission(request, order)
            else [],
            **self._edit_context(request, order),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _edit_context(self, request, order) -> dict:
        """What the customer-service edit panel offers this user on this order."""
        from sessions_app.models import Offer

        if not self.has_change_permission(request, order):
            return {"edit_can_begin": False, "edit_is_holder": False, "edit_held_by_other": False}
        under_edit = order.status == OrderStatus.CSR_EDIT
        is_holder = under_edit and order.locked_by_id == request.user.pk
        return {
            "edit_can_begin": order.status in EDITABLE_STATUSES,
            "edit_is_holder": is_holder,
            "edit_held_by_other": under_edit and not is_holder,
            "edit_offers": Offer.objects.filter(session_id=order.sales_session_id)
            .select_related("product")
            .order_by("product__name")
            if is_holder
            else [],
            "edit_addresses": Address.objects.filter(customer_id=order.customer_id).order_by("pk")
            if is_holder and order.customer_id
            else [],
            "can_resend": order_is_resendable(order),
            "edit_coupons": CouponRedemption.objects.filter(order_id=order.pk)
            .select_related("coupon")
            .order_by("pk")
            if is_holder
            else [],
            "edit_manual_discounts": CalculationRule.objects.filter(
                order_id=order.pk, is_active=True
            ).order_by("pk")
            if is_holder
            else [],
        }

    EDIT_STEPS = {
        "begin": lambda order_id, actor, post: editing.order_edit_begin(
            order_id=order_id, actor=actor
        ),
        "take_over": lambda order_id, actor, post: editing.order_edit_begin(
            order_id=order_id, actor=actor, take_over=True
        ),
        "commit": lambda order_id, actor, post: editing.order_edit_commit(
            order_id=order_id, actor=actor
        ),
        "rollback": lambda order_id, actor, post: editing.order_edit_rollback(
            order_id=order_id, actor=actor
        ),
        "quantity": lambda order_id, actor, post: edit_changes.order_edit_item_quantity_change(
            order_id=order_id,
            item_id=int(post["item"]),
            quantity=Decimal(post["quantity"]),
            actor=actor,
        ),
        "remove": lambda order_id, actor, post: edit_changes.order_edit_item_remove(
            order_id=order_id, item_id=int(post["item"]), actor=actor
        ),
        "add": lambda order_id, actor, post: edit_changes.order_edit_offer_add(
            order_id=order_id,
            offer_id=int(post["offer"]),
            quantity=Decimal(post["quantity"]),
            actor=actor,
        ),
        "addresses": lambda order_id, actor, post: edit_changes.order_addresses_change(
            order_id=order_id,
            billing_address_id=int(post["billing_address"])
            if post.get("billing_address")
            else None,
            shipping_address_id=int(post["shipping_address"])
            if post.get("shipping_address")
            else None,
            actor=actor,
        ),
        "ship_to": lambda order_id, actor, post: edit_changes.order_edit_item_ship_to(
            order_id=order_id,
            item_id=int(post["item"]),
            shipping_address_id=int(post["shipping_address"])
            if post.get("shipping_address")
            else None,
            actor=actor,
        ),
        "coupon": lambda order_id, actor, post: edit_changes.order_edit_coupon_apply(
            order_id=order_id, code=post.get("code", ""), actor=actor
        ),
        "coupon_remove": lambda order_id, actor, post: edit_changes.order_edit_coupon_remove(
            order_id=order_id, code=post.get("code", ""), actor=actor
        ),
        "discount_remove": lambda order_id, actor, post: edit_changes.order_manual_discount_remove(
            order_id=order_id, rule_id=int(post["rule"]), actor=actor
        ),
        "discount": lambda order_id, actor, post: edit_changes.order_manual_discount_add(
            order_id=order_id,
            actor=actor,
            reason=post.get("reason", ""),
            **{
                "percent" if post.get("kind") == "percent" else "amount": Decimal(
                    post.get("value") or "0"
                )
            },
        ),
        "resend": lambda order_id, actor, post: order_resend_to_partners(
            order_id=order_id, actor=actor
        ),
    }
    EDIT_DONE = {
        "begin": "Edit begun: the order is locked to you and a backup copy (T) is saved.",
        "take_over": "You took the edit over.",
        "commit": "Edit committed: the order is re-priced, its stock reserved and its status "
        "restored.",
        "rollback": "Edit rolled back: the order is restored from its backup copy.",
        "resend": "The order's producer orders are queued to be sent again.",
    }

    def edit_step_view(self, request, order_id: int, step: str):
        """One step of a customer-service edit (or the resend), each through its service."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = get_object_or_404(self.get_queryset(request), pk=order_id)
        run = self.EDIT_STEPS.get(step)
        if run is None or not self.has_change_permission(request, order):
            return HttpResponseRedirect(reverse("admin:orders_order_changelist"))
        try:
            run(order.pk, Actor.for_user(request.user), request.POST)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
        except (KeyError, ValueError, ArithmeticError):
            self.message_user(request, "The form was incomplete or not a number.", messages.ERROR)
        else:
            self.message_user(request, self.EDIT_DONE.get(step, "Saved."))
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order_id]))

    def status_change_view(self, request, order_id: int, to_status: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = get_object_or_404(self.get_queryset(request), pk=order_id)
        if not self.has_change_permission(request, order):
            return HttpResponseRedirect(reverse("admin:orders_order_changelist"))
        actor, reason = Actor.for_user(request.user), request.POST.get("reason", "")[:500]
        try:
            if to_status == OrderStatus.CANCELLED:
                # Cancelling releases stock and updates producer orders: its own service.
                order = order_cancel(order_id=order.pk, actor=actor, reason=reason)
            elif order.status == OrderStatus.PAYMENT_REVIEW:
                # Accepting a reviewed payment authorizes it and picks C or B itself.
                order = order_payment_review_accept(order_id=order.pk, actor=actor)
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
class OrderItemAdmin(EnterpriseScopedAdmin):
    scope_trader = "order__trader"
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
class OrderEventAdmin(EnterpriseScopedAdmin):
    scope_trader = "order__trader"
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
class CustomerAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
    list_display = ("name", "email", "phone", "trader")
    search_fields = ("name", "email")
    list_filter = ("trader",)


@admin.register(Address)
class AddressAdmin(EnterpriseScopedAdmin):
    scope_trader = "customer__trader"
    list_display = ("name", "line1", "postcode", "city", "country", "customer")
    search_fields = ("name", "postcode", "city")


@admin.register(QuickOrderProfile)
class QuickOrderProfileAdmin(EnterpriseScopedAdmin):
    """A customer's defaults for new carts (status Q); saved through quick_order_profile_save."""

    scope_trader = "trader"
    list_display = (
        "customer",
        "trader",
        "payment_method",
        "shipping_mode",
        "billing_address",
        "shipping_address",
        "updated_at",
    )
    list_filter = ("trader", "payment_method", "shipping_mode")
    search_fields = ("customer__name", "customer__email")
    list_select_related = (
        "customer",
        "trader",
        "shipping_mode",
        "billing_address",
        "shipping_address",
    )
    fields = ("customer", "payment_method", "shipping_mode", "billing_address", "shipping_address")
    autocomplete_fields = ("customer",)

    def get_readonly_fields(self, request, obj=None):
        return ("customer",) if obj is not None else ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "payment_method":
            from django import forms

            from orders.services.payments import payment_providers

            choices = [("", "—")] + [(code, p.label) for code, p in payment_providers().items()]
            return forms.ChoiceField(choices=choices, required=False, label="Payment method")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            profile = quick_order_profile_save(
                customer=obj.customer,
                actor=Actor.for_user(request.user),
                payment_method=obj.payment_method,
                shipping_mode=obj.shipping_mode,
                billing_address=obj.billing_address,
                shipping_address=obj.shipping_address,
            )
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            obj.pk = profile.pk


from orders import admin_producer_orders  # noqa: E402,F401 - registers the producer-order admin
