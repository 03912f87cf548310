"""The partner flows of the minimal server (bench/minimal_server.py): a hub POSTs a Held DFC
order to a producer's Orders, PUTs an amendment, GETs the Orders list — the same endpoints as
Larder's platforms/partner_api/apis/dfc.py, with hand-written SQL and the same guarantees:

- the bearer token checked as platforms/partner_api/credentials.py checks it (prefix, SHA-256
  hash, not revoked, scope, the enterprises it may act for; `last_used_at` written at most once a
  minute); the platform throttled in Redis (a counter per minute: no database round trip);
- an Idempotency-Key looked up in Redis first, its record written in the same transaction as
  the order (a concurrent twin fails on the unique key, rolls back and replays);
- the ordering hub and its session found or made (the hub row locked while its session is
  looked up), offers the seller's own in an open session, stock rows locked in product order,
  every line checked, reserved all or nothing (firm: a Held order is placed, DFC Held = I);
- a PUT locks the order, checks If-Match against its version, and rewrites lines, reservations
  and stock by difference, with Larder's events (I → E, removed, changed, added, E → I).

Rows written are Larder's: order, partner order, items, sub-order, VAT adjustments, events,
reservations, stock, idempotency record, producer-orders work request (on PUT). Only what the
bench sends is implemented (lines naming an Offer, Held, pieces, no pricing rules for the
seller, stocked products); anything else is refused with 501.
"""

import hashlib
import hmac
import json
import os
import re
import zlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import psycopg

from bench.minimal_server import Db, Problem, redis_errors

