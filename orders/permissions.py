"""Who may do what on the storefront API (orders/apis/carts.py): the one place that decides.

A customer acts only on their own carts and orders. A back-office user acts on someone
else's order only with the Django permission the action needs *and* when the order's trader
is one their membership covers (platforms.tenancy.roles, the scoping the admin applies). `is_staff`
alone grants nothing. Superusers may do everything.

An order the user may not even view is "not found" (404), as in the admin; an order they may
view but not act on in this way is "forbidden" (403).
"""

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from config.exceptions import NotFound
from orders.exceptions import NotACustomer, StorefrontForbidden
from orders.models import Customer, Order
from orders.statuses import OrderStatus
from platforms.tenancy.roles import user_scope


class StorefrontAction(StrEnum):
    VIEW = "view"
    SHOP = "shop"  # open a cart, change its items, submit and pay it
    CANCEL = "cancel"
    PAYMENT_REVIEW = "payment-review"  # accept a payment that needs review
    LIST_USE = "list-use"  # view a requisition list, order from it
    LIST_EDIT = "list-edit"  # change a requisition list's items


# What each action is called in a refusal ("You may not cancel order 12.").
ACTION_WORDS = {
    StorefrontAction.VIEW: gettext_lazy("view"),
    StorefrontAction.SHOP: gettext_lazy("shop on"),
    StorefrontAction.CANCEL: gettext_lazy("cancel"),
    StorefrontAction.PAYMENT_REVIEW: gettext_lazy("review the payment of"),
    StorefrontAction.LIST_USE: gettext_lazy("use the list of"),
    StorefrontAction.LIST_EDIT: gettext_lazy("change the list of"),
}

# The Django permission a back-office user needs for each action on a customer's order.
STAFF_PERMISSIONS = {
    StorefrontAction.VIEW: "orders.view_order",
    StorefrontAction.SHOP: "orders.change_order",
    StorefrontAction.CANCEL: "orders.change_order",
    StorefrontAction.PAYMENT_REVIEW: "orders.change_order",
    StorefrontAction.LIST_USE: "orders.view_order",
    StorefrontAction.LIST_EDIT: "orders.change_order",
}
# What a customer may do to their own orders.
CUSTOMER_ACTIONS = frozenset(
    {StorefrontAction.VIEW, StorefrontAction.SHOP, StorefrontAction.CANCEL}
)


def storefront_orders_qs(*, user, action: StorefrontAction) -> QuerySet[Order]:
    """The orders `user` may perform `action` on: their own (for a customer's actions), and
    those of traders they work for when they hold the action's permission."""
    if not user.is_authenticated or not user.is_active:
        return Order.objects.none()
    condition = Q(customer__user=user) if action in CUSTOMER_ACTIONS else Q(pk__in=[])
    if user.has_perm(STAFF_PERMISSIONS[action]):
        scope = user_scope(user)
        if scope.everything:
            return Order.objects.all()
        condition |= Q(trader_id__in=scope.trader_ids)
    return Order.objects.filter(condition)


def storefront_order_check(*, user, order_id: int, action: StorefrontAction) -> None:
    """Raise NotFound (404) unless `user` may view the order, StorefrontForbidden (403)
    unless they may also perform `action` on it. A customer acting on their own order costs
    one query (no permission lookup)."""
    if (
        action in CUSTOMER_ACTIONS
        and user.is_authenticated
        and user.is_active
        and Order.objects.filter(pk=order_id, customer__user=user).exists()
    ):
        return
    if not storefront_orders_qs(user=user, action=StorefrontAction.VIEW).filter(pk=order_id):
        raise NotFound(gettext("Order %(order)s does not exist.") % {"order": order_id})
    if action != StorefrontAction.VIEW and not storefront_orders_qs(
        user=user, action=action
    ).filter(pk=order_id):
        raise StorefrontForbidden(
            gettext("You may not %(action)s order %(order)s.")
            % {"action": ACTION_WORDS[action], "order": order_id}
        )


def storefront_authorizer(*, user, action: StorefrontAction) -> Callable[[Order], None]:
    """storefront_order_check for a service to run on the order it has locked
    (orders.services.checkout.Authorize): a customer acting on their own order costs no query
    (the lock read the order's customer's user, `customer_user_id`); anyone else is checked
    as storefront_order_check checks them."""

    def authorize(order: Order) -> None:
        if (
            action in CUSTOMER_ACTIONS
            and user.is_authenticated
            and user.is_active
            and getattr(order, "customer_user_id", None) == user.pk
        ):
            return
        storefront_order_check(user=user, order_id=order.pk, action=action)

    return authorize


