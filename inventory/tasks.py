"""Thin Celery tasks: ids in, one service call, idempotent."""

from celery import shared_task

from inventory.exceptions import CatalogUnavailable
from inventory.services.mirror import remote_producer_ids, stock_mirror_refresh


@shared_task(acks_late=True, autoretry_for=(CatalogUnavailable,), retry_backoff=True, max_retries=3)
def stock_mirror_refresh_task(*, producer_id: int) -> dict:
    result = stock_mirror_refresh(producer_id=producer_id)
    return {"known": result.known, "unlimited": result.unlimited, "unknown": result.unknown}


@shared_task(acks_late=True)
def stock_mirrors_refresh_task() -> list[int]:
    """Beat: refresh the stock mirror of every producer on another platform, one task each."""
    producer_ids = remote_producer_ids()
    for producer_id in producer_ids:
        stock_mirror_refresh_task.delay(producer_id=producer_id)
    return producer_ids
