"""Celery's queues and which task goes to which (settings.CELERY_TASK_ROUTES).

- `default`: beat's sweeps, session close, cart expiry, backorders, stock mirrors, customer e-mails.
- `producer-orders`: producer-order refreshes after each checkout, edit or cancellation.
- `partner-delivery`: outbox sends to partner platforms (slow partners wait here only).
"""

QUEUES = ("default", "producer-orders", "partner-delivery")
ROUTES = {
    "orders.tasks.producer_orders_refresh_task": "producer-orders",
    "platforms.tasks.outbox_send_task": "partner-delivery",
    "platforms.tasks.outbox_deliver_due_task": "partner-delivery",
}


def queue_names(prefix: str = "") -> list[str]:
    """The queue names, the default first."""
    return [prefix + name for name in QUEUES]


def task_routes(prefix: str = "") -> dict:
    return {task: {"queue": prefix + queue} for task, queue in ROUTES.items()}
