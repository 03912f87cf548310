"""The minimal server: the benched storefront and partner flows as a plain WSGI app over psycopg,
with hand-written SQL and no Django, on Larder's own tables. It is the yardstick `make bench`
compares Larder with (bench/bench_http.py), run under the same production web server
(gunicorn, the same workers and threads, loopback).

It gives the same guarantees for the flows the bench drives and writes the same rows:
- the customer signs in with Django's session cookie (the `django_session` row, its signature
  and the user's session hash checked as Django does) and sends the CSRF header;
- the order row is locked FOR UPDATE and its session FOR SHARE; the session must be open, the
  order a cart of the signed-in customer; stock rows are locked in product order, every item
  checked, and reserved all or nothing (no check-then-act);
- rows written: the order, its `created` / `item_added` / `stock` / `status_changed` /
  `payment` events, items, the sub-order, item and order adjustments (the trader's discount,
  then VAT), stock `reserved` and the reservations (expiring, then firm), the payment fields,
  the producer-orders work request (its queue message published after commit, as Larder's
  Celery publish does); the partner flows add the partner order and the idempotency record.

It implements only what the bench's fixtures hold (item-scope percentage discounts, one VAT
rate per order, stocked products without offer limitations or backorders, pay by invoice
without approval); anything else is refused with 501, never priced differently. Every
response says how many statements it sent (`X-Statements`, BEGIN and COMMIT included).

Run: DATABASE_URL=… SECRET_KEY=… gunicorn bench.minimal_server:app
"""

import base64
import hashlib
import hmac
import json
import os
import re
import threading
import zlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg

DATABASE_URL = os.environ.get("DATABASE_URL", "")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
RESERVATION_MINUTES = int(os.environ.get("LARDER_CART_RESERVATION_MINUTES", "30"))
WORK_REQUEUE_SECONDS = int(os.environ.get("LARDER_WORK_REQUEUE_SECONDS", "30"))
QUEUE_URL = os.environ.get("MINIMAL_QUEUE_URL", "")  # redis://…; the work queue, after commit
QUEUE_KEY = os.environ.get("MINIMAL_QUEUE_KEY", "minimal-producer-orders")


