"""The partner API over HTTP, Larder beside the minimal server (bench/minimal_partner.py) in one
run, under the same gunicorn, 8 clients on loopback (bench/bench_http.py has the machinery).

One operation is a hub's round: DFC POST of a Held order of 3 lines (bearer token,
Idempotency-Key, JSON-LD), PUT amending it (one line reduced, one removed; If-Match), GET the
Orders list (a page of 50). Each request is timed on its own. Each client orders its own three
products, so clients do not queue on each other's stock rows (they do share the hub's row,
which every POST locks, as they would in production).

Statements are counted over HTTP (bench/counting_wsgi.py) for POSTs of 1 and 50 lines and PUTs
changing every line of them; the throttle and idempotency lookups' own statements are counted
apart; they are counted once the hub has placed an order (its first order records the hub and
its session: counted apart). POSTs of 1,000 lines are timed after the rounds, three on each
server in turn: the figure is their median.
"""

import os
import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from bench import bench_http as h

TARGET_STATEMENTS = 20
TARGET_BIG_POST_S = 1.0
WANTED_LINES = 1_000  # the issue's large POST
BIG_POSTS = 3


def _big_lines() -> int:
    """The issue's 1,000 lines (or fewer, were Larder to refuse that many: MAX_LINES)."""
    from platforms.dfc.parse import MAX_LINES

    return min(WANTED_LINES, MAX_LINES)


def _asked() -> str:
    return "" if _big_lines() == WANTED_LINES else f" ({WANTED_LINES:,} asked)"


def _seconds(times: list[float]) -> str:
    return " / ".join(f"{t:.2f}" for t in times)


OFFERS = max(WANTED_LINES, 3 * h.CLIENTS)


def partner_fixture(offers: int = OFFERS):
    """A local producer selling `offers` products (5.5 % VAT, ample stock) in an open session,
    a partner platform with a token for its orders: (slug, offer ids, token)."""
    from inventory.models import Product, Stock
    from platforms.models import Enterprise, Platform
    from platforms.partner_api.credentials import api_credential_issue
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
    products = Product.objects.bulk_create(
        Product(producer=farm, name=f"{tag} product {n}") for n in range(offers)
    )
    Stock.objects.bulk_create(Stock(product=p, on_hand=Decimal("10000000")) for p in products)
    made = Offer.objects.bulk_create(
        Offer(session=session, product=p, price=Decimal("2") + n % 7, vat_rate=Decimal("5.50"))
        for n, p in enumerate(products)
    )
    token = api_credential_issue(
        platform=partner, name="bench", scopes=["orders:read", "orders:write"]
    ).token
    return farm.slug, [o.pk for o in made], token


def graph(slug: str, lines: list[tuple[int, int]]) -> dict:
    base = f"{settings.LARDER_PUBLIC_URL}/api/dfc/Enterprises/{slug}"
    nodes = [
        {
            "@id": "#order",
            "@type": "dfc-b:Order",
            "dfc-b:orderedBy": "https://hub.example/api/dfc/Enterprises/hub",
            "dfc-b:belongsTo": "https://hub.example/api/dfc/Enterprises/hub/SaleSessions/1",
            "dfc-b:hasOrderStatus": "dfc-v:Held",
            "dfc-b:hasPart": [f"#l{n}" for n in range(len(lines))],
        }
    ]
    nodes += [
        {
            "@id": f"#l{n}",
            "@type": "dfc-b:OrderLine",
            "dfc-b:concerns": f"{base}/Offers/{offer}",
            "dfc-b:quantity": quantity,
        }
        for n, (offer, quantity) in enumerate(lines)
    ]
    return {"@context": "https://www.datafoodconsortium.org", "@graph": nodes}


def _post(http, url, slug, lines, key):
    return http.post(
        f"{url}/api/dfc/Enterprises/{slug}/Orders",
        json=graph(slug, lines),
        headers={"Content-Type": "application/ld+json", "Idempotency-Key": key},
    )


