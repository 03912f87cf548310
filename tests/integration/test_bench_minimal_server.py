"""The bench's yardstick (bench/minimal_server.py) does the work Larder does: a whole storefront
checkout through it writes the same rows as the same checkout through Larder's storefront API,
with the same guarantees (CSRF, only the customer's own cart, all-or-nothing stock). Called
in process as a WSGI app; the timed comparison is `make bench` (docs/performance.md)."""

import io
import json
from decimal import Decimal

import pytest
from django.test import Client

from bench import bench_http, bench_partner_http, minimal_partner, minimal_server
from inventory.models import Stock
from orders.models import Order
from tests.support.database import database_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class Minimal:
    """The minimal server's WSGI app, signed in with a Django session cookie."""

    def __init__(self, cookie: str):
        self.cookie = f"sessionid={cookie}; csrftoken=abcdefabcdefabcdefabcdefabcdef12"
        self.csrf = "abcdefabcdefabcdefabcdefabcdef12"

    def post(self, path: str, body: dict, csrf: str | None = None, method="POST", **headers):
        data = json.dumps(body).encode()
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data), "HTTP_COOKIE": self.cookie,
            "HTTP_X_CSRFTOKEN": self.csrf if csrf is None else csrf, **headers,
        }  # fmt: skip
        started = {}
        body = b"".join(
            minimal_server.app(environ, lambda s, h: started.update(status=s, headers=h))
        )
        return int(started["status"].split()[0]), json.loads(body), dict(started["headers"])


@pytest.fixture
def storefront(settings, monkeypatch):
    monkeypatch.setattr(minimal_server, "DATABASE_URL", database_url())
    monkeypatch.setattr(minimal_server, "SECRET_KEY", settings.SECRET_KEY)
    monkeypatch.setattr(minimal_server, "QUEUE_URL", "")
    session, offers, cookies = bench_http.storefront_fixture(products=12)
    yield session, offers, cookies
    db = getattr(minimal_server._local, "db", None)
    if db is not None:
        db.connection.close()
        del minimal_server._local.db


def _larder_checkout(cookie: str, session_id: int, offers: list[int]) -> int:
    client = Client(SERVER_NAME="127.0.0.1")
    client.cookies["sessionid"] = cookie
    api = "/api/storefront"
    cart = client.post(f"{api}/carts/", {"session": session_id}, content_type="application/json")
    order = cart.json()["id"]
    for offer in offers:
        added = client.post(
            f"{api}/carts/{order}/items/", {"offer": offer, "quantity": "2"},
            content_type="application/json",
        )  # fmt: skip
        assert added.status_code == 201, added.content
    assert client.post(f"{api}/carts/{order}/submit/").status_code == 200
    paid = client.post(f"{api}/carts/{order}/pay/", {"method": "invoice"}, "application/json")
    assert paid.json()["status"] == "I"
    return order


def _minimal_checkout(minimal: Minimal, session_id: int, offers: list[int]) -> tuple[int, list]:
    api = "/api/storefront"
    status, cart, headers = minimal.post(f"{api}/carts/", {"session": session_id})
    assert status == 201, cart
    order, counts = cart["id"], [int(headers["X-Statements"])]
    for offer in offers:
        status, body, headers = minimal.post(
            f"{api}/carts/{order}/items/", {"offer": offer, "quantity": "2"}
        )
        assert status == 201, body
        counts.append(int(headers["X-Statements"]))
    for step, body in (("submit", {}), ("pay", {"method": "invoice"})):
        status, cart, headers = minimal.post(f"{api}/carts/{order}/{step}/", body)
        assert status == 200, cart
        counts.append(int(headers["X-Statements"]))
    assert cart["status"] == "I"
    assert [i["reserved_quantity"] for i in cart["items"]] == ["2.000"] * len(offers)
    return order, counts


@pytest.mark.parametrize("items", [1, 3, 10])
def test_a_minimal_checkout_writes_what_larders_writes(storefront, items):
    session, offers, cookies = storefront
    chosen = offers[:items]
    larder = _larder_checkout(cookies[0], session.pk, chosen)
    minimal, counts = _minimal_checkout(Minimal(cookies[0]), session.pk, chosen)
    # The tests run Celery eagerly: Larder's producer-orders work request is done and gone.
    assert bench_http.differences(larder, minimal, skip={"work requests"}) == []
    assert bench_http.picture(minimal)["work requests"] == [
        ("producer_orders_refresh", '{"also_producer_ids": []}')
    ]
    # Statements per request do not grow with the cart (the first add makes the sub-order).
    assert len(set(counts[2:-2])) <= 1


