from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from inventory.exceptions import InsufficientStock, StockBelowReserved
from inventory.models import Stock
from inventory.services.reservations import (
    Allocation,
    StockRequest,
    reservation_resize,
    reservations_release,
    stock_reserve,
)
from inventory.services.stock import stock_set
from tests.factories import OfferFactory, OrderItemFactory, ProductFactory
from tests.inventory.factories import StockFactory

pytestmark = pytest.mark.django_db


def _request(item, **fields) -> StockRequest:
    return StockRequest(
        item_id=item.pk,
        order_id=item.order_id,
        product_id=item.product_id,
        product_name=item.product_name,
        quantity=item.quantity,
        **fields,
    )


def test_the_database_refuses_stock_below_zero_or_beyond_on_hand():
    stock = StockFactory(on_hand=Decimal("2"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(reserved=F("reserved") + 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(reserved=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(is_unlimited=True)
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.available) == (Decimal("2"), 0, Decimal("2"))


def test_stock_set_cannot_go_below_what_orders_hold():
    item = OrderItemFactory(quantity=Decimal("3"))
    stock_set(product_id=item.product_id, on_hand=Decimal("5"))
    stock_reserve(requests=[_request(item)], expires_at=None)

    with pytest.raises(StockBelowReserved):
        stock_set(product_id=item.product_id, on_hand=Decimal("2"))

    stock = Stock.objects.get(pk=item.product_id)
    assert (stock.on_hand, stock.reserved) == (Decimal("5"), Decimal("3"))
    assert stock.describe() == "2.000 available (5.000 on hand, 3.000 reserved)"


def test_reserve_resize_and_release_keep_stock_and_offer_counters_equal_to_reservations():
    offer = OfferFactory(stock_limitation=Decimal("10"))
    StockFactory(product=offer.product, on_hand=Decimal("8"))
    item = OrderItemFactory(product=offer.product, offer=offer, quantity=Decimal("4"))

    allocation = stock_reserve(
        requests=[_request(item, offer_id=offer.pk, offer_limited=True)], expires_at=None
    )
    assert allocation == {item.pk: Allocation.RESERVED}
    reservation_resize(order_item_id=item.pk, quantity=Decimal("1"))
    offer.refresh_from_db()
    stock = Stock.objects.get(pk=offer.product_id)
    assert (stock.reserved, offer.quantity_reserved) == (Decimal("1"), Decimal("1"))

    released = reservations_release(order_id=item.order_id)

    offer.refresh_from_db()
    stock.refresh_from_db()
    assert [r.quantity for r in released] == [Decimal("1")]
    assert (stock.reserved, offer.quantity_reserved) == (0, 0)


def test_items_of_one_product_share_its_stock():
    product = ProductFactory()
    StockFactory(product=product, on_hand=Decimal("5"))
    first = OrderItemFactory(product=product, quantity=Decimal("3"))
    second = OrderItemFactory(order=first.order, product=product, quantity=Decimal("3"))

    with pytest.raises(InsufficientStock) as raised:
        stock_reserve(requests=[_request(first), _request(second)], expires_at=None)

    assert raised.value.extra["short_items"] == [
        {
            "item": second.pk,
            "offer": None,
            "product": product.pk,
            "product_name": second.product_name,
            "requested": "3",
            "available": "2",
        }
    ]
    assert Stock.objects.get().reserved == 0
