"""Checkout throughput: orders per second by 8 concurrent clients, 3 items per order.

The clients are 8 processes (forked after Django is set up), each with its own database
connection, so neither path is measured through one process's GIL. Two paths do the same work
on identical prepared carts (built through the services beforehand: 3 items from 3 producers,
random products among 30, under the trader's pricing rule — 5% off each item — and the offers'
5.5% VAT):

- service: the storefront's code. "submit" is `cart_submit` (lock the order and its session,
  offer prices, the pricing engine with its rules, all-or-nothing stock reservation, the
  adjustments, items, sub-orders and order totals, the stock event); "submit + pay" adds
  `order_pay(method="invoice")` (lock, expiry and backorder check, P → I through the one door
  with its event, firm reservations, the payment event, the producer-order hook queued on
  commit to Celery's in-memory broker).
- SQL: the same reads and writes as hand-written SQL, one transaction for the submit and one
  for the pay: the same locks, the same rule query, the item discounts and VAT computed in
  SQL and written as the same adjustment rows, the same totals, events and version bumps, and
  the same task queued after the pay commits. It implements only the rule kind the fixture
  uses (item-scope percentage discounts); the engine is general.

After the runs every SQL order is compared with the service order built from the same offers
(totals, version, adjustments, events): the bench fails if they differ. Statements are counted
(BEGIN and COMMIT included) on carts of 1, 3 and 10 items.
"""

import json
import multiprocessing
import os
import random
import threading
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

CLIENTS = 8
ITEMS_PER_ORDER = 3
ORDERS_PER_PATH = int(os.environ.get("BENCH_CHECKOUT_ORDERS", "600"))
ROUNDS = 4  # each path runs once per round, in a rotated order
TARGET_RATIO = 0.60
TARGET_STATEMENTS = 12
VAT = Decimal("5.50")
DISCOUNT_PERCENT = Decimal("5")


def _fixture():
    from discounts.models import CalculationRule
    from inventory.models import Product, Stock
    from orders.models import Customer
    from platforms.models import Enterprise, Platform
    from sessions_app.models import Offer, SaleSession

    tag = f"bench-{time.time_ns()}"
    local, _ = Platform.objects.get_or_create(
        is_local=True, defaults={"name": "This Larder", "slug": "larder"}
    )
    remote = Platform.objects.create(
        name=f"{tag} OFN", slug=f"{tag}-ofn", kind="ofn", base_url="http://127.0.0.1:9/"
    )
    trader = Enterprise.objects.create(
        platform=local, kind="trader", name=f"{tag} hub", slug=f"{tag}-hub"
    )
    producers = [
        Enterprise.objects.create(
            platform=platform, kind="producer", name=f"{tag} farm {n}", slug=f"{tag}-farm-{n}"
        )
        for n, platform in enumerate([local, remote, remote])
    ]
    now = timezone.now()
    session = SaleSession.objects.create(
        trader=trader,
        name=tag,
        begins_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        state="open",
    )
    CalculationRule.objects.create(
        trader=trader,
        name="Bench 5% off",
        usage="discount",
        method="percentage",
        scope="item",
        value=DISCOUNT_PERCENT,
        currency="EUR",
    )
    offers = []
    for n in range(30):
        product = Product.objects.create(producer=producers[n % 3], name=f"{tag} product {n}")
        Stock.objects.create(product=product, on_hand=Decimal("1000000"))
        offers.append(
            Offer.objects.create(
                session=session,
                product=product,
                price=Decimal("2.35") + n,
                currency="EUR",
                vat_rate=VAT,
            )
        )
    customers = [
        Customer.objects.create(trader=trader, name=f"{tag} customer {n}") for n in range(20)
    ]
    return session, offers, customers


def _carts(session, offers, customers, count: int, items: int = ITEMS_PER_ORDER) -> list[int]:
    """`count` carts; two calls with the same count and items hold the same offers, in order."""
    from config.actors import Actor
    from orders.services.checkout import cart_create, cart_item_add

    actor = Actor.system("bench")
    rng = random.Random(count * 7919 + items)
    by_producer = [offers[p::3] for p in range(3)]
    ids = []
    for n in range(count):
        cart = cart_create(
            session_id=session.pk, customer=customers[n % len(customers)], actor=actor
        )
        chosen = (
            [rng.choice(by_producer[i % 3]) for i in range(items)]
            if items <= 3
            else rng.sample(offers, items)
        )
        for offer in {o.pk: o for o in chosen}.values():
            cart_item_add(order_id=cart.pk, offer_id=offer.pk, quantity=Decimal("1"), actor=actor)
        ids.append(cart.pk)
    return ids


