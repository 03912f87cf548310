"""Quick-order profiles (status Q): a customer's defaults, copied into each new cart.

The status table creates a Q order directly, never by a transition; one per customer (a
partial unique constraint). It holds the payment method, the shipping mode and the billing
and shipping addresses; `order_create` copies them into every cart of that customer.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from config.exceptions import NotFound
from orders.events import EventText, order_event
from orders.exceptions import AddressNotTheCustomers
from orders.models import Address, Customer, Order, OrderEvent, OrderItem
from orders.selectors import PROFILE_FIELDS
from orders.services.items import order_create
from orders.services.payments import payment_provider_get
from orders.statuses import OrderStatus


@transaction.atomic
def quick_order_profile_save(
    *,
    customer: Customer,
    actor: Actor,
    payment_method: str = "",
    shipping_mode=None,
    billing_address: Address | None = None,
    shipping_address: Address | None = None,
    fulfilment_centre=None,
) -> Order:
    """Create or update the customer's quick-order profile.

    Guarantees: one profile per customer (the customer row is locked, and a partial unique
    constraint backs it); the payment method is one this instance offers
    (UnknownPaymentMethod) and the addresses are the customer's own, or nothing is written;
    a `created` or `note` event records the change.
    """
    Customer.objects.select_for_update().get(pk=customer.pk)
    if payment_method:
        payment_provider_get(payment_method)
    for address in (billing_address, shipping_address):
        if address is not None and address.customer_id != customer.pk:
            raise AddressNotTheCustomers(
                gettext("%(address)s is not an address of %(customer)s.")
                % {"address": address, "customer": customer}
            )
    profile = Order.objects.filter(
        customer=customer, status=OrderStatus.QUICK_ORDER_PROFILE
    ).first()
    if profile is None:
        profile = order_create(
            trader=customer.trader,
            currency=settings.LARDER_DEFAULT_CURRENCY,
            customer=customer,
            status=OrderStatus.QUICK_ORDER_PROFILE,
            actor=actor,
        )
    profile.payment_method = payment_method
    profile.shipping_mode = shipping_mode
    profile.billing_address = billing_address
    profile.shipping_address = shipping_address
    profile.fulfilment_centre = fulfilment_centre
    profile.save(
        update_fields=[
            "payment_method",
            "shipping_mode",
            "fulfilment_centre",
            "billing_address",
            "shipping_address",
            "updated_at",
        ]
    )
    order_event(
        order=profile,
        actor=actor,
        kind=OrderEvent.Kind.NOTE,
        message=EventText(gettext_noop("Quick-order profile saved")),
        data={name: getattr(profile, name) for name in PROFILE_FIELDS},
    )
    return profile


@transaction.atomic
def quick_order_profile_save_from_order(*, order_id: int, actor: Actor) -> Order:
    """Save an order's choices (payment method, shipping mode, pickup point or delivery zone,
    addresses) as its customer's quick-order profile, and remember the order so a new cart
    can repeat its items. NotFound for an order without a customer."""
    order = Order.objects.select_related("customer").filter(pk=order_id).first()
    if order is None or order.customer is None:
        raise NotFound(
            gettext("Order %(order)s has no customer to save a profile for.") % {"order": order_id}
        )
    profile = quick_order_profile_save(
        customer=order.customer,
        actor=actor,
        payment_method=order.payment_method,
        shipping_mode=order.shipping_mode,
        fulfilment_centre=order.fulfilment_centre,
        billing_address=order.billing_address,
        shipping_address=order.shipping_address,
    )
    Order.objects.filter(pk=profile.pk).update(repeats_order=order)
    profile.repeats_order = order
    return profile


@transaction.atomic
def cart_from_quick_order_profile(*, customer: Customer, session_id: int, actor: Actor) -> Order:
    """Open a cart in `session_id` that starts from the customer's quick-order profile: its
    defaults (as every new cart does) and the items of the order it was saved from, each at
    the session's offer of the same product as made to the customer's category. Products the
    session does not offer to the customer are left out (listed in a `note` event)."""
    from orders.services.checkout import cart_create, cart_item_add
    from sessions_app.selectors import customer_offers_qs

    profile = Order.objects.filter(
        customer=customer, status=OrderStatus.QUICK_ORDER_PROFILE
    ).first()
    if profile is None:
        raise NotFound(gettext("%(customer)s has no quick-order profile.") % {"customer": customer})
    cart = cart_create(session_id=session_id, customer=customer, actor=actor)
    if profile.repeats_order_id is None:
        return cart
    offers = {
        offer.product_id: offer
        for offer in customer_offers_qs(session_id=session_id, category_id=customer.category_id)
    }
    missing = []
    for item in OrderItem.objects.filter(order_id=profile.repeats_order_id).order_by("pk"):
        offer = offers.get(item.product_id)
        if offer is None:
            missing.append(item.product_name)
            continue
        cart_item_add(order_id=cart.pk, offer_id=offer.pk, quantity=item.quantity, actor=actor)
    if missing:
        order_event(
            order=cart,
            actor=actor,
            kind=OrderEvent.Kind.NOTE,
            message=EventText(
                gettext_noop("Not offered in this session: %(missing)s"),
                {"missing": ", ".join(missing)},
            ),
        )
    return cart
