"""Fake producer platforms on loopback, one per partner kind, each enforcing what the real one
requires (read in its code) and answering as it answers. Every departure from a rule is
recorded in `violations` (the test asserts it stays empty) and answered as the real platform
would (mostly a 4xx or a bare 500).

OpenFoodNetworkProducer — openfoodfoundation/openfoodnetwork pull request #14423 (open; head
7825353686): engines/dfc_provider/config/routes.rb (`resources :orders, only: [:show, :create,
:update, :destroy]` under lower-case `enterprises`, no index), controllers/dfc_provider/
application_controller.rb (401 without a known user; the body read whatever its content type),
app/services/authorization_control.rb (Bearer JWT or X-Api-Token), orders_controller.rb (400
without an Order; create 201 / update 200 with `OrderBuilder.build` alone; destroy cancels,
204; 422 `{"error": …}`), app/services/order_builder.rb (`offeredItem.split('/supplied_products/')`
on a String; `quantity <= 0` skipped; absent lines destroyed; Held / Complete),
spec/fixtures/files/fdc-send-backorder.json (the shape OFN's own client sends).

FdcShopifyProducer — Food-Data-Collaboration/shopify-dfc-producer-app (6305250dc7): web/app.js
(`/api/dfc/Enterprises/:EnterpriseName/Orders`, `express.text({type: '*/json'})`: another
content type leaves the body empty), web/middleware/checkUserAccessPermissions.js (403 without
a token or with an inactive one), web/fdc-modules/orders/index.js (GET, POST /, PUT /:id),
controllers/create-order.js and update-order.js (any error: a bare 500; PUT: the Order's @id
must end in the URL's id, else 400; Complete completes the draft order; 200 with the whole
order), dfc/dfc-order.js (`extract`, the reply's ids under the app's URLs), controllers/
shopify/orders.js (`dfcLineToShopifyLine`; update drops quantity 0). Every body is parsed by the
official TypeScript connector (tests/interop/fdc_order_extract.mjs), as the app does.
"""

import json
import re
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

OFN_CONTEXT = "https://www.datafoodconsortium.org"
INTEROP = Path(__file__).resolve().parent.parent / "interop"


@dataclass
class HeldOrder:
    enterprise: str
    lines: dict  # variant id → quantity
    status: str = "Held"  # Held, Complete, Cancelled
    puts_after_complete: int = 0


@dataclass
class ProducerPlatformState:
    received: list = field(default_factory=list)  # (method, path, headers, body bytes)
    violations: list = field(default_factory=list)
    orders: dict = field(default_factory=dict)  # order id → HeldOrder
    tokens: set = field(default_factory=set)  # bearer tokens it accepts
    refuse_with: list = field(default_factory=list)  # (status, body) to answer next, in turn
    next_id: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Server:
    """A threaded HTTP server on loopback; subclasses answer `handle(method, path, headers,
    body) → (status, body or None, content type)`."""

    def __init__(self):
        self.state = ProducerPlatformState()
        self._server = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                headers = dict(self.headers.items())
                with fake.state.lock:
                    fake.state.received.append((self.command, self.path, headers, body))
                    refusal = fake.state.refuse_with.pop(0) if fake.state.refuse_with else None
                if refusal:
                    status, answer, content_type = refusal[0], refusal[1], "application/json"
                else:
                    status, answer, content_type = fake.handle(
                        self.command, self.path, headers, body
                    )
                raw = b""
                if answer is not None:
                    raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def violation(self, text: str) -> None:
        with self.state.lock:
            self.state.violations.append(text)

    def requests(self, method: str | None = None) -> list:
        return [r for r in self.state.received if method is None or r[0] == method]

    def _bearer(self, headers: dict) -> str | None:
        value = headers.get("Authorization", "")
        return value.split(" ", 1)[1] if value.startswith("Bearer ") else None

    def live_orders(self) -> dict:
        """{enterprise: [HeldOrder, …]} of the orders not cancelled."""
        held: dict = {}
        for order in self.state.orders.values():
            if order.status != "Cancelled":
                held.setdefault(order.enterprise, []).append(order)
        return held


def _named(value) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def _ref(value):
    """An IRI given as a string or as {"@id": …}."""
    return value.get("@id") if isinstance(value, dict) else value