# --- the service path ------------------------------------------------------------------------


def _service_submit(order_id: int) -> None:
    from config.actors import Actor
    from orders.services.checkout import cart_submit

    cart_submit(order_id=order_id, actor=Actor.system("bench"))


def _service_checkout(order_id: int) -> None:
    from config.actors import Actor
    from orders.services.payments import order_pay

    _service_submit(order_id)
    order_pay(order_id=order_id, method="invoice", actor=Actor.system("bench"))


# --- the hand-written SQL path ---------------------------------------------------------------

_SQL_LOCK = """
    SELECT o.number, o.status, o.currency, o.trader_id, o.sales_session_id, o.checked_out_at,
           s.state, s.begins_at, s.ends_at
    FROM orders_order o JOIN sessions_app_salesession s ON s.id = o.sales_session_id
    WHERE o.id = %s FOR UPDATE OF o FOR SHARE OF s"""
_SQL_ITEMS = """
    SELECT i.id, i.product_id, i.product_name, i.quantity, i.sub_order_id, f.session_id,
           f.price, f.vat_rate, f.currency, f.stock_limitation, p.tax_category_id, t.rate
    FROM orders_orderitem i JOIN sessions_app_offer f ON f.id = i.offer_id
    JOIN inventory_product p ON p.id = i.product_id
    LEFT JOIN discounts_taxcategory t ON t.id = p.tax_category_id
    WHERE i.order_id = %s ORDER BY i.id"""
_SQL_RULES = """
    SELECT r.id, r.name, r.usage, r.method, r.scope, r.value, r.price_basis,
           r.minimum_order_total, r.minimum_quantity, r.shipping_scale_id, r.is_exclusive,
           (SELECT c.coupon_id FROM discounts_couponredemption c
              JOIN discounts_coupon k ON k.id = c.coupon_id
            WHERE c.order_id = %(order)s AND k.rule_id = r.id ORDER BY c.coupon_id LIMIT 1)
    FROM discounts_calculationrule r
    WHERE r.trader_id = %(trader)s AND r.is_active
      AND (r.order_id IS NULL OR r.order_id = %(order)s)
      AND r.currency IN ('', %(currency)s)
      AND (r.valid_from IS NULL OR r.valid_from <= %(now)s)
      AND (r.valid_until IS NULL OR r.valid_until > %(now)s)
    ORDER BY r.priority, r.id"""
_SQL_STOCK_LOCK = """
    SELECT product_id, on_hand, reserved FROM inventory_stock
    WHERE product_id = ANY(%s) ORDER BY product_id FOR UPDATE"""
_SQL_RESERVE = """
    WITH stock AS (
        UPDATE inventory_stock s SET reserved = s.reserved + v.quantity, updated_at = %(now)s
        FROM unnest(%(products)s::bigint[], %(quantities)s::numeric[]) AS v(product_id, quantity)
        WHERE s.product_id = v.product_id)
    INSERT INTO inventory_reservation
        (order_item_id, order_id, stock_id, offer_id, quantity, expires_at, created_at)
    SELECT v.item_id, %(order)s, v.product_id, NULL, v.quantity, %(expires)s, %(now)s
    FROM unnest(%(items)s::bigint[], %(products)s::bigint[], %(quantities)s::numeric[])
        AS v(item_id, product_id, quantity)"""
