"""A real Celery worker carries a cancellation to the producer's platform."""

import time
from decimal import Decimal

import pytest

from orders.models import Order, ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)
from tests.integration.worker import celery_worker
from tests.platforms.partner import PartnerServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _wait_for(predicate, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_worker_posts_then_puts_a_cancellation(monkeypatch):
    from config.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", False)
    partner = PartnerServer().start()
    try:
        platform = PlatformFactory(base_url=partner.base_url + "/api/dfc/")
        producer = ProducerFactory(platform=platform, remote_id=partner.producer_url("farm"))
        product = ProductFactory(
            producer=producer, remote_id=f"{producer.remote_id}/SuppliedProducts/1"
        )
        session = SaleSessionFactory()
        order = OrderFactory(trader=session.trader, sales_session=session, status="C")
        OrderItemFactory(order=order, product=product, quantity=Decimal("2"))

        with celery_worker() as log:
            producer_orders_refresh(session_id=session.pk)  # commits; on commit → the worker
            _wait_for(lambda: partner.requests("POST"), timeout=20)
            _wait_for(lambda: ProducerOrder.objects.get().status == "G", timeout=10)

            Order.objects.filter(pk=order.pk).update(status="X")
            producer_orders_refresh(session_id=session.pk, producer_ids=[producer.pk])
            elapsed = _wait_for(lambda: partner.requests("PUT"), timeout=20)

        put = partner.requests("PUT")[0].json["@graph"]
        assert [n for n in put if n["@type"] == "dfc-b:OrderLine"] == []
        assert elapsed < 5, "".join(log[-20:])
    finally:
        partner.stop()
