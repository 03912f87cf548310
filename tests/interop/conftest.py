"""A live Larder on loopback (pytest-django's live server, its @ids under its own URL) with a
producer and its wholesale session: what real DFC clients talk to. The partner hub's token
(`partner_token`) and API client (`api`) come from tests/platforms/api_support.py."""

import json
import os
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from inventory.services.stock import stock_set
from tests.factories import (
    CalculationRuleFactory,
    CategoryOfferFactory,
    CustomerCategoryFactory,
    FulfilmentCentreFactory,
    FulfilmentWindowFactory,
    LocalPlatformFactory,
    OfferFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
    ShippingScaleFactory,
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


@pytest.fixture
def contracts(farm):
    """The farm's members pay 1.89 for beans (2.09 for everyone else); staff may not buy
    fava beans; a pickup point (flat 1.50) open twice in the session and a delivery zone
    priced by a weight scale (no fixed fee)."""
    producer, offers = farm
    session = offers["Baked beans 400 g"].session
    members = CustomerCategoryFactory(
        trader=producer, code="members", name="Members", description="Co-op members"
    )
    staff = CustomerCategoryFactory(trader=producer, code="staff", name="Staff")
    CategoryOfferFactory(offer=offers["Baked beans 400 g"], category=members, price=Decimal("1.89"))
    CategoryOfferFactory(offer=offers["Fava beans 500 g"], category=staff, is_available=False)
    CategoryOfferFactory(offer=offers["Split peas"], category=staff, price=None)

    pickup = FulfilmentCentreFactory(
        trader=producer,
        kind="pickup",
        code="market-hall",
        name="Market hall",
        street="1 Corn Street",
        postcode="BS1 1HT",
        city="Bristol",
    )
    CalculationRuleFactory(
        trader=producer,
        usage="shipping",
        method="fixed_amount",
        scope="order",
        value=Decimal("1.50"),
        shipping_mode=pickup.shipping_mode,
    )
    delivery = FulfilmentCentreFactory(
        trader=producer,
        kind="delivery",
        code="bs-vans",
        name="Bristol vans",
        street="4 Depot Road",
        postcode="BS2 0XX",
        city="Bristol",
        delivery_postcodes="BS1, BS2",
    )
    CalculationRuleFactory(
        trader=producer,
        usage="shipping",
        method="fixed_amount",
        scope="order",
        value=Decimal("0"),
        shipping_mode=delivery.shipping_mode,
        shipping_scale=ShippingScaleFactory(trader=producer, lookup="weight"),
    )
    inactive = FulfilmentCentreFactory(trader=producer, code="closed", is_active=False)
    opens = timezone.now().replace(microsecond=0) + timedelta(days=2)
    windows = [
        FulfilmentWindowFactory(
            centre=pickup,
            sales_session=session,
            opens_at=opens,
            closes_at=opens + timedelta(hours=2),
        ),
        FulfilmentWindowFactory(
            centre=pickup,
            sales_session=session,
            opens_at=opens + timedelta(days=1),
            closes_at=opens + timedelta(days=1, hours=2),
        ),
        FulfilmentWindowFactory(
            centre=delivery,
            sales_session=session,
            opens_at=opens,
            closes_at=opens + timedelta(hours=6),
        ),
    ]
    FulfilmentWindowFactory(centre=inactive, sales_session=session)
    return producer, offers, session, windows


HERE = Path(__file__).resolve().parent


def node_or_skip() -> str:
    """node, with the pinned connector installed. Outside CI a machine without node skips the
    test (with the reason); with CI=true a missing node fails it."""
    node = shutil.which("node")
    if node is None:
        reason = "node is not installed (the DFC TypeScript connector runs on it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    if not (HERE / "node_modules" / "@datafoodconsortium" / "connector").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, capture_output=True
        )
    return node


def run_node_script(node: str, script: str, **env: str) -> dict:
    """Run one of this folder's .mjs scripts with `env` added; the JSON object it prints."""
    completed = subprocess.run(
        [node, str(HERE / script)],
        cwd=HERE,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout)