# Prices, the rule's discount on each item and the VAT on what is left, rounded half up to
# the cent as the engine does (numeric round() rounds half away from zero); then every write
# of the service's one statement: adjustments, items, sub-orders, order.
_SQL_PRICE = """
    WITH priced AS (
        SELECT v.id, v.sub_order_id, v.quantity, v.price, v.vat_rate, v.tax_rate,
               round(v.quantity * v.price, 2) AS total_product,
               -round(round(v.quantity * v.price, 2) * %(percent)s / 100, 2) AS discount
        FROM unnest(%(items)s::bigint[], %(sub_orders)s::bigint[], %(quantities)s::numeric[],
                    %(prices)s::numeric[], %(vat_rates)s::numeric[], %(tax_rates)s::numeric[])
            AS v(id, sub_order_id, quantity, price, vat_rate, tax_rate)),
    v AS (
        SELECT priced.*, round((total_product + discount) * tax_rate / 100, 2) AS tax
        FROM priced),
    old_items AS (DELETE FROM discounts_itemadjustment WHERE order_id = %(order)s),
    old_order AS (DELETE FROM discounts_orderadjustment WHERE order_id = %(order)s),
    new_items AS (
        INSERT INTO discounts_itemadjustment
            (order_id, item_id, usage, rule_id, coupon_id, tax_category_id, description,
             amount, sequence)
        SELECT %(order)s, id, 'discount', %(rule)s, NULL::bigint, NULL::bigint, %(rule_name)s,
               discount, 1
        FROM v WHERE discount <> 0
        UNION ALL
        SELECT %(order)s, id, 'sales_tax', NULL, NULL, NULL, %(tax_name)s, tax,
               %(tax_sequence)s
        FROM v WHERE tax <> 0),
    new_order AS (
        INSERT INTO discounts_orderadjustment
            (order_id, usage, rule_id, coupon_id, tax_category_id, description, amount,
             sequence)
        SELECT %(order)s, 'discount', %(rule)s, NULL::bigint, NULL::bigint, %(rule_name)s,
               sum(discount), 1
        FROM v HAVING sum(discount) <> 0
        UNION ALL
        SELECT %(order)s, 'sales_tax', NULL, NULL, NULL, %(tax_name)s, sum(tax),
               %(tax_sequence)s
        FROM v HAVING sum(tax) <> 0),
    items AS (
        UPDATE orders_orderitem i SET unit_price = v.price, vat_rate = v.vat_rate,
            total_product = v.total_product, total_adjustment = v.discount,
            total_shipping = 0, total_tax = v.tax, total_shipping_tax = 0,
            inventory_status = 'ALLC', inventory_unknown = false, updated_at = %(now)s
        FROM v WHERE i.id = v.id),
    sub_orders AS (
        UPDATE orders_suborder so SET total_product = t.total_product,
            total_adjustment = t.discount, total_shipping = 0, total_tax = t.tax,
            total_shipping_tax = 0, item_count = t.n
        FROM (SELECT sub_order_id, sum(total_product) AS total_product,
                     sum(discount) AS discount, sum(tax) AS tax, sum(quantity) AS quantity,
                     count(*) AS n
              FROM v GROUP BY sub_order_id) t
        WHERE so.id = t.sub_order_id),
    emptied AS (
        DELETE FROM orders_suborder
        WHERE order_id = %(order)s AND NOT (id = ANY(%(sub_orders)s::bigint[])))
    UPDATE orders_order SET total_product = t.total_product, total_adjustment = t.discount,
        total_shipping = 0, total_tax = t.tax, total_shipping_tax = 0,
        checked_out_at = %(now)s, version = version + 1, updated_at = %(now)s
    FROM (SELECT sum(total_product) AS total_product, sum(discount) AS discount,
                 sum(tax) AS tax FROM v) t
    WHERE id = %(order)s"""
_SQL_EVENT = """
    INSERT INTO orders_orderevent
        (order_id, kind, actor_id, actor_label, from_status, to_status, message, data,
         created_at)
    VALUES (%s, 'stock', NULL, 'bench', '', '', %s, %s::jsonb, %s)"""

_SQL_PAY_LOCK = _SQL_LOCK
_SQL_PAY_STATE = """
    SELECT count(*) FILTER (WHERE r.expires_at <= %s),
           count(*) FILTER (WHERE i.inventory_status = 'BORD'),
           array_agg(DISTINCT i.producer_id ORDER BY i.producer_id)
    FROM orders_orderitem i LEFT JOIN inventory_reservation r ON r.order_item_id = i.id
    WHERE i.order_id = %s"""