class Problem(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


# --- database: one connection per thread, statements counted ------------------------------------

_local = threading.local()


class Db:
    def __init__(self):
        self.connection = psycopg.connect(
            DATABASE_URL.replace("postgres://", "postgresql://", 1), autocommit=True
        )
        self.statements = 0

    def one(self, sql: str, params=None):
        self.statements += 1
        return self.connection.execute(sql, params, prepare=True).fetchone()

    def all(self, sql: str, params=None):
        self.statements += 1
        return self.connection.execute(sql, params, prepare=True).fetchall()

    def transaction(self):
        self.statements += 2  # BEGIN, COMMIT (or ROLLBACK)
        return self.connection.transaction()


def _db() -> Db:
    db = getattr(_local, "db", None)
    if db is None or db.connection.closed:
        db = _local.db = Db()
    return db


_queue = threading.local()


def _publish(message: dict) -> None:
    """After commit, best effort, as Larder's `task_queue_on_commit` publishes to its broker."""
    if not QUEUE_URL:
        return
    client = getattr(_queue, "client", None)
    if client is None:
        import redis

        client = _queue.client = redis.Redis.from_url(QUEUE_URL)
    try:
        client.lpush(QUEUE_KEY, json.dumps(message))
    except redis_errors() as error:  # pragma: no cover - a broker outage is not the bench's
        print(f"minimal server: could not queue {message}: {error}")


def redis_errors():
    import redis

    return (redis.RedisError, OSError)


# --- Django's session cookie, checked as django.contrib.sessions and auth check it -------------


def _b64_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _salted_hmac(salt: str, value: str) -> bytes:
    key = hashlib.sha256((salt + SECRET_KEY).encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).digest()


def _session_user_id(session_data: str) -> tuple[int, str]:
    """(user id, session auth hash) from a signed `django_session.session_data`."""
    value, _, signature = session_data.rpartition(":")
    expected = base64.urlsafe_b64encode(
        _salted_hmac("django.contrib.sessions.SessionStoresigner", value)
    ).rstrip(b"=")
    if not hmac.compare_digest(signature.encode(), expected):
        raise Problem(403, "Session data corrupted.")
    payload = value.rpartition(":")[0]  # drop the timestamp
    compressed = payload.startswith(".")
    raw = _b64_decode(payload.lstrip("."))
    data = json.loads(zlib.decompress(raw) if compressed else raw)
    return int(data["_auth_user_id"]), data.get("_auth_user_hash", "")


def _check_user(session_hash: str, password: str, is_active: bool) -> None:
    expected = hmac.new(
        hashlib.sha256(
            b"django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
            + SECRET_KEY.encode()
        ).digest(),
        password.encode(),
        hashlib.sha256,
    ).hexdigest()
    if not is_active or not hmac.compare_digest(session_hash, expected):
        raise Problem(403, "Authentication credentials were not provided.")


_CSRF_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _csrf_secret(token: str) -> str:
    if len(token) == 64:  # masked, as Django's get_token() hands it out
        mask, cipher = token[:32], token[32:]
        return "".join(
            _CSRF_CHARS[(_CSRF_CHARS.index(x) - _CSRF_CHARS.index(y)) % len(_CSRF_CHARS)]
            for x, y in zip(cipher, mask, strict=True)
        )
    return token


def _cookies(environ) -> dict:
    cookies = {}
    for part in environ.get("HTTP_COOKIE", "").split(";"):
        name, _, value = part.strip().partition("=")
        cookies[name] = value
    return cookies


def _signed_in(environ, db: Db) -> tuple[int, str]:
    """The user id of the session cookie and its auth hash; the CSRF header checked."""
    cookies = _cookies(environ)
    header = environ.get("HTTP_X_CSRFTOKEN", "")
    cookie = cookies.get("csrftoken", "")
    if (
        not cookie
        or not header
        or not hmac.compare_digest(_csrf_secret(cookie), _csrf_secret(header))
    ):
        raise Problem(403, "CSRF Failed: CSRF token missing or incorrect.")
    row = db.one(
        "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > now()",
        [cookies.get("sessionid", "")],
    )
    if row is None:
        raise Problem(403, "Authentication credentials were not provided.")
    return _session_user_id(row[0])


# --- storefront ---------------------------------------------------------------------------------

# The cart as Larder's storefront returns it (orders/apis.py CartOutput), built by PostgreSQL.
_CART_JSON = """
    SELECT json_build_object(
        'id', o.id, 'number', o.number, 'status', o.status, 'currency', o.currency,
        'sales_session', o.sales_session_id, 'customer', o.customer_id,
        'checked_out_at', o.checked_out_at, 'placed_at', o.placed_at,
        'payment_method', o.payment_method, 'payment_status', o.payment_status,
        'payment_reference', o.payment_reference, 'total_product', o.total_product::text,
        'total_adjustment', o.total_adjustment::text, 'total_shipping', o.total_shipping::text,
        'total_tax', o.total_tax::text, 'total_shipping_tax', o.total_shipping_tax::text,
        'grand_total', o.grand_total, 'version', o.version,
        'items', COALESCE((
            SELECT json_agg(json_build_object(
                'id', i.id, 'offer', i.offer_id, 'product', i.product_id,
                'product_name', i.product_name, 'producer', e.name, 'producer_platform', p.slug,
                'quantity', i.quantity::text, 'unit_price', i.unit_price::text,
                'vat_rate', i.vat_rate::text, 'total_product', i.total_product::text,
                'total_adjustment', i.total_adjustment::text, 'total_tax', i.total_tax::text,
                'status', i.status, 'inventory_status', i.inventory_status,
                'inventory_unknown', i.inventory_unknown,
                'reserved_quantity', r.quantity::text, 'reservation_expires_at', r.expires_at
            ) ORDER BY i.id)
            FROM orders_orderitem i
            JOIN platforms_enterprise e ON e.id = i.producer_id
            JOIN platforms_platform p ON p.id = i.producer_platform_id
            LEFT JOIN inventory_reservation r ON r.order_item_id = i.id
            WHERE i.order_id = o.id), '[]'::json))::text
    FROM orders_order o WHERE o.id = %s"""

# The session, the user's customer record at its trader and their quick-order profile's
# defaults (orders/services/quick_order.py), the offers' currency.
_CART_CONTEXT = """
    SELECT s.trader_id, s.state = 'open' AND s.begins_at <= now() AND s.ends_at > now(),
           c.id, u.username, u.password, u.is_active,
           (SELECT min(f.currency) FROM sessions_app_offer f WHERE f.session_id = s.id)
    FROM sessions_app_salesession s
    JOIN auth_user u ON u.id = %(user)s
    LEFT JOIN LATERAL (
        SELECT c.id FROM orders_customer c
        WHERE c.trader_id = s.trader_id AND c.user_id = u.id ORDER BY c.name LIMIT 1
    ) c ON true
    WHERE s.id = %(session)s"""

# One statement: the cart (with the profile's defaults) and its `created` event; the session is
# checked open again by the insert itself.
_CART_CREATE = """
    WITH profile AS (
        SELECT payment_method, shipping_mode_id, fulfilment_centre_id, billing_address_id,
               shipping_address_id
        FROM orders_order WHERE customer_id = %(customer)s AND status = 'Q'),
    o AS (
        INSERT INTO orders_order (
            status, status_before_edit, currency, trader_id, customer_id, sales_session_id,
            billing_address_id, shipping_address_id, shipping_mode_id, fulfilment_centre_id,
            customer_note, payment_method, payment_reference, payment_status,
            amount_authorized, amount_captured, amount_refunded, list_name, approval_reasons,
            total_product, total_adjustment, total_shipping, total_tax, total_shipping_tax,
            created_at, updated_at, version)
        SELECT 'P', '', %(currency)s, s.trader_id, %(customer)s, s.id,
               p.billing_address_id, p.shipping_address_id, p.shipping_mode_id,
               p.fulfilment_centre_id, '', COALESCE(p.payment_method, ''), '', 'unpaid',
               0, 0, 0, '', '[]', 0, 0, 0, 0, 0, %(now)s, %(now)s, 1
        FROM sessions_app_salesession s LEFT JOIN profile p ON true
        WHERE s.id = %(session)s AND s.state = 'open' AND s.begins_at <= %(now)s
          AND s.ends_at > %(now)s
        RETURNING *),
    e AS (
        INSERT INTO orders_orderevent (order_id, kind, actor_id, actor_label, from_status,
                                       to_status, message, message_id, message_params, data,
                                       created_at)
        SELECT id, 'created', %(user)s, %(label)s, '', 'P',
               'Order created in “Cart — not submitted yet”', 'Order created in %%(status)s',
               '{"status": {"status": "P"}}', '{}', %(now)s
        FROM o)
    SELECT json_build_object(
        'id', id, 'number', number, 'status', status, 'currency', currency,
        'sales_session', sales_session_id, 'customer', customer_id,
        'checked_out_at', checked_out_at, 'placed_at', placed_at,
        'payment_method', payment_method, 'payment_status', payment_status,
        'payment_reference', payment_reference, 'total_product', total_product::text,
        'total_adjustment', total_adjustment::text, 'total_shipping', total_shipping::text,
        'total_tax', total_tax::text, 'total_shipping_tax', total_shipping_tax::text,
        'grand_total', 0, 'version', version, 'items', '[]'::json)::text
    FROM o"""

# The lock every cart write starts with (orders/services/checkout.py): the order FOR UPDATE,
# its session FOR SHARE, with the customer and user (who may act) and the seller's pricing rules
# as of now (discounts: the same filter as Larder's rule query).
_CART_LOCK = """
    SELECT o.id, o.number, o.status, o.currency, o.trader_id, o.sales_session_id,
           o.checked_out_at, o.customer_id, o.grand_total,
           s.state = 'open' AND s.begins_at <= %(now)s AND s.ends_at > %(now)s,
           u.id, u.username, u.password, u.is_active, c.category_id, c.needs_approval,
           c.session_spending_limit,
           (SELECT json_agg(json_build_object(
                'id', r.id, 'name', r.name, 'usage', r.usage, 'method', r.method,
                'scope', r.scope, 'value', r.value, 'product', r.product_id,
                'producer', r.producer_id, 'session', r.sales_session_id,
                'shipping_mode', r.shipping_mode_id, 'minimum_total', r.minimum_order_total,
                'minimum_quantity', r.minimum_quantity, 'exclusive', r.is_exclusive,
                'order', r.order_id) ORDER BY r.priority, r.id)
            FROM discounts_calculationrule r
            WHERE r.trader_id = COALESCE(
                    (SELECT p.seller_id FROM platforms_partnerorder p WHERE p.order_id = o.id),
                    o.trader_id)
              AND r.is_active AND (r.order_id IS NULL OR r.order_id = o.id)
              AND r.currency IN ('', o.currency)
              AND (r.valid_from IS NULL OR r.valid_from <= %(now)s)
              AND (r.valid_until IS NULL OR r.valid_until > %(now)s)
              AND (r.usage <> 'coupon' OR EXISTS (
                  SELECT 1 FROM discounts_couponredemption k
                  JOIN discounts_coupon cp ON cp.id = k.coupon_id
                  WHERE k.order_id = o.id AND cp.rule_id = r.id))),
           (SELECT a.order_total_over FROM orders_approvalrule a
            WHERE a.trader_id = o.trader_id AND a.is_active LIMIT 1)
    FROM orders_order o
    JOIN sessions_app_salesession s ON s.id = o.sales_session_id
    JOIN orders_customer c ON c.id = o.customer_id
    JOIN auth_user u ON u.id = c.user_id
    WHERE o.id = %(order)s
    FOR UPDATE OF o FOR SHARE OF s"""


def _discount(rules) -> tuple[int | None, str, Decimal]:
    """The one rule kind priced here: an item-scope percentage discount for every item."""
    if not rules:
        return None, "", Decimal(0)
    if len(rules) > 1:
        raise Problem(501, "The minimal server prices one discount rule only.")
    rule = rules[0]
    shape = (rule["usage"], rule["method"], rule["scope"])
    narrowed = [rule[k] for k in ("product", "producer", "session", "shipping_mode", "order")]
    if shape != ("discount", "percentage", "item") or any(narrowed) or rule["minimum_total"]:
        raise Problem(501, f"The minimal server does not price rule {rule['id']}.")
    if rule["minimum_quantity"]:
        raise Problem(501, f"The minimal server does not price rule {rule['id']}.")
    return rule["id"], rule["name"], Decimal(str(rule["value"]))


def _cart_lock(db: Db, order_id: int, user: tuple[int, str], now) -> dict:
    row = db.one(_CART_LOCK, {"order": order_id, "now": now})
    if row is None or row[10] != user[0]:
        raise Problem(404, f"Order {order_id} does not exist.")
    keys = (
        "id number status currency trader_id session_id checked_out_at customer_id grand_total "
        "open user_id username password is_active category_id needs_approval spending_limit "
        "rules approval_over"
    ).split()
    order = dict(zip(keys, row, strict=True))
    _check_user(user[1], order["password"], order["is_active"])
    if order["status"] != "P":
        raise Problem(409, f"Order {order['number']} is {order['status']}, no longer a cart.")
    if not order["open"]:
        raise Problem(409, f"The sales session of order {order['number']} takes no more orders.")
    order["rule"] = _discount(order["rules"])
    return order


# The offer as made to the customer's category (sessions_app.selectors.customer_offers_qs),
# with its product, producer and the cart's line for it, if any.
_OFFER = """
    SELECT f.id, f.product_id, f.currency, f.vat_rate,
           COALESCE(co.price, f.price), co.category_id, p.name, p.sku, p.unit_of_measure,
           p.nominal_quantity, p.producer_id, e.platform_id, f.stock_limitation,
           (SELECT i.id FROM orders_orderitem i
            WHERE i.order_id = %(order)s AND i.offer_id = f.id LIMIT 1)
    FROM sessions_app_offer f
    JOIN inventory_product p ON p.id = f.product_id AND p.is_active
    JOIN platforms_enterprise e ON e.id = p.producer_id
    LEFT JOIN sessions_app_categoryoffer co
      ON co.offer_id = f.id AND co.category_id IS NOT DISTINCT FROM %(category)s::bigint
    WHERE f.id = %(offer)s AND f.session_id = %(session)s
      AND (co.is_available OR (co.id IS NULL AND f.is_public))"""

# A new line, its `item_added` event and the order's sub-order (one per shipping address).
_ITEM_INSERT = """
    WITH existing AS (
        SELECT id FROM orders_suborder
        WHERE order_id = %(order)s AND shipping_address_id IS NULL LIMIT 1),
    new_sub AS (
        INSERT INTO orders_suborder (order_id, shipping_address_id, total_product,
            total_adjustment, total_shipping, total_tax, total_shipping_tax, quantity_by_unit,
            item_count)
        SELECT %(order)s, NULL, 0, 0, 0, 0, 0, '{}', 0
        WHERE NOT EXISTS (SELECT 1 FROM existing)
        RETURNING id),
    item AS (
        INSERT INTO orders_orderitem (order_id, sales_session_id, sub_order_id, product_id,
            offer_id, product_name, product_sku, producer_id, producer_platform_id, quantity,
            nominal_quantity, unit_of_measure, unit_price, vat_rate, total_product,
            total_adjustment, total_shipping, total_tax, total_shipping_tax, status,
            inventory_status, inventory_unknown, fulfilment_status, customer_category_id,
            unavailable_reason, created_at, updated_at)
        SELECT %(order)s, %(session)s,
               COALESCE((SELECT id FROM existing), (SELECT id FROM new_sub)),
               %(product)s, %(offer)s, %(name)s, %(sku)s, %(producer)s, %(platform)s,
               %(quantity)s, %(nominal)s, %(unit)s, %(price)s, %(vat)s,
               round(%(quantity)s * %(price)s, 2), 0, 0, 0, 0, 'P', 'NALC', false,
               'unfulfilled', %(category)s::bigint, '', %(now)s, %(now)s
        RETURNING id)
    INSERT INTO orders_orderevent (order_id, kind, actor_id, actor_label, from_status,
                                   to_status, message, message_id, message_params, data,
                                   created_at)
    SELECT %(order)s, 'item_added', %(user)s, %(label)s, '', '', %(message)s,
           'Added %%(quantity)s × %%(product)s',
           json_build_object('quantity', %(quantity_text)s::text, 'product', %(name)s::text),
           json_build_object('item', id, 'quantity', %(quantity_text)s::text), %(now)s
    FROM item"""

_ITEM_MORE = """
    WITH item AS (
        UPDATE orders_orderitem SET quantity = quantity + %(quantity)s,
            total_product = round((quantity + %(quantity)s) * unit_price, 2),
            updated_at = %(now)s
        WHERE id = %(item)s RETURNING id, quantity)
    INSERT INTO orders_orderevent (order_id, kind, actor_id, actor_label, from_status,
                                   to_status, message, message_id, message_params, data,
                                   created_at)
    SELECT %(order)s, 'quantity_changed', %(user)s, %(label)s, '', '',
           'Quantity of ' || %(name)s || ' set to ' || quantity, '', '{}', '{}', %(now)s
    FROM item"""

# A submitted cart that changes is a cart again: its stock goes back (checkout's undo).
_CHECKOUT_UNDO = """
    WITH released AS (
        DELETE FROM inventory_reservation WHERE order_id = %(order)s
        RETURNING stock_id, quantity),
    stock AS (
        UPDATE inventory_stock s SET reserved = s.reserved - r.quantity, updated_at = %(now)s
        FROM (SELECT stock_id, sum(quantity) AS quantity FROM released GROUP BY stock_id) r
        WHERE s.product_id = r.stock_id),
    items AS (
        UPDATE orders_orderitem SET inventory_status = 'NALC', inventory_unknown = false
        WHERE order_id = %(order)s)
    UPDATE orders_order SET checked_out_at = NULL WHERE id = %(order)s"""

# Pricing, all in one statement (orders/services/totals.py does the same writes): each item's
# discount (the rule's percentage of its total, rounded half up to the cent) and VAT on what is
# left; the item and order adjustments rewritten; items, sub-orders and order totals. At submit
# the items first take their offers' current prices and the order its checkout time and a new
# version.
_PRICE = """
    WITH src AS (
        SELECT i.id, i.sub_order_id, i.quantity, i.unit_of_measure,
               CASE WHEN %(submit)s::boolean THEN COALESCE(co.price, f.price) ELSE i.unit_price END
                   AS price,
               CASE WHEN %(submit)s::boolean THEN f.vat_rate ELSE i.vat_rate END AS vat_rate,
               t.rate AS category_rate
        FROM orders_orderitem i
        JOIN inventory_product p ON p.id = i.product_id
        LEFT JOIN discounts_taxcategory t ON t.id = p.tax_category_id
        LEFT JOIN sessions_app_offer f ON f.id = i.offer_id
        LEFT JOIN sessions_app_categoryoffer co
          ON co.offer_id = i.offer_id AND co.category_id = i.customer_category_id
        WHERE i.order_id = %(order)s),
    priced AS (
        SELECT src.*, COALESCE(category_rate, vat_rate) AS tax_rate,
               round(quantity * price, 2) AS total_product,
               -round(round(quantity * price, 2) * %(percent)s / 100, 2) AS discount
        FROM src),
    v AS (
        SELECT priced.*, round((total_product + discount) * tax_rate / 100, 2) AS tax
        FROM priced),
    old_items AS (DELETE FROM discounts_itemadjustment WHERE order_id = %(order)s),
    old_order AS (DELETE FROM discounts_orderadjustment WHERE order_id = %(order)s),
    new_items AS (
        INSERT INTO discounts_itemadjustment
            (order_id, item_id, usage, rule_id, coupon_id, tax_category_id, description,
             amount, sequence)
        SELECT %(order)s, id, 'discount', %(rule)s::bigint, NULL::bigint, NULL::bigint,
               %(rule_name)s, discount, 1
        FROM v WHERE discount <> 0
        UNION ALL
        SELECT %(order)s, id, 'sales_tax', NULL, NULL, NULL,
               'Sales tax ' || tax_rate || '%%', tax,
               CASE WHEN %(rule)s::bigint IS NULL THEN 1 ELSE 2 END
        FROM v WHERE tax <> 0),
    new_order AS (
        INSERT INTO discounts_orderadjustment
            (order_id, usage, rule_id, coupon_id, tax_category_id, description, amount,
             sequence)
        SELECT %(order)s, 'discount', %(rule)s::bigint, NULL::bigint, NULL::bigint, %(rule_name)s,
               sum(discount), 1
        FROM v HAVING sum(discount) <> 0
        UNION ALL
        SELECT %(order)s, 'sales_tax', NULL, NULL, NULL, 'Sales tax ' || tax_rate || '%%',
               sum(tax), CASE WHEN %(rule)s::bigint IS NULL THEN 1 ELSE 2 END
        FROM v GROUP BY tax_rate HAVING sum(tax) <> 0),
    items AS (
        UPDATE orders_orderitem i SET total_adjustment = v.discount, total_shipping = 0,
            total_tax = v.tax, total_shipping_tax = 0,
            unit_price = v.price, vat_rate = v.vat_rate, total_product = v.total_product,
            inventory_status = CASE WHEN %(submit)s::boolean THEN 'ALLC'
                                    ELSE i.inventory_status END,
            updated_at = CASE WHEN %(submit)s::boolean THEN %(now)s ELSE i.updated_at END
        FROM v WHERE i.id = v.id),
    units AS (
        SELECT sub_order_id, jsonb_object_agg(unit_of_measure, trim_scale(q)::text) AS by_unit
        FROM (SELECT sub_order_id, unit_of_measure, sum(quantity) AS q FROM v
              GROUP BY sub_order_id, unit_of_measure) u
        GROUP BY sub_order_id),
    sub_orders AS (
        UPDATE orders_suborder so SET total_product = t.total_product,
            total_adjustment = t.discount, total_shipping = 0, total_tax = t.tax,
            total_shipping_tax = 0, item_count = t.n, quantity_by_unit = units.by_unit
        FROM (SELECT sub_order_id, sum(total_product) AS total_product,
                     sum(discount) AS discount, sum(tax) AS tax, count(*) AS n
              FROM v GROUP BY sub_order_id) t
        JOIN units ON units.sub_order_id = t.sub_order_id
        WHERE so.id = t.sub_order_id),
    emptied AS (
        DELETE FROM orders_suborder
        WHERE order_id = %(order)s AND id NOT IN (SELECT sub_order_id FROM v))
    UPDATE orders_order SET total_product = t.total_product, total_adjustment = t.discount,
        total_shipping = 0, total_tax = t.tax, total_shipping_tax = 0, updated_at = %(now)s,
        checked_out_at = CASE WHEN %(submit)s::boolean THEN %(now)s ELSE checked_out_at END,
        version = version + CASE WHEN %(submit)s::boolean THEN 1 ELSE 0 END
    FROM (SELECT COALESCE(sum(total_product), 0) AS total_product,
                 COALESCE(sum(discount), 0) AS discount, COALESCE(sum(tax), 0) AS tax
          FROM v) t
    WHERE id = %(order)s"""


def _price(db: Db, order: dict, now, submit: bool) -> None:
    rule, name, percent = order["rule"]
    db.one(
        _PRICE + " RETURNING version",
        {"order": order["id"], "now": now, "submit": submit, "rule": rule,
         "rule_name": name, "percent": percent},
    )  # fmt: skip


def _cart_json(db: Db, order_id: int) -> str:
    return db.one(_CART_JSON, [order_id])[0]


def cart_create(environ, db: Db, body: dict) -> tuple[int, str]:
    user = _signed_in(environ, db)
    session_id = int(body["session"])
    row = db.one(_CART_CONTEXT, {"user": user[0], "session": session_id})
    if row is None:
        raise Problem(404, f"Sales session {session_id} does not exist.")
    _, is_open, customer_id, username, password, is_active, currency = row
    _check_user(user[1], password, is_active)
    if customer_id is None:
        raise Problem(403, "You are not a customer of this trader.")
    if body.get("currency") not in (None, currency):
        raise Problem(409, f"Sales session {session_id} sells in {currency}.")
    if not is_open:
        raise Problem(409, f"Sales session {session_id} takes no more orders.")
    now = datetime.now(UTC)
    created = db.one(
        _CART_CREATE,
        {"customer": customer_id, "currency": currency or "EUR", "now": now,
         "session": session_id, "user": user[0], "label": username},
    )  # fmt: skip
    if created is None:
        raise Problem(409, f"Sales session {session_id} takes no more orders.")
    return 201, created[0]


def cart_item_add(environ, db: Db, body: dict, order_id: int) -> tuple[int, str]:
    user = _signed_in(environ, db)
    quantity = Decimal(str(body["quantity"])).quantize(Decimal("0.001"))
    if not Decimal(0) < quantity <= Decimal("99999"):
        raise Problem(400, "quantity: must be more than 0.")
    now = datetime.now(UTC)
    with db.transaction():
        order = _cart_lock(db, order_id, user, now)
        offer = db.one(
            _OFFER,
            {"order": order_id, "offer": int(body["offer"]), "category": order["category_id"],
             "session": order["session_id"]},
        )  # fmt: skip
        if offer is None:
            raise Problem(409, f"Offer {body['offer']} is not offered to this customer.")
        (offer_id, product_id, currency, vat, price, category, name, sku, unit, nominal,
         producer, platform, limitation, line) = offer  # fmt: skip
        if currency != order["currency"]:
            raise Problem(409, f"Order {order['number']} is in {order['currency']}.")
        if limitation is not None:
            raise Problem(501, "The minimal server does not handle offer limitations.")
        if order["checked_out_at"] is not None:
            db.one(_CHECKOUT_UNDO + " RETURNING id", {"order": order_id, "now": now})
        params = {"order": order_id, "now": now, "user": user[0], "label": order["username"],
                  "quantity": quantity, "name": name, "session": order["session_id"]}  # fmt: skip
        if line is None:
            params.update(
                product=product_id, offer=offer_id, sku=sku, producer=producer,
                platform=platform, nominal=nominal, unit=unit, price=price, vat=vat,
                category=category, quantity_text=str(quantity),
                message=f"Added {quantity} × {name}",
            )  # fmt: skip
            db.one(_ITEM_INSERT + " RETURNING id", params)
        else:
            db.one(_ITEM_MORE + " RETURNING id", {**params, "item": line})
        _price(db, order, now, submit=False)
        return 201, _cart_json(db, order_id)


# The items with what the stock asks of them, their stock rows locked in product order.
_SUBMIT_ITEMS = """
    WITH stock AS (
        SELECT product_id, on_hand, reserved, is_unlimited FROM inventory_stock
        WHERE product_id IN (SELECT product_id FROM orders_orderitem WHERE order_id = %(order)s)
        ORDER BY product_id
        FOR UPDATE)
    SELECT i.id, i.product_id, i.product_name, i.quantity, f.session_id, f.currency,
           f.stock_limitation, f.allows_backorder, s.on_hand, s.reserved, s.is_unlimited
    FROM orders_orderitem i
    LEFT JOIN sessions_app_offer f ON f.id = i.offer_id
    LEFT JOIN stock s ON s.product_id = i.product_id
    WHERE i.order_id = %(order)s
    ORDER BY i.product_id, i.id"""

# Reserve everything at once: stock `reserved`, the expiring reservations, the stock event.
_RESERVE = """
    WITH stock AS (
        UPDATE inventory_stock s SET reserved = s.reserved + v.quantity, updated_at = %(now)s
        FROM (SELECT product_id, sum(quantity) AS quantity
              FROM unnest(%(products)s::bigint[], %(quantities)s::numeric[])
                AS u(product_id, quantity) GROUP BY product_id) v
        WHERE s.product_id = v.product_id),
    reservations AS (
        INSERT INTO inventory_reservation
            (order_item_id, order_id, stock_id, offer_id, quantity, expires_at, created_at)
        SELECT v.item_id, %(order)s, v.product_id, NULL, v.quantity, %(expires)s, %(now)s
        FROM unnest(%(items)s::bigint[], %(products)s::bigint[], %(quantities)s::numeric[])
            AS v(item_id, product_id, quantity))
    INSERT INTO orders_orderevent
        (order_id, kind, actor_id, actor_label, from_status, to_status, message, message_id,
         message_params, data, created_at)
    VALUES (%(order)s, 'stock', %(user)s, %(label)s, '', '', %(message)s,
            'Checked out: %%(allocations)s', %(message_params)s, %(data)s, %(now)s)"""

_RELEASE = """
    WITH released AS (
        DELETE FROM inventory_reservation WHERE order_id = %(order)s
        RETURNING stock_id, quantity)
    UPDATE inventory_stock s SET reserved = s.reserved - r.quantity, updated_at = %(now)s
    FROM (SELECT stock_id, sum(quantity) AS quantity FROM released GROUP BY stock_id) r
    WHERE s.product_id = r.stock_id"""


def cart_submit(environ, db: Db, body: dict, order_id: int) -> tuple[int, str]:
    user = _signed_in(environ, db)
    now = datetime.now(UTC)
    with db.transaction():
        order = _cart_lock(db, order_id, user, now)
        if order["checked_out_at"] is not None:
            db.one(_RELEASE + " RETURNING s.product_id", {"order": order_id, "now": now})
        items = db.all(_SUBMIT_ITEMS, {"order": order_id})
        if not items:
            raise Problem(409, f"Order {order['number']} has no items to check out.")
        if any(r[4] != order["session_id"] or r[5] != order["currency"] for r in items):
            raise Problem(409, "No longer offered in this session.")
        if any(r[6] is not None or r[8] is None or r[10] for r in items):
            raise Problem(501, "The minimal server reserves stocked products only.")
        available = {}
        for _, product, _, quantity, *_, on_hand, reserved, _ in items:
            available.setdefault(product, on_hand - reserved)
            available[product] -= quantity
        short = [r[2] for r in items if available[r[1]] < 0]
        if short:
            raise Problem(409, "Insufficient stock: " + ", ".join(short))
        ids = [r[0] for r in items]
        db.one(
            _RESERVE + " RETURNING id",
            {"now": now, "order": order_id, "items": ids, "products": [r[1] for r in items],
             "quantities": [r[3] for r in items],
             "expires": now + timedelta(minutes=RESERVATION_MINUTES),
             "user": user[0], "label": order["username"],
             "message": f"Checked out: {len(items)} reserved",
             "message_params": json.dumps({"allocations": [
                 {"msgid": "%(count)s reserved", "params": {"count": len(items)}}]}),
             "data": json.dumps({"allocations": {str(pk): "reserved" for pk in sorted(ids)}})},
        )  # fmt: skip
        _price(db, order, now, submit=True)
        return 200, _cart_json(db, order_id)


# The order placed (P → I, pay later): order and items, both events, firm reservations and the
# producer-orders work request, in one statement.
_PAY = """
    WITH state AS (
        SELECT count(*) FILTER (WHERE r.expires_at <= %(now)s) AS expired,
               count(*) FILTER (WHERE i.inventory_status = 'BO') AS backordered
        FROM orders_orderitem i LEFT JOIN inventory_reservation r ON r.order_item_id = i.id
        WHERE i.order_id = %(order)s),
    o AS (
        UPDATE orders_order SET status = 'I', placed_at = %(now)s, updated_at = %(now)s,
            payment_method = 'invoice', payment_reference = 'invoice-' || number,
            payment_status = 'deferred', version = version + 1
        WHERE id = %(order)s AND (SELECT expired + backordered FROM state) = 0
        RETURNING id, number, grand_total, currency),
    items AS (
        UPDATE orders_orderitem SET status = 'I', updated_at = %(now)s
        WHERE order_id = (SELECT id FROM o)),
    events AS (
        INSERT INTO orders_orderevent
            (order_id, kind, actor_id, actor_label, from_status, to_status, message,
             message_id, message_params, data, created_at)
        SELECT o.id, k.kind, %(user)s, %(label)s, k.from_status, k.to_status,
               'Pay by invoice: ' || o.grand_total || ' ' || o.currency || ' due',
               '%%(method)s: %%(amount)s %%(currency)s due',
               jsonb_build_object('method', jsonb_build_object('msgid', 'Pay by invoice',
                   'params', '{}'::jsonb), 'amount', o.grand_total::text,
                   'currency', o.currency),
               CASE WHEN k.kind = 'payment' THEN jsonb_build_object(
                   'method', 'invoice', 'outcome', 'deferred',
                   'reference', 'invoice-' || o.number) ELSE '{}' END,
               %(now)s
        FROM o, (VALUES ('status_changed', 'P', 'I'), ('payment', '', ''))
            AS k(kind, from_status, to_status)),
    firm AS (
        UPDATE inventory_reservation SET expires_at = NULL
        WHERE order_id = (SELECT id FROM o) AND expires_at IS NOT NULL),
    work AS (
        INSERT INTO config_workrequest
            (kind, params, created_at, next_attempt_at, locked_until, attempts, last_error)
        SELECT 'producer_orders_refresh',
               jsonb_build_object('order_id', o.id, 'also_producer_ids', '[]'::jsonb),
               %(now)s, %(retry)s, NULL, 0, ''
        FROM o RETURNING id)
    SELECT (SELECT id FROM work), state.expired, state.backordered FROM state"""


def cart_pay(environ, db: Db, body: dict, order_id: int) -> tuple[int, str]:
    user = _signed_in(environ, db)
    if body.get("method") != "invoice":
        raise Problem(501, "The minimal server takes payment by invoice only.")
    now = datetime.now(UTC)
    with db.transaction():
        order = _cart_lock(db, order_id, user, now)
        if order["checked_out_at"] is None:
            raise Problem(409, f"Order {order['number']} must be submitted before it is paid.")
        if order["needs_approval"] or order["spending_limit"] is not None:
            raise Problem(501, "The minimal server does not handle approval.")
        if order["approval_over"] is not None and order["grand_total"] > order["approval_over"]:
            raise Problem(501, "The minimal server does not handle approval.")
        work, expired, backordered = db.one(
            _PAY,
            {"order": order_id, "now": now, "user": user[0], "label": order["username"],
             "retry": now + timedelta(seconds=WORK_REQUEUE_SECONDS)},
        )  # fmt: skip
        if expired:
            raise Problem(409, f"The reservations of order {order['number']} expired.")
        if backordered:
            raise Problem(501, "The minimal server does not handle backorders.")
        response = _cart_json(db, order_id)
    _publish({"task": "orders.tasks.producer_orders_refresh_task", "request_id": work})
    return 200, response


# --- WSGI -----------------------------------------------------------------------------------------

ROUTES = [
    ("POST", re.compile(r"^/api/storefront/carts/$"), cart_create),
    ("POST", re.compile(r"^/api/storefront/carts/(\d+)/items/$"), cart_item_add),
    ("POST", re.compile(r"^/api/storefront/carts/(\d+)/submit/$"), cart_submit),
    ("POST", re.compile(r"^/api/storefront/carts/(\d+)/pay/$"), cart_pay),
]


def _body(environ) -> dict:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}


