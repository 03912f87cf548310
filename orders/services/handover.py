"""How a cart's items reach the customer: a shipping address, a shipping mode, or a
fulfilment centre (a pickup point or a delivery zone, discounts.FulfilmentCentre) whose
shipping mode's rules price the fee. Chosen for the whole cart, a sub-order or some items; the
choice is recorded on each item, and the sub-orders and totals follow.
"""

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from config.exceptions import NotFound
from discounts.models import FulfilmentCentre, FulfilmentWindow, ShippingMode
from orders.events import EventText, order_event
from orders.exceptions import AddressNotTheCustomers, DeliveryAddressNeeded, FulfilmentNotOffered
from orders.models import Address, Order, OrderEvent, OrderItem
from orders.services.checkout import _cart_lock, _checkout_undo
from orders.services.totals import order_totals_recompute


def _centre_for(order: Order, centre_id: int) -> FulfilmentCentre:
    centre = (
        FulfilmentCentre.objects.select_related("shipping_mode")
        .filter(pk=centre_id, trader_id=order.trader_id, is_active=True)
        .first()
    )
    if centre is None:
        raise NotFound(
            gettext("Fulfilment centre %(centre)s is not one of this trader's.")
            % {"centre": centre_id}
        )
    if not FulfilmentWindow.objects.filter(
        centre=centre, sales_session_id=order.sales_session_id
    ).exists():
        raise FulfilmentNotOffered(
            gettext("%(centre)s has no opening times in this sales session.") % {"centre": centre},
            extra={"fulfilment_centre": centre.pk},
        )
    return centre


@transaction.atomic
def cart_fulfilment_choose(
    *,
    order_id: int,
    actor: Actor,
    item_ids: list[int] | None = None,
    sub_order_id: int | None = None,
    shipping_address_id: int | None = None,
    shipping_mode_id: int | None = None,
    fulfilment_centre_id: int | None = None,
) -> Order:
    """Choose where and how items of a cart are handed over.

    The targets are `item_ids`, or the items of `sub_order_id`, or else the whole cart (then
    the choice also becomes the cart's default for items added later). A fulfilment centre
    sets the items' shipping mode to its own; a pickup point ships to no address; a delivery
    zone needs a shipping address whose postcode it serves. The centre must be the trader's
    and open in the cart's session; the address the customer's own. On any error nothing is
    written. A submitted cart becomes a cart again (its stock is released), as for any change;
    the cart is re-priced (the fee comes from the shipping rules of the mode) and an
    `address_changed` event records the choice.
    """
    order = _cart_lock(order_id)
    address = None
    if shipping_address_id is not None:
        customer_id = order.customer_id  # a cart without a customer owns no address
        if customer_id is not None:
            address = Address.objects.filter(
                pk=shipping_address_id, customer_id=customer_id
            ).first()
        if address is None:
            raise AddressNotTheCustomers(
                gettext("Address %(shipping_address)s is not one of the customer's addresses.")
                % {"shipping_address": shipping_address_id}
            )
    centre = None
    if fulfilment_centre_id is not None:
        centre = _centre_for(order, fulfilment_centre_id)
        if centre.kind == FulfilmentCentre.Kind.PICKUP:
            address = None
        elif address is None or not centre.delivers_to(address.postcode):
            raise DeliveryAddressNeeded(
                gettext("%(centre)s delivers to %(postcodes)s: give a shipping address there.")
                % {
                    "centre": centre,
                    "postcodes": centre.delivery_postcodes or gettext("any postcode"),
                },
                extra={"fulfilment_centre": centre.pk},
            )
        shipping_mode_id = centre.shipping_mode_id
    elif (
        shipping_mode_id is not None
        and not ShippingMode.objects.filter(pk=shipping_mode_id).exists()
    ):
        raise NotFound(
            gettext("Shipping mode %(shipping_mode)s does not exist.")
            % {"shipping_mode": shipping_mode_id}
        )

    items = OrderItem.objects.filter(order_id=order.pk)
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
        if items.count() != len(set(item_ids)):
            raise NotFound(
                gettext("Order %(number)s has no item among %(items)s.")
                % {"number": order.number, "items": sorted(set(item_ids))}
            )
    elif sub_order_id is not None:
        if not order.sub_orders.filter(pk=sub_order_id).exists():
            raise NotFound(
                gettext("Order %(number)s has no sub-order %(sub_order)s.")
                % {"number": order.number, "sub_order": sub_order_id}
            )
        items = items.filter(sub_order_id=sub_order_id)
    else:
        order.shipping_address = address
        order.shipping_mode_id = shipping_mode_id
        order.fulfilment_centre = centre
        order.save(
            update_fields=["shipping_address", "shipping_mode", "fulfilment_centre", "updated_at"]
        )
    _checkout_undo(order)
    changed = items.update(
        shipping_address=address, shipping_mode_id=shipping_mode_id, fulfilment_centre=centre
    )
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.ADDRESS_CHANGED,
        # No address text in the message: the history outlives an erasure of the customer.
        message=EventText(
            gettext_noop("%(count)s item(s) handed over at %(place)s"),
            {
                "count": changed,
                "place": str(centre)
                if centre
                else EventText(gettext_noop("address %(address)s"), {"address": address.pk})
                if address
                else EventText(gettext_noop("pickup")),
            },
        ),
        data={
            "items": item_ids,
            "sub_order": sub_order_id,
            "shipping_address": address.pk if address else None,
            "shipping_mode": shipping_mode_id,
            "fulfilment_centre": centre.pk if centre else None,
        },
    )
    order_totals_recompute(order=order)
    return order


@transaction.atomic
def cart_note_set(*, order_id: int, note: str, ip_address: str | None, actor: Actor) -> Order:
    """Write the customer's note on a cart, with the IP address it was sent from (both
    personal data: purged after LARDER_PERSONAL_DATA_RETENTION_DAYS once the order is closed,
    and on erasure). The event records that the note changed, not its text."""
    order = _cart_lock(order_id)
    Order.objects.filter(pk=order.pk).update(customer_note=note, customer_ip=ip_address)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.NOTE,
        message=EventText(gettext_noop("Customer note set")),
    )
    return order