_SQL_PAY_ORDER = """
    UPDATE orders_order SET status = 'I', placed_at = %(now)s, updated_at = %(now)s,
        payment_method = 'invoice', payment_reference = 'invoice-' || number,
        payment_status = 'deferred', version = version + 1
    WHERE id = %(order)s RETURNING number, grand_total, currency"""
_SQL_PAY_ITEMS = "UPDATE orders_orderitem SET status = 'I', updated_at = %s WHERE order_id = %s"
_SQL_PAY_EVENTS = """
    INSERT INTO orders_orderevent
        (order_id, kind, actor_id, actor_label, from_status, to_status, message, data,
         created_at)
    VALUES (%(order)s, 'status_changed', NULL, 'bench', 'P', 'I', %(message)s, '{}', %(now)s),
           (%(order)s, 'payment', NULL, 'bench', '', '', %(message)s, %(data)s::jsonb,
            %(now)s)"""
_SQL_PAY_FIRM = """
    UPDATE inventory_reservation SET expires_at = NULL
    WHERE order_id = %s AND expires_at IS NOT NULL"""


def _sql_submit(order_id: int) -> None:
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_SQL_LOCK, [order_id])
        _, status, currency, trader_id, session_id, checked_out_at, state, begins, ends = (
            cursor.fetchone()
        )
        if status != "P" or checked_out_at or state != "open" or not begins <= now < ends:
            raise RuntimeError(f"order {order_id} cannot be checked out")
        cursor.execute(_SQL_ITEMS, [order_id])
        items = cursor.fetchall()
        if not items or any(r[5] != session_id or r[8] != currency for r in items):
            raise RuntimeError("offer not available")
        cursor.execute(
            _SQL_RULES,
            {"order": order_id, "trader": trader_id, "currency": currency, "now": now},
        )
        rules = cursor.fetchall()
        # The fixture's rule kind, the only one this path implements.
        kind = ("discount", "percentage", "item", "net", None, None, None, None)
        if len(rules) != 1 or (*rules[0][2:5], *rules[0][6:10], rules[0][11]) != kind:
            raise RuntimeError(f"the SQL path prices only one item-scope % discount: {rules}")
        (rule_id, rule_name, *_), percent = rules[0], rules[0][5]
        if any(r[9] is not None for r in items):
            raise RuntimeError("the SQL path does not handle offer limitations")
        products = [r[1] for r in items]
        cursor.execute(_SQL_STOCK_LOCK, [sorted(set(products))])
        available = {pk: on_hand - reserved for pk, on_hand, reserved in cursor.fetchall()}
        short = [r[2] for r in items if r[3] > available.get(r[1], r[3])]
        if short:
            raise RuntimeError(f"insufficient stock: {short}")
        item_ids = [r[0] for r in items]
        quantities = [r[3] for r in items]
        cursor.execute(
            _SQL_RESERVE,
            {
                "now": now,
                "order": order_id,
                "items": item_ids,
                "products": products,
                "quantities": quantities,
                "expires": now + timedelta(minutes=settings.LARDER_CART_RESERVATION_MINUTES),
            },
        )
        tax_rates = {r[11] if r[10] else r[7] for r in items}
        if len(tax_rates) != 1:
            raise RuntimeError("the SQL path handles one VAT rate per order")
        (tax_rate,) = tax_rates
        cursor.execute(
            _SQL_PRICE,
            {
                "order": order_id,
                "now": now,
                "items": item_ids,
                "sub_orders": [r[4] for r in items],
                "quantities": quantities,
                "prices": [r[6] for r in items],
                "vat_rates": [r[7] for r in items],
                "tax_rates": [r[11] if r[10] else r[7] for r in items],
                "percent": percent,
                "rule": rule_id,
                "rule_name": rule_name,
                "tax_name": f"Sales tax {tax_rate}%",
                "tax_sequence": 2,
            },
        )
        cursor.execute(
            _SQL_EVENT,
            [
                order_id,
                f"Checked out: {len(items)} reserved",
                json.dumps({"allocations": {str(pk): "reserved" for pk in item_ids}}),
                now,
            ],
        )