# storefront_customer_for_cart's `own` when the caller did not read it.
_UNREAD: Any = object()


def storefront_customer_for_cart(
    *, user, trader_id: int, customer_id: int | None, own: Customer | None = _UNREAD
) -> Customer:
    """The customer a new cart is for: the user's own customer record at `trader_id`, or, for
    staff who may shop for that trader's customers, the customer they name. Raises
    StorefrontForbidden when the user may not open a cart for that customer, NotFound when
    the named customer is not the trader's, NotACustomer when the user is none. `own`: the
    user's customer at the trader as the caller read it (None: they are none;
    orders.selectors.cart_session reads it with the session), else read here."""
    customers = Customer.objects.filter(trader_id=trader_id)
    if own is _UNREAD:
        own = customers.filter(user=user).first() if user.is_authenticated else None
    if customer_id is None or (own is not None and own.pk == customer_id):
        if own is None:
            raise NotACustomer(gettext("You are not a customer of this trader."))
        return own
    if not _may_shop_for(user, trader_id):
        raise StorefrontForbidden(gettext("You may not open a cart for another customer."))
    customer = customers.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(
            gettext("Customer %(customer)s is not a customer of this trader.")
            % {"customer": customer_id}
        )
    return customer


def _may_shop_for(user, trader_id: int) -> bool:
    if not user.is_active or not user.has_perm(STAFF_PERMISSIONS[StorefrontAction.SHOP]):
        return False
    scope = user_scope(user)
    return scope.everything or trader_id in scope.trader_ids


# --- Requisition lists (Y private, Z shareable) ----------------------------------------------


def storefront_lists_qs(*, user, action: StorefrontAction) -> QuerySet[Order]:
    """The requisition lists `user` may use (LIST_USE: view, order from) or change
    (LIST_EDIT): their own; to use, also the shareable lists (Z) of a trader they are a
    customer of; back-office users those of the traders they work for, with
    orders.view_order to use and orders.change_order to change."""
    if not user.is_authenticated or not user.is_active:
        return Order.objects.none()
    lists = Order.objects.filter(
        status__in=[OrderStatus.PRIVATE_REQUISITION_LIST, OrderStatus.SHAREABLE_REQUISITION_LIST]
    )
    condition = Q(customer__user=user)
    if action == StorefrontAction.LIST_USE:
        condition |= Q(
            status=OrderStatus.SHAREABLE_REQUISITION_LIST,
            trader_id__in=Customer.objects.filter(user=user).values("trader_id"),
        )
    permission = (
        "orders.change_order" if action == StorefrontAction.LIST_EDIT else ("orders.view_order")
    )
    if user.has_perm(permission):
        scope = user_scope(user)
        if scope.everything:
            return lists
        condition |= Q(trader_id__in=scope.trader_ids)
    return lists.filter(condition)


def storefront_list_check(*, user, list_id: int, action: StorefrontAction) -> None:
    """Raise NotFound (404) unless `user` may use the list, StorefrontForbidden (403) unless
    they may also perform `action` on it."""
    usable = storefront_lists_qs(user=user, action=StorefrontAction.LIST_USE)
    if not usable.filter(pk=list_id).exists():
        raise NotFound(gettext("Requisition list %(list)s does not exist.") % {"list": list_id})
    if (
        action != StorefrontAction.LIST_USE
        and not storefront_lists_qs(user=user, action=action).filter(pk=list_id).exists()
    ):
        raise StorefrontForbidden(
            gettext("You may not change requisition list %(list)s.") % {"list": list_id}
        )


def storefront_own_customer(*, user, customer_id: int) -> Customer:
    """One of the user's own customer records (one per trader), for the account's endpoints
    (quick-order profile, addresses): NotFound (404) for anyone else's, staff included — a
    back-office user works on customers in the admin."""
    customer = None
    if user.is_authenticated and user.is_active:
        customer = Customer.objects.filter(pk=customer_id, user=user).first()
    if customer is None:
        raise NotFound(
            gettext("Customer %(customer)s is not one of your customer records.")
            % {"customer": customer_id}
        )
    return customer


def storefront_account_erase_check(*, user) -> None:
    """A customer may erase their own account from the storefront; a back-office account
    (staff, with a membership, or a superuser) is handled in the admin: StorefrontForbidden."""
    if user.is_staff or user.is_superuser:
        raise StorefrontForbidden(
            gettext("A back-office account is not erased from the storefront.")
        )
