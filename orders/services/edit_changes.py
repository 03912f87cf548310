"""Changes under a customer-service edit (status E): quantities, items, addresses, coupons
and manual discounts. Each checks that the agent holds the edit's lock
(orders.services.editing.lock_held_by_agent), then goes through the ordinary services, which
re-price the order and keep its reservations right; each writes an event.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from config.exceptions import NotFound
from config.money import money
from discounts.models import CalculationRule, Method, Scope, Usage
from orders.events import EventText, order_event
from orders.exceptions import AddressNotTheCustomers, InvalidManualDiscount
from orders.models import Address, Order, OrderEvent, OrderItem
from orders.services.coupons import order_coupon_apply, order_coupon_remove
from orders.services.editing import lock_held_by_agent, order_edit_begin, order_edit_commit
from orders.services.items import order_item_add, order_item_quantity_change, order_item_remove
from orders.services.low_inventory import order_in_low_inventory, order_short_items
from orders.services.totals import order_totals_recompute


@transaction.atomic
def order_edit_item_quantity_change(
    *, order_id: int, item_id: int, quantity: Decimal, actor: Actor
) -> OrderItem:
    """Change a quantity under an edit: re-priced, its reservation resized (InsufficientStock
    and nothing written when an increase cannot be held)."""
    lock_held_by_agent(order_id, actor)
    if not OrderItem.objects.filter(pk=item_id, order_id=order_id).exists():
        raise NotFound(
            gettext("Order %(order)s has no item %(item)s.") % {"order": order_id, "item": item_id}
        )
    return order_item_quantity_change(item_id=item_id, quantity=quantity, actor=actor)


@transaction.atomic
def order_edit_item_remove(*, order_id: int, item_id: int, actor: Actor) -> None:
    lock_held_by_agent(order_id, actor)
    if not OrderItem.objects.filter(pk=item_id, order_id=order_id).exists():
        raise NotFound(
            gettext("Order %(order)s has no item %(item)s.") % {"order": order_id, "item": item_id}
        )
    order_item_remove(item_id=item_id, actor=actor)


@transaction.atomic
def order_edit_offer_add(*, order_id: int, offer_id: int, quantity: Decimal, actor: Actor):
    """Add an offer of the order's session at the offer's price; stock is reserved at once."""
    from sessions_app.models import Offer

    order = lock_held_by_agent(order_id, actor)
    offer = (
        Offer.objects.select_related("product__producer")
        .filter(pk=offer_id, session_id=order.sales_session_id)
        .first()
    )
    if offer is None:
        raise NotFound(
            gettext("Offer %(offer)s is not in the sales session of order %(number)s.")
            % {"offer": offer_id, "number": order.number}
        )
    return order_item_add(
        order_id=order.pk,
        product=offer.product,
        offer=offer,
        quantity=quantity,
        unit_price=offer.price,
        currency=offer.currency,
        vat_rate=offer.vat_rate,
        shipping_address=order.shipping_address,
        shipping_mode=order.shipping_mode,
        actor=actor,
    )


@transaction.atomic
def order_edit_coupon_apply(*, order_id: int, code: str, actor: Actor):
    lock_held_by_agent(order_id, actor)
    return order_coupon_apply(order_id=order_id, code=code, actor=actor)


@transaction.atomic
def order_edit_coupon_remove(*, order_id: int, code: str, actor: Actor) -> None:
    """Take a coupon off the order (its use is given back) and re-price."""
    lock_held_by_agent(order_id, actor)
    order_coupon_remove(order_id=order_id, code=code, actor=actor)


@transaction.atomic
def order_manual_discount_remove(*, order_id: int, rule_id: int, actor: Actor) -> None:
    """Withdraw a manual discount of this order: the rule is deactivated, not deleted, so a
    roll-back can bring it back; the order is re-priced and a `priced` event written."""
    order = lock_held_by_agent(order_id, actor)
    rule = CalculationRule.objects.filter(pk=rule_id, order_id=order.pk, is_active=True).first()
    if rule is None:
        raise NotFound(
            gettext("Order %(number)s has no manual discount %(rule)s.")
            % {"number": order.number, "rule": rule_id}
        )
    rule.is_active = False
    rule.save(update_fields=["is_active", "updated_at"])
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.PRICED,
        message=EventText(gettext_noop("%(rule)s withdrawn"), {"rule": rule.name}),
        data={"rule": rule.pk, "withdrawn": True},
    )
    order_totals_recompute(order=order)


@transaction.atomic
def order_manual_discount_add(
    *,
    order_id: int,
    actor: Actor,
    reason: str,
    amount: Decimal | None = None,
    percent: Decimal | None = None,
) -> CalculationRule:
    """Give this one order a discount, with a reason: an order-scope discount rule tied to the
    order (discounts.CalculationRule.order), applied after the trader's rules; the order is
    re-priced and a `priced` event records who, how much and why. Under an edit only."""
    order = lock_held_by_agent(order_id, actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidManualDiscount(gettext("A manual discount needs a reason."))
    given = amount if amount is not None else percent
    if given is None or (amount is not None and percent is not None):
        raise InvalidManualDiscount(gettext("Give either an amount or a percentage."))
    try:
        value = Decimal(given)
    except InvalidOperation as error:
        raise InvalidManualDiscount(gettext("The discount is not a number.")) from error
    if not value.is_finite() or value <= 0 or (percent is not None and value > 100):
        raise InvalidManualDiscount(
            gettext("A manual discount is a positive amount, or a percentage up to 100.")
        )
    rule = CalculationRule.objects.create(
        trader_id=order.trader_id,
        order=order,
        name=f"Manual discount: {reason}"[:160],
        usage=Usage.DISCOUNT,
        method=Method.FIXED_AMOUNT if amount is not None else Method.PERCENTAGE,
        scope=Scope.ORDER,
        value=money(value),
        currency=order.currency,
        priority=32767,  # after the trader's own discounts
    )
    shown = f"{rule.value} {order.currency}" if amount is not None else f"{rule.value}%"
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.PRICED,
        message=EventText(
            gettext_noop("Manual discount of %(discount)s: %(reason)s"),
            {"discount": shown, "reason": reason},
        ),
        data={"rule": rule.pk, "method": rule.method, "value": str(rule.value), "reason": reason},
    )
    order_totals_recompute(order=order)
    return rule


def _check_addresses(order: Order, *address_ids: int | None) -> None:
    wanted = {pk for pk in address_ids if pk is not None}
    customer_id = order.customer_id
    owned: set[int] = set()  # an order without a customer owns no address
    if customer_id is not None:
        owned = set(
            Address.objects.filter(pk__in=wanted, customer_id=customer_id).values_list(
                "pk", flat=True
            )
        )
    if wanted - owned:
        raise AddressNotTheCustomers(
            gettext("Address %(addresses)s is not one of %(customer)s's addresses.")
            % {"addresses": sorted(wanted - owned), "customer": order.customer}
        )


@transaction.atomic
def order_addresses_change(
    *,
    order_id: int,
    actor: Actor,
    billing_address_id: int | None,
    shipping_address_id: int | None,
) -> Order:
    """Set the order's billing address and ship every item to `shipping_address_id` (None:
    pickup); the sub-orders and totals follow. Under an edit only; addresses must be the
    customer's own."""
    order = lock_held_by_agent(order_id, actor)
    _check_addresses(order, billing_address_id, shipping_address_id)
    before = (order.billing_address_id, order.shipping_address_id)
    order.billing_address_id = billing_address_id
    order.shipping_address_id = shipping_address_id
    order.save(update_fields=["billing_address", "shipping_address", "updated_at"])
    OrderItem.objects.filter(order_id=order.pk).update(shipping_address_id=shipping_address_id)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.ADDRESS_CHANGED,
        message=EventText(gettext_noop("Addresses changed")),
        data={
            "billing": [before[0], billing_address_id],
            "shipping": [before[1], shipping_address_id],
        },
    )
    order_totals_recompute(order=order)
    return order