def _sql_pay(order_id: int) -> None:
    from config.models import WorkRequest
    from config.work import work_request

    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_SQL_PAY_LOCK, [order_id])
        _, status, _, _, session_id, checked_out_at, state, begins, ends = cursor.fetchone()
        if status != "P" or not checked_out_at or state != "open" or not begins <= now < ends:
            raise RuntimeError(f"order {order_id} cannot be paid")
        cursor.execute(_SQL_PAY_STATE, [now, order_id])
        expired, backordered, producer_ids = cursor.fetchone()
        if expired or backordered:
            raise RuntimeError("expired or backordered")
        cursor.execute(_SQL_PAY_ORDER, {"order": order_id, "now": now})
        number, grand_total, currency = cursor.fetchone()
        cursor.execute(_SQL_PAY_ITEMS, [now, order_id])
        message = f"Pay by invoice: {grand_total} {currency} due"
        cursor.execute(
            _SQL_PAY_EVENTS,
            {
                "order": order_id,
                "now": now,
                "message": message,
                "data": json.dumps(
                    {"method": "invoice", "outcome": "deferred", "reference": f"invoice-{number}"}
                ),
            },
        )
        cursor.execute(_SQL_PAY_FIRM, [order_id])
        # As the service does: a durable request, queued after commit.
        work_request(
            kind=WorkRequest.Kind.PRODUCER_ORDERS_REFRESH, order_id=order_id, also_producer_ids=[]
        )


def _sql_checkout(order_id: int) -> None:
    _sql_submit(order_id)
    _sql_pay(order_id)


PATHS = {
    "service submit": _service_submit,
    "SQL submit": _sql_submit,
    "service submit + pay": _service_checkout,
    "SQL submit + pay": _sql_checkout,
}


# --- the driver ------------------------------------------------------------------------------


def _client(path, order_ids, warm_id, next_index, barrier, results) -> None:
    """One client process: warm up on its own cart, wait for the others, then place carts
    from the shared list until none is left; report when it finished (system-wide clock)."""
    try:
        work = PATHS[path]
        work(warm_id)
        barrier.wait()
        while True:
            with next_index.get_lock():
                index = next_index.value
                next_index.value += 1
            if index >= len(order_ids):
                break
            work(order_ids[index])
        results.put(("done", time.monotonic()))
    except BaseException as error:  # noqa: BLE001 - reported to the parent
        results.put(("error", repr(error)))
        barrier.abort()
    finally:
        connection.close()


