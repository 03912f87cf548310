"""A live Larder on loopback (pytest-django's live server, its @ids under its own URL) with a
producer and its wholesale session: what real DFC clients talk to. The partner hub's token
(`partner_token`) and API client (`api`) come from tests/platforms/api_support.py."""

from decimal import Decimal

import pytest

from inventory.services.stock import stock_set
from tests.factories import (
    LocalPlatformFactory,
    OfferFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)


@pytest.fixture
def larder(live_server, settings):
    """The live server's URL, which is also the base of every @id it writes."""
    settings.LARDER_PUBLIC_URL = live_server.url
    return live_server.url


def make_farm(*, currency="EUR", slug="hodmedod"):
    """A producer with its wholesale session: two products sold by the piece, one by weight."""
    LocalPlatformFactory()
    farm = ProducerFactory(slug=slug, name="Hodmedod")
    session = SaleSessionFactory(trader=farm, name="Wholesale")
    offers = {}
    for name, unit, nominal, price, on_hand in (
        ("Baked beans 400 g", "g", "400", "2.09", "20"),  # a can: sold by the piece
        ("Fava beans 500 g", "g", "500", "3.50", "12"),  # a bag: sold by the piece
        ("Split peas", "kg", "1", "4.00", "30"),  # loose, per kilogram: weighed
    ):
        product = ProductFactory(
            producer=farm,
            name=name,
            sku=name[:4].upper(),
            unit_of_measure=unit,
            nominal_quantity=Decimal(nominal),
        )
        stock_set(product_id=product.pk, on_hand=Decimal(on_hand))
        offers[name] = OfferFactory(
            session=session,
            product=product,
            price=Decimal(price),
            currency=currency,
            vat_rate=Decimal("0.05"),
        )
    return farm, offers


@pytest.fixture
def farm(db):
    return make_farm()
