"""The stock mirror reads a partner's DFC catalogue over real HTTP, from a server on loopback."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from inventory.exceptions import CatalogUnavailable
from inventory.models import Stock
from inventory.services.mirror import catalog_stock_levels, stock_mirror_refresh
from inventory.tasks import stock_mirror_refresh_task, stock_mirrors_refresh_task
from orders.models import Order
from orders.services.checkout import cart_submit
from orders.services.payments import order_pay
from tests.factories import OfferFactory, PlatformFactory, ProducerFactory, ProductFactory
from tests.inventory.factories import cart_with

pytestmark = pytest.mark.django_db


class Catalogue:
    """A partner platform on 127.0.0.1 serving JSON documents by path."""

    def __init__(self):
        self.documents: dict[str, tuple[int, object]] = {}
        self.requests: list[str] = []
        self.authorizations: list[str | None] = []
        catalogue = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                catalogue.requests.append(self.path)
                catalogue.authorizations.append(self.headers.get("Authorization"))
                status, document = catalogue.documents.get(self.path, (404, {"error": "none"}))
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/dfc/"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def catalogue():
    server = Catalogue()
    yield server
    server.close()


@pytest.fixture
def farm(catalogue):
    platform = PlatformFactory(kind="ofn", base_url=catalogue.base_url)
    return ProducerFactory(platform=platform, slug="freds-farm")


def _graph(base: str, items: list[dict]) -> dict:
    graph = [{"@id": f"{base}Enterprises/freds-farm", "@type": "dfc-b:Enterprise"}]
    for n, fields in enumerate(items, start=1):
        graph.append(
            {
                "@id": f"{base}Enterprises/freds-farm/CatalogItems/{n}",
                "@type": "dfc-b:CatalogItem",
                "dfc-b:references": f"{base}Enterprises/freds-farm/SuppliedProducts/{n}",
                **fields,
            }
        )
    return {"@context": "https://www.datafoodconsortium.org", "@graph": graph}


def test_stock_limitation_is_mirrored_with_the_time_of_the_refresh(catalogue, farm):
    base = catalogue.base_url
    by_item = ProductFactory(
        producer=farm, remote_id=f"{base}Enterprises/freds-farm/CatalogItems/1"
    )
    by_product = ProductFactory(
        producer=farm, remote_id=f"{base}Enterprises/freds-farm/SuppliedProducts/2"
    )
    unlimited = ProductFactory(
        producer=farm, remote_id=f"{base}Enterprises/freds-farm/SuppliedProducts/3"
    )
    unpublished = ProductFactory(
        producer=farm, remote_id=f"{base}Enterprises/freds-farm/SuppliedProducts/4"
    )
    vanished = ProductFactory(producer=farm, remote_id=f"{base}Enterprises/freds-farm/gone")
    catalogue.documents["/api/dfc/Enterprises/freds-farm/CatalogItems"] = (
        200,
        _graph(
            base,
            [
                {"dfc-b:stockLimitation": 7},
                {"dfc-b:stockLimitation": "2.5"},
                {"dfc-b:stockLimitation": -1},
                {"dfc-b:sku": "no stock published"},
            ],
        ),
    )

    result = stock_mirror_refresh_task.delay(producer_id=farm.pk).get()

    assert catalogue.requests == ["/api/dfc/Enterprises/freds-farm/CatalogItems"]
    stocks = {s.pk: s for s in Stock.objects.all()}
    assert (stocks[by_item.pk].on_hand, stocks[by_product.pk].on_hand) == (
        Decimal("7"),
        Decimal("2.5"),
    )
    assert (stocks[unlimited.pk].on_hand, stocks[unlimited.pk].is_unlimited) == (None, True)
    assert (stocks[unpublished.pk].on_hand, stocks[unpublished.pk].is_unlimited) == (None, False)
    assert stocks[vanished.pk].on_hand is None
    assert all(s.is_remote_mirror and s.refreshed_at for s in stocks.values())
    assert sorted(result["known"]) == sorted([by_item.pk, by_product.pk])
    assert result["unlimited"] == [unlimited.pk]


def test_the_mirror_never_drops_below_what_orders_hold_and_wakes_backorders(
    catalogue, farm, system_actor, django_capture_on_commit_callbacks
):
    base = catalogue.base_url
    product = ProductFactory(
        producer=farm, remote_id=f"{base}Enterprises/freds-farm/CatalogItems/1"
    )
    path = "/api/dfc/Enterprises/freds-farm/CatalogItems"
    catalogue.documents[path] = (200, _graph(base, [{"dfc-b:stockLimitation": 3}]))
    stock_mirror_refresh(producer_id=farm.pk)
    offer = OfferFactory(product=product, allows_backorder=True)
    held = cart_with(offer.session, [(offer, "3")])
    cart_submit(order_id=held.pk, actor=system_actor)
    order_pay(order_id=held.pk, method="invoice", actor=system_actor)
    waiting = cart_with(offer.session, [(offer, "2")])
    cart_submit(order_id=waiting.pk, actor=system_actor)
    order_pay(order_id=waiting.pk, method="invoice", actor=system_actor)
    assert Order.objects.get(pk=waiting.pk).status == "B"

    catalogue.documents[path] = (200, _graph(base, [{"dfc-b:stockLimitation": 1}]))
    stock_mirror_refresh(producer_id=farm.pk)
    stock = Stock.objects.get(pk=product.pk)
    assert (stock.on_hand, stock.reserved, stock.remote_stock_limitation) == (3, 3, 1)

    catalogue.documents[path] = (200, _graph(base, [{"dfc-b:stockLimitation": 5}]))
    with django_capture_on_commit_callbacks(execute=True):
        stock_mirror_refresh(producer_id=farm.pk)

    # allocated: a pay-later order goes B → C (complete), its invoice still to collect
    waiting.refresh_from_db()
    assert (waiting.status, waiting.payment_status) == ("C", "deferred")
    assert Stock.objects.get(pk=product.pk).reserved == Decimal("5")


def test_an_unreachable_or_broken_catalogue_changes_nothing(catalogue, farm):
    product = ProductFactory(producer=farm, remote_id=f"{catalogue.base_url}x/1")
    Stock.objects.create(product=product, on_hand=Decimal("4"))
    catalogue.documents["/api/dfc/Enterprises/freds-farm/CatalogItems"] = (500, {"oops": 1})

    with pytest.raises(CatalogUnavailable):
        stock_mirror_refresh(producer_id=farm.pk)

    farm.remote_id = "file:///etc/passwd"
    farm.save()
    with pytest.raises(CatalogUnavailable):
        stock_mirror_refresh(producer_id=farm.pk)
    stock = Stock.objects.get()
    assert (stock.on_hand, stock.refreshed_at) == (Decimal("4"), None)


def test_the_beat_task_refreshes_every_remote_producer_with_products(catalogue, farm):
    ProductFactory(producer=farm, remote_id=f"{catalogue.base_url}x/1")
    ProductFactory(remote_id="")  # a local producer: nothing to mirror
    catalogue.documents["/api/dfc/Enterprises/freds-farm/CatalogItems"] = (
        200,
        {"@context": "https://www.datafoodconsortium.org", "@graph": []},
    )

    assert stock_mirrors_refresh_task.delay().get() == [farm.pk]
    assert Stock.objects.get().refreshed_at is not None


def test_catalogue_terms_are_read_however_they_are_compacted():
    dfc = "https://github.com/datafoodconsortium/ontology/releases/latest/download/"
    document = [
        {
            "@context": "https://www.datafoodconsortium.org",
            "@id": "https://p.example/a",
            "@type": "dfc-b:CatalogItem",
            "dfc-b:stockLimitation": {"@value": "4"},
        },
        {
            "@context": "https://w3id.org/dfc/ontology/context/context_1.16.0.json",
            "@id": "https://p.example/b",
            "@type": [f"{dfc}DFC_BusinessOntology.owl#CatalogItem"],
            f"{dfc}DFC_BusinessOntology.owl#stockLimitation": 2,
            "dfc-b:references": "https://p.example/b-product",
        },
        {
            "@context": {
                "b": "http://static.datafoodconsortium.org/ontologies/DFC_BusinessOntology.owl#"
            },
            "@id": "https://p.example/c",
            "@type": "b:Offer",
            "b:stockLimitation": 9,
        },
        # FDC's shape: the product names its catalog item, which names no product.
        {
            "@context": "https://www.datafoodconsortium.org",
            "@id": "https://p.example/d-product",
            "@type": "dfc-b:SuppliedProduct",
            "dfc-b:referencedBy": "https://p.example/d",
        },
        {
            "@context": "https://www.datafoodconsortium.org",
            "@id": "https://p.example/d",
            "@type": "dfc-b:CatalogItem",
            "dfc-b:stockLimitation": "-1",
        },
    ]
    assert catalog_stock_levels(document) == {
        "https://p.example/a": Decimal("4"),
        "https://p.example/b": Decimal("2"),
        "https://p.example/b-product": Decimal("2"),
        "https://p.example/d": Decimal("-1"),
        "https://p.example/d-product": Decimal("-1"),
    }


def test_a_catalogue_in_an_unknown_context_is_unavailable():
    with pytest.raises(CatalogUnavailable, match="Unknown @context"):
        catalog_stock_levels({"@context": "https://evil.example/c", "@graph": []})


def test_what_the_partner_holds_for_our_delivered_producer_orders_is_not_counted_twice(
    catalogue, farm
):
    from orders.models import ProducerOrder, ProducerOrderLine
    from tests.factories import SaleSessionFactory

    base = catalogue.base_url
    product = ProductFactory(
        producer=farm, remote_id=f"{base}Enterprises/freds-farm/SuppliedProducts/1"
    )
    session = SaleSessionFactory()
    delivered = ProducerOrder.objects.create(
        sales_session=session,
        producer=farm,
        trader=session.trader,
        remote_id=f"{base}Enterprises/freds-farm/Orders/9",
    )
    ProducerOrderLine.objects.create(
        producer_order=delivered,
        product=product,
        customer_quantity=Decimal("4"),
        quantity=Decimal("4"),
        unit_price=Decimal("1.00"),
    )
    catalogue.documents["/api/dfc/Enterprises/freds-farm/CatalogItems"] = (
        200,
        _graph(base, [{"dfc-b:stockLimitation": 6}]),
    )

    stock_mirror_refresh(producer_id=farm.pk)

    # The partner can still sell 6 and holds 4 for us: 10 on hand for our customers.
    assert Stock.objects.get(pk=product.pk).on_hand == Decimal("10")

    delivered.order_state = ProducerOrder.OrderState.COMPLETE
    delivered.save()
    stock_mirror_refresh(producer_id=farm.pk)
    assert Stock.objects.get(pk=product.pk).on_hand == Decimal("6")


def test_the_catalogue_is_read_with_the_token_the_partner_gave_us(catalogue, farm):
    farm.platform.outbound_token = "partner-issued-token"
    farm.platform.save()
    catalogue.documents["/api/dfc/Enterprises/freds-farm/CatalogItems"] = (
        200,
        _graph(catalogue.base_url, []),
    )
    stock_mirror_refresh(producer_id=farm.pk)
    assert catalogue.authorizations == ["Bearer partner-issued-token"]
