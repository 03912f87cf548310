"""Thin Celery tasks: ids in, one service call, idempotent."""

from celery import shared_task

from orders.services.producer_orders import producer_orders_refresh


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def producer_orders_refresh_task(*, session_id: int, producer_ids: list[int] | None = None):
    return producer_orders_refresh(session_id=session_id, producer_ids=producer_ids)
