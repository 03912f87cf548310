"""A partner platform on loopback for tests: a real HTTP server that speaks just enough DFC.

It records every request (method, path, headers, body), applies each Idempotency-Key once
(a replay gets the first response back) unless told to ignore the header as OFN and FDC do,
assigns @ids to new orders and lines, lists a producer's orders (GET …/Orders) and reads one
(GET …/Orders/{id}), serves other documents on GET (a catalogue), can answer a discount of
its own, and can be told to fail (status codes), to stall, or be stopped and started again
on the same port.
"""

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTEXT = "https://www.datafoodconsortium.org"


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class PartnerState:
    received: list[Received] = field(default_factory=list)
    applied_keys: list[str] = field(default_factory=list)
    responses_by_key: dict = field(default_factory=dict)
    orders: dict = field(default_factory=dict)  # path → graph
    fail_with: list[int] = field(default_factory=list)  # statuses to answer, in turn
    stall_seconds: float = 0.0  # before answering (and before applying)
    stall_after_apply_seconds: float = 0.0  # applied, then the answer is slow to come
    honour_idempotency_keys: bool = True  # False: like OFN and FDC, every request applies
    next_id: int = 1
    documents: dict = field(default_factory=dict)  # path → JSON-LD served on GET (catalogue)
    reply_discount: float | None = None  # when set, the seller's own Order discount in replies
    lock: threading.Lock = field(default_factory=threading.Lock)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that gave up waiting (a timeout under test) closed the socket: expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class PartnerServer:
    def __init__(self, port: int = 0):
        self.state = PartnerState()
        self._port = port
        self._server = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def producer_url(self, slug: str) -> str:
        return f"{self.base_url}/api/dfc/Enterprises/{slug}"

    def start(self) -> "PartnerServer":
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict | None = None):
                raw = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _handle(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with state.lock:
                    state.received.append(
                        Received(self.command, self.path, dict(self.headers.items()), body)
                    )
                    failure = state.fail_with.pop(0) if state.fail_with else None
                    stall = state.stall_seconds
                if stall:
                    time.sleep(stall)
                if failure:
                    return self._answer(failure, {"title": "failing on purpose"})
                key = self.headers.get("Idempotency-Key")
                if not state.honour_idempotency_keys:
                    key = None
                with state.lock:
                    if key is not None and key in state.responses_by_key:
                        return self._answer(*state.responses_by_key[key])
                    status, answer = self._apply(json.loads(body) if body else None)
                    state.applied_keys.append(self.headers.get("Idempotency-Key"))
                    if key is not None:
                        state.responses_by_key[key] = (status, answer)
                    stall_after = state.stall_after_apply_seconds
                if stall_after:
                    time.sleep(stall_after)
                return self._answer(status, answer)

            def _apply(self, document):
                graph = [dict(node) for node in document["@graph"]]
                order = next(n for n in graph if n["@type"] == "dfc-b:Order")
                if self.command == "POST":
                    order_id = (
                        f"http://127.0.0.1:{self.server.server_port}{self.path}/{state.next_id}"
                    )
                    state.next_id += 1
                else:
                    order_id = f"http://127.0.0.1:{self.server.server_port}{self.path}"
                    if self.path not in state.orders:
                        return 404, {"title": "no such order"}
                renames = {order["@id"]: order_id}
                for node in graph:
                    # Like Larder (orders/services/partner_orders.py): a line not already under
                    # this order's own @id is new here and gets a server id.
                    if node["@type"] == "dfc-b:OrderLine" and not node["@id"].startswith(
                        order_id + "/OrderLines/"
                    ):
                        renames[node["@id"]] = f"{order_id}/OrderLines/{state.next_id}"
                        state.next_id += 1
                for node in graph:
                    node["@id"] = renames.get(node["@id"], node["@id"])
                    if "dfc-b:hasPart" in node:
                        node["dfc-b:hasPart"] = [
                            {"@id": renames.get(part["@id"], part["@id"])}
                            for part in node["dfc-b:hasPart"]
                        ]
                if state.reply_discount is not None:
                    # The seller decides: it answers its own discount, whatever was sent.
                    order = next(n for n in graph if n["@type"] == "dfc-b:Order")
                    order["dfc-b:discount"] = state.reply_discount
                state.orders[order_id.split(str(self.server.server_port), 1)[1]] = graph
                return (201 if self.command == "POST" else 200), {
                    "@context": document["@context"],
                    "@graph": graph,
                }

            def do_GET(self):
                with state.lock:
                    state.received.append(
                        Received(self.command, self.path, dict(self.headers.items()), b"")
                    )
                    failure = state.fail_with.pop(0) if state.fail_with else None
                    document = state.documents.get(self.path)
                    if self.path.endswith("/Orders"):
                        prefix = self.path + "/"
                        graph = [
                            node
                            for path, nodes in state.orders.items()
                            if path.startswith(prefix) and "/" not in path[len(prefix) :]
                            for node in nodes
                        ]
                    else:
                        graph = state.orders.get(self.path)
                if failure:
                    return self._answer(failure, {"title": "failing on purpose"})
                if document is not None:  # a catalogue the test serves
                    return self._answer(200, document)
                if graph is None:
                    return self._answer(404, {"title": "no such order"})
                return self._answer(200, {"@context": CONTEXT, "@graph": graph})

            do_POST = _handle
            do_PUT = _handle

        self._server = QuietServer(("127.0.0.1", self._port), Handler)
        self._port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def port(self) -> int:
        return self._port

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def requests(self, method: str | None = None) -> list[Received]:
        return [r for r in self.state.received if method is None or r.method == method]

    def order_nodes(self) -> list[dict]:
        """The Order node of every order the partner holds."""
        with self.state.lock:
            return [
                node
                for nodes in self.state.orders.values()
                for node in nodes
                if node["@type"] == "dfc-b:Order"
            ]
