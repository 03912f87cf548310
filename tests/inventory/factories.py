"""Factories and builders for stock and checkout tests (tests/inventory, tests/orders)."""

from decimal import Decimal

import factory

from config.actors import Actor
from inventory.models import Stock
from orders.models import Customer
from orders.services.checkout import cart_create, cart_item_add
from tests.factories import CustomerFactory, OfferFactory, ProductFactory


class StockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stock

    product = factory.SubFactory(ProductFactory)
    on_hand = Decimal("10")


def offer_with_stock(session, *, on_hand="10", **offer_fields):
    """An offer in `session` whose product has `on_hand` units (None: unknown stock)."""
    offer = OfferFactory(session=session, **offer_fields)
    if on_hand is not None:
        StockFactory(product=offer.product, on_hand=Decimal(on_hand))
    return offer


def customer_of(session, **fields) -> Customer:
    return CustomerFactory(trader=session.trader, **fields)


def cart_with(session, lines, *, customer=None, actor=None):
    """A cart in `session` holding `lines`: [(offer, quantity), ...]."""
    actor = actor or Actor.system("test")
    cart = cart_create(
        session_id=session.pk, customer=customer or customer_of(session), actor=actor
    )
    for offer, quantity in lines:
        cart_item_add(order_id=cart.pk, offer_id=offer.pk, quantity=Decimal(quantity), actor=actor)
    return cart


def stock_of(offer) -> Stock:
    return Stock.objects.get(pk=offer.product_id)


def placed_with(session, lines, *, customer=None, actor=None, card="4242424242424242"):
    """An order in `session` holding `lines`, submitted and paid by test card (C)."""
    from orders.services.checkout import cart_submit
    from orders.services.payments import order_pay

    actor = actor or Actor.system("test")
    cart = cart_with(session, lines, customer=customer, actor=actor)
    cart_submit(order_id=cart.pk, actor=actor)
    return order_pay(
        order_id=cart.pk, method="test_card", details={"card_number": card}, actor=actor
    )