def _drive(path: str, order_ids: list[int], warm_ids: list[int]) -> float:
    """Seconds CLIENTS processes sharing the list of carts take to place them all."""
    context = multiprocessing.get_context("fork")
    connections.close_all()  # a forked child must not share the parent's socket
    barrier = context.Barrier(CLIENTS + 1)
    next_index = context.Value("i", 0)
    results = context.Queue()
    clients = [
        context.Process(
            target=_client, args=(path, order_ids, warm_ids[n], next_index, barrier, results)
        )
        for n in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    try:
        barrier.wait(timeout=300)
    except threading.BrokenBarrierError:
        raise RuntimeError(f"{path}: {results.get(timeout=60)}") from None
    started = time.monotonic()
    outcomes = [results.get(timeout=600) for _ in clients]
    for client in clients:
        client.join()
    errors = [detail for kind, detail in outcomes if kind == "error"]
    if errors:
        raise RuntimeError(f"{path}: {errors[0]}")
    return max(finish for _, finish in outcomes) - started


def _statements(order_id: int, work) -> int:
    with CaptureQueriesContext(connection) as captured:
        work(order_id)
    return len(captured)


def _same_work(service_ids: list[int], sql_ids: list[int]) -> list[str]:
    """Differences between each service order and the SQL order built from the same offers."""
    from discounts.models import ItemAdjustment, OrderAdjustment
    from orders.models import Order, OrderEvent, OrderItem

    def picture(order_id: int) -> tuple:
        order = Order.objects.values(
            "status", "version", "total_product", "total_adjustment", "total_tax",
            "grand_total", "payment_status",
        ).get(pk=order_id)  # fmt: skip
        return (
            order,
            sorted(
                OrderItem.objects.filter(order_id=order_id).values_list(
                    "product_id",
                    "unit_price",
                    "total_product",
                    "total_adjustment",
                    "total_tax",
                    "status",
                    "inventory_status",
                )
            ),  # fmt: skip
            sorted(
                ItemAdjustment.objects.filter(order_id=order_id).values_list(
                    "item__product_id", "usage", "rule_id", "description", "amount", "sequence"
                )
            ),
            sorted(
                OrderAdjustment.objects.filter(order_id=order_id).values_list(
                    "usage", "rule_id", "description", "amount", "sequence"
                )
            ),
            sorted(OrderEvent.objects.filter(order_id=order_id).values_list("kind", flat=True)),
        )

    return [
        f"order {service} ≠ order {sql}"
        for service, sql in zip(service_ids, sql_ids, strict=True)
        if picture(service) != picture(sql)
    ]


def run() -> list[dict]:
    from config.celery import app
    from orders.models import Order

    # The producer-order hook queues a Celery task on commit: keep it in memory, no broker.
    app.conf.broker_url = "memory://"
    settings.CELERY_BROKER_URL = "memory://"

    session, offers, customers = _fixture()
    size = ORDERS_PER_PATH // ROUNDS
    orders = size * ROUNDS
    carts = {path: _carts(session, offers, customers, orders) for path in PATHS}
    # A warm-up cart per client and round (smaller carts: they are not measured).
    warm = {path: _carts(session, offers, customers, ROUNDS * CLIENTS, items=2) for path in PATHS}

    # Rounds, each path once per round in a rotated order, so that the drift of a shared
    # machine weighs on every path alike; a path's rate is all its orders over all its time.
    seconds = dict.fromkeys(PATHS, 0.0)
    names = list(PATHS)
    for n in range(ROUNDS):
        for path in names[n % len(names) :] + names[: n % len(names)]:
            seconds[path] += _drive(
                path,
                carts[path][n * size : (n + 1) * size],
                warm[path][n * CLIENTS : (n + 1) * CLIENTS],
            )
    rate = {path: orders / seconds[path] for path in PATHS}
    placed = Order.objects.filter(
        pk__in=carts["service submit + pay"] + carts["SQL submit + pay"], status="I"
    ).count()
    assert placed == 2 * orders, placed
    differences = _same_work(carts["service submit + pay"], carts["SQL submit + pay"])
    differences += _same_work(carts["service submit"], carts["SQL submit"])

    submit = {
        n: _statements(_carts(session, offers, customers, 1, items=n)[0], _service_submit)
        for n in (1, 3, 10)
    }
    whole = _statements(_carts(session, offers, customers, 1)[0], _service_checkout)
    sql_submit = _statements(_carts(session, offers, customers, 1)[0], _sql_submit)
    sql_whole = _statements(_carts(session, offers, customers, 1)[0], _sql_checkout)
    figures = []
    for unit in ("submit", "submit + pay"):
        service, sql = rate[f"service {unit}"], rate[f"SQL {unit}"]
        figures += [
            {"name": f"service {unit}, {CLIENTS} processes", "value": f"{service:.1f}",
             "unit": "orders/s"},
            {"name": f"hand-written SQL {unit}, {CLIENTS} processes", "value": f"{sql:.1f}",
             "unit": "orders/s"},
            {"name": f"service / SQL, {unit}", "value": f"{service / sql:.0%}",
             "target": f">= {TARGET_RATIO:.0%}", "ok": service / sql >= TARGET_RATIO},
        ]  # fmt: skip
    return [
        *figures,
        {
            "name": "statements per submit of 3 items (BEGIN and COMMIT included)",
            "value": submit[3],
            "target": f"<= {TARGET_STATEMENTS}",
            "ok": submit[3] <= TARGET_STATEMENTS,
        },
        {
            "name": "statements per submit of 1 / 3 / 10 items",
            "value": f"{submit[1]} / {submit[3]} / {submit[10]}",
            "target": "constant",
            "ok": submit[1] == submit[3] == submit[10],
        },
        {"name": "statements per submit + pay of 3 items, service", "value": whole},
        {
            "name": "statements per submit / submit + pay, SQL",
            "value": f"{sql_submit} / {sql_whole}",
        },
        {
            "name": "SQL orders identical to their service twins",
            "value": f"{2 * orders - len(differences)} of {2 * orders}",
            "target": "all",
            "ok": not differences,
        },
    ]
