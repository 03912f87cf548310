"""Larder as the buyer: a partner's discount on its catalogue Offers is kept on the producer
order's lines and totals and sent as the discount Larder expects; the partner's reply decides,
and a different figure is flagged to the trader."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.services.mirror import catalog_offer_discounts, stock_mirror_refresh
from orders.models import ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from orders.selectors import producer_order_warnings
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)

pytestmark = pytest.mark.django_db


def _catalogue(product_id: str, base: str, discount) -> dict:
    """The partner's CatalogItems, FDC-shaped: item → offer, the offer with its discount."""
    offer = {
        "@id": f"{base}/Offers/1",
        "@type": "dfc-b:Offer",
        "dfc-b:offeredItem": {"@id": product_id},
        "dfc-b:hasPrice": {
            "@type": "dfc-b:Price",
            "dfc-b:value": 3.0,
            "dfc-b:hasUnit": "dfc-m:Euro",
        },
    }
    if discount is not None:
        offer["dfc-b:discount"] = discount
    return {
        "@context": "https://www.datafoodconsortium.org",
        "@graph": [
            {
                "@id": f"{base}/CatalogItems/1",
                "@type": "dfc-b:CatalogItem",
                "dfc-b:references": {"@id": product_id},
                "dfc-b:stockLimitation": 100,
                "dfc-b:offeredThrough": {"@id": offer["@id"]},
            },
            offer,
        ],
    }


@pytest.fixture
def market(recording_partner):
    session = SaleSessionFactory()
    platform = PlatformFactory(base_url=recording_partner.base_url + "/api/dfc/")
    farm = ProducerFactory(
        platform=platform, slug="farm", remote_id=recording_partner.producer_url("farm")
    )
    apples = ProductFactory(producer=farm, remote_id=f"{farm.remote_id}/SuppliedProducts/1")
    recording_partner.state.documents["/api/dfc/Enterprises/farm/CatalogItems"] = _catalogue(
        apples.remote_id, farm.remote_id, 0.5
    )
    for quantity in ("3", "1"):
        order = OrderFactory(trader=session.trader, sales_session=session, status="C")
        OrderItemFactory(
            order=order, product=apples, quantity=Decimal(quantity), unit_price=Decimal("3.00")
        )
    return session, farm, apples


def _sent(recording_partner, method):
    graph = recording_partner.requests(method)[-1].json["@graph"]
    order = next(n for n in graph if n["@type"] == "dfc-b:Order")
    return order, [n for n in graph if n["@type"] == "dfc-b:OrderLine"]


def test_the_catalogue_offers_discount_travels_on_the_producer_order(
    recording_partner, market, django_capture_on_commit_callbacks
):
    session, farm, apples = market

    stock_mirror_refresh(producer_id=farm.pk)
    with django_capture_on_commit_callbacks(execute=True):
        producer_orders_refresh(session_id=session.pk)

    apples.refresh_from_db()
    assert apples.catalog_discount == Decimal("0.50")
    order, (line,) = _sent(recording_partner, "POST")
    # 4 units × 0.50 off each.
    assert (line["dfc-b:quantity"], line["dfc-b:discount"]) == (4.0, 2.0)
    assert order["dfc-b:discount"] == 2.0
    producer_order = ProducerOrder.objects.get()
    assert (producer_order.total_product, producer_order.total_discount) == (
        Decimal("12.00"),
        Decimal("2.00"),
    )
    sent_total = sum(
        Decimal(str(n["dfc-b:quantity"])) * Decimal(str(n["dfc-b:hasPrice"]["dfc-b:value"]))
        - Decimal(str(n["dfc-b:discount"]))
        for n in [line]
    )
    assert producer_order.total_product - producer_order.total_discount == sent_total
    assert producer_order.lines.get().partner_discount == Decimal("2.00")
    assert (producer_order.partner_discount, producer_order.discount_disagrees) == (
        Decimal("2.00"),
        False,
    )


def test_without_a_catalogue_discount_the_order_states_none(
    recording_partner, market, django_capture_on_commit_callbacks
):
    session, farm, apples = market
    recording_partner.state.documents["/api/dfc/Enterprises/farm/CatalogItems"] = _catalogue(
        apples.remote_id, farm.remote_id, None
    )

    stock_mirror_refresh(producer_id=farm.pk)
    with django_capture_on_commit_callbacks(execute=True):
        producer_orders_refresh(session_id=session.pk)

    order, (line,) = _sent(recording_partner, "POST")
    assert (order["dfc-b:discount"], line["dfc-b:discount"]) == (0.0, 0.0)


def test_a_different_discount_in_the_partners_reply_is_kept_and_flagged(
    recording_partner, market, admin_client, django_capture_on_commit_callbacks
):
    session, farm, _ = market
    recording_partner.state.reply_discount = 1.25
    stock_mirror_refresh(producer_id=farm.pk)

    with django_capture_on_commit_callbacks(execute=True):
        producer_orders_refresh(session_id=session.pk)

    producer_order = ProducerOrder.objects.get()
    assert (producer_order.total_discount, producer_order.partner_discount) == (
        Decimal("2.00"),
        Decimal("1.25"),
    )
    assert producer_order.discount_disagrees is True
    (warning,) = producer_order_warnings(producer_order=producer_order)
    assert "1.25" in warning
    assert "2.00" in warning
    listing = admin_client.get(reverse("admin:orders_producerorder_changelist")).content.decode()
    assert "producer says 1.25, expected 2.00" in listing
    page = admin_client.get(
        reverse("admin:orders_producerorder_change", args=[producer_order.pk])
    ).content.decode()
    assert "answered a discount of 1.25" in page

    # The recording_partner comes round to the catalogue's figure: the flag clears.
    recording_partner.state.reply_discount = 2.0
    producer_order.lines.update(quantity=Decimal("5"))  # a change the refresh puts back
    with django_capture_on_commit_callbacks(execute=True):
        producer_orders_refresh(session_id=session.pk)
    producer_order.refresh_from_db()
    assert producer_order.discount_disagrees is False


def test_catalogue_discounts_are_read_by_offer_product_and_catalog_item():
    product = "https://p.example/SuppliedProducts/1"
    base = "https://p.example"
    discounts = catalog_offer_discounts(_catalogue(product, base, 0.3))
    assert discounts == {f"{base}/Offers/1": Decimal("0.3"), product: Decimal("0.3")}
