"""An Open Food Network hub backordering from a live Larder, following OFN's own code:

- app/services/fdc_url_builder.rb: from a product link `…/SuppliedProducts/{id}` it derives the
  catalogue (`…/SuppliedProducts`), the orders (`…/Orders`) and the sale session
  (`…/SalesSession/#`, one @id for every order cycle);
- engines/dfc_provider/app/services/dfc_request.rb: `Content-Type: application/json`, bearer
  token, Faraday's `Accept: */*`; no If-Match, no Idempotency-Key; a POST with data, a PUT;
- engines/dfc_provider/app/services/dfc_catalog.rb and app/services/fdc_offer_broker.rb: the
  catalogue is imported and walked product.catalogItems.first.offers.first;
- app/services/fdc_backorderer.rb: find_open_order (GET Orders, the last Held one), a new
  order's @id is the Orders collection URL itself, new lines are `{order}/OrderLines/{n}`, lines
  are matched by `line.offer.offeredItem.semanticId`, send_order exports order, lines, offers,
  products and session and reads the created order's @id from the reply's dfc-b:Order;
- engines/dfc_provider/app/services/order_builder.rb, sale_session_builder.rb: orderNumber and
  date empty, status dfc-v:Held, session dates like "Mon Dec 16 2024 02:30:56 UTC";
- app/services/backorder_updater.rb (amend), app/jobs/complete_backorder_job.rb (PUT Complete
  when the order cycle closes);
- the recorded exchanges in spec/fixtures/vcr_cassettes/FdcBackorderer/
  creates_finds_and_updates_orders.yml (quantity a number when built, a string when re-sent).

OFN reads replies with the DFC Ruby connector (datafoodconsortium/connector-ruby,
lib/datafoodconsortium/connector/importer.rb): every typed node becomes an object, and a
property pointing at a typed node's @id resolves to that object, anything else stays a value.
`RubyImporter` below does the same, so a reference written as a string literal, or an Offer
whose SuppliedProduct is not in the graph, fails here as it fails in OFN.
"""

import json
from datetime import UTC, timedelta

import pytest
import requests
from django.utils import timezone

from inventory.models import Stock
from orders.models import Order
from platforms.dfc.jsonld import BUSINESS, read

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

HUB = "http://ofn.example/api/dfc/enterprises/637"


class Subject:
    def __init__(self, node):
        self.semantic_id = node["@id"]
        self.types = node.get("@type", [])
        self.node = node


class RubyImporter:
    """The Ruby connector's import: typed nodes become subjects; references to them resolve."""

    def __init__(self, document):
        graph = read(document)
        self.subjects = {n["@id"]: Subject(n) for n in graph.nodes if n.get("@type")}

    def of_type(self, name):
        return [s for s in self.subjects.values() if BUSINESS + name in s.types]

    def get(self, subject, name, *, many=False):
        values = []
        for value in subject.node.get(BUSINESS + name, []):
            if "@id" in value:
                values.append(self.subjects.get(value["@id"], value["@id"]))
            else:
                values.append(value["@value"])
        return values if many else (values[0] if values else None)


def ofn_date(moment) -> str:
    """SaleSessionBuilder.stringify_time: `time.utc.strftime("%a %b %d %Y %H:%M:%S %Z")`."""
    return moment.astimezone(UTC).strftime("%a %b %d %Y %H:%M:%S UTC")


class OfnHub:
    def __init__(self, token, product_link):
        self.catalog_url = product_link.rpartition("/")[0]
        self.orders_url = self.catalog_url.replace("/SuppliedProducts", "/Orders")
        self.sale_session_url = self.catalog_url.replace("/SuppliedProducts", "/SalesSession/#")
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {token}",
                "Accept": "*/*",
                "User-Agent": "Faraday v2.9.0",
            }
        )

    def call(self, url, data=None, method=None):
        if method == "put":
            response = self.session.put(url, data=data, timeout=30)
        elif data:
            response = self.session.post(url, data=data, timeout=30)
        else:
            response = self.session.get(url, timeout=30)
        assert response.status_code < 400, (response.status_code, response.text[:2000])
        return response.json()

    def best_offer(self, product_id):
        catalog = RubyImporter(self.call(self.catalog_url))
        product = catalog.subjects[product_id]
        item = catalog.get(product, "referencedBy")
        offer = catalog.get(item, "offeredThrough")
        assert isinstance(offer, Subject), "the catalogue gives no Offer object"
        return catalog, product, offer

    def find_open_order(self):
        orders = RubyImporter(self.call(self.orders_url))
        held = [
            o
            for o in orders.of_type("Order")
            if str(orders.get(o, "hasOrderStatus")).endswith("#Held")
        ]
        return (orders, held[-1]) if held else (orders, None)


def offer_json(catalog, offer, product_id):
    price = catalog.get(offer, "hasPrice")
    return {
        "@id": offer.semantic_id,
        "@type": "dfc-b:Offer",
        "dfc-b:hasPrice": {
            "@type": "dfc-b:Price",
            "dfc-b:value": str(catalog.get(price, "value")),
            "dfc-b:VATrate": str(catalog.get(price, "VATrate")),
            "dfc-b:hasUnit": "dfc-m:Euro",
        },
        "dfc-b:stockLimitation": 0.0,
        # OFN's exporter writes offeredItem, which the context does not type, as a string.
        "dfc-b:offeredItem": product_id,
    }


