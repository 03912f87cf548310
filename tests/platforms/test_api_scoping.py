"""Every partner endpoint × method: no credential is 401; another platform's credential never
reads or changes this platform's orders (404, never 403); a token limited to some
enterprises sees no other."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver

from inventory.services.stock import stock_set
from orders.models import Order, ProducerOrder, ProducerOrderLine
from platforms.partner_api import urls as platform_urls
from platforms.partner_api.credentials import api_credential_issue
from tests.factories import (
    OfferFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
    TraderFactory,
)
from tests.platforms.api_support import ALL_SCOPES, client_for
from tests.platforms.test_api_dfc import order_graph

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")


def _routes():
    """(path template, view class) of every partner endpoint (schema and docs excepted)."""
    routes = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "view_class", None)
                path = prefix + str(pattern.pattern)
                if view is not None and path.startswith(("v1/", "dfc/")):
                    routes.append((path, view))

    walk(platform_urls.urlpatterns, "")
    return routes


ROUTES = _routes()


def _cases():
    return [
        pytest.param(path, method, id=f"{method.upper()} {path}")
        for path, view in ROUTES
        for method in METHODS
        if hasattr(view, method)
    ]


@pytest.fixture
def world(api, partner, local_platform):
    """A DFC order and a producer order of `partner`, and the catalogue they come from."""
    farm = ProducerFactory(slug="green-farm")
    session = SaleSessionFactory(trader=farm)
    product = ProductFactory(producer=farm)
    stock_set(product_id=product.pk, on_hand=Decimal("10"))
    offer = OfferFactory(session=session, product=product)
    response = api.post(
        f"{settings.LARDER_PUBLIC_URL}/api/dfc/Enterprises/green-farm/Orders",
        order_graph([("#a", offer, 2)]),
        format="json",
    )
    assert response.status_code == 201
    order = Order.objects.get()
    partner_producer = ProducerFactory(platform=partner)
    producer_order = ProducerOrder.objects.create(
        sales_session=SaleSessionFactory(),
        producer=partner_producer,
        trader=TraderFactory(),
    )
    ProducerOrderLine.objects.create(
        producer_order=producer_order,
        product=ProductFactory(producer=partner_producer),
        customer_quantity=1,
        quantity=1,
        unit_price=1,
    )
    return {
        "slug": "green-farm",
        "pk": product.pk,
        "order_id": order.pk,
        "line_id": order.items.get().pk,
        "order": order,
        "session": order.sales_session_id,
        "producer_order": producer_order.pk,
        "offer": offer,
    }


def _url(path: str, world: dict) -> str:
    values = dict(world)
    if path.startswith("v1/sessions/"):
        values["pk"] = world["session"]  # the hub's own session record
    elif path.startswith("v1/producer-orders/"):
        values["pk"] = world["producer_order"]
    elif path.startswith("v1/orders/"):
        values["pk"] = world["order_id"]
    elif "/Offers/" in path:
        values["pk"] = world["offer"].pk
    elif "/SaleSessions/" in path or "/SalesSession/" in path:
        values["pk"] = world["offer"].session_id
    return "/api/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)


def _call(client, method, url, world):
    body = order_graph([("#a", world["offer"], 5)])
    return getattr(client, method)(url, body, format="json", HTTP_IF_MATCH="*")


@pytest.mark.parametrize(("path", "method"), _cases())
def test_no_credential_is_refused(world, path, method):
    response = _call(client_for(None), method, _url(path, world), world)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("path", "method"), _cases())
def test_a_foreign_credential_never_sees_or_changes_the_orders(world, other_api, path, method):
    url = _url(path, world)
    version = Order.objects.get().version

    response = _call(other_api, method, url, world)

    order_scoped = any(
        key in path for key in ("order_id", "orders/<", "sessions/<", "producer-orders/<")
    )
    if order_scoped:
        assert response.status_code == 404, url
    elif method == "get":
        assert response.status_code == 200, url
        assert f"/Orders/{world['order_id']}" not in response.content.decode()
    order = Order.objects.get(pk=world["order_id"])
    assert (order.version, order.items.get().quantity) == (version, Decimal("2"))


def test_v1_lists_never_show_foreign_rows(world, other_api):
    for path in ("orders", "order-items", "sub-orders", "producer-orders"):
        assert other_api.get(f"/api/v1/{path}/").json()["count"] == 0, path


def test_a_token_limited_to_some_enterprises_sees_no_other(world, partner):
    other_farm = ProducerFactory(slug="other-farm")
    limited = client_for(
        api_credential_issue(
            platform=partner, name="limited", scopes=ALL_SCOPES, enterprises=[other_farm]
        ).token
    )

    base = f"/api/dfc/Enterprises/{world['slug']}"
    assert limited.get(f"{base}/Orders").status_code == 404
    assert limited.get(f"{base}/Offers").status_code == 404
    assert limited.get("/api/dfc/Enterprises/other-farm/Offers").status_code == 200
    assert limited.get("/api/v1/products/").json()["count"] == 0


def test_a_token_limited_to_one_enterprise_reads_no_other_enterprises_orders_in_v1(world, partner):
    """The partner placed an order with green-farm; a token limited to orchard-farm (same
    partner platform) reads none of it through /api/v1/, while one limited to green-farm
    does."""
    orchard = ProducerFactory(slug="orchard-farm")
    tokens = {
        farm.slug: client_for(
            api_credential_issue(
                platform=partner, name=farm.slug, scopes=ALL_SCOPES, enterprises=[farm]
            ).token
        )
        for farm in (orchard, world["order"].partner_order.seller)
    }
    order_id = world["order_id"]
    counts = {
        slug: [
            client.get(f"/api/v1/{path}/").json()["count"]
            for path in ("orders", "order-items", "sub-orders")
        ]
        for slug, client in tokens.items()
    }

    assert counts == {"orchard-farm": [0, 0, 0], "green-farm": [1, 1, 1]}
    assert tokens["orchard-farm"].get(f"/api/v1/orders/{order_id}/").status_code == 404
    assert tokens["green-farm"].get(f"/api/v1/orders/{order_id}/").status_code == 200


def test_a_token_limited_to_one_trader_reads_only_its_producer_orders(world, partner):
    producer_order = ProducerOrder.objects.get(pk=world["producer_order"])
    own = client_for(
        api_credential_issue(
            platform=partner, name="own", scopes=ALL_SCOPES, enterprises=[producer_order.trader]
        ).token
    )
    other = client_for(
        api_credential_issue(
            platform=partner, name="other", scopes=ALL_SCOPES, enterprises=[TraderFactory()]
        ).token
    )

    assert own.get("/api/v1/producer-orders/").json()["count"] == 1
    assert other.get("/api/v1/producer-orders/").json()["count"] == 0
    assert other.get(f"/api/v1/producer-orders/{producer_order.pk}/").status_code == 404
