"""Thin Celery tasks: ids in, one service call, idempotent."""

from celery import shared_task

from config.actors import Actor
from orders.services.backorders import backorders_allocate
from orders.services.checkout import carts_expired_release
from orders.services.producer_orders import producer_orders_refresh
from orders.services.session_close import sessions_close_due


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def producer_orders_refresh_task(*, session_id: int, producer_ids: list[int] | None = None):
    return producer_orders_refresh(session_id=session_id, producer_ids=producer_ids)


@shared_task(acks_late=True)
def sessions_close_due_task() -> list[int]:
    return sessions_close_due(actor=Actor.system("session-close beat"))


@shared_task(acks_late=True)
def carts_expired_release_task() -> list[int]:
    """Beat: give back the stock of submitted carts left unpaid past their reservation time."""
    return carts_expired_release(actor=Actor.system("cart-expiry beat"))


@shared_task(acks_late=True)
def backorders_allocate_task(*, product_ids: list[int] | None = None) -> list[int]:
    """Queued when stock arrives (ids only), and on a beat: allocate waiting backorders."""
    return backorders_allocate(actor=Actor.system("backorder task"), product_ids=product_ids)
