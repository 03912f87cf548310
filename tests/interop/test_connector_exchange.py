"""The official DFC TypeScript connector (npm `@datafoodconsortium/connector`, pinned with its
lock in tests/interop/package.json) trades with a live Larder, unchanged: connector_exchange.mjs
imports the catalogue and walks SuppliedProduct → CatalogItem → Offer → Price, builds an Order
with the connector's objects, exports it with the connector's default context, POSTs it, PUTs an
amendment and a Complete without If-Match, and imports every reply.

Outside CI a machine without node skips this test (with the reason); with CI=true a missing
node fails it. `.ci/run` installs the package with `npm ci`; locally the test runs `npm ci`
itself when node_modules is missing.
"""

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from orders.models import Order
from platforms.dfc.context import CONTEXT_URL, DFC_CONTEXT
from tests.interop.conftest import node_or_skip, run_node_script

HERE = Path(__file__).resolve().parent
HUB = "https://hub.example/api/dfc/enterprises/42"
DFC_M = "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/measures.rdf#"
DFC_V = "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/vocabulary.rdf#"

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def run_connector(node: str, *, enterprise: str, token: str) -> dict:
    return run_node_script(
        node, "connector_exchange.mjs", LARDER_ENTERPRISE=enterprise, LARDER_TOKEN=token, HUB=HUB
    )


@pytest.mark.django_db(transaction=True)
def test_the_typescript_connector_completes_an_order(larder, farm, partner_token):
    node = node_or_skip()
    producer, offers = farm
    enterprise = f"{larder}/api/dfc/Enterprises/{producer.slug}"
    beans, fava = offers["Baked beans 400 g"], offers["Fava beans 500 g"]

    result = run_connector(node, enterprise=enterprise, token=partner_token)

    # The catalogue, walked from each product to its price.
    assert [
        (entry["name"], entry["offer"], entry["price"], entry["currency"], entry["offerStock"])
        for entry in result["catalogue"]
    ] == [
        ("Baked beans 400 g", f"{enterprise}/Offers/{beans.pk}", 2.09, DFC_M + "Euro", 20),
        ("Fava beans 500 g", f"{enterprise}/Offers/{fava.pk}", 3.5, DFC_M + "Euro", 12),
        (
            "Split peas",
            f"{enterprise}/Offers/{offers['Split peas'].pk}",
            4,
            DFC_M + "Euro",
            30,
        ),
    ]
    assert {entry["catalogItem"] for entry in result["catalogue"]} == {
        f"{enterprise}/CatalogItems/{offer.product_id}" for offer in offers.values()
    }
    assert result["exportedContext"] == CONTEXT_URL

    # POST: 201, the order's @id in Location, lines read back through offers to products.
    order = Order.objects.get()
    order_id = f"{enterprise}/Orders/{order.pk}"
    assert result["created"]["status"] == 201
    assert result["created"]["location"] == order_id
    created = result["created"]["order"]
    assert (created["id"], created["status"]) == (order_id, DFC_V + "Held")
    assert [
        (line["productName"], line["quantity"], line["offer"], line["price"], line["currency"])
        for line in created["lines"]
    ] == [
        ("Baked beans 400 g", 2, f"{enterprise}/Offers/{beans.pk}", 2.09, DFC_M + "Euro"),
        ("Fava beans 500 g", 3, f"{enterprise}/Offers/{fava.pk}", 3.5, DFC_M + "Euro"),
    ]

    # PUT without If-Match: beans raised to 5, fava removed; then Complete.
    assert result["amended"]["status"] == 200
    assert [
        (line["productName"], line["quantity"]) for line in result["amended"]["order"]["lines"]
    ] == [("Baked beans 400 g", 5)]
    assert result["completed"]["status"] == 200
    assert result["completed"]["order"]["status"] == DFC_V + "Complete"
    order.refresh_from_db()
    assert order.status == "C"
    assert [(item.product_name, item.quantity) for item in order.items.all()] == [
        ("Baked beans 400 g", Decimal("5.000"))
    ]
    assert order.sales_session.remote_id == f"{HUB}/sale-sessions/1"
    assert order.trader.remote_id == HUB


def test_larders_context_is_the_one_inside_the_connector():
    """platforms/dfc/context.py is written by Larder; it must expand every term as the context
    shipped inside the official connector does."""
    node = node_or_skip()
    printed = subprocess.run(
        [
            node,
            "--input-type=module",
            "-e",
            "import context from '@datafoodconsortium/connector/lib/context.js';"
            "process.stdout.write(JSON.stringify(context));",
        ],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert DFC_CONTEXT == json.loads(printed.stdout)
