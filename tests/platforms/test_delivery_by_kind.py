"""A whole session delivered to each kind of producer platform, through the one outbox, each
fake platform enforcing the rules read in the real one's code (tests/platforms/
producer_platforms.py and partner.py cite the files)."""

from decimal import Decimal

import pytest

from config.actors import Actor
from orders.models import ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from orders.services.cancellation import order_cancel
from orders.services.session_close import session_close
from platforms.models import OutboxMessage, Platform
from platforms.outbox.delivery_adapters import ADAPTERS, producer_order_uri
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)
from tests.platforms.partner import PartnerServer
from tests.platforms.producer_platforms import FdcShopifyProducer, OpenFoodNetworkProducer

pytestmark = pytest.mark.django_db
TOKEN = "partner-issued-token"
STAFF = Actor.system("test staff")


def _ofn_farms(server):
    """Two OFN enterprises with numeric ids; products name their variants."""
    farms = []
    for enterprise_id, variants in ((10000, (10001, 10002)), (20000, (20001, 20002))):
        farms.append(
            (
                server.enterprise_url(enterprise_id),
                [server.variant_url(enterprise_id, v) for v in variants],
            )
        )
    return farms


def _fdc_farms(server):
    return [
        (server.enterprise_url(shop), [server.variant_url(shop, v) for v in variants])
        for shop, variants in (("valley", (4001, 4002)), ("hill", (5001, 5002)))
    ]


def _larder_farms(server):
    return [
        (
            server.producer_url(slug),
            [f"{server.producer_url(slug)}/SuppliedProducts/{n}" for n in (1, 2)],
        )
        for slug in ("farm-a", "farm-b")
    ]


SERVERS = {
    Platform.Kind.OFN: (OpenFoodNetworkProducer, _ofn_farms),
    Platform.Kind.SHOPIFY_FDC: (FdcShopifyProducer, _fdc_farms),
}


@pytest.fixture(params=[Platform.Kind.OFN, Platform.Kind.SHOPIFY_FDC, Platform.Kind.LARDER])
def platform_kind(request):
    return request.param


@pytest.fixture
def producer_platform(platform_kind):
    if platform_kind == Platform.Kind.LARDER:
        server = PartnerServer().start()
        server.state.honour_idempotency_keys = False
        farms = _larder_farms(server)
    else:
        server_class, farms_of = SERVERS[platform_kind]
        server = server_class().start()
        server.state.tokens.add(TOKEN)
        farms = farms_of(server)
    yield server, farms
    server.stop()


@pytest.fixture
def market(platform_kind, producer_platform):
    server, farms = producer_platform
    platform = PlatformFactory(
        kind=platform_kind, base_url=server.base_url + "/api/dfc/", outbound_token=TOKEN
    )
    session = SaleSessionFactory()
    products = []
    for index, (remote_id, product_ids) in enumerate(farms):
        producer = ProducerFactory(platform=platform, slug=f"farm-{index}", remote_id=remote_id)
        for number, product_id in enumerate(product_ids):
            products.append(
                ProductFactory(
                    producer=producer, name=f"Product {index}.{number}", remote_id=product_id
                )
            )
    return session, products


def _place(session, lines):
    order = OrderFactory(trader=session.trader, sales_session=session, status="C")
    items = [
        OrderItemFactory(
            order=order, product=product, quantity=Decimal(quantity), unit_price=Decimal("3.00")
        )
        for product, quantity in lines
    ]
    return order, items


def _refresh(session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        producer_orders_refresh(session_id=session.pk)


def _variant(product) -> int:
    return int(product.remote_id.rstrip("/").rsplit("/", 1)[-1])


def _partner_orders(platform_kind, server) -> dict:
    """{producer @id: [(lines by variant, status)]} as the partner holds them."""
    if platform_kind == Platform.Kind.LARDER:
        held = {}
        for order in server.order_nodes():
            graph = next(g for g in server.state.orders.values() if order in g)
            by_id = {node["@id"]: node for node in graph}
            lines = {}
            for part in order["dfc-b:hasPart"]:
                line = by_id[part["@id"]]
                offer = by_id[line["dfc-b:concerns"]["@id"]]
                variant = int(offer["dfc-b:offeredItem"]["@id"].rsplit("/", 1)[-1])
                lines[variant] = line["dfc-b:quantity"]
            producer = order["@id"].split("/Orders/")[0]
            status = order["dfc-b:hasOrderStatus"]["@id"].removeprefix("dfc-v:")
            held.setdefault(producer, []).append((lines, status))
        return held
    return {
        (
            server.enterprise_url(int(enterprise))
            if platform_kind == Platform.Kind.OFN
            else server.enterprise_url(enterprise)
        ): [(order.lines, order.status) for order in orders]
        for enterprise, orders in server.live_orders().items()
    }


def _bodies(platform_kind, server) -> list[bytes]:
    if platform_kind == Platform.Kind.LARDER:
        return [r.body for r in server.requests() if r.body]
    return [body for _, _, _, body in server.requests() if body]


@pytest.mark.integration
def test_a_whole_session_ends_with_one_completed_order_per_producer_at_each_kind(
    platform_kind, producer_platform, market, django_capture_on_commit_callbacks
):
    server, _ = producer_platform
    session, (apples, pears, bread, cheese) = market
    first, _ = _place(session, [(apples, "3"), (bread, "1")])
    second, (second_apples, _) = _place(session, [(apples, "2"), (cheese, "4")])
    _refresh(session, django_capture_on_commit_callbacks)
    assert ProducerOrder.objects.filter(sales_session=session).count() == 2

    # One customer order cancelled: farm 0 keeps 2 apples, farm 1 keeps the cheese only.
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=first.pk, actor=STAFF, reason="Customer asked")
    _refresh(session, django_capture_on_commit_callbacks)
    # One edited: 5 apples instead of 2, and pears added.
    second_apples.quantity = Decimal("5")
    second_apples.save(update_fields=["quantity"])
    OrderItemFactory(order=second, product=pears, quantity=Decimal("1"), unit_price=Decimal("3.00"))
    _refresh(session, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        report = session_close(session_id=session.pk, actor=STAFF)
    assert (report.producer_orders, report.deliveries) == (2, 2)

    assert _partner_orders(platform_kind, server) == {
        apples.producer.remote_id: [({_variant(apples): 5, _variant(pears): 1}, "Complete")],
        cheese.producer.remote_id: [({_variant(cheese): 4}, "Complete")],
    }
    assert getattr(server.state, "violations", []) == []
    assert OutboxMessage.objects.exclude(state="delivered").count() == 0
    assert set(ProducerOrder.objects.values_list("partner_state", flat=True)) == {"completed"}
    for body in _bodies(platform_kind, server):
        assert b'"_:' not in body  # named nodes only
    # Every producer order's own nodes are named under Larder's public URL.
    producer_order = ProducerOrder.objects.get(producer=apples.producer)
    assert producer_order_uri(producer_order) in b"".join(_bodies(platform_kind, server)).decode()


@pytest.mark.integration
def test_the_fdc_kind_is_sent_nothing_after_complete(
    producer_platform, market, django_capture_on_commit_callbacks, platform_kind
):
    if platform_kind != Platform.Kind.SHOPIFY_FDC:
        pytest.skip("FDC only: Shopify cannot complete a draft order twice")
    server, _ = producer_platform
    session, (apples, *_) = market
    _, (item,) = _place(session, [(apples, "2")])
    _refresh(session, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        session_close(session_id=session.pk, actor=STAFF)
    puts = len(server.requests("PUT"))
    ProducerOrder.objects.filter(producer=apples.producer).update(version=99)
    producer_order = ProducerOrder.objects.get(producer=apples.producer)
    with django_capture_on_commit_callbacks(execute=True):
        from platforms.outbox.services import outbox_enqueue

        outbox_enqueue(
            platform=apples.producer.platform,
            kind=OutboxMessage.Kind.PRODUCER_ORDER,
            subject_key=f"producer-order:{producer_order.pk}",
            subject_id=producer_order.pk,
        )
    assert len(server.requests("PUT")) == puts
    assert server.state.violations == []


def test_each_kind_has_its_adapter():
    assert {kind for kind in Platform.Kind} == set(ADAPTERS)
    assert ADAPTERS[Platform.Kind.OFN].orders_segment == "orders"
    assert ADAPTERS[Platform.Kind.SHOPIFY_FDC].content_type == "application/json"