def product_json(product_id, name=""):
    return {
        "@id": product_id,
        "@type": "dfc-b:SuppliedProduct",
        "dfc-b:name": name,
        "dfc-b:description": "",
        "dfc-b:alcoholPercentage": 0.0,
        "dfc-b:lifetime": "",
        "dfc-b:usageOrStorageCondition": "",
        "dfc-b:totalTheoreticalStock": 0.0,
    }


def reserved(offer):
    return Stock.objects.get(pk=offer.product_id).reserved


def test_an_ofn_hub_backorders_amends_and_completes(larder, farm, partner_token):
    producer, offers = farm
    beans = offers["Baked beans 400 g"]
    product_id = f"{larder}/api/dfc/Enterprises/{producer.slug}/SuppliedProducts/{beans.product_id}"
    hub = OfnHub(partner_token, product_id)
    now = timezone.now()

    # BackorderJob: no open order yet; the broker finds the offer; a new order is POSTed.
    assert hub.find_open_order()[1] is None
    catalog, _, offer = hub.best_offer(product_id)
    assert offer.semantic_id == f"{larder}/api/dfc/Enterprises/{producer.slug}/Offers/{beans.pk}"
    line_id = f"{hub.orders_url}/OrderLines/1"
    body = {
        "@context": "https://www.datafoodconsortium.org",
        "@graph": [
            {
                "@id": hub.orders_url,
                "@type": "dfc-b:Order",
                "dfc-b:orderNumber": "",
                "dfc-b:date": "",
                "dfc-b:belongsTo": hub.sale_session_url,
                "dfc-b:hasPart": line_id,
                "dfc-b:orderedBy": HUB,
                "dfc-b:hasOrderStatus": "dfc-v:Held",
            },
            {
                "@id": line_id,
                "@type": "dfc-b:OrderLine",
                "dfc-b:description": "",
                "dfc-b:quantity": 3,
                "dfc-b:concerns": offer.semantic_id,
            },
            offer_json(catalog, offer, product_id),
            product_json(product_id, "Baked beans 400 g"),
            {
                "@id": hub.sale_session_url,
                "@type": "dfc-b:SaleSession",
                "dfc-b:beginDate": ofn_date(now - timedelta(days=1)),
                "dfc-b:endDate": ofn_date(now + timedelta(days=6)),
                "dfc-b:quantity": 0.0,
            },
        ],
    }
    reply = RubyImporter(hub.call(hub.orders_url, json.dumps(body)))
    (placed,) = reply.of_type("Order")
    order = Order.objects.get()
    assert placed.semantic_id == f"{hub.orders_url}/{order.pk}"
    assert (order.status, reserved(beans)) == ("I", 3)
    session = order.sales_session
    assert session.remote_id == hub.sale_session_url
    assert (session.begins_at, session.ends_at) == (
        (now - timedelta(days=1)).replace(microsecond=0),
        (now + timedelta(days=6)).replace(microsecond=0),
    )
    assert order.partner_order.remote_number == ""

    # BackorderUpdater: find the open order, match the line by its offer's product, amend.
    orders, open_order = hub.find_open_order()
    assert open_order.semantic_id == placed.semantic_id
    lines = orders.get(open_order, "hasPart", many=True)
    line = next(
        line
        for line in lines
        if orders.get(orders.get(line, "concerns"), "offeredItem").semantic_id == product_id
    )
    price = orders.get(line, "hasPrice")
    assert (orders.get(line, "quantity"), orders.get(price, "value")) == (3.0, 2.09)

    def order_graph(quantity, status):
        return {
            "@context": "https://www.datafoodconsortium.org",
            "@graph": [
                {
                    "@id": open_order.semantic_id,
                    "@type": "dfc-b:Order",
                    "dfc-b:orderNumber": "",
                    "dfc-b:date": "",
                    "dfc-b:hasPart": line.semantic_id,
                    "dfc-b:hasOrderStatus": status,
                },
                {
                    "@id": line.semantic_id,
                    "@type": "dfc-b:OrderLine",
                    "dfc-b:description": "",
                    "dfc-b:quantity": quantity,  # a string once imported from a reply
                    "dfc-b:hasPrice": {
                        "@type": "dfc-b:Price",
                        "dfc-b:value": "2.09",
                        "dfc-b:VATrate": 0.0,
                        "dfc-b:hasUnit": "dfc-m:Euro",
                    },
                    "dfc-b:concerns": offer.semantic_id,
                },
                offer_json(catalog, offer, product_id),
                product_json(product_id),
            ],
        }

    amended = RubyImporter(
        hub.call(open_order.semantic_id, json.dumps(order_graph("5", "dfc-v:Held")), method="put")
    )
    assert [amended.get(o, "quantity") for o in amended.of_type("OrderLine")] == [5.0]
    assert reserved(beans) == 5

    # CompleteBackorderJob: read the order, derive the URLs from its first line, complete it.
    found = RubyImporter(hub.call(open_order.semantic_id))
    (first,) = found.of_type("OrderLine")
    assert found.get(found.get(first, "concerns"), "offeredItem").semantic_id == product_id
    completed = RubyImporter(
        hub.call(
            open_order.semantic_id, json.dumps(order_graph("5", "dfc-v:Complete")), method="put"
        )
    )
    (done,) = completed.of_type("Order")
    assert str(completed.get(done, "hasOrderStatus")).endswith("#Complete")
    order.refresh_from_db()
    assert (order.status, reserved(beans)) == ("C", 5)
    assert [(item.product_name, item.quantity) for item in order.items.all()] == [
        ("Baked beans 400 g", 5)
    ]