class OpenFoodNetworkProducer(_Server):
    ORDERS = re.compile(r"^/api/dfc/enterprises/(?P<enterprise>\d+)/orders(?:/(?P<id>\d+))?$")

    def enterprise_url(self, enterprise_id: int) -> str:
        return f"{self.base_url}/api/dfc/enterprises/{enterprise_id}"

    def variant_url(self, enterprise_id: int, variant_id: int) -> str:
        return f"{self.enterprise_url(enterprise_id)}/supplied_products/{variant_id}"

    def handle(self, method, path, headers, body):
        token = self._bearer(headers)
        if token not in self.state.tokens:
            self.violation(f"{method} {path}: no known bearer token")
            return 401, None, "text/plain"
        match = self.ORDERS.match(path)
        if match is None or (method == "POST") == bool(match["id"]) or method == "GET":
            # Rails routes are case-sensitive, and there is no index of orders.
            self.violation(f"{method} {path}: no such route")
            return 404, None, "text/plain"
        enterprise, order_id = match["enterprise"], match["id"]
        if order_id and order_id not in self.state.orders:
            self.violation(f"{method} {path}: no such order")
            return 404, None, "text/plain"
        if method == "DELETE":
            order = self.state.orders[order_id]
            if order.status == "Cancelled":
                return 422, {"error": "Cannot cancel order in state 'canceled'"}, "application/json"
            order.status = "Cancelled"
            return 204, None, "text/plain"
        try:
            document = json.loads(body)
            lines, status = self._read(document)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            self.violation(f"{method} {path}: {error}")
            return 500, None, "text/plain"
        if lines is None:
            return 400, None, "text/plain"
        with self.state.lock:
            if method == "POST":
                order_id = str(self.state.next_id)
                self.state.next_id += 1
                self.state.orders[order_id] = HeldOrder(enterprise=enterprise, lines={})
            order = self.state.orders[order_id]
            if order.status == "Complete" and status != "Complete":
                self.violation(f"PUT {path}: an order completed is set back to {status}")
            order.lines = lines  # PUT replaces: lines absent are destroyed
            order.status = (
                "Complete" if status == "Complete" or order.status == "Complete" else "Held"
            )
        answer = {
            "@context": OFN_CONTEXT,
            "@id": f"{self.enterprise_url(int(enterprise))}/orders/{order_id}",
            "@type": "dfc-b:Order",
            "dfc-b:orderedBy": self.enterprise_url(int(enterprise)),
            "dfc-b:hasOrderStatus": "dfc-v:Held",
        }
        return (201 if method == "POST" else 200), answer, "application/json"

    def _read(self, document):
        """OrderBuilder.apply over what the Ruby connector imported; None: no Order (400)."""
        graph = {node["@id"]: node for node in document["@graph"]}
        for node_id in graph:
            if not _named(node_id):
                self.violation(f"node {node_id} is not named under an http(s) URL")
        orders = [n for n in graph.values() if n.get("@type") == "dfc-b:Order"]
        if not orders:
            return None, None
        order = orders[0]
        parts = order.get("dfc-b:hasPart", [])
        parts = parts if isinstance(parts, list) else [parts]
        lines = {}
        for part in parts:
            line = graph[_ref(part)]
            offer = graph[_ref(line["dfc-b:concerns"])]
            quantity = line["dfc-b:quantity"]
            if not isinstance(quantity, int | float) or isinstance(quantity, bool):
                raise TypeError(f"comparison of {type(quantity).__name__} with 0 failed")
            if quantity <= 0:
                continue
            if quantity != int(quantity):
                self.violation(f"quantity {quantity} is not whole (Spree line items)")
            offered_item = offer["dfc-b:offeredItem"]
            if not isinstance(offered_item, str):
                raise AttributeError("undefined method 'split' for an object offeredItem")
            variant = offered_item.split("/supplied_products/")[-1]
            if not variant.isdigit():
                self.violation(f"offeredItem {offered_item} names no variant")
                continue
            lines[int(variant)] = int(quantity)
        status = _ref(order.get("dfc-b:hasOrderStatus"))
        return lines, {"dfc-v:Held": "Held", "dfc-v:Complete": "Complete"}.get(status, status)


