"""Creating orders and changing their items while the order is open to change (P or E)."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from config.actors import Actor
from config.exceptions import CurrencyMismatch
from config.money import AMOUNT_LIMIT, line_total
from inventory.services.reservations import (
    Allocation,
    item_stock_request,
    reservation_resize,
    reservations_release,
    stock_reserve,
)
from orders.events import order_created_event, order_event
from orders.exceptions import AmountTooLarge, InvalidQuantity, OrderNotEditable
from orders.models import Address, Customer, Order, OrderEvent, OrderItem
from orders.producer_orders.services import producer_orders_request_refresh
from orders.selectors import quick_order_profile_defaults
from orders.services.status import order_lock
from orders.services.totals import order_totals_recompute
from orders.statuses import InventoryStatus, OrderStatus

ITEM_CHANGE_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.CSR_EDIT})


def _check_open_to_change(order: Order) -> None:
    if order.status not in ITEM_CHANGE_STATUSES:
        raise OrderNotEditable(
            f"Order {order.number} is in {order.status}: items change only in P or under a "
            "customer-service edit (E)."
        )


# The largest quantity one line may hold: far above any real order, far below what the
# quantity and amount columns hold (numeric(12,3), numeric(14,2)); the storefront's
# serializers use it too.
MAX_ITEM_QUANTITY = Decimal("1000000")
QUANTITY_STEP = Decimal("0.001")


def _check_quantity(quantity: Decimal) -> Decimal:
    """Every line quantity goes through here (cart, customer-service edit, partner order):
    greater than zero, at most MAX_ITEM_QUANTITY, at most three decimal places, or
    InvalidQuantity before anything is written."""
    try:
        quantity = Decimal(quantity)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise InvalidQuantity(f"Quantity must be a number, got {quantity!r}.") from error
    if not quantity.is_finite() or quantity <= 0:
        raise InvalidQuantity(f"Quantity must be greater than zero, got {quantity}.")
    if quantity > MAX_ITEM_QUANTITY:
        raise InvalidQuantity(f"Quantity must be at most {MAX_ITEM_QUANTITY}, got {quantity}.")
    if quantity != quantity.quantize(QUANTITY_STEP):
        raise InvalidQuantity(f"Quantity has at most three decimal places, got {quantity}.")
    return quantity


def _line_amount(order: Order, quantity: Decimal, unit_price: Decimal) -> Decimal:
    """quantity × unit price, or AmountTooLarge when it would not fit the amount columns."""
    amount = line_total(quantity, unit_price)
    if amount >= AMOUNT_LIMIT:
        raise AmountTooLarge(f"{quantity} × {unit_price} {order.currency} is too large a line.")
    return amount


def _after_live_change(order: Order, also_producer_ids=()) -> None:
    """A placed order (under a customer-service edit) changed: its producer orders follow."""
    if order.status != OrderStatus.PENDING:
        producer_orders_request_refresh(order=order, also_producer_ids=also_producer_ids)


def _reserve_edit_item(order: Order, item: OrderItem) -> None:
    """An item added under an edit is allocated at once, like at checkout (or backordered
    when its offer allows it); InsufficientStock otherwise, and nothing is written."""
    allocation = stock_reserve(requests=[item_stock_request(item)], expires_at=None)[item.pk]
    item.inventory_unknown = allocation == Allocation.UNKNOWN
    item.inventory_status = {
        Allocation.BACKORDERED: InventoryStatus.BACKORDERED,
        Allocation.UNKNOWN: InventoryStatus.NOT_ALLOCATED,
    }.get(allocation, InventoryStatus.ALLOCATED)
    item.save(update_fields=["inventory_status", "inventory_unknown"])


@transaction.atomic
def order_create(
    *,
    trader,
    currency: str,
    actor: Actor,
    customer: Customer | None = None,
    sales_session=None,
    status: str = OrderStatus.PENDING,
    origin_platform=None,
    billing_address: Address | None = None,
    customer_note: str = "",
) -> Order:
    """Create an order (a cart in P, or a Q profile) and its `created` event. A customer's
    cart starts with the defaults of their quick-order profile, if they have one."""
    defaults = {}
    if status == OrderStatus.PENDING and customer is not None:
        defaults = quick_order_profile_defaults(customer_id=customer.pk)
        if billing_address is not None:
            defaults.pop("billing_address_id", None)
    order = Order.objects.create(
        trader=trader,
        currency=currency,
        customer=customer,
        sales_session=sales_session,
        status=status,
        origin_platform=origin_platform,
        billing_address=billing_address,
        customer_note=customer_note,
        **defaults,
    )
    order_created_event(order=order, actor=actor)
    return order


@transaction.atomic
def order_item_add(
    *,
    order_id: int,
    product,
    quantity: Decimal,
    unit_price: Decimal,
    actor: Actor,
    offer=None,
    currency: str | None = None,
    vat_rate: Decimal = Decimal("0"),
    shipping_address: Address | None = None,
    shipping_mode=None,
    customer_category_id: int | None = None,
) -> OrderItem:
    """Add a line, snapshotting the product, and recompute the sub-orders and totals."""
    order = order_lock(order_id=order_id)
    _check_open_to_change(order)
    quantity = _check_quantity(quantity)
    if currency and currency != order.currency:
        raise CurrencyMismatch(
            f"Order {order.number} is in {order.currency}; this price is in {currency}."
        )
    producer = product.producer
    item = OrderItem.objects.create(
        order=order,
        product=product,
        offer=offer,
        product_name=product.name,
        product_sku=product.sku,
        producer=producer,
        producer_platform_id=producer.platform_id,
        quantity=quantity,
        nominal_quantity=product.nominal_quantity,
        unit_of_measure=product.unit_of_measure,
        unit_price=unit_price,
        vat_rate=vat_rate,
        total_product=_line_amount(order, quantity, unit_price),
        status=order.status,
        # An item ships where and how the order says by default (a quick-order profile's).
        shipping_address_id=shipping_address.pk if shipping_address else order.shipping_address_id,
        shipping_mode_id=shipping_mode.pk if shipping_mode else order.shipping_mode_id,
        fulfilment_centre_id=order.fulfilment_centre_id,
        customer_category_id=customer_category_id,
    )
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.ITEM_ADDED,
        message=f"Added {quantity} × {product.name}",
        data={"item": item.pk, "quantity": str(quantity)},
    )
    if order.status == OrderStatus.CSR_EDIT:
        _reserve_edit_item(order, item)
    order_totals_recompute(order=order)
    _after_live_change(order)
    return item


@transaction.atomic
def order_item_quantity_change(*, item_id: int, quantity: Decimal, actor: Actor) -> OrderItem:
    order_id = OrderItem.objects.values_list("order_id", flat=True).get(pk=item_id)
    order = order_lock(order_id=order_id)
    _check_open_to_change(order)
    quantity = _check_quantity(quantity)
    item = OrderItem.objects.get(pk=item_id)
    before = item.quantity
    item.quantity = quantity
    item.total_product = _line_amount(order, quantity, item.unit_price)
    item.updated_at = timezone.now()
    item.save(update_fields=["quantity", "total_product", "updated_at"])
    # A reduction gives the difference back at once; an increase holds more, or raises.
    reservation_resize(order_item_id=item.pk, quantity=quantity, product_name=item.product_name)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.ITEM_CHANGED,
        message=f"{item.product_name}: {before} → {quantity}",
        data={"item": item.pk, "from": str(before), "to": str(quantity)},
    )
    order_totals_recompute(order=order)
    _after_live_change(order)
    return item


@transaction.atomic
def order_item_remove(*, item_id: int, actor: Actor) -> None:
    item = OrderItem.objects.get(pk=item_id)
    order = order_lock(order_id=item.order_id)
    _check_open_to_change(order)
    reservations_release(order_id=order.pk, item_ids=[item.pk])
    item.delete()
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.ITEM_REMOVED,
        message=f"Removed {item.product_name}",
        data={"product": item.product_id},
    )
    order_totals_recompute(order=order)
    _after_live_change(order, also_producer_ids=[item.producer_id])
