"""Checkout throughput: orders placed per second by 8 concurrent clients, 3 items per order.

Two paths place identical prepared carts (built through the services beforehand, 3 items from
3 producers, random products among 30):
- service: `cart_submit` then `order_pay(method="invoice")`, the code the storefront runs
  (locks, stock reservations, offer prices, the pricing engine, status moves through the one
  door, events, the producer-order hook queued on commit);
- SQL: the same writes as one hand-written SQL transaction per order (lock the order and its
  session, read items and offers, lock the stock rows in pk order, check, reserve, insert the
  reservations, take the prices, sum the totals, move the order to I, write the events).
  It does not run the pricing engine's rule lookups, which the service path does.

Each client is a thread with its own database connection; both paths run in the same process
and the same run. Queries per checkout are counted on carts of 1, 3 and 10 items.
"""

import os
import random
import threading
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

CLIENTS = 8
ITEMS_PER_ORDER = 3
ORDERS_PER_PATH = int(os.environ.get("BENCH_CHECKOUT_ORDERS", "400"))
TARGET_RATIO = 0.60
TARGET_QUERIES = 12


def _fixture():
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
    offers = []
    for n in range(30):
        product = Product.objects.create(producer=producers[n % 3], name=f"{tag} product {n}")
        Stock.objects.create(product=product, on_hand=Decimal("1000000"))
        offers.append(
            Offer.objects.create(
                session=session, product=product, price=Decimal("2.35") + n, currency="EUR"
            )
        )
    customers = [
        Customer.objects.create(trader=trader, name=f"{tag} customer {n}") for n in range(20)
    ]
    return session, offers, customers


def _carts(session, offers, customers, count: int, items: int = ITEMS_PER_ORDER) -> list[int]:
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


def _service_checkout(order_id: int) -> None:
    from config.actors import Actor
    from orders.services.checkout import cart_submit
    from orders.services.payments import order_pay

    actor = Actor.system("bench")
    cart_submit(order_id=order_id, actor=actor)
    order_pay(order_id=order_id, method="invoice", actor=actor)


_SQL_LOCK = """
    SELECT o.number, o.status, o.currency, s.state, s.begins_at, s.ends_at
    FROM orders_order o JOIN sessions_app_salesession s ON s.id = o.sales_session_id
    WHERE o.id = %s FOR UPDATE OF o FOR SHARE OF s"""
_SQL_ITEMS = """
    SELECT i.id, i.product_id, i.quantity, f.price, f.vat_rate, f.currency
    FROM orders_orderitem i JOIN sessions_app_offer f ON f.id = i.offer_id
    WHERE i.order_id = %s ORDER BY i.id"""
_SQL_STOCK_LOCK = """
    SELECT product_id, on_hand, reserved FROM inventory_stock
    WHERE product_id = ANY(%s) ORDER BY product_id FOR UPDATE"""
_SQL_RESERVE = """
    UPDATE inventory_stock s SET reserved = s.reserved + v.quantity, updated_at = now()
    FROM unnest(%s::bigint[], %s::numeric[]) AS v(product_id, quantity)
    WHERE s.product_id = v.product_id"""
_SQL_RESERVATIONS = """
    INSERT INTO inventory_reservation
        (order_item_id, order_id, stock_id, quantity, expires_at, created_at)
    SELECT v.item_id, %s, v.product_id, v.quantity, NULL, now()
    FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[]) AS v(item_id, product_id, quantity)"""
_SQL_ITEMS_PRICE = """
    UPDATE orders_orderitem i SET unit_price = v.price, vat_rate = v.vat_rate,
        total_product = round(i.quantity * v.price, 2), inventory_status = 'ALLC',
        status = 'I', updated_at = now()
    FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) AS v(id, price, vat_rate)
    WHERE i.id = v.id"""
_SQL_SUB_ORDERS = """
    UPDATE orders_suborder so SET total_product = t.total, total_quantity = t.quantity,
        item_count = t.n
    FROM (SELECT sub_order_id, sum(total_product) AS total, sum(quantity) AS quantity,
                 count(*) AS n
          FROM orders_orderitem WHERE order_id = %s GROUP BY sub_order_id) t
    WHERE so.id = t.sub_order_id"""
_SQL_ORDER = """
    UPDATE orders_order SET status = 'I', placed_at = now(), checked_out_at = now(),
        payment_method = 'invoice', payment_reference = 'invoice-' || number,
        payment_status = 'deferred', version = version + 2, updated_at = now(),
        total_product = (SELECT sum(total_product) FROM orders_orderitem WHERE order_id = %s)
    WHERE id = %s"""
_SQL_EVENTS = """
    INSERT INTO orders_orderevent
        (order_id, kind, actor_label, from_status, to_status, message, data, created_at)
    VALUES (%s, 'stock', 'bench', '', '', 'Checked out', '{}', now()),
           (%s, 'status_changed', 'bench', 'P', 'I', 'P → I', '{}', now()),
           (%s, 'payment', 'bench', '', '', 'Pay by invoice', '{}', now())"""