@transaction.atomic
def order_edit_item_ship_to(
    *, order_id: int, item_id: int, shipping_address_id: int | None, actor: Actor
) -> OrderItem:
    """Ship one item elsewhere (None: pickup): it moves to that address's sub-order, created
    if new, and the totals follow. Under an edit only; the address must be the customer's."""
    order = lock_held_by_agent(order_id, actor)
    _check_addresses(order, shipping_address_id)
    item = OrderItem.objects.filter(pk=item_id, order_id=order.pk).first()
    if item is None:
        raise NotFound(
            gettext("Order %(number)s has no item %(item)s.")
            % {"number": order.number, "item": item_id}
        )
    before = item.shipping_address_id
    item.shipping_address_id = shipping_address_id
    item.save(update_fields=["shipping_address", "updated_at"])
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.ADDRESS_CHANGED,
        message=EventText(
            gettext_noop("%(product)s ships to %(place)s"),
            {
                "product": item.product_name,
                "place": str(item.shipping_address)
                if item.shipping_address
                else EventText(gettext_noop("pickup")),
            },
        ),
        data={"item": item.pk, "shipping": [before, shipping_address_id]},
    )
    order_totals_recompute(order=order)
    return item


@transaction.atomic
def order_unavailable_items_remove(*, order_id: int, actor: Actor) -> Order:
    """Take an L order's unavailable items out of it (the customer does without them): a
    customer-service edit begun, the items removed, committed (re-priced; the payment
    covers the lower total), all through the edit services, so the T copy, events and
    producer-order refresh are as for any edit; then the order leaves L."""
    order = order_in_low_inventory(order_id)
    short = list(order_short_items(order).values_list("pk", flat=True))
    order_edit_begin(order_id=order.pk, actor=actor)
    for item_id in short:
        order_edit_item_remove(order_id=order.pk, item_id=item_id, actor=actor)
    return order_edit_commit(order_id=order.pk, actor=actor)
