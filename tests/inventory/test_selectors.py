""" "Still available" has one rule (inventory.selectors.available_quantity): the storefront,
the session dashboard and the DFC catalogue say the same number for the same offer."""

from decimal import Decimal

import pytest

from inventory.models import Stock
from inventory.selectors import available_quantity, offer_available
from orders.dfc_graphs import available_stock
from sessions_app.dashboard_selectors import session_dashboard
from tests.factories import OfferFactory, SaleSessionFactory
from tests.inventory.factories import StockFactory

pytestmark = pytest.mark.django_db


def _dashboard_available(session) -> dict:
    return {row.offer_id: row.available for row in session_dashboard(session=session).offers}


def test_the_storefront_the_dashboard_and_dfc_agree_on_what_is_left():
    session = SaleSessionFactory()
    limited = OfferFactory(
        session=session, stock_limitation=Decimal("4"), quantity_reserved=Decimal("1")
    )
    StockFactory(product=limited.product, on_hand=Decimal("9"), reserved=Decimal("2"))
    short = OfferFactory(session=session)
    StockFactory(product=short.product, on_hand=Decimal("5"), reserved=Decimal("3"))
    unlimited = OfferFactory(session=session)
    StockFactory(product=unlimited.product, on_hand=None, is_unlimited=True)
    unknown = OfferFactory(session=session)

    expected = {
        limited.pk: Decimal("3"),
        short.pk: Decimal("2"),
        unlimited.pk: None,
        unknown.pk: None,
    }
    offers = [limited, short, unlimited, unknown]
    assert {o.pk: offer_available(o) for o in offers} == expected
    assert _dashboard_available(session) == expected
    assert {o.pk: available_stock(o.product, o) for o in offers} == {
        **expected,
        unlimited.pk: Decimal("-1"),  # DFC's word for unlimited
    }


def test_counted_stock_is_never_below_zero_and_the_smaller_limit_wins():
    stock = Stock(on_hand=Decimal("2"), reserved=Decimal("3"))
    assert available_quantity(stock=stock) == Decimal("0")
    assert available_quantity(stock=Stock(on_hand=None), offer=None) is None
    offer = OfferFactory.build(stock_limitation=Decimal("5"), quantity_reserved=Decimal("4"))
    assert available_quantity(stock=Stock(on_hand=Decimal("8")), offer=offer) == Decimal("1")
