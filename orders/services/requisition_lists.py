"""Requisition lists (WebSphere Y and Z): a customer's named lists of products and
quantities. A private list (Y) is its owner's; a shareable one (Z) can be used by every
customer of the same trader (a buying group). "Order from list" copies a list into a new
cart (P) in an open session at the session's current offer prices, naming what that session
does not offer. A list is an `Order` in status Y or Z (created so, never reached by a
transition) whose items hold the products and quantities."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from config.exceptions import NotFound
from inventory.models import Product
from orders.events import EventText, order_created_event, order_event
from orders.exceptions import InvalidQuantity, NotARequisitionList
from orders.models import Customer, Order, OrderEvent, OrderItem
from orders.services.checkout import cart_create, cart_item_add
from orders.services.items import MAX_ITEM_QUANTITY
from orders.services.status import order_lock
from orders.statuses import OrderStatus as S
from sessions_app.models import Offer

LIST_STATUSES = frozenset({S.PRIVATE_REQUISITION_LIST, S.SHAREABLE_REQUISITION_LIST})


@transaction.atomic
def requisition_list_create(
    *, customer: Customer, name: str, shareable: bool, actor: Actor
) -> Order:
    """A new, empty list of `customer` (Z when `shareable`, else Y), in the trader's default
    currency (a list holds no prices: they are taken when it is ordered)."""
    name = (name or "").strip()[:120]
    if not name:
        raise NotARequisitionList(gettext("A requisition list needs a name."))
    requisition = Order.objects.create(
        status=S.SHAREABLE_REQUISITION_LIST if shareable else S.PRIVATE_REQUISITION_LIST,
        trader_id=customer.trader_id,
        customer=customer,
        currency=settings.LARDER_DEFAULT_CURRENCY,
        list_name=name,
    )
    order_created_event(order=requisition, actor=actor)
    return requisition


def _list_lock(list_id: int) -> Order:
    requisition = order_lock(order_id=list_id)
    if requisition.status not in LIST_STATUSES:
        raise NotARequisitionList(
            gettext("Order %(number)s is not a requisition list.") % {"number": requisition.number}
        )
    return requisition


@transaction.atomic
def requisition_list_item_set(
    *, list_id: int, product_id: int, quantity: Decimal, actor: Actor
) -> Order:
    """Set how much of a product the list holds (0 removes it). The list row is locked; the
    product must be active; quantities are > 0 and at most MAX_ITEM_QUANTITY (InvalidQuantity)."""
    requisition = _list_lock(list_id)
    quantity = Decimal(quantity)
    if not quantity.is_finite() or quantity < 0 or quantity > MAX_ITEM_QUANTITY:
        raise InvalidQuantity(
            gettext("A quantity from 0 to %(limit)s is needed.") % {"limit": MAX_ITEM_QUANTITY}
        )
    product = (
        Product.objects.select_related("producer__platform")
        .filter(pk=product_id, is_active=True)
        .first()
    )
    if product is None:
        raise NotFound(
            gettext("Product %(product)s does not exist or is withdrawn.") % {"product": product_id}
        )
    line = OrderItem.objects.filter(order_id=requisition.pk, product_id=product.pk).first()
    if quantity == 0:
        if line is not None:
            line.delete()
    elif line is not None:
        OrderItem.objects.filter(pk=line.pk).update(quantity=quantity)
    else:
        OrderItem.objects.create(
            order=requisition,
            sales_session_id=requisition.sales_session_id,
            product=product,
            product_name=product.name,
            product_sku=product.sku,
            producer=product.producer,
            producer_platform=product.producer.platform,
            quantity=quantity,
            nominal_quantity=product.nominal_quantity,
            unit_of_measure=product.unit_of_measure,
            unit_price=Decimal("0.00"),
            status=requisition.status,
        )
    order_event(
        order=requisition,
        actor=actor,
        kind=OrderEvent.Kind.ITEM_CHANGED,
        message=f"{product.name}: {quantity.normalize():f}",
        data={"product": product.pk, "quantity": str(quantity)},
    )
    return requisition


@transaction.atomic
def requisition_list_order(
    *, list_id: int, session_id: int, customer: Customer, actor: Actor
) -> tuple[Order, list[str]]:
    """Copy a list into a new cart of `customer` in an open session: each product the session
    offers is added at the offer's current price (through the cart services); the others are
    returned by name, unavailable, and recorded in an event. Returns (cart, unavailable)."""
    requisition = _list_lock(list_id)
    cart = cart_create(session_id=session_id, customer=customer, actor=actor)
    items = list(
        OrderItem.objects.filter(order_id=requisition.pk).select_related("product").order_by("pk")
    )
    offers = {
        offer.product_id: offer
        for offer in Offer.objects.filter(
            session_id=session_id,
            product_id__in=[i.product_id for i in items],
            product__is_active=True,
            currency=cart.currency,
        )
    }
    unavailable = []
    for item in items:
        offer = offers.get(item.product_id)
        if offer is None:
            unavailable.append(item.product_name)
            continue
        cart_item_add(order_id=cart.pk, offer_id=offer.pk, quantity=item.quantity, actor=actor)
    order_event(
        order=cart,
        actor=actor,
        kind=OrderEvent.Kind.NOTE,
        message=EventText(
            gettext_noop("Ordered from list “%(list)s”; not offered in this session: %(missing)s")
            if unavailable
            else gettext_noop("Ordered from list “%(list)s”"),
            {"list": requisition.list_name, "missing": ", ".join(unavailable)},
        ),
        data={"list": requisition.pk, "unavailable": unavailable},
    )
    return Order.objects.get(pk=cart.pk), unavailable
