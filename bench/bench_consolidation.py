"""Consolidating a session of 10,000 customer orders (50,000 lines) into producer orders.

Compares `producer_orders_refresh` with one hand-written SQL GROUP BY over the same rows, in the
same run; counts queries at 1,000 and 10,000 orders (the count must not grow) and the Python
heap's peak during the refresh (tracemalloc).
"""

import random
import resource
import statistics
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

ORDERS = 10_000
LINES_PER_ORDER = 5
PRODUCERS = 20
PRODUCTS_PER_PRODUCER = 10

GROUP_BY_SQL = """
SELECT i.producer_id, i.product_id, SUM(i.quantity), MAX(i.offer_id), MAX(i.unit_price)
FROM orders_orderitem i
JOIN orders_order o ON o.id = i.order_id
WHERE i.sales_session_id = %(session)s AND o.sales_session_id = %(session)s
  AND o.status = ANY(%(statuses)s)
GROUP BY i.producer_id, i.product_id
ORDER BY i.producer_id, i.product_id
"""


def _build_session(orders: int, tag: str):
    from inventory.models import Product
    from orders.models import Order, OrderItem
    from platforms.models import Enterprise, Platform
    from sessions_app.models import SaleSession

    platform, _ = Platform.objects.get_or_create(
        is_local=True, defaults={"name": "Bench Larder", "slug": "bench-larder"}
    )
    trader = Enterprise.objects.create(
        platform=platform, kind="trader", name=f"Hub {tag}", slug=f"bench-hub-{tag}"
    )
    now = timezone.now()
    session = SaleSession.objects.create(
        trader=trader,
        name=f"Bench {tag}",
        state="open",
        begins_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    products = []
    for p in range(PRODUCERS):
        producer = Enterprise.objects.create(
            platform=platform, kind="producer", name=f"Farm {tag}-{p}", slug=f"bench-farm-{tag}-{p}"
        )
        products += Product.objects.bulk_create(
            [
                Product(
                    producer=producer,
                    name=f"Product {tag}-{p}-{n}",
                    weight_kg=Decimal("0.5"),
                    pack_weight_kg=Decimal("10"),
                )
                for n in range(PRODUCTS_PER_PRODUCER)
            ]
        )
    rng = random.Random(42)
    batch = 2_000
    for start in range(0, orders, batch):
        created = Order.objects.bulk_create(
            [
                Order(
                    trader=trader,
                    currency="EUR",
                    sales_session=session,
                    status=rng.choice("ICCCCMRX"),
                )
                for _ in range(min(batch, orders - start))
            ]
        )
        items = []
        for order in created:
            for product in rng.sample(products, LINES_PER_ORDER):
                quantity = Decimal(rng.randint(1, 4))
                items.append(
                    OrderItem(
                        order=order,
                        product=product,
                        product_name=product.name,
                        producer_id=product.producer_id,
                        producer_platform=platform,
                        quantity=quantity,
                        unit_price=Decimal("2.50"),
                        total_product=quantity * Decimal("2.50"),
                        status=order.status,
                    )
                )
        OrderItem.objects.bulk_create(items, batch_size=5_000)
    return session


def _refresh_measured(session_id: int, *, trace_memory: bool = False) -> tuple[float, int, float]:
    """One consolidation from scratch: time, queries, and (when traced, which slows Python and
    so is done in a separate run) the peak of the Python heap in MB."""
    from orders.models import ProducerOrder
    from orders.producer_orders.services import producer_orders_refresh

    ProducerOrder.objects.filter(sales_session_id=session_id).delete()
    if trace_memory:
        tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        producer_orders_refresh(session_id=session_id)
    elapsed = time.perf_counter() - started
    peak = 0
    if trace_memory:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, len(queries), peak / 2**20


def _group_by(session_id: int) -> float:
    from orders.statuses import LIVE_ORDER_STATUSES

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(GROUP_BY_SQL, {"session": session_id, "statuses": list(LIVE_ORDER_STATUSES)})
        cursor.fetchall()
    return time.perf_counter() - started


def run() -> list[dict]:
    tag = timezone.now().strftime("%H%M%S%f")
    small = _build_session(1_000, f"s{tag}")
    big = _build_session(ORDERS, f"b{tag}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order; ANALYZE orders_orderitem; ANALYZE inventory_product")

    _, small_queries, _ = _refresh_measured(small.pk)
    _refresh_measured(big.pk)  # warm the caches as the GROUP BY's warm-up does
    _group_by(big.pk)
    runs = [_refresh_measured(big.pk) for _ in range(5)]
    group_by = statistics.median(_group_by(big.pk) for _ in range(5))
    refresh = statistics.median(r[0] for r in runs)
    big_queries = runs[0][1]
    peak = _refresh_measured(big.pk, trace_memory=True)[2]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = refresh / group_by
    return [
        {
            "name": "consolidate 10,000 orders / 50,000 lines (median of 5)",
            "value": f"{refresh * 1000:.0f}",
            "unit": "ms",
        },
        {
            "name": "hand-written SQL GROUP BY, same rows (median of 5)",
            "value": f"{group_by * 1000:.0f}",
            "unit": "ms",
        },
        {
            "name": "consolidation time / GROUP BY time",
            "value": f"{ratio:.2f}",
            "unit": "×",
            "target": "≤ 2",
            "ok": ratio <= 2,
        },
        {"name": "queries, 1,000 orders", "value": small_queries, "unit": ""},
        {
            "name": "queries, 10,000 orders",
            "value": big_queries,
            "unit": "",
            "target": "same as 1,000",
            "ok": big_queries == small_queries,
        },
        {
            "name": "peak Python heap during one consolidation (tracemalloc)",
            "value": f"{peak:.1f}",
            "unit": "MB",
            "target": "< 200",
            "ok": peak < 200,
        },
        {
            "name": "peak RSS of the whole bench process (building 50,000 lines included)",
            "value": f"{rss:.0f}",
            "unit": "MB",
            "target": "< 200",
            "ok": rss < 200,
        },
    ]