def test_the_minimal_server_keeps_larders_guarantees(storefront):
    session, offers, cookies = storefront
    minimal = Minimal(cookies[0])
    api = "/api/storefront"
    status, _, _ = minimal.post(f"{api}/carts/", {"session": session.pk}, csrf="0" * 32)
    assert status == 403
    _, cart, _ = minimal.post(f"{api}/carts/", {"session": session.pk})
    # Another customer's cart is not found, not changed.
    status, _, _ = Minimal(cookies[1]).post(
        f"{api}/carts/{cart['id']}/items/", {"offer": offers[0], "quantity": "1"}
    )
    assert status == 404
    # Short stock: nothing reserved, the cart stays a cart.
    minimal.post(f"{api}/carts/{cart['id']}/items/", {"offer": offers[0], "quantity": "5"})
    minimal.post(f"{api}/carts/{cart['id']}/items/", {"offer": offers[1], "quantity": "5"})
    Stock.objects.filter(product__offers=offers[1]).update(on_hand=Decimal(4))
    status, problem, _ = minimal.post(f"{api}/carts/{cart['id']}/submit/", {})
    assert status == 409
    assert "Insufficient stock" in problem["detail"]
    assert not Stock.objects.filter(product__offers__in=offers[:2], reserved__gt=0).exists()
    status, problem, _ = minimal.post(f"{api}/carts/{cart['id']}/pay/", {"method": "invoice"})
    assert status == 409
    assert "must be submitted" in problem["detail"]


@pytest.fixture
def partner(settings, monkeypatch):
    monkeypatch.setattr(minimal_server, "DATABASE_URL", database_url())
    monkeypatch.setattr(minimal_partner, "PUBLIC_URL", settings.LARDER_PUBLIC_URL)
    monkeypatch.setattr(minimal_partner, "_redis", None)
    monkeypatch.delenv("MINIMAL_QUEUE_URL", raising=False)
    yield bench_partner_http.partner_fixture(offers=4)
    db = getattr(minimal_server._local, "db", None)
    if db is not None:
        db.connection.close()
        del minimal_server._local.db


def test_a_minimal_partner_post_and_put_write_what_larders_write(partner):
    slug, offers, token = partner
    orders = f"/api/dfc/Enterprises/{slug}/Orders"
    placed = [(offers[0], 4), (offers[1], 3), (offers[2], 2)]
    amended = [(offers[0], 1), (offers[1], 3)]
    larder = Client(HTTP_AUTHORIZATION=f"Bearer {token}", SERVER_NAME="127.0.0.1")
    created = larder.post(
        orders, bench_partner_http.graph(slug, placed), content_type="application/ld+json",
        HTTP_IDEMPOTENCY_KEY="larder-1",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    larder_id = int(created["Location"].rsplit("/", 1)[1])
    put = larder.put(
        f"{orders}/{larder_id}", bench_partner_http.graph(slug, amended),
        content_type="application/ld+json", HTTP_IF_MATCH=created["ETag"],
    )  # fmt: skip
    assert put.status_code == 200, put.content

    minimal = Minimal("")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = bench_partner_http.graph(slug, placed)
    status, _, headers = minimal.post(orders, body, HTTP_IDEMPOTENCY_KEY="minimal-1", **auth)
    assert status == 201
    minimal_id = int(headers["Location"].rsplit("/", 1)[1])
    status, _, _ = minimal.post(
        f"{orders}/{minimal_id}", bench_partner_http.graph(slug, amended), method="PUT",
        HTTP_IF_MATCH=headers["ETag"], **auth,
    )  # fmt: skip
    assert status == 200
    # The tests run Celery eagerly: Larder's producer-orders work requests are done and gone.
    assert (
        bench_http.differences(
            larder_id, minimal_id, skip={"work requests"},
            pictures=bench_partner_http._PARTNER_PICTURE,
        )
        == []
    )  # fmt: skip

    # A replay answers the first response and places nothing.
    count = Order.objects.count()
    status, _, replay = minimal.post(orders, body, HTTP_IDEMPOTENCY_KEY="minimal-1", **auth)
    assert status == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay["Location"] == headers["Location"]
    assert Order.objects.count() == count
    # A stale If-Match is refused.
    status, _, _ = minimal.post(
        f"{orders}/{minimal_id}", bench_partner_http.graph(slug, placed), method="PUT",
        HTTP_IF_MATCH=headers["ETag"], **auth,
    )  # fmt: skip
    assert status == 412
