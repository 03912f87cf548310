"""How soon a cancellation's PUT reaches the producer's platform, through a real Celery worker.

A partner server on loopback records requests; a worker runs on the configured broker (Redis
when CELERY_BROKER_URL is set, else the folder broker). Each round cancels a customer order and
times from just before the cancelling transaction to the partner's receipt of the PUT.
"""

import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

ROUNDS = 20


def run() -> list[dict]:
    from inventory.models import Product
    from orders.models import Order, OrderItem
    from orders.producer_orders.services import producer_orders_refresh
    from platforms.models import Enterprise, Platform
    from sessions_app.models import SaleSession
    from tests.integration.worker import celery_worker
    from tests.platforms.partner import PartnerServer

    tag = timezone.now().strftime("%H%M%S%f")
    partner = PartnerServer().start()
    local, _ = Platform.objects.get_or_create(
        is_local=True, defaults={"name": "Bench Larder", "slug": "bench-larder"}
    )
    remote = Platform.objects.create(
        name=f"Partner {tag}", slug=f"partner-{tag}", base_url=partner.base_url + "/api/dfc/"
    )
    trader = Enterprise.objects.create(
        platform=local, kind="trader", name=f"Hub {tag}", slug=f"delivery-hub-{tag}"
    )
    producer = Enterprise.objects.create(
        platform=remote,
        kind="producer",
        name=f"Farm {tag}",
        slug=f"delivery-farm-{tag}",
        remote_id=partner.producer_url(f"farm-{tag}"),
    )
    product = Product.objects.create(
        producer=producer, name="Flour", remote_id=f"{producer.remote_id}/SuppliedProducts/1"
    )
    now = timezone.now()
    session = SaleSession.objects.create(
        trader=trader,
        name=f"Delivery {tag}",
        state="open",
        begins_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    orders = []
    for _ in range(ROUNDS + 1):
        order = Order.objects.create(
            trader=trader, currency="EUR", sales_session=session, status="C"
        )
        OrderItem.objects.create(
            order=order,
            product=product,
            product_name="Flour",
            producer=producer,
            producer_platform=remote,
            quantity=Decimal("1"),
            unit_price=Decimal("2.00"),
        )
        orders.append(order)

    latencies = []
    try:
        with celery_worker():
            producer_orders_refresh(session_id=session.pk)
            _wait(lambda: partner.requests("POST"), 30)
            for order in orders[:ROUNDS]:
                seen = len(partner.requests("PUT"))
                started = time.perf_counter()
                Order.objects.filter(pk=order.pk).update(status="X")
                producer_orders_refresh(session_id=session.pk, producer_ids=[producer.pk])
                _wait(lambda seen=seen: len(partner.requests("PUT")) > seen, 30)
                latencies.append(time.perf_counter() - started)
    finally:
        partner.stop()
    p50 = statistics.median(latencies)
    worst = max(latencies)
    return [
        {
            "name": f"cancellation commit → partner receives PUT, median of {ROUNDS}",
            "value": f"{p50 * 1000:.0f}",
            "unit": "ms",
            "target": "< 1000",
            "ok": p50 < 1,
        },
        {
            "name": f"cancellation commit → partner receives PUT, worst of {ROUNDS}",
            "value": f"{worst * 1000:.0f}",
            "unit": "ms",
            "target": "< 1000",
            "ok": worst < 1,
        },
    ]


def _wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the partner did not receive the request in time")
        time.sleep(0.005)