def _put(http, created, slug, lines):
    # Location names the public URL; the request goes to the server that answered.
    server = created.url.split("/api/", 1)[0]
    location = f"{server}/api/{created.headers['Location'].split('/api/', 1)[1]}"
    return http.put(
        location,
        json=graph(slug, lines),
        headers={"Content-Type": "application/ld+json", "If-Match": created.headers["ETag"]},
    )


def partner_round(http, url: str, slug: str, offers: list[int], n: int) -> dict:
    """POST 3 lines, PUT one reduced and one removed, GET a page of 50: each timed."""
    a, b, c = offers
    key = f"bench-{os.getpid()}-{n}-{time.time_ns()}"
    timed = {}
    started = time.perf_counter()
    created = _post(http, url, slug, [(a, 4), (b, 3), (c, 2)], key)
    h.ok(created)
    timed["POST"] = time.perf_counter() - started
    started = time.perf_counter()
    h.ok(_put(http, created, slug, [(a, 1), (b, 3)]))
    timed["PUT"] = time.perf_counter() - started
    started = time.perf_counter()
    h.ok(http.get(f"{url}/api/dfc/Enterprises/{slug}/Orders", params={"limit": 50}))
    timed["GET"] = time.perf_counter() - started
    return timed


def _accept(http):
    http.headers["Accept"] = "application/ld+json"
    return http


def _counts(url: str, slug: str, offers: list[int], token: str) -> dict:
    """Statements of POST then PUT of 1 and of 50 lines, and of a GET, over HTTP; after a first
    order of the hub (it records the hub and its session, once per hub: counted apart)."""
    http = _accept(h.http_session(token=token))
    first = _post(http, url, slug, [(offers[0], 1)], f"count-first-{time.time_ns()}")
    h.ok(first)
    counts: dict = {"first": int(first.headers["X-Statements"])}
    for size in (1, 50):
        lines = [(offer, 4) for offer in offers[:size]]
        created = _post(http, url, slug, lines, f"count-{size}-{time.time_ns()}")
        h.ok(created)
        amended = _put(http, created, slug, [(offer, 3) for offer, _ in lines])
        h.ok(amended)
        counts[size] = {
            "POST": int(created.headers["X-Statements"]),
            "PUT": int(amended.headers["X-Statements"]),
            "lookups": int(created.headers.get("X-Statement-Lookups", 0)),
            "order": int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1]),
        }
    listed = http.get(f"{url}/api/dfc/Enterprises/{slug}/Orders", params={"limit": 50})
    counts["GET"] = int(listed.headers["X-Statements"])
    counts["GET lookups"] = int(listed.headers.get("X-Statement-Lookups", 0))
    return counts


_PARTNER_PICTURE = {
    **{k: v for k, v in h.PICTURE.items() if k != "work requests"},
    "work requests": """
        SELECT DISTINCT kind FROM config_workrequest
        WHERE (params ->> 'order_id')::bigint = %(id)s""",
    "partner order": """
        SELECT platform_id, seller_id, remote_id, remote_number
        FROM platforms_partnerorder WHERE order_id = %(id)s""",
    "hub and session": """
        SELECT o.trader_id, o.sales_session_id, o.origin_platform_id FROM orders_order o
        WHERE o.id = %(id)s""",
}


def _big_post(url: str, slug: str, offers: list[int], token: str) -> float:
    http = _accept(h.http_session(token=token))
    started = time.perf_counter()
    lines = [(o, 1) for o in offers[: _big_lines()]]
    response = _post(http, url, slug, lines, f"big-{time.time_ns()}")
    elapsed = time.perf_counter() - started
    h.ok(response)
    return elapsed


