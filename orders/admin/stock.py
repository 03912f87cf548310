"""The low-inventory flow on inventory's admin pages: orders sit above inventory, so the
orders app re-registers the stock and product admin with what moves orders to low inventory
(L). A stock count saved in the stock admin is `stock_count_record` (below what orders hold,
the latest orders give their units back and move to L, named in a warning); "Withdraw the
selected products" asks first, then runs `product_withdraw`."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from config.actors import Actor
from config.exceptions import ApplicationError
from inventory.admin import ProductAdmin, StockAdmin
from inventory.models import Product, Stock
from inventory.services.stock import stock_set
from orders.models import Order
from orders.services.low_inventory import (
    product_withdraw,
    product_withdraw_preview,
    stock_count_record,
)


class ProductWithdrawAdmin(ProductAdmin):
    actions = ["withdraw"]

    @admin.action(
        description=gettext_lazy("Withdraw the selected products (no longer sold)"),
        permissions=["change"],
    )
    def withdraw(self, request, queryset):
        """Asks first (with how many open orders hold each product and an optional reason);
        then each product is made inactive and the orders holding it move to low inventory
        (L) with those items named, for customer service to resolve."""
        products = list(queryset.filter(is_active=True).order_by("name"))
        if request.POST.get("confirm") == "yes":
            reason = request.POST.get("reason", "").strip()[:300]
            moved: set[int] = set()
            actor = Actor.for_user(request.user)
            for product in products:
                moved.update(product_withdraw(product_id=product.pk, actor=actor, reason=reason))
            self.message_user(
                request,
                ngettext(
                    "%(products)d product withdrawn; %(orders)d order moved to low inventory.",
                    "%(products)d products withdrawn; %(orders)d orders moved to low inventory.",
                    len(moved),
                )
                % {"products": len(products), "orders": len(moved)},
                messages.SUCCESS,
            )
            return None
        holding = product_withdraw_preview(product_ids=[product.pk for product in products])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Withdraw products"),
            "products": [(product, holding.get(product.pk, 0)) for product in products],
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/inventory/product/withdraw_confirmation.html", context
        )


class StockCountAdmin(StockAdmin):
    def save_model(self, request, obj, form, change):
        """A count goes through `stock_count_record`: when it is below what orders hold, the
        most recently placed orders give their units back first and move to low inventory
        (L). Unlimited or not counted: `stock_set`."""
        try:
            if obj.on_hand is None or obj.is_unlimited:
                stock_set(
                    product_id=obj.product_id, on_hand=obj.on_hand, is_unlimited=obj.is_unlimited
                )
                return
            moved = stock_count_record(
                product_id=obj.product_id, on_hand=obj.on_hand, actor=Actor.for_user(request.user)
            )
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        if moved:
            numbers = Order.objects.filter(pk__in=moved).values_list("number", flat=True)
            self.message_user(
                request,
                ngettext(
                    "The count is below what orders held: %(count)d order moved to low "
                    "inventory (%(numbers)s).",
                    "The count is below what orders held: %(count)d orders moved to low "
                    "inventory (%(numbers)s).",
                    len(moved),
                )
                % {"count": len(moved), "numbers": ", ".join(str(n) for n in numbers)},
                messages.WARNING,
            )


for model, model_admin in ((Product, ProductWithdrawAdmin), (Stock, StockCountAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