class FdcShopifyProducer(_Server):
    ORDERS = re.compile(r"^/api/dfc/Enterprises/(?P<shop>[\w-]+)/Orders(?:/(?P<id>\d+))?$")

    def enterprise_url(self, shop: str) -> str:
        return f"{self.base_url}/api/dfc/Enterprises/{shop}"

    def variant_url(self, shop: str, variant_id: int) -> str:
        return f"{self.enterprise_url(shop)}/SuppliedProducts/{variant_id}"

    def handle(self, method, path, headers, body):
        match = self.ORDERS.match(path)
        if match is None:
            self.violation(f"{method} {path}: no such route")
            return 404, b"Cannot " + method.encode(), "text/html"
        token = self._bearer(headers)
        if token is None:
            self.violation(f"{method} {path}: no token")
            return 403, {"message": "User access denied - token missing"}, "application/json"
        if token not in self.state.tokens:
            return 403, {"message": "User access denied - token expired"}, "application/json"
        shop, order_id = match["shop"], match["id"]
        if method == "GET" and not order_id:
            return 200, self._export(shop, self._orders_of(shop)), "application/json"
        if (method == "POST") == bool(order_id) or method not in ("POST", "PUT"):
            self.violation(f"{method} {path}: no such route")
            return 404, None, "text/html"
        content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not content_type.endswith("/json"):
            self.violation(f"{method} {path}: Content-Type {content_type!r} is not */json")
            return 500, None, "text/plain"
        read = self._extract(body, post=method == "POST")
        if "error" in read:
            self.violation(f"{method} {path}: connector: {read['error']}")
            return 500, None, "text/plain"
        with self.state.lock:
            if method == "POST":
                order_id = str(self.state.next_id)
                self.state.next_id += 1
                self.state.orders[order_id] = HeldOrder(
                    enterprise=shop,
                    lines={int(line["variant"]): line["quantity"] for line in read["lines"]},
                )
            else:
                if read["order"].rsplit("/", 1)[-1] != order_id:
                    self.violation(f"PUT {path}: ID does not match payload ({read['order']})")
                    return 400, b"ID does not match payload", "text/html"
                order = self.state.orders.get(order_id)
                if order is None:
                    self.violation(f"PUT {path}: unable to find order")
                    return 404, b"Unable to find order", "text/html"
                if order.status == "Complete":
                    # draftOrderComplete on a completed draft order fails: a bare 500.
                    order.puts_after_complete += 1
                    self.violation(f"PUT {path}: the draft order is already completed")
                    return 500, None, "text/plain"
                order.lines = {
                    int(line["variant"]): line["quantity"]
                    for line in read["lines"]
                    if line["quantity"] > 0
                }
                if read["status"].endswith("#Complete") or read["status"] == "dfc-v:Complete":
                    order.status = "Complete"
        return 200, self._export(shop, {order_id: self.state.orders[order_id]}), "application/json"

    def _extract(self, body: bytes, *, post: bool) -> dict:
        completed = subprocess.run(  # noqa: S603
            ["node", str(INTEROP / "fdc_order_extract.mjs"), "post" if post else "put"],
            input=body,
            capture_output=True,
            cwd=INTEROP,
            timeout=60,
            check=False,
        )
        if completed.returncode != 0:
            return {"error": completed.stderr.decode()[-300:]}
        return json.loads(completed.stdout)

    def _orders_of(self, shop: str) -> dict:
        return {key: order for key, order in self.state.orders.items() if order.enterprise == shop}

    def _export(self, shop: str, orders: dict) -> dict:
        """createDfcOrderFromShopify: the order, its lines, offers and SuppliedProducts under
        the app's own URLs (no orderNumber)."""
        graph = []
        for order_id, order in orders.items():
            order_url = f"{self.enterprise_url(shop)}/Orders/{order_id}"
            line_ids = []
            for number, (variant, quantity) in enumerate(sorted(order.lines.items()), start=1):
                product = self.variant_url(shop, variant)
                offer = f"{self.enterprise_url(shop)}/Offers/{variant}"
                line_id = f"{order_url}/orderLines/{number}"
                line_ids.append(line_id)
                graph += [
                    {"@id": product, "@type": "dfc-b:SuppliedProduct"},
                    {"@id": offer, "@type": "dfc-b:Offer", "dfc-b:offeredItem": product},
                    {
                        "@id": line_id,
                        "@type": "dfc-b:OrderLine",
                        "dfc-b:concerns": offer,
                        "dfc-b:quantity": quantity,
                    },
                ]
            status = "Complete" if order.status == "Complete" else "Held"
            graph.append(
                {
                    "@id": order_url,
                    "@type": "dfc-b:Order",
                    "dfc-b:hasPart": line_ids,
                    "dfc-b:hasOrderStatus": f"dfc-v:{status}",
                }
            )
        return {
            "@context": "https://www.datafoodconsortium.org/wp-content/plugins/"
            "wordpress-context-jsonld/context_1.16.0.jsonld",
            "@graph": graph,
        }
