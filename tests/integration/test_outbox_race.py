"""Workers racing on the same due outbox messages never send one twice (the lease)."""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection

from orders.models import ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from platforms.models import DeliveryAttempt, OutboxMessage
from platforms.outbox.services import outbox_deliver_due
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)
from tests.platforms.partner import PartnerServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PRODUCERS = 12
WORKERS = 4


def test_four_workers_sweeping_the_same_due_messages_send_each_exactly_once(monkeypatch):
    partner = PartnerServer().start()
    partner.state.honour_idempotency_keys = False  # a duplicate would show as a second order
    partner.state.stall_seconds = 0.1  # sends overlap
    try:
        platform = PlatformFactory(base_url=partner.base_url + "/api/dfc/")
        session = SaleSessionFactory()
        order = OrderFactory(trader=session.trader, sales_session=session, status="C")
        for index in range(PRODUCERS):
            producer = ProducerFactory(
                platform=platform, remote_id=partner.producer_url(f"farm-{index}")
            )
            product = ProductFactory(
                producer=producer, remote_id=f"{producer.remote_id}/SuppliedProducts/1"
            )
            OrderItemFactory(order=order, product=product, quantity=Decimal("1"))
        monkeypatch.setattr("platforms.outbox.services.task_queue_on_commit", lambda *a, **k: None)
        producer_orders_refresh(session_id=session.pk)
        assert OutboxMessage.objects.filter(state="pending").count() == PRODUCERS

        barrier = threading.Barrier(WORKERS)
        outcomes: list[dict] = []

        def worker() -> None:
            try:
                barrier.wait()
                outcomes.append(outbox_deliver_due())
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        # Each message sent once: one POST per producer, no look-up or amendment after it.
        assert [request.method for request in partner.requests()] == ["POST"] * PRODUCERS
        posts = Counter(request.path for request in partner.requests("POST"))
        assert len(posts) == PRODUCERS
        assert set(posts.values()) == {1}, posts
        assert len(partner.order_nodes()) == PRODUCERS
        assert sum(outcome.get("delivered", 0) for outcome in outcomes) == PRODUCERS
        assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"delivered"}
        assert DeliveryAttempt.objects.count() == PRODUCERS
        assert set(ProducerOrder.objects.values_list("status", flat=True)) == {"G"}
        # The work was shared: more than one worker sent something.
        assert sum(1 for outcome in outcomes if outcome.get("delivered")) > 1
    finally:
        partner.stop()
