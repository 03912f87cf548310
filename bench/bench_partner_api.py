"""Partner API latency, in process through Django's test client (no network): a hub's DFC
order POSTed with three lines, amended by PUT (one line reduced, one removed), the DFC Orders
list and the /api/v1/orders/ list of 200 orders, with the statements each request runs.

Every request goes the whole way: token lookup, per-platform throttle (database cache),
scoping, JSON-LD parsing, stock reservation through the inventory services, pricing, the
Idempotency-Key record, rendering."""

import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

ROUNDS = 40
LIST_ROWS = 200
TARGETS_MS = {"post": 150, "put": 150, "dfc_list": 500, "v1_list": 250}


def _fixture():
    from inventory.models import Product
    from inventory.services.stock import stock_set
    from platforms.credentials import api_credential_issue
    from platforms.models import Enterprise, Platform
    from sessions_app.models import Offer, SaleSession

    tag = f"bench-{time.time_ns()}"
    local, _ = Platform.objects.get_or_create(
        is_local=True, defaults={"name": "This Larder", "slug": "larder"}
    )
    partner = Platform.objects.create(
        name=f"{tag} hub", slug=f"{tag}-hub", kind="ofn", base_url="http://127.0.0.1:9/"
    )
    farm = Enterprise.objects.create(
        platform=local, kind="producer", name=f"{tag} farm", slug=f"{tag}-farm"
    )
    now = timezone.now()
    session = SaleSession.objects.create(
        trader=farm,
        name=tag,
        begins_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
        state=SaleSession.State.OPEN,
    )
    offers = []
    for n in range(3):
        product = Product.objects.create(producer=farm, name=f"{tag} product {n}")
        stock_set(product_id=product.pk, on_hand=Decimal("1000000"))
        offers.append(Offer.objects.create(session=session, product=product, price=Decimal("2")))
    token = api_credential_issue(
        platform=partner, name="bench", scopes=["orders:read", "orders:write"]
    ).token
    return farm, offers, token


def _graph(base, offers_and_quantities, status="Held"):
    graph = [
        {
            "@id": "#order",
            "@type": "dfc-b:Order",
            "dfc-b:orderedBy": "https://hub.example/api/dfc/Enterprises/hub",
            "dfc-b:belongsTo": "https://hub.example/api/dfc/Enterprises/hub/SaleSessions/1",
            "dfc-b:hasOrderStatus": f"dfc-v:{status}",
            "dfc-b:hasPart": [f"#l{n}" for n in range(len(offers_and_quantities))],
        }
    ]
    for n, (offer, quantity) in enumerate(offers_and_quantities):
        graph.append(
            {
                "@id": f"#l{n}",
                "@type": "dfc-b:OrderLine",
                "dfc-b:concerns": f"{settings.LARDER_PUBLIC_URL}{base}/Offers/{offer.pk}",
                "dfc-b:quantity": quantity,
            }
        )
    return {"@context": "https://www.datafoodconsortium.org", "@graph": graph}


def _timed(call):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code < 300, response.content[:500]
    return elapsed, len(queries), response


def _figure(name, samples, target=None, unit="ms"):
    value = round(statistics.median(samples), 1)
    figure = {"name": name, "value": value, "unit": unit}
    if target is not None:
        figure.update(target=f"< {target} {unit}", ok=value < target)
    return figure


def run() -> list[dict]:
    settings.LARDER_API_THROTTLE_RATE = "1000000/min"
    farm, offers, token = _fixture()
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT="application/ld+json",
        HTTP_HOST="127.0.0.1",
    )
    base = f"/api/dfc/Enterprises/{farm.slug}"
    posts, puts, post_queries, put_queries = [], [], [], []
    for n in range(ROUNDS):
        body = _graph(base, [(offers[0], 4), (offers[1], 3), (offers[2], 2)])
        elapsed, queries, response = _timed(
            lambda body=body, n=n: client.post(
                f"{base}/Orders",
                body,
                content_type="application/ld+json",
                HTTP_IDEMPOTENCY_KEY=f"bench-post-{time.time_ns()}-{n}",
            )
        )
        posts.append(elapsed)
        post_queries.append(queries)
        amended = _graph(base, [(offers[0], 1), (offers[1], 3)])
        elapsed, queries, _ = _timed(
            lambda location=response["Location"], etag=response["ETag"], amended=amended: (
                client.put(
                    location, amended, content_type="application/ld+json", HTTP_IF_MATCH=etag
                )
            )
        )
        puts.append(elapsed)
        put_queries.append(queries)
    for _ in range(LIST_ROWS - ROUNDS):
        client.post(
            f"{base}/Orders", _graph(base, [(offers[0], 1)]), content_type="application/ld+json"
        )
    dfc_list, dfc_queries, v1_list, v1_queries = [], [], [], []
    for _ in range(10):
        elapsed, queries, response = _timed(
            lambda: client.get(f"{base}/Orders", {"limit": LIST_ROWS})
        )
        dfc_list.append(elapsed)
        dfc_queries.append(queries)
        elapsed, queries, _ = _timed(
            lambda: client.get(
                "/api/v1/orders/", {"limit": LIST_ROWS}, HTTP_ACCEPT="application/json"
            )
        )
        v1_list.append(elapsed)
        v1_queries.append(queries)
    return [
        _figure("POST a Held DFC order, 3 lines (median)", posts, TARGETS_MS["post"]),
        _figure("statements per POST", post_queries, unit=""),
        _figure("PUT it: one line reduced, one removed (median)", puts, TARGETS_MS["put"]),
        _figure("statements per PUT", put_queries, unit=""),
        _figure(f"GET DFC Orders, {LIST_ROWS} orders (median)", dfc_list, TARGETS_MS["dfc_list"]),
        _figure(f"statements per DFC list of {LIST_ROWS}", dfc_queries, unit=""),
        _figure(f"GET /api/v1/orders/, {LIST_ROWS} rows (median)", v1_list, TARGETS_MS["v1_list"]),
        _figure(f"statements per v1 list of {LIST_ROWS}", v1_queries, unit=""),
    ]