PUBLIC_URL = os.environ.get("LARDER_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
THROTTLE_PER_MINUTE = int(os.environ.get("LARDER_API_THROTTLE_RATE", "600/min").split("/")[0])
CONTEXT = (
    "https://www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/"
    "context_1.16.0.jsonld"
)
CENT = Decimal("0.01")
MAX_LINES = 2_000  # as platforms/dfc/parse.py refuses longer orders
# Redis keys of this server (the run's own: a fresh database reuses platform ids).
NAMESPACE = os.environ.get("MINIMAL_QUEUE_KEY", "minimal")

_redis = None


def _cache():
    global _redis
    url = os.environ.get("MINIMAL_QUEUE_URL", "")
    if _redis is None and url:
        import redis

        _redis = redis.Redis.from_url(url)
    return _redis


# --- credential, throttle ---------------------------------------------------------------------

_CREDENTIAL = """
    SELECT c.id, c.platform_id, c.token_hash, c.scopes, c.requires_if_match,
           c.last_used_at IS NULL OR c.last_used_at < now() - interval '1 minute',
           p.slug, p.name, e.id
    FROM platforms_apicredential c
    JOIN platforms_platform p ON p.id = c.platform_id
    LEFT JOIN platforms_enterprise e ON e.slug = %(slug)s
      AND e.platform_id IN (SELECT id FROM platforms_platform WHERE is_local)
      AND (NOT EXISTS (SELECT 1 FROM platforms_apicredential_enterprises x
                       WHERE x.apicredential_id = c.id)
           OR EXISTS (SELECT 1 FROM platforms_apicredential_enterprises x
                      WHERE x.apicredential_id = c.id AND x.enterprise_id = e.id))
    WHERE c.token_prefix = %(prefix)s AND c.revoked_at IS NULL"""


def _partner(environ, db: Db, slug: str, scope: str) -> dict:
    token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
    row = db.one(_CREDENTIAL, {"slug": slug, "prefix": token[:12]})
    digest = hashlib.sha256(token.encode()).hexdigest()
    if row is None or not hmac.compare_digest(row[2], digest):
        raise Problem(401, "The token is not valid or has been revoked.")
    credential, platform, _, scopes, requires_if_match, stale, platform_slug, name, seller = row
    if scope not in scopes:
        raise Problem(403, f"This token lacks the {scope} scope.")
    if stale:
        db.one(
            "UPDATE platforms_apicredential SET last_used_at = now() WHERE id = %s RETURNING id",
            [credential],
        )
    cache = _cache()
    if cache is not None:
        window = int(datetime.now(UTC).timestamp() // 60)
        key = f"{NAMESPACE}:throttle:{platform}:{window}"
        try:
            count, _ = cache.pipeline().incr(key).expire(key, 120).execute()
        except redis_errors():
            count = 0
        if count > THROTTLE_PER_MINUTE:
            raise Problem(429, "Request was throttled.")
    if seller is None:
        raise Problem(404, f"No enterprise {slug!r} here.")
    return {
        "credential": credential, "platform": platform, "platform_slug": platform_slug,
        "platform_name": name, "seller": seller, "slug": slug,
        "requires_if_match": requires_if_match,
    }  # fmt: skip


# --- JSON-LD in ---------------------------------------------------------------------------------


def _parse(body: dict, slug: str) -> dict:
    """The order node and its lines (offer id → quantity, repeated offers added up)."""
    nodes = body.get("@graph") or [body]
    by_id = {n.get("@id"): n for n in nodes if isinstance(n, dict)}
    orders = [n for n in nodes if n.get("@type") == "dfc-b:Order"]
    if len(orders) != 1:
        raise Problem(400, "The graph holds no dfc-b:Order.")
    order = orders[0]
    status = order.get("dfc-b:hasOrderStatus")
    status = status.get("@id") if isinstance(status, dict) else status
    if status != "dfc-v:Held":
        raise Problem(501, "The minimal server takes Held orders only.")
    offer_path = re.compile(
        re.escape(f"{PUBLIC_URL}/api/dfc/Enterprises/{slug}/Offers/") + r"(\d{1,18})/?$"
    )
    lines: dict[int, Decimal] = defaultdict(Decimal)
    parts = order.get("dfc-b:hasPart") or []
    if len(parts) > MAX_LINES:
        raise Problem(400, f"An order has at most {MAX_LINES:,} lines.")
    for part in parts:
        line = by_id.get(part.get("@id") if isinstance(part, dict) else part)
        if line is None:
            raise Problem(400, f"No order line {part} in the graph.")
        concerns = line.get("dfc-b:concerns")
        concerns = concerns.get("@id") if isinstance(concerns, dict) else concerns
        match = offer_path.match(concerns or "")
        if match is None:
            raise Problem(501, "The minimal server takes lines naming one of the seller's Offers.")
        quantity = Decimal(str(line.get("dfc-b:quantity", 0)))
        if quantity < 0 or quantity != quantity.to_integral():
            raise Problem(422, f"Quantity {quantity} is not a whole number of pieces.")
        lines[int(match[1])] += quantity
    ordered_by = order.get("dfc-b:orderedBy")
    session = order.get("dfc-b:belongsTo")
    order_id = order.get("@id", "")
    if order_id and "://" not in order_id:  # relative: JSON-LD's default base, as Larder reads it
        order_id = "http://example.org/base/" + order_id
    return {
        "id": order_id,
        "ordered_by": ordered_by.get("@id") if isinstance(ordered_by, dict) else ordered_by,
        "session": session.get("@id") if isinstance(session, dict) else session,
        "lines": {offer: q for offer, q in lines.items() if q > 0},
    }


# --- JSON-LD out --------------------------------------------------------------------------------


def _money(value) -> float:
    return float(value)


def _order_nodes(base: str, order: dict, lines: list[dict]) -> list[dict]:
    url = f"{base}/Orders/{order['id']}"
    nodes = [
        {
            "@id": url, "@type": "dfc-b:Order", "dfc-b:orderNumber": str(order["number"]),
            "dfc-b:date": order["placed_at"], "dfc-b:orderedBy": {"@id": order["ordered_by"]},
            "dfc-b:soldBy": {"@id": base},
            "dfc-b:hasOrderStatus": {"@id": "dfc-v:Held"},
            "dfc-b:hasFulfilmentStatus": {"@id": "dfc-v:Held"},
            "dfc-b:hasPaymentStatus": {"@id": "dfc-v:Unpaid"}, "dfc-b:discount": 0.0,
            "dfc-b:hasPart": [{"@id": f"{url}/OrderLines/{line['id']}"} for line in lines],
            "dfc-b:belongsTo": {"@id": order["session_remote_id"]},
        }
    ]  # fmt: skip
    for line in lines:
        price = {
            "@type": "dfc-b:Price", "dfc-b:value": _money(line["unit_price"]),
            "dfc-b:hasUnit": {"@id": "dfc-m:Euro"}, "dfc-b:VATrate": _money(line["vat_rate"]),
        }  # fmt: skip
        offer = f"{base}/Offers/{line['offer_id']}"
        product = f"{base}/SuppliedProducts/{line['product_id']}"
        nodes += [
            {
                "@id": f"{url}/OrderLines/{line['id']}", "@type": "dfc-b:OrderLine",
                "dfc-b:concerns": {"@id": offer}, "dfc-b:quantity": float(line["quantity"]),
                "dfc-b:hasQuantity": {
                    "@type": "dfc-b:QuantitativeValue", "dfc-b:value": float(line["quantity"]),
                    "dfc-b:hasUnit": {"@id": "dfc-m:Piece"},
                },
                "dfc-b:hasPrice": price, "dfc-b:discount": 0.0, "dfc-b:partOf": {"@id": url},
            },
            {
                "@id": offer, "@type": "dfc-b:Offer", "dfc-b:offeredItem": {"@id": product},
                "dfc-b:offers": {"@id": product}, "dfc-b:hasPrice": price,
            },
        ]  # fmt: skip
    return nodes


def _document(nodes: list[dict]) -> str:
    return json.dumps({"@context": CONTEXT, "@graph": nodes}, default=str)


# --- idempotency --------------------------------------------------------------------------------


def _fingerprint(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(db: Db, partner: dict, key: str, method: str, path: str, fingerprint: str):
    """The stored response for a key already answered (Redis first, then its record)."""
    cache = _cache()
    cached = None
    if cache is not None:
        try:
            cached = cache.get(f"{NAMESPACE}:idem:{partner['platform']}:{key}")
        except redis_errors():
            cached = None
    if cached is not None:
        record = json.loads(cached)
    else:
        row = db.one(
            "SELECT method, path, body_hash, status_code, response_content, "
            "response_headers FROM platforms_idempotencyrecord "
            "WHERE platform_id = %s AND key = %s",
            [partner["platform"], key],
        )
        if row is None:
            return None
        record = dict(
            zip(("method", "path", "hash", "status", "body", "headers"), row, strict=True)
        )
        # Kept as Larder keeps it: the body's JSON, zlib-compressed.
        record["body"] = zlib.decompress(bytes(record["body"])).decode()
    if (record["method"], record["path"], record["hash"]) != (method, path, fingerprint):
        raise Problem(422, "This Idempotency-Key was used for another request.")
    headers = [(k, v) for k, v in record["headers"].items() if k != "Content-Type"]
    return record["status"], record["body"], [*headers, ("Idempotent-Replayed", "true")]


def _remember(partner: dict, key: str, record: dict) -> None:
    cache = _cache()
    if cache is not None:
        try:
            cache.set(f"{NAMESPACE}:idem:{partner['platform']}:{key}", json.dumps(record), ex=86400)
        except redis_errors():
            pass


_RECORD = """
    INSERT INTO platforms_idempotencyrecord (platform_id, key, method, path, body_hash,
        status_code, response_content, response_headers, created_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s) RETURNING id"""


def _idempotent(environ, db: Db, partner: dict, body: dict, method: str, work):
    """Run `work()` (in the caller's transaction, it returns status, body, headers) once per
    Idempotency-Key; without a key, just run it."""
    key = environ.get("HTTP_IDEMPOTENCY_KEY")
    if not key:
        with db.transaction():
            return work()
    path = environ["PATH_INFO"]
    fingerprint = _fingerprint(body)
    replay = _replayed(db, partner, key, method, path, fingerprint)
    if replay is not None:
        return replay
    try:
        with db.transaction():
            status, document, headers = work()
            kept = dict(headers) | {"Content-Type": "application/ld+json"}
            now = datetime.now(UTC)
            db.one(
                _RECORD,
                [partner["platform"], key, method, path, fingerprint, status,
                 zlib.compress(document.encode(), 1), json.dumps(kept), now],
            )  # fmt: skip
    except psycopg.errors.UniqueViolation:
        return _replayed(db, partner, key, method, path, fingerprint)
    _remember(partner, key, {"method": method, "path": path, "hash": fingerprint,
                             "status": status, "body": document, "headers": kept})  # fmt: skip
    return status, document, headers


# --- POST -----------------------------------------------------------------------------------------

# The seller's offers the lines name, their sessions open, with what an item snapshots; and
# whether the seller has pricing rules (which the minimal server does not price).
_OFFERS = """
    SELECT f.id, f.product_id, f.price, f.currency, f.vat_rate, f.stock_limitation,
           s.state = 'open' AND s.ends_at > now(), p.name, p.sku, p.unit_of_measure,
           p.nominal_quantity, p.producer_id, e.platform_id,
           EXISTS (SELECT 1 FROM discounts_calculationrule r
                   WHERE r.trader_id = %(seller)s AND r.is_active)
    FROM sessions_app_offer f
    JOIN sessions_app_salesession s ON s.id = f.session_id
    JOIN inventory_product p ON p.id = f.product_id
    JOIN platforms_enterprise e ON e.id = p.producer_id
    WHERE f.id = ANY(%(offers)s) AND p.producer_id = %(seller)s"""

_HUB_MAKE = """
    INSERT INTO platforms_enterprise (platform_id, kind, name, slug, remote_id,
        consolidate_per_producer, aggregate_by_weight, created_at)
    VALUES (%(platform)s, 'trader', %(name)s, %(slug)s, %(remote)s, true, false, now())
    ON CONFLICT (slug) DO NOTHING RETURNING id"""
_HUB_LOCK = "SELECT id, platform_id FROM platforms_enterprise WHERE slug = %s FOR UPDATE"
_HUB_SESSION = """
    WITH found AS (
        SELECT id FROM sessions_app_salesession
        WHERE trader_id = %(hub)s AND remote_id = %(remote)s ORDER BY id LIMIT 1),
    made AS (
        INSERT INTO sessions_app_salesession (trader_id, name, begins_at, ends_at, state,
            remote_id, created_at, updated_at)
        SELECT %(hub)s, %(name)s, %(now)s, %(now)s + interval '7 days', 'open', %(remote)s,
               %(now)s, %(now)s
        WHERE NOT EXISTS (SELECT 1 FROM found)
        RETURNING id)
    SELECT id FROM found UNION ALL SELECT id FROM made"""

_STOCK = """
    SELECT product_id, on_hand - reserved, is_unlimited FROM inventory_stock
    WHERE product_id = ANY(%s) ORDER BY product_id FOR UPDATE"""

# The order placed at once (P → I, as Larder's partner_order_create moves it), with its partner
# order, sub-order, items, VAT adjustments, firm reservations, stock and events.
_PLACE = """
    WITH o AS (
        INSERT INTO orders_order (status, status_before_edit, currency, trader_id,
            sales_session_id, origin_platform_id, customer_note, payment_method,
            payment_reference, payment_status, amount_authorized, amount_captured,
            amount_refunded, list_name, approval_reasons, total_product, total_adjustment,
            total_shipping, total_tax, total_shipping_tax, placed_at, created_at, updated_at,
            version)
        VALUES ('I', '', %(currency)s, %(hub)s, %(session)s, %(platform)s, '', 'invoice', '',
                'deferred', 0, 0, 0, '', '[]', %(total)s, 0, 0, %(tax)s, 0, %(now)s, %(now)s,
                %(now)s, 2)
        RETURNING id, number),
    po AS (
        INSERT INTO platforms_partnerorder (order_id, platform_id, seller_id, remote_id,
            remote_number, created_at)
        SELECT id, %(platform)s, %(seller)s, %(remote)s, '', %(now)s FROM o),
    sub AS (
        INSERT INTO orders_suborder (order_id, shipping_address_id, total_product,
            total_adjustment, total_shipping, total_tax, total_shipping_tax, quantity_by_unit,
            item_count)
        SELECT id, NULL, %(total)s, 0, 0, %(tax)s, 0, %(by_unit)s::jsonb, %(count)s FROM o
        RETURNING id),
    v AS (
        SELECT * FROM unnest(%(offers)s::bigint[], %(products)s::bigint[], %(names)s::text[],
            %(skus)s::text[], %(producers)s::bigint[], %(platforms)s::bigint[],
            %(quantities)s::numeric[], %(nominals)s::numeric[], %(units)s::text[],
            %(prices)s::numeric[], %(vats)s::numeric[], %(totals)s::numeric[],
            %(taxes)s::numeric[])
        WITH ORDINALITY AS v(offer, product, name, sku, producer, platform, quantity, nominal,
                             unit, price, vat, total, tax, n)),
    items AS (
        INSERT INTO orders_orderitem (order_id, sales_session_id, sub_order_id, product_id,
            offer_id, product_name, product_sku, producer_id, producer_platform_id, quantity,
            nominal_quantity, unit_of_measure, unit_price, vat_rate, total_product,
            total_adjustment, total_shipping, total_tax, total_shipping_tax, status,
            inventory_status, inventory_unknown, fulfilment_status, unavailable_reason,
            created_at, updated_at)
        SELECT o.id, %(session)s, sub.id, v.product, v.offer, v.name, v.sku, v.producer, v.platform,
               v.quantity, v.nominal, v.unit, v.price, v.vat, v.total, 0, 0, v.tax, 0, 'I',
               'ALLC', false, 'unfulfilled', '', %(now)s, %(now)s
        FROM o, sub, v ORDER BY v.n
        RETURNING id, order_id, product_id, offer_id, product_name, quantity, unit_price,
                  vat_rate, total_tax),
    adjustments AS (
        INSERT INTO discounts_itemadjustment (order_id, item_id, usage, description, amount,
                                              sequence)
        SELECT order_id, id, 'sales_tax', 'Sales tax ' || vat_rate || '%%', total_tax, 1
        FROM items WHERE total_tax <> 0),
    order_adjustments AS (
        INSERT INTO discounts_orderadjustment (order_id, usage, description, amount, sequence)
        SELECT min(order_id), 'sales_tax', 'Sales tax ' || vat_rate || '%%', sum(total_tax), 1
        FROM items GROUP BY vat_rate HAVING sum(total_tax) <> 0),
    stock AS (
        UPDATE inventory_stock s SET reserved = s.reserved + v.quantity, updated_at = %(now)s
        FROM (SELECT product, sum(quantity) AS quantity FROM v GROUP BY product) v
        WHERE s.product_id = v.product),
    reservations AS (
        INSERT INTO inventory_reservation (order_item_id, order_id, stock_id, offer_id,
            quantity, expires_at, created_at)
        SELECT id, order_id, product_id, NULL, quantity, NULL, %(now)s FROM items),
    events AS (
        INSERT INTO orders_orderevent (order_id, kind, actor_id, actor_label, from_status,
            to_status, message, message_id, message_params, data, created_at)
        SELECT o.id, e.kind, NULL, %(label)s, e.from_status, e.to_status, e.message,
               e.message_id, e.message_params, e.data, %(now)s
        FROM o, (
            SELECT 0 AS n, 'created' AS kind, '' AS from_status, 'P' AS to_status,
                   'Order created in “Cart — not submitted yet”' AS message,
                   'Order created in %%(status)s' AS message_id,
                   '{"status": {"status": "P"}}'::jsonb AS message_params, '{}'::jsonb AS data
            UNION ALL
            SELECT 1, 'item_added', '', '', 'Added ' || trim_scale(quantity) || ' × '
                   || product_name, 'Added %%(quantity)s × %%(product)s',
                   jsonb_build_object('quantity', trim_scale(quantity)::text,
                   'product', product_name), jsonb_build_object('item', id,
                   'quantity', trim_scale(quantity)::text)
            FROM items
            UNION ALL
            SELECT 2, 'status_changed', 'P', 'I', %(placed)s,
                   'Placed by %%(platform)s (DFC Held)',
                   jsonb_build_object('platform', %(platform_name)s::text), '{}'::jsonb) e
        ORDER BY e.n)
    SELECT o.id, o.number, items.id, items.offer_id, items.product_id, items.quantity,
           items.unit_price, items.vat_rate
    FROM o, items ORDER BY items.id"""


def _lines(db: Db, partner: dict, wanted: dict[int, Decimal], held: dict | None = None):
    """The offers of the wanted lines, checked (held offers stay valid after their session)."""
    held = held or {}
    rows = db.all(_OFFERS, {"offers": list(wanted), "seller": partner["seller"]})
    offers = {r[0]: r for r in rows}
    for offer_id in wanted:
        row = offers.get(offer_id)
        if row is None:
            raise Problem(409, f"Offer {offer_id} is no current offer of {partner['slug']}.")
        if row[13]:
            raise Problem(501, "The minimal server does not price discount rules.")
        if row[5] is not None:
            raise Problem(501, "The minimal server does not handle offer limitations.")
        if not row[6] and offer_id not in held:
            raise Problem(409, f"Offer {offer_id}'s session is closed.")
    return offers


def _reserve_check(db: Db, needs: dict[int, Decimal]) -> None:
    """Lock the stock rows of `needs` (product → more quantity) in product order and check."""
    if not needs:
        return
    rows = db.all(_STOCK, [sorted(needs)])
    available = {product: (free, unlimited) for product, free, unlimited in rows}
    short = [
        str(p)
        for p, q in needs.items()
        if p not in available or available[p][1] or available[p][0] < q
    ]
    if any(p not in available or available[p][1] for p in needs):
        raise Problem(501, "The minimal server reserves stocked products only.")
    if short:
        raise Problem(409, "Insufficient stock for products " + ", ".join(short))


def _hub(db: Db, partner: dict, ordered_by: str | None, session_url: str | None, now) -> tuple:
    """The ordering hub (a remote trader of the platform) and its session, found or made."""
    remote = ordered_by if ordered_by and ordered_by.startswith(("http://", "https://")) else ""
    key = remote or f"{partner['platform_slug']}:hub"
    slug = f"{partner['platform_slug'][:40]}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    name = remote.rstrip("/").rsplit("/", 1)[-1] if remote else ""
    label = f"{partner['platform_name']} · {name}" if name else partner["platform_name"]
    db.all(_HUB_MAKE, {"platform": partner["platform"], "name": label[:160], "slug": slug,
                       "remote": remote})  # fmt: skip
    hub, platform = db.one(_HUB_LOCK, [slug])
    if platform != partner["platform"]:
        raise Problem(409, f"Cannot record the ordering enterprise {ordered_by!r}.")
    if not session_url:
        raise Problem(501, "The minimal server takes orders that name their sale session.")
    number = session_url.rstrip("/").rsplit("/", 1)[-1]
    (session,) = db.one(
        _HUB_SESSION,
        {"hub": hub, "remote": session_url, "now": now, "name": f"{label} · {number}"[:200]},
    )
    return hub, session


def _priced(wanted: dict[int, Decimal], offers: dict) -> dict:
    """Per-line values in the order of `wanted`: totals and VAT rounded half up to the cent."""
    rows = [offers[o] for o in wanted]
    totals = [(wanted[r[0]] * r[2]).quantize(CENT, ROUND_HALF_UP) for r in rows]
    taxes = [
        (t * r[4] / 100).quantize(CENT, ROUND_HALF_UP) for t, r in zip(totals, rows, strict=True)
    ]
    by_unit = defaultdict(Decimal)
    for r in rows:
        by_unit[r[9]] += wanted[r[0]]
    return {
        "offers": [r[0] for r in rows], "products": [r[1] for r in rows],
        "names": [r[7] for r in rows], "skus": [r[8] for r in rows],
        "producers": [r[11] for r in rows], "platforms": [r[12] for r in rows],
        "quantities": [wanted[r[0]] for r in rows], "nominals": [r[10] for r in rows],
        "units": [r[9] for r in rows], "prices": [r[2] for r in rows],
        "vats": [r[4] for r in rows], "totals": totals, "taxes": taxes,
        "total": sum(totals, Decimal(0)), "tax": sum(taxes, Decimal(0)), "count": len(rows),
        "by_unit": json.dumps({u: format(q.normalize(), "f") for u, q in by_unit.items()}),
        "currency": rows[0][3] if rows else "EUR",
    }  # fmt: skip


def partner_order_post(environ, db: Db, body: dict, slug: str):
    partner = _partner(environ, db, slug, "orders:write")
    parsed = _parse(body, slug)
    if not parsed["lines"]:
        raise Problem(422, "The order has no lines.")
    base = f"{PUBLIC_URL}/api/dfc/Enterprises/{slug}"

    def place():
        now = datetime.now(UTC)
        offers = _lines(db, partner, parsed["lines"])
        hub, session = _hub(db, partner, parsed["ordered_by"], parsed["session"], now)
        needs = defaultdict(Decimal)
        for offer, quantity in parsed["lines"].items():
            needs[offers[offer][1]] += quantity
        _reserve_check(db, needs)
        values = _priced(parsed["lines"], offers)
        if len({offers[o][3] for o in parsed["lines"]}) > 1:
            raise Problem(409, "The lines are offered in more than one currency.")
        rows = db.all(
            _PLACE,
            {**values, "hub": hub, "session": session, "platform": partner["platform"],
             "seller": partner["seller"], "remote": parsed["id"], "now": now,
             "label": f"platform:{partner['platform_slug']}",
             "placed": f"Placed by {partner['platform_name']} (DFC Held)",
             "platform_name": partner["platform_name"]},
        )  # fmt: skip
        order = {
            "id": rows[0][0],
            "number": rows[0][1],
            "placed_at": now.isoformat(),
            "ordered_by": parsed["ordered_by"],
            "session_remote_id": parsed["session"],
        }
        lines = [
            dict(zip(("id", "offer_id", "product_id", "quantity", "unit_price", "vat_rate"),
                     r[2:], strict=True))
            for r in rows
        ]  # fmt: skip
        location = f"{base}/Orders/{order['id']}"
        headers = [("ETag", '"2"'), ("Location", location)]
        return 201, _document(_order_nodes(base, order, lines)), headers

    return _idempotent(environ, db, partner, body, "POST", place)


# --- PUT ------------------------------------------------------------------------------------------

# A partner's orders with their hub (the trader) and the hub's session.
_PARTNER_ORDERS = """
    FROM orders_order o
    JOIN platforms_partnerorder po ON po.order_id = o.id
    JOIN platforms_enterprise h ON h.id = o.trader_id
    JOIN sessions_app_salesession s ON s.id = o.sales_session_id"""

_PUT_LOCK = (
    """
    SELECT o.id, o.number, o.status, o.version, o.placed_at, o.currency, po.remote_id,
           h.remote_id, s.remote_id,
           COALESCE((SELECT json_agg(json_build_object(
               'id', i.id, 'offer_id', i.offer_id, 'product_id', i.product_id,
               'quantity', i.quantity, 'name', i.product_name, 'unit_price', i.unit_price,
               'vat_rate', i.vat_rate, 'producer_id', i.producer_id) ORDER BY i.id)
            FROM orders_orderitem i WHERE i.order_id = o.id), '[]')
"""
    + _PARTNER_ORDERS
    + """
    WHERE o.id = %(order)s AND o.origin_platform_id = %(platform)s
      AND po.seller_id = %(seller)s AND o.status NOT IN ('T', 'Q', 'Y', 'Z')
    FOR UPDATE OF o"""
)

# The amendment in one statement, by difference: removed lines (their adjustments and
# reservations), resized lines, their tax and reservations, stock, sub-order and order totals,
# events I → E … E → I, the work request. (Lines added by a PUT are refused with 501.)
_AMEND = """
    WITH gone AS (
        SELECT id, product_id, quantity, product_name FROM orders_orderitem
        WHERE order_id = %(order)s AND id = ANY(%(removed)s::bigint[])),
    resized AS (
        SELECT * FROM unnest(%(changed)s::bigint[], %(new_quantities)s::numeric[],
                             %(new_totals)s::numeric[], %(new_taxes)s::numeric[])
            AS r(id, quantity, total, tax)),
    old AS (
        SELECT i.id, i.product_id, i.quantity, i.product_name FROM orders_orderitem i
        WHERE i.id IN (SELECT id FROM resized)),
    del_adjustments AS (DELETE FROM discounts_itemadjustment WHERE item_id IN (
        SELECT id FROM gone)),
    del_reservations AS (DELETE FROM inventory_reservation WHERE order_item_id IN (
        SELECT id FROM gone)),
    del_items AS (DELETE FROM orders_orderitem WHERE id IN (SELECT id FROM gone)),
    upd_items AS (
        UPDATE orders_orderitem i SET quantity = r.quantity, total_product = r.total,
            total_tax = r.tax, updated_at = %(now)s
        FROM resized r WHERE i.id = r.id),
    upd_adjustments AS (
        UPDATE discounts_itemadjustment a SET amount = r.tax
        FROM resized r WHERE a.item_id = r.id AND a.usage = 'sales_tax'),
    upd_reservations AS (
        UPDATE inventory_reservation v SET quantity = r.quantity
        FROM resized r WHERE v.order_item_id = r.id),
    delta AS (
        SELECT product_id, sum(d) AS d FROM (
            SELECT product_id, -quantity AS d FROM gone
            UNION ALL
            SELECT old.product_id, r.quantity - old.quantity FROM old JOIN resized r USING (id)
        ) x GROUP BY product_id),
    stock AS (
        UPDATE inventory_stock s SET reserved = s.reserved + delta.d, updated_at = %(now)s
        FROM delta WHERE s.product_id = delta.product_id AND delta.d <> 0),
    sub AS (
        UPDATE orders_suborder SET total_product = %(total)s, total_tax = %(tax)s,
            item_count = %(count)s, quantity_by_unit = %(by_unit)s::jsonb
        WHERE order_id = %(order)s),
    order_adjustments AS (
        UPDATE discounts_orderadjustment SET amount = %(tax)s
        WHERE order_id = %(order)s AND usage = 'sales_tax'),
    o AS (
        UPDATE orders_order SET total_product = %(total)s, total_tax = %(tax)s,
            version = version + 2, updated_at = %(now)s
        WHERE id = %(order)s RETURNING version),
    events AS (
        INSERT INTO orders_orderevent (order_id, kind, actor_id, actor_label, from_status,
            to_status, message, message_id, message_params, data, created_at)
        SELECT %(order)s, e.kind, NULL, %(label)s, e.from_status, e.to_status, e.message,
               e.message_id, e.message_params, '{}'::jsonb, %(now)s
        FROM (
            SELECT 0 AS n, 0::bigint AS id, 'status_changed' AS kind, 'I' AS from_status,
                   'E' AS to_status, %(amended)s AS message,
                   'Amended by %%(platform)s' AS message_id,
                   jsonb_build_object('platform', %(platform_name)s::text) AS message_params
            UNION ALL
            SELECT 1, id, 'item_removed', '', '', 'Removed ' || product_name,
                   'Removed %%(product)s', jsonb_build_object('product', product_name)
            FROM gone
            UNION ALL
            SELECT 2, old.id, 'item_changed', '', '', old.product_name || ': ' || old.quantity
                   || ' → ' || trim_scale(r.quantity), '%%(product)s: %%(before)s → %%(after)s',
                   jsonb_build_object('product', old.product_name,
                   'before', old.quantity::text, 'after', trim_scale(r.quantity)::text)
            FROM old JOIN resized r USING (id)
            UNION ALL
            SELECT 3, 0, 'status_changed', 'E', 'I', 'Amendment applied', 'Amendment applied',
                   '{}'::jsonb) e
        ORDER BY e.n, e.id),
    work AS (
        INSERT INTO config_workrequest (kind, params, created_at, next_attempt_at,
            locked_until, attempts, last_error)
        VALUES ('producer_orders_refresh', jsonb_build_object('order_id', %(order)s::bigint,
                'also_producer_ids', %(producers)s::jsonb), %(now)s, %(retry)s, NULL, 0, ''))
    SELECT version FROM o"""


def partner_order_put(environ, db: Db, body: dict, slug: str, order_id: int):
    partner = _partner(environ, db, slug, "orders:write")
    parsed = _parse(body, slug)
    base = f"{PUBLIC_URL}/api/dfc/Enterprises/{slug}"
    match = environ.get("HTTP_IF_MATCH", "").strip().strip('"')
    if partner["requires_if_match"] and not match:
        raise Problem(428, "If-Match is required.")

    def amend():
        now = datetime.now(UTC)
        row = db.one(
            _PUT_LOCK,
            {"order": order_id, "platform": partner["platform"], "seller": partner["seller"]},
        )
        if row is None:
            raise Problem(404, f"No order {order_id} here.")
        oid, number, status, version, placed_at, currency, _, hub_url, session_url, items = row
        if match and int(match) != version:
            raise Problem(412, f"Order {number} is at version {version}, not {match}.")
        if status != "I":
            raise Problem(501, "The minimal server amends Held orders only.")
        held = {i["offer_id"]: i for i in items}
        if set(parsed["lines"]) - set(held):
            raise Problem(501, "The minimal server does not add lines on PUT.")
        removed = [i["id"] for o, i in held.items() if o not in parsed["lines"]]
        changed = {
            held[o]["id"]: q
            for o, q in parsed["lines"].items()
            if Decimal(str(held[o]["quantity"])) != q
        }
        grow = {
            held[o]["product_id"]: q - Decimal(str(held[o]["quantity"]))
            for o, q in parsed["lines"].items()
            if q > Decimal(str(held[o]["quantity"]))
        }
        _reserve_check(db, grow)
        kept = [i for i in items if i["offer_id"] in parsed["lines"]]
        lines = []
        for item in kept:
            quantity = parsed["lines"][item["offer_id"]]
            price, vat = Decimal(str(item["unit_price"])), Decimal(str(item["vat_rate"]))
            total = (quantity * price).quantize(CENT, ROUND_HALF_UP)
            tax = (total * vat / 100).quantize(CENT, ROUND_HALF_UP)
            lines.append({**item, "quantity": quantity, "total": total, "tax": tax})
        pieces = sum((x["quantity"] for x in lines), Decimal(0))
        by_unit = {"piece": format(pieces.normalize(), "f")}
        (new_version,) = db.one(
            _AMEND,
            {"order": oid, "now": now, "removed": removed, "changed": list(changed),
             "new_quantities": list(changed.values()),
             "new_totals": [next(x["total"] for x in lines if x["id"] == i) for i in changed],
             "new_taxes": [next(x["tax"] for x in lines if x["id"] == i) for i in changed],
             "total": sum((x["total"] for x in lines), Decimal(0)),
             "tax": sum((x["tax"] for x in lines), Decimal(0)), "count": len(lines),
             "by_unit": json.dumps(by_unit), "label": f"platform:{partner['platform_slug']}",
             "amended": f"Amended by {partner['platform_name']}",
             "platform_name": partner["platform_name"],
             "producers": json.dumps(sorted({i["producer_id"] for i in items
                                             if i["id"] in removed})),
             "retry": now + timedelta(seconds=30)},
        )  # fmt: skip
        order = {"id": oid, "number": number, "placed_at": placed_at.isoformat(),
                 "ordered_by": hub_url, "session_remote_id": session_url}  # fmt: skip
        headers = [("ETag", f'"{new_version}"')]
        return 200, _document(_order_nodes(base, order, lines)), headers

    return _idempotent(environ, db, partner, body, "PUT", amend)


# --- GET the Orders list --------------------------------------------------------------------------

_LIST = (
    """
    SELECT count(*) OVER (), o.id, o.number, o.placed_at, h.remote_id, s.remote_id,
           COALESCE((SELECT json_agg(json_build_object(
               'id', i.id, 'offer_id', i.offer_id, 'product_id', i.product_id,
               'quantity', i.quantity, 'unit_price', i.unit_price, 'vat_rate', i.vat_rate)
               ORDER BY i.id)
            FROM orders_orderitem i WHERE i.order_id = o.id), '[]')
"""
    + _PARTNER_ORDERS
    + """
    WHERE o.origin_platform_id = %(platform)s AND po.seller_id = %(seller)s
      AND o.status NOT IN ('T', 'Q', 'Y', 'Z')
    ORDER BY o.number DESC LIMIT %(limit)s OFFSET %(offset)s"""
)


def partner_orders_get(environ, db: Db, body: dict, slug: str):
    partner = _partner(environ, db, slug, "orders:read")
    query = dict(
        part.split("=", 1) for part in environ.get("QUERY_STRING", "").split("&") if "=" in part
    )
    limit, offset = min(int(query.get("limit", 50)), 500), int(query.get("offset", 0))
    base = f"{PUBLIC_URL}/api/dfc/Enterprises/{slug}"
    rows = db.all(_LIST, {"platform": partner["platform"], "seller": partner["seller"],
                          "limit": limit, "offset": offset})  # fmt: skip
    nodes = []
    for _, oid, number, placed_at, hub_url, session_url, lines in rows:
        order = {"id": oid, "number": number, "placed_at": placed_at.isoformat(),
                 "ordered_by": hub_url, "session_remote_id": session_url}  # fmt: skip
        nodes += _order_nodes(base, order, lines)
    total = rows[0][0] if rows else 0
    headers = [("X-Total-Count", str(total))]
    if offset + limit < total:
        headers.append(
            ("Link", f'<{base}/Orders?limit={limit}&offset={offset + limit}>; rel="next"')
        )
    return 200, _document(nodes), headers


ROUTES = [
    ("POST", re.compile(r"^/api/dfc/Enterprises/([^/]+)/Orders$"), partner_order_post),
    ("PUT", re.compile(r"^/api/dfc/Enterprises/([^/]+)/Orders/(\d+)$"), partner_order_put),
    ("GET", re.compile(r"^/api/dfc/Enterprises/([^/]+)/Orders$"), partner_orders_get),
]
