"""Quick-order profiles (status Q): a customer's defaults, copied into each new cart.

The status table creates a Q order directly, never by a transition; one per customer (a
partial unique constraint). It holds the payment method, the shipping mode and the billing
and shipping addresses; `order_create` copies them into every cart of that customer.
"""

from django.conf import settings
from django.db import transaction

from config.actors import Actor
from orders.events import order_event
from orders.exceptions import AddressNotTheCustomers
from orders.models import Address, Customer, Order, OrderEvent
from orders.services.items import order_create
from orders.services.payments import payment_provider_get
from orders.statuses import OrderStatus

PROFILE_FIELDS = ("payment_method", "shipping_mode_id", "billing_address_id", "shipping_address_id")


def quick_order_profile_defaults(*, customer_id: int) -> dict:
    """The fields a new cart of this customer starts with (empty without a profile): one
    query."""
    row = (
        Order.objects.filter(customer_id=customer_id, status=OrderStatus.QUICK_ORDER_PROFILE)
        .values(*PROFILE_FIELDS)
        .first()
    )
    return row or {}


@transaction.atomic
def quick_order_profile_save(
    *,
    customer: Customer,
    actor: Actor,
    payment_method: str = "",
    shipping_mode=None,
    billing_address: Address | None = None,
    shipping_address: Address | None = None,
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
            raise AddressNotTheCustomers(f"{address} is not an address of {customer}.")
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
    profile.save(
        update_fields=[
            "payment_method",
            "shipping_mode",
            "billing_address",
            "shipping_address",
            "updated_at",
        ]
    )
    order_event(
        order=profile,
        actor=actor,
        kind=OrderEvent.Kind.NOTE,
        message="Quick-order profile saved",
        data={name: getattr(profile, name) for name in PROFILE_FIELDS},
    )
    return profile