def run() -> list[dict]:
    h.production_keys()
    slug, offers, token = partner_fixture()
    prefix = f"bench-partner-{os.getpid()}-"
    servers = {}
    try:
        for kind in ("larder", "minimal", "counting"):
            servers[kind] = h.Server(kind, prefix)
        counts = {
            "larder": _counts(servers["counting"].url, slug, offers, token),
            "minimal": _counts(servers["minimal"].url, slug, offers, token),
        }
        servers.pop("counting").stop()
        different = [
            d
            for size in (1, 50)
            for d in h.differences(
                counts["larder"][size]["order"],
                counts["minimal"][size]["order"],
                pictures=_PARTNER_PICTURE,
            )
        ]
        # A page of 50 to list from the start.
        http = _accept(h.http_session(token=token))
        for n in range(50):
            key = f"fill-{n}-{time.time_ns()}"
            h.ok(_post(http, servers["minimal"].url, slug, [(offers[n], 1)], key))
        result = h.abba(
            servers,
            lambda url: h.drive(
                partner_round,
                [
                    {"token": token, "url": url, "slug": slug, "offers": offers[3 * c : 3 * c + 3]}
                    for c in range(h.CLIENTS)
                ],
            ),
        )
        # Three each, alternating (Larder, minimal, minimal, Larder, Larder, minimal): a
        # server's first large order also pays for growing its worker's and its database
        # backend's memory; the figure is the median, the three are shown.
        big: dict[str, list[float]] = {name: [] for name in servers}
        for turn in range(BIG_POSTS):
            for name in ("larder", "minimal") if turn % 2 == 0 else ("minimal", "larder"):
                big[name].append(_big_post(servers[name].url, slug, offers, token))
    finally:
        for server in servers.values():
            server.stop()
        h.drop_queues(prefix)

    larder, minimal = result["larder"], result["minimal"]
    figures = [
        h.ratio_figure(
            "partner round (POST 3 lines, PUT, GET 50): throughput",
            larder["rate"],
            minimal["rate"],
            "rounds/s",
        )
    ]
    for kind in ("POST", "PUT", "GET"):
        mine, theirs = larder["parts"][kind], minimal["parts"][kind]
        figures += [
            h.ratio_figure(f"partner {kind}: p50", mine["p50"], theirs["p50"], "ms"),
            h.ratio_figure(f"partner {kind}: p95", mine["p95"], theirs["p95"], "ms"),
        ]
    own, other = counts["larder"], counts["minimal"]
    for kind in ("POST", "PUT"):
        one, fifty = own[1][kind], own[50][kind]
        figures.append(
            {
                "name": f"statements per partner {kind}, 1 and 50 lines",
                "value": f"{one} / {fifty}",
                "minimal": f"{other[1][kind]} / {other[50][kind]}",
                "target": f"equal, ≤ {TARGET_STATEMENTS}",
                "ok": one == fifty and fifty <= TARGET_STATEMENTS,
            }
        )
    figures += [
        {"name": "statements of a hub's first order (1 line; records the hub and its session, "
                 "and when the token was used, once a minute)", "value": own["first"]},
        {"name": "statements per GET of the Orders list (page of 50)", "value": own["GET"],
         "minimal": other["GET"]},
        {
            "name": "the minimal server wrote the same rows (POST then PUT, 1 and 50 lines: "
            "order, items, sub-order, adjustments, events, reservations, stock, partner order, "
            "hub and session, work requests)",
            "value": "same" if not different else "; ".join(different)[:3000],
            "target": "same",
            "ok": not different,
        },
        {
            "name": "statements of the throttle and idempotency lookups, per POST / GET",
            "value": f"{own[1]['lookups']} / {own['GET lookups']}",
            "minimal": "0 / 0 (Redis)",
            "target": "0 / 0",
            "ok": own[1]["lookups"] == 0 and own["GET lookups"] == 0,
        },
        {
            "name": f"a DFC POST of {_big_lines():,} lines{_asked()} (after the rounds; median "
            f"of {BIG_POSTS}, each a new order: {_seconds(big['larder'])} s)",
            "value": f"{statistics.median(big['larder']):.2f}",
            "unit": "s",
            "minimal": f"{statistics.median(big['minimal']):.2f} s ({_seconds(big['minimal'])})",
            "ratio": f"{statistics.median(big['larder']) / statistics.median(big['minimal']):.1f}×",
            "target": f"< {TARGET_BIG_POST_S:g} s",
            "ok": statistics.median(big["larder"]) < TARGET_BIG_POST_S,
        },
    ]  # fmt: skip
    return figures