def app(environ, start_response):
    from bench import minimal_partner  # the partner flows, which import this module

    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    if path == "/readyz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    db = _db()
    db.statements = 0
    headers = []
    try:
        for verb, pattern, view in ROUTES + minimal_partner.ROUTES:
            match = pattern.match(path)
            if match and verb == method:
                arguments = [int(g) if g.isdigit() else g for g in match.groups()]
                body = _body(environ) if method in ("POST", "PUT") else {}
                status, body, *extra = view(environ, db, body, *arguments)
                headers = list(extra[0]) if extra else []
                kind = "application/ld+json" if "/api/dfc/" in path else "application/json"
                headers.append(("Content-Type", kind))
                break
        else:
            raise Problem(404, f"No {method} {path}.")
    except Problem as problem:
        status = problem.status
        headers = [("Content-Type", "application/problem+json")]
        body = json.dumps({"status": status, "detail": problem.detail})
    except (KeyError, ValueError, TypeError) as error:
        status, body = 400, json.dumps({"status": 400, "detail": f"Bad request: {error!r}"})
        headers = [("Content-Type", "application/problem+json")]
    reason = {200: "OK", 201: "Created"}.get(status, "Error")
    data = body.encode()
    headers += [("Content-Length", str(len(data))), ("X-Statements", str(db.statements))]
    start_response(f"{status} {reason}", headers)
    return [data]
