"""/api/v1/: scoping to the calling platform, filters, ordering, pagination, query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.services.stock import stock_set
from orders.models import ProducerOrder, ProducerOrderLine
from tests.factories import (
    OfferFactory,
    OrderFactory,
    OrderItemFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
    TraderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(partner, other_partner, local_platform):
    hub = TraderFactory(platform=partner)
    session = SaleSessionFactory(trader=hub)
    mine = OrderFactory(
        trader=hub, customer=None, origin_platform=partner, status="I", sales_session=session
    )
    OrderItemFactory(order=mine, quantity=Decimal("2"))
    mine_complete = OrderFactory(trader=hub, customer=None, origin_platform=partner, status="C")
    theirs = OrderFactory(customer=None, origin_platform=other_partner, status="I")
    OrderItemFactory(order=theirs)
    local = OrderFactory(status="I")  # a storefront order: no origin platform
    return {
        "mine": mine,
        "complete": mine_complete,
        "theirs": theirs,
        "local": local,
        "session": session,
    }


def test_order_list_shows_only_the_callers_orders(api, orders):
    response = api.get("/api/v1/orders/")

    assert response.status_code == 200
    assert response.data["count"] == 2
    assert [o["id"] for o in response.data["results"]] == [
        orders["complete"].pk,
        orders["mine"].pk,
    ]
    assert "customer" not in response.data["results"][0]


def test_order_list_filters_by_status_session_and_producer(api, orders):
    mine = orders["mine"]
    producer = mine.items.get().producer

    by_status = api.get("/api/v1/orders/", {"status": "C"})
    by_session = api.get("/api/v1/orders/", {"session": orders["session"].pk})
    by_producer = api.get("/api/v1/orders/", {"producer": producer.slug})

    assert [o["id"] for o in by_status.data["results"]] == [orders["complete"].pk]
    assert [o["id"] for o in by_session.data["results"]] == [mine.pk]
    assert [o["id"] for o in by_producer.data["results"]] == [mine.pk]


def test_order_list_orders_and_paginates(api, orders):
    response = api.get("/api/v1/orders/", {"ordering": "number", "limit": 1, "offset": 1})

    assert response.data["count"] == 2
    assert [o["id"] for o in response.data["results"]] == [orders["complete"].pk]
    assert response.data["previous"] is not None


def test_page_size_is_capped(api, orders, settings):
    settings.LARDER_API_MAX_PAGE_SIZE = 1

    response = api.get("/api/v1/orders/", {"limit": 1000})

    assert len(response.data["results"]) == 1
    assert response.data["next"] is not None


def test_invalid_filter_is_a_problem_document(api, orders):
    response = api.get("/api/v1/orders/", {"status": "nope", "updated_since": "yesterday"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid-input"


def test_order_detail_has_items_sub_orders_and_etag(api, orders):
    mine = orders["mine"]

    response = api.get(f"/api/v1/orders/{mine.pk}/")

    assert response.status_code == 200
    assert response["ETag"] == f'"{mine.version}"'
    assert [i["quantity"] for i in response.data["items"]] == ["2.000"]


@pytest.mark.parametrize("which", ["theirs", "local"])
def test_order_detail_of_another_platform_is_not_found(api, orders, which):
    response = api.get(f"/api/v1/orders/{orders[which].pk}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not-found"


def test_items_and_sub_orders_are_scoped(api, orders):
    items = api.get("/api/v1/order-items/")
    sub_orders = api.get("/api/v1/sub-orders/", {"order": orders["theirs"].pk})

    assert [i["order"] for i in items.data["results"]] == [orders["mine"].pk]
    assert sub_orders.data["count"] == 0


def test_sessions_show_local_traders_and_the_callers_hubs_only(api, orders, other_partner):
    local_session = SaleSessionFactory()
    SaleSessionFactory(trader=TraderFactory(platform=other_partner))

    response = api.get("/api/v1/sessions/", {"ordering": "id"})

    assert [s["id"] for s in response.data["results"]] == [orders["session"].pk, local_session.pk]


def test_session_detail_lists_offers(api, local_platform):
    offer = OfferFactory(price=Decimal("3.20"))

    response = api.get(f"/api/v1/sessions/{offer.session_id}/")

    assert response.status_code == 200
    assert [(o["id"], o["price"]) for o in response.data["offers"]] == [(offer.pk, "3.20")]


def test_products_are_local_and_active(api, partner, local_platform):
    local = ProductFactory(name="Apples")
    ProductFactory(name="Hidden", is_active=False)
    ProductFactory(name="Remote", producer=ProducerFactory(platform=partner))

    response = api.get("/api/v1/products/")

    assert [p["id"] for p in response.data["results"]] == [local.pk]


def test_producer_orders_are_those_for_the_callers_producers(api, partner, local_platform):
    session = SaleSessionFactory()
    theirs = ProducerFactory(platform=partner)
    product = ProductFactory(producer=theirs)
    mine = ProducerOrder.objects.create(
        sales_session=session, producer=theirs, trader=session.trader
    )
    ProducerOrderLine.objects.create(
        producer_order=mine, product=product, customer_quantity=3, quantity=3, unit_price=2
    )
    ProducerOrder.objects.create(
        sales_session=session, producer=ProducerFactory(), trader=session.trader
    )

    listing = api.get("/api/v1/producer-orders/")
    detail = api.get(f"/api/v1/producer-orders/{mine.pk}/")

    assert [p["id"] for p in listing.data["results"]] == [mine.pk]
    assert [line["quantity"] for line in detail.data["lines"]] == ["3.000"]


def test_stock_lists_local_products_with_what_is_available(api, partner, local_platform):
    counted = ProductFactory(name="Apples")
    stock_set(product_id=counted.pk, on_hand=Decimal("7"))
    unlimited = ProductFactory(name="Eggs")
    stock_set(product_id=unlimited.pk, on_hand=None, is_unlimited=True)
    remote = ProductFactory(producer=ProducerFactory(platform=partner))
    stock_set(product_id=remote.pk, on_hand=Decimal("3"))

    response = api.get("/api/v1/stock/", {"producer": counted.producer.slug})
    everything = api.get("/api/v1/stock/")

    assert [(s["product"], s["available"]) for s in response.data["results"]] == [
        (counted.pk, "7.000")
    ]
    assert {s["product"]: s["is_unlimited"] for s in everything.data["results"]} == {
        counted.pk: False,
        unlimited.pk: True,
    }


def _make_orders(partner, count):
    hub = TraderFactory(platform=partner)
    for _ in range(count):
        order = OrderFactory(trader=hub, customer=None, origin_platform=partner, status="I")
        OrderItemFactory(order=order)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orders/",
        "/api/v1/order-items/",
        "/api/v1/sub-orders/",
        "/api/v1/sessions/",
        "/api/v1/products/",
        "/api/v1/producer-orders/",
        "/api/v1/stock/",
    ],
)
def test_list_query_count_does_not_grow_with_rows(api, partner, local_platform, path):
    def queries_for(rows: int) -> int:
        _make_orders(partner, rows)
        for _ in range(rows):
            session = SaleSessionFactory(trader=TraderFactory(platform=partner))
            producer = ProducerFactory(platform=partner)
            po = ProducerOrder.objects.create(
                sales_session=session, producer=producer, trader=session.trader
            )
            ProducerOrderLine.objects.create(
                producer_order=po,
                product=ProductFactory(producer=producer),
                customer_quantity=1,
                quantity=1,
                unit_price=1,
            )
            stock_set(product_id=ProductFactory().pk, on_hand=Decimal("4"))
        api.get(path)  # warm: the credential's last-use stamp is written once a minute
        with CaptureQueriesContext(connection) as captured:
            response = api.get(path, {"limit": 200})
        assert response.status_code == 200
        return len(captured)

    one = queries_for(1)
    fifty = queries_for(49)

    assert one == fifty
