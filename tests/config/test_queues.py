"""Celery's queues, routes, beat schedule and work kinds name real tasks and queues."""

from django.conf import settings

from config.celery import app
from config.queues import ROUTES
from config.work import WORK_TASKS, registered_task


def _task(name: str):
    """The task a worker registers under `name` (it loads config.celery.TASK_PACKAGES)."""
    return registered_task(name)


def test_every_route_names_a_task_and_a_queue_the_workers_consume():
    assert settings.LARDER_CELERY_QUEUES == ["default", "producer-orders", "partner-delivery"]
    assert settings.CELERY_TASK_DEFAULT_QUEUE == "default"
    for task_name, queue in ROUTES.items():
        assert _task(task_name).name == task_name
        assert queue in settings.LARDER_CELERY_QUEUES
    assert app.amqp.router.route({}, "platforms.tasks.outbox_send_task")["queue"].name == (
        "partner-delivery"
    )
    assert app.amqp.router.route({}, "orders.tasks.producer_orders_refresh_task")["queue"].name == (
        "producer-orders"
    )
    assert app.amqp.router.route({}, "orders.tasks.sessions_close_due_task")["queue"].name == (
        "default"
    )


def test_beat_and_work_kinds_name_real_idempotent_tasks():
    names = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    names += list(WORK_TASKS.values())
    for name in names:
        task = _task(name)
        assert task.name == name
        assert (task.acks_late, task.reject_on_worker_lost) == (True, True), name


def test_the_broker_never_hands_a_running_task_to_a_second_worker():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT
