"""DFC endpoints: the exchange Open Food Network's backorder client performs, scoping,
ETag / If-Match, Idempotency-Key, the catalogue with live stock."""

from decimal import Decimal

import pytest
from django.conf import settings

from inventory.models import Stock
from inventory.services.stock import stock_set
from orders.models import Order, OrderEvent
from platforms.dfc.vocabulary import CONTEXT
from platforms.models import ApiCredential, Enterprise, IdempotencyRecord, PartnerOrder
from sessions_app.models import SaleSession
from tests.factories import OfferFactory, ProducerFactory, ProductFactory, SaleSessionFactory

pytestmark = pytest.mark.django_db

HUB = "https://ofn.example/api/dfc/enterprises/hub-7"
HUB_SESSION = "https://ofn.example/api/dfc/enterprises/hub-7/sale_sessions/42"


@pytest.fixture
def farm(local_platform):
    farm = ProducerFactory(slug="green-farm", name="Green Farm")
    wholesale = SaleSessionFactory(trader=farm, name="Green Farm wholesale")
    offers = []
    for name, price, on_hand in (
        ("Apples", "2.50", "10"),
        ("Pears", "3.00", "8"),
        ("Plums", "4.10", "5"),
    ):
        product = ProductFactory(producer=farm, name=name)
        stock_set(product_id=product.pk, on_hand=Decimal(on_hand))
        offers.append(OfferFactory(session=wholesale, product=product, price=Decimal(price)))
    return farm, offers


def base():
    return settings.LARDER_PUBLIC_URL.rstrip("/") + "/api/dfc/Enterprises/green-farm"


def order_graph(
    lines, *, status="Held", order_id="#order", context="https://www.datafoodconsortium.org"
):
    """The shape OFN's backorder client sends: a flat @graph with the order, its lines and the
    sale session, `dfc-b:` prefixed terms."""
    graph = [
        {
            "@id": order_id,
            "@type": "dfc-b:Order",
            "dfc-b:orderedBy": HUB,
            "dfc-b:belongsTo": HUB_SESSION,
            "dfc-b:hasOrderStatus": f"dfc-v:{status}",
            "dfc-b:hasPart": [line_id for line_id, _, _ in lines],
        },
        {
            "@id": HUB_SESSION,
            "@type": "dfc-b:SaleSession",
            "dfc-b:beginDate": "2026-11-20T09:00:00Z",
            "dfc-b:endDate": "2026-12-20T09:00:00Z",
        },
    ]
    for line_id, offer, quantity in lines:
        graph.append(
            {
                "@id": line_id,
                "@type": "dfc-b:OrderLine",
                "dfc-b:concerns": {"@id": f"{base()}/Offers/{offer.pk}", "@type": "dfc-b:Offer"},
                "dfc-b:quantity": quantity,
            }
        )
    return {"@context": context, "@graph": graph}


def reserved(offer) -> Decimal:
    return Stock.objects.get(product=offer.product_id).reserved


def nodes_of(body, kind):
    return [n for n in body["@graph"] if n["@type"] == f"dfc-b:{kind}"]


def post(api, body, **headers):
    return api.post(f"{base()}/Orders", body, format="json", **headers)


def test_ofn_backorder_exchange(api, farm, partner):
    _, (apples, pears, plums) = farm

    # POST a Held order with three lines and its sale session.
    created = post(api, order_graph([("#l1", apples, 4), ("#l2", pears, 3), ("#l3", plums, 2)]))

    assert created.status_code == 201, created.json()
    assert created["Content-Type"] == "application/ld+json"
    body = created.json()
    assert body["@context"] == CONTEXT
    (order_node,) = nodes_of(body, "Order")
    order = Order.objects.get()
    assert order_node["@id"] == created["Location"] == f"{base()}/Orders/{order.pk}"
    assert order_node["dfc-b:hasOrderStatus"] == {"@id": "dfc-v:Held"}
    assert order_node["dfc-b:discount"] == 0.0
    lines = {n["dfc-b:concerns"]["@id"]: n for n in nodes_of(body, "OrderLine")}
    assert {n["@id"] for n in lines.values()} == {
        f"{base()}/Orders/{order.pk}/OrderLines/{item.pk}" for item in order.items.all()
    }
    assert lines[f"{base()}/Offers/{pears.pk}"]["dfc-b:hasPrice"]["dfc-b:value"] == 3.0
    assert all("dfc-b:discount" in n for n in lines.values())
    assert (order.status, order.origin_platform) == ("I", partner)
    assert order.trader.remote_id == HUB
    assert order.trader.platform == partner
    assert order.sales_session.remote_id == HUB_SESSION
    assert order.sales_session.trader == order.trader
    assert [reserved(o) for o in (apples, pears, plums)] == [4, 3, 2]
    assert PartnerOrder.objects.get().seller.slug == "green-farm"

    # GET it back.
    fetched = api.get(created["Location"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    etag = fetched["ETag"]

    # PUT the whole graph: apples reduced to 1, plums removed (dropped, as OFN drops them).
    line_ids = {o.pk: lines[f"{base()}/Offers/{o.pk}"]["@id"] for o in (apples, pears)}
    amended = api.put(
        created["Location"],
        order_graph(
            [(line_ids[apples.pk], apples, 1), (line_ids[pears.pk], pears, 3)],
            order_id=order_node["@id"],
        ),
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert amended.status_code == 200, amended.json()
    order.refresh_from_db()
    assert order.status == "I"
    assert sorted((i.product.name, i.quantity) for i in order.items.all()) == [
        ("Apples", 1),
        ("Pears", 3),
    ]
    assert {n["@id"] for n in nodes_of(amended.json(), "OrderLine")} == set(line_ids.values())
    assert [reserved(o) for o in (apples, pears, plums)] == [1, 3, 0]
    assert amended["ETag"] != etag

    # PUT it Complete when the hub's order cycle closes.
    completed = api.put(
        created["Location"],
        order_graph(
            [(line_ids[apples.pk], apples, 1), (line_ids[pears.pk], pears, 3)],
            status="Complete",
            order_id=order_node["@id"],
        ),
        format="json",
        HTTP_IF_MATCH=amended["ETag"],
    )

    assert completed.status_code == 200, completed.json()
    order.refresh_from_db()
    assert order.status == "C"
    assert nodes_of(completed.json(), "Order")[0]["dfc-b:hasOrderStatus"] == {
        "@id": "dfc-v:Complete"
    }
    assert [reserved(o) for o in (apples, pears, plums)] == [1, 3, 0]
    assert OrderEvent.objects.filter(order=order, actor_label=f"platform:{partner.slug}").exists()


def test_put_cancelled_releases_stock(api, farm):
    _, (apples, pears, _) = farm
    created = post(api, order_graph([("#a", apples, 2), ("#b", pears, 1)]))

    response = api.put(
        created["Location"],
        order_graph([], status="Cancelled"),
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )

    assert response.status_code == 200
    assert Order.objects.get().status == "X"
    assert [reserved(o) for o in (apples, pears)] == [0, 0]
    assert nodes_of(response.json(), "Order")[0]["dfc-b:hasOrderStatus"] == {
        "@id": "dfc-v:Cancelled"
    }


def test_put_adding_a_line_and_raising_one_reserves_more(api, farm):
    _, (apples, pears, plums) = farm
    created = post(api, order_graph([("#a", apples, 2)]))

    response = api.put(
        created["Location"],
        order_graph([("#a", apples, 5), ("#c", plums, 1)]),
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )

    assert response.status_code == 200
    assert [reserved(o) for o in (apples, pears, plums)] == [5, 0, 1]
    assert Order.objects.get().items.count() == 2


def test_short_stock_refuses_the_whole_order(api, farm):
    _, (apples, pears, _) = farm

    response = post(api, order_graph([("#a", apples, 3), ("#b", pears, 9)]))

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient-stock"
    assert not Order.objects.exists()
    assert not Enterprise.objects.filter(remote_id=HUB).exists()
    assert [reserved(o) for o in (apples, pears)] == [0, 0]


def test_put_beyond_stock_changes_nothing(api, farm):
    _, (apples, pears, _) = farm
    created = post(api, order_graph([("#a", apples, 2), ("#b", pears, 1)]))

    response = api.put(
        created["Location"],
        order_graph([("#a", apples, 1), ("#b", pears, 50)]),
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )

    assert response.status_code == 409
    order = Order.objects.get()
    assert (order.status, order.version) == ("I", int(created["ETag"].strip('"')))
    assert [reserved(o) for o in (apples, pears)] == [2, 1]


@pytest.mark.parametrize(
    "context",
    [
        "https://www.datafoodconsortium.org",
        "https://w3id.org/dfc/ontology/context/context_1.16.0.json",
        "http://static.datafoodconsortium.org/ontologies/context.json",
    ],
)
def test_every_context_real_clients_send_is_accepted(api, farm, context):
    _, (apples, _, _) = farm

    assert post(api, order_graph([("#a", apples, 1)], context=context)).status_code == 201


def test_unknown_context_is_a_problem(api, farm):
    _, (apples, _, _) = farm

    response = post(api, order_graph([("#a", apples, 1)], context="https://schema.org"))

    assert response.status_code == 400
    assert response.json()["code"] == "unknown-dfc-context"


def test_if_match_is_optional_and_checked_when_sent(api, farm):
    _, (apples, _, _) = farm
    created = post(api, order_graph([("#a", apples, 3)]))
    etag = created["ETag"]

    stale = api.put(
        created["Location"], order_graph([("#a", apples, 1)]), format="json", HTTP_IF_MATCH='"999"'
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "precondition-failed")
    assert stale.json()["current_etag"] == etag
    assert reserved(apples) == 3

    # As OFN and FDC send it: no If-Match at all.
    without = api.put(created["Location"], order_graph([("#a", apples, 2)]), format="json")
    assert without.status_code == 200, without.json()
    assert reserved(apples) == 2

    # A list of tags: any current one passes; a weak tag never matches.
    listed = api.put(
        created["Location"],
        order_graph([("#a", apples, 1)]),
        format="json",
        HTTP_IF_MATCH=f'"1", W/{without["ETag"]}, {without["ETag"]}',
    )
    assert listed.status_code == 200, listed.json()
    weak_only = api.put(
        created["Location"],
        order_graph([("#a", apples, 2)]),
        format="json",
        HTTP_IF_MATCH=f'W/{listed["ETag"]}, "999"',
    )
    assert weak_only.status_code == 412
    assert reserved(apples) == 1


def test_a_token_may_require_if_match(api, farm):
    _, (apples, _, _) = farm
    created = post(api, order_graph([("#a", apples, 2)]))
    ApiCredential.objects.update(requires_if_match=True)

    missing = api.put(created["Location"], order_graph([("#a", apples, 1)]), format="json")
    sent = api.put(
        created["Location"],
        order_graph([("#a", apples, 1)]),
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )

    assert (missing.status_code, missing.json()["code"]) == (428, "precondition-required")
    assert sent.status_code == 200


def test_idempotency_key_replays_and_refuses_another_body(api, farm):
    _, (apples, pears, _) = farm
    graph = order_graph([("#a", apples, 2)])

    first = post(api, graph, HTTP_IDEMPOTENCY_KEY="k-1")
    replay = post(api, graph, HTTP_IDEMPOTENCY_KEY="k-1")
    other = post(api, order_graph([("#a", pears, 2)]), HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json()
    assert replay["Location"] == first["Location"]
    assert replay["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert reserved(apples) == 2
    assert (other.status_code, other.json()["code"]) == (422, "idempotency-key-reused")
    assert reserved(pears) == 0


def test_idempotent_put_is_applied_once(api, farm):
    _, (apples, _, _) = farm
    created = post(api, order_graph([("#a", apples, 2)]))
    graph = order_graph([("#a", apples, 3)])

    first = api.put(
        created["Location"], graph, format="json", HTTP_IF_MATCH="*", HTTP_IDEMPOTENCY_KEY="put-1"
    )
    again = api.put(
        created["Location"], graph, format="json", HTTP_IF_MATCH="*", HTTP_IDEMPOTENCY_KEY="put-1"
    )

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert reserved(apples) == 3
    assert IdempotencyRecord.objects.count() == 1


def test_same_key_is_separate_per_platform(api, other_api, farm):
    _, (apples, _, _) = farm
    graph = order_graph([("#a", apples, 1)])

    assert post(api, graph, HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    assert post(other_api, graph, HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    assert Order.objects.count() == 2


def test_hub_session_and_hub_are_made_once(api, farm):
    _, (apples, _, _) = farm

    post(api, order_graph([("#a", apples, 1)]))
    post(api, order_graph([("#a", apples, 1)]))

    assert SaleSession.objects.filter(remote_id=HUB_SESSION).count() == 1
    assert Enterprise.objects.filter(remote_id=HUB).count() == 1


def test_orders_list_is_scoped_and_filtered(api, other_api, farm):
    _, (apples, _, _) = farm
    mine = post(api, order_graph([("#a", apples, 1)]))
    post(api, order_graph([("#a", apples, 1)], status="Complete"))
    post(other_api, order_graph([("#a", apples, 1)]))

    held = api.get(f"{base()}/Orders", {"orderState": "Held"})
    everything = api.get(f"{base()}/Orders")

    assert [n["@id"] for n in nodes_of(held.json(), "Order")] == [mine["Location"]]
    assert len(nodes_of(everything.json(), "Order")) == 2
    assert everything["X-Total-Count"] == "2"
    unfulfilled = api.get(f"{base()}/Orders", {"fulfilmentState": "Unfulfilled"})
    assert [n["dfc-b:hasOrderStatus"] for n in nodes_of(unfulfilled.json(), "Order")] == [
        {"@id": "dfc-v:Complete"}
    ]
    assert api.get(f"{base()}/Orders", {"paymentState": "Unpaid"})["X-Total-Count"] == "2"
    assert api.get(f"{base()}/Orders", {"paymentState": "Paid"})["X-Total-Count"] == "0"
    assert api.get(f"{base()}/Orders", {"orderState": "Shipped"}).status_code == 400


def test_foreign_order_is_not_found_for_every_method(api, other_api, farm):
    _, (apples, _, _) = farm
    created = post(api, order_graph([("#a", apples, 1)]))
    line = nodes_of(created.json(), "OrderLine")[0]["@id"]

    responses = [
        other_api.get(created["Location"]),
        other_api.put(
            created["Location"], order_graph([("#a", apples, 5)]), format="json", HTTP_IF_MATCH="*"
        ),
        other_api.get(created["Location"] + "/OrderLines"),
        other_api.get(line),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert reserved(apples) == 1


def test_catalog_offers_carry_live_stock(api, farm):
    _, (apples, pears, plums) = farm
    post(api, order_graph([("#a", apples, 4)]))
    stock_set(product_id=plums.product_id, on_hand=None, is_unlimited=True)

    offers = api.get(f"{base()}/Offers").json()
    items = api.get(f"{base()}/CatalogItems").json()

    levels = {n["@id"]: n.get("dfc-b:stockLimitation") for n in nodes_of(offers, "Offer")}
    assert levels == {
        f"{base()}/Offers/{apples.pk}": 6.0,
        f"{base()}/Offers/{pears.pk}": 8.0,
        f"{base()}/Offers/{plums.pk}": -1.0,
    }
    catalog = {
        n["dfc-b:references"]["@id"]: n.get("dfc-b:stockLimitation")
        for n in nodes_of(items, "CatalogItem")
    }
    assert catalog[nodes_of(offers, "Offer")[0]["dfc-b:offeredItem"]["@id"]] == 6.0


def test_catalog_endpoints_answer(api, farm):
    farm_enterprise, (apples, _, _) = farm
    session_id = apples.session_id
    paths = [
        "",
        "/SuppliedProducts",
        f"/SuppliedProducts/{apples.product_id}",
        "/CatalogItems",
        f"/CatalogItems/{apples.product_id}",
        f"/Offers/{apples.pk}",
        "/SaleSessions",
        f"/SaleSessions/{session_id}",
        f"/SalesSession/{session_id}",
    ]

    statuses = [api.get(base() + path).status_code for path in paths]

    assert statuses == [200] * len(paths)
    assert api.get(f"{base()}/Offers/999999").status_code == 404
    assert (
        api.get(settings.LARDER_PUBLIC_URL + "/api/dfc/Enterprises/nobody/Offers").status_code
        == 404
    )


def _add_rows(farm, partner, session, count):
    from tests.factories import OrderFactory, OrderItemFactory, TraderFactory

    hub = TraderFactory(platform=partner)
    for _ in range(count):
        product = ProductFactory(producer=farm)
        stock_set(product_id=product.pk, on_hand=Decimal("5"))
        offer = OfferFactory(session=session, product=product)
        order = OrderFactory(trader=hub, customer=None, origin_platform=partner, status="I")
        OrderItemFactory(order=order, product=product, offer=offer)
        PartnerOrder.objects.create(order=order, platform=partner, seller=farm)


@pytest.mark.parametrize(
    "path", ["Orders", "Offers", "CatalogItems", "SuppliedProducts", "SaleSessions", ""]
)
def test_dfc_list_query_count_does_not_grow_with_rows(api, partner, farm, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    farm_enterprise, (apples, _, _) = farm
    url = f"{base()}/{path}".rstrip("/")

    def queries_for(count):
        _add_rows(farm_enterprise, partner, apples.session, count)
        api.get(url)  # warm: the credential's last-use stamp is written once a minute
        with CaptureQueriesContext(connection) as captured:
            response = api.get(url, {"limit": 200})
        assert response.status_code == 200
        return len(captured), len(response.content)

    one, one_size = queries_for(1)
    fifty, fifty_size = queries_for(49)

    assert fifty_size > 4 * one_size  # the rows (or the ids one node lists) are all there
    assert one == fifty


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_place_one_order(partner_token, farm):
    import threading

    from django.db import connection

    from tests.platforms.api_support import client_for

    _, (apples, _, _) = farm
    graph = order_graph([("#a", apples, 2)])
    barrier = threading.Barrier(2)
    responses = []

    def send():
        client = client_for(partner_token)
        barrier.wait()
        try:
            responses.append(post(client, graph, HTTP_IDEMPOTENCY_KEY="same-key"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert Order.objects.count() == 1
    assert reserved(apples) == 2


def test_a_line_naming_only_its_product_keeps_its_offer_after_the_session_closed(api, farm):
    """What another Larder's outbox sends: blank-node offers that name the SuppliedProduct."""
    _, (apples, pears, _) = farm

    def by_product(quantities, status="Held"):
        graph = order_graph([], status=status)
        for n, (offer, quantity) in enumerate(quantities):
            graph["@graph"][0]["dfc-b:hasPart"].append(f"_:line-{n}")
            graph["@graph"] += [
                {
                    "@id": f"_:line-{n}",
                    "@type": "dfc-b:OrderLine",
                    "dfc-b:concerns": f"_:offer-{n}",
                    "dfc-b:quantity": quantity,
                },
                {
                    "@id": f"_:offer-{n}",
                    "@type": "dfc-b:Offer",
                    "dfc-b:offeredItem": f"{base()}/SuppliedProducts/{offer.product_id}",
                },
            ]
        return graph

    created = post(api, by_product([(apples, 2), (pears, 1)]))
    assert created.status_code == 201, created.json()
    SaleSession.objects.filter(pk=apples.session_id).update(state=SaleSession.State.CLOSED)

    completed = api.put(
        created["Location"],
        by_product([(apples, 1)], status="Complete"),
        format="json",
        HTTP_IF_MATCH="*",
    )

    assert completed.status_code == 200, completed.json()
    order = Order.objects.get()
    assert order.status == "C"
    assert [(i.offer_id, i.quantity) for i in order.items.all()] == [(apples.pk, 1)]
    assert [reserved(o) for o in (apples, pears)] == [1, 0]