def _sql_checkout(order_id: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_SQL_LOCK, [order_id])
        _number, status, currency, state, begins_at, ends_at = cursor.fetchone()
        now = timezone.now()
        if status != "P" or state != "open" or not begins_at <= now < ends_at:
            raise RuntimeError(f"order {order_id} cannot be checked out")
        cursor.execute(_SQL_ITEMS, [order_id])
        items = cursor.fetchall()
        if any(row[5] != currency for row in items):
            raise RuntimeError("currency mismatch")
        cursor.execute(_SQL_STOCK_LOCK, [sorted({row[1] for row in items})])
        available = {pk: on_hand - reserved for pk, on_hand, reserved in cursor.fetchall()}
        short = [row for row in items if row[2] > available.get(row[1], row[2])]
        if short:
            raise RuntimeError(f"insufficient stock for {short}")
        item_ids = [row[0] for row in items]
        product_ids = [row[1] for row in items]
        quantities = [row[2] for row in items]
        cursor.execute(_SQL_RESERVE, [product_ids, quantities])
        cursor.execute(_SQL_RESERVATIONS, [order_id, item_ids, product_ids, quantities])
        cursor.execute(
            _SQL_ITEMS_PRICE, [item_ids, [row[3] for row in items], [row[4] for row in items]]
        )
        cursor.execute(_SQL_SUB_ORDERS, [order_id])
        cursor.execute(_SQL_ORDER, [order_id, order_id])
        cursor.execute(_SQL_EVENTS, [order_id, order_id, order_id])


def _drive(order_ids: list[int], checkout) -> float:
    """Orders per second placed by CLIENTS threads sharing the list of carts."""
    pending = list(reversed(order_ids))
    guard = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)
    errors: list[BaseException] = []

    def client() -> None:
        try:
            barrier.wait()
            while True:
                with guard:
                    if not pending:
                        return
                    order_id = pending.pop()
                checkout(order_id)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return len(order_ids) / elapsed


def _queries(order_id: int, work) -> int:
    with CaptureQueriesContext(connection) as captured:
        work(order_id)
    return len(captured)


def run() -> list[dict]:
    from config.actors import Actor
    from config.celery import app
    from orders.models import Order
    from orders.services.checkout import cart_submit

    # The producer-order hook queues a Celery task on commit: keep it in memory, no broker.
    app.conf.broker_url = "memory://"
    settings.CELERY_BROKER_URL = "memory://"

    session, offers, customers = _fixture()
    service_carts = _carts(session, offers, customers, ORDERS_PER_PATH)
    sql_carts = _carts(session, offers, customers, ORDERS_PER_PATH)
    warm = _carts(session, offers, customers, 2 * CLIENTS)
    _drive(warm[:CLIENTS], _service_checkout)
    _drive(warm[CLIENTS:], _sql_checkout)

    # Alternate halves so drift of the machine weighs on both paths alike.
    half = ORDERS_PER_PATH // 2
    service_rates = [_drive(service_carts[:half], _service_checkout)]
    sql_rates = [_drive(sql_carts[:half], _sql_checkout)]
    service_rates.append(_drive(service_carts[half:], _service_checkout))
    sql_rates.append(_drive(sql_carts[half:], _sql_checkout))
    service_rate = sum(service_rates) / 2
    sql_rate = sum(sql_rates) / 2
    placed = Order.objects.filter(pk__in=service_carts + sql_carts, status="I").count()
    assert placed == 2 * ORDERS_PER_PATH, placed

    actor = Actor.system("bench")
    submit = {
        n: _queries(
            _carts(session, offers, customers, 1, items=n)[0],
            lambda pk: cart_submit(order_id=pk, actor=actor),
        )
        for n in (1, 3, 10)
    }
    whole = _queries(_carts(session, offers, customers, 1)[0], _service_checkout)
    ratio = service_rate / sql_rate
    return [
        {
            "name": "service checkout (submit + pay)",
            "value": f"{service_rate:.1f}",
            "unit": "orders/s",
        },
        {"name": "hand-written SQL transaction", "value": f"{sql_rate:.1f}", "unit": "orders/s"},
        {
            "name": "service / SQL throughput",
            "value": f"{ratio:.0%}",
            "target": f">= {TARGET_RATIO:.0%}",
            "ok": ratio >= TARGET_RATIO,
        },
        {
            "name": "queries per submit of 3 items",
            "value": submit[3],
            "target": f"<= {TARGET_QUERIES}",
            "ok": submit[3] <= TARGET_QUERIES,
        },
        {
            "name": "queries per submit of 1 / 3 / 10 items",
            "value": f"{submit[1]} / {submit[3]} / {submit[10]}",
            "target": "constant",
            "ok": submit[1] == submit[3] == submit[10],
        },
        {"name": "queries per submit + pay of 3 items", "value": whole, "unit": ""},
    ]
