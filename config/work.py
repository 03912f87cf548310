"""Work requested after a commit: the one door through which services queue Celery tasks.

Guarantees
- `work_request` writes a WorkRequest row in the caller's transaction: the change and the
  duty to do the work commit or roll back together. After commit a task is queued at once.
  `work_request_write` gives the same row as a statement, for a hot path to run with its
  other writes; its `queue` then queues the task after commit in the same way.
- Queuing is best effort (`task_queue_on_commit`): a broker that is down is logged, never
  raised, so a committed request never answers 500. Beat's sweep (`work_requests_sweep`)
  queues whatever is still owed, so a lost message only delays the work.
- A worker claims a row with a lease (`locked_until`, SKIP LOCKED), runs the service outside
  that claim, then deletes the row. The services are idempotent: a worker that dies mid-run
  leaves a lease that expires, and the work is done again. A failure is recorded and retried
  with backoff.
- Services name a kind, never a task module, so task modules (which import services) are
  never imported back by them: no import cycle.
"""

import importlib
import logging
import random
from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from config import sql
from config.celery import app as celery_app
from config.models import WorkRequest

logger = logging.getLogger(__name__)

# The task (its registered name) that does each kind of work; settings.CELERY_TASK_ROUTES gives
# each task its queue.
WORK_TASKS: dict[str, str] = {
    WorkRequest.Kind.PRODUCER_ORDERS_REFRESH: "orders.tasks.producer_orders_refresh_task",
    WorkRequest.Kind.BACKORDERS_ALLOCATE: "orders.tasks.backorders_allocate_task",
    WorkRequest.Kind.CUSTOMER_NOTICE: "orders.tasks.customer_notice_send_task",
}
# What a broker outage looks like when publishing (kombu wraps connection errors).
BROKER_ERRORS = (OperationalError, ConnectionError, TimeoutError)


def work_request(*, kind: str, **params) -> int:
    """Owe `kind` of work with `params` (JSON: ids, never model instances), in the caller's
    transaction; after commit its task is queued. Returns the request's id."""
    return work_request_write(kind=kind, **params).save()


class WorkRequestWrite(NamedTuple):
    """A work request's row as a statement, not yet run (`work_request_write`)."""

    kind: str
    statement: sql.Statement  # the INSERT, RETURNING the request's id

    def save(self) -> int:
        """Write the row now and queue its task after commit (work_request); its id."""
        ((request_id,),) = sql.run(self.statement)
        self.queue(request_id)
        return request_id

    def queue(self, request_id: int) -> None:
        """Queue the request's task after commit, as work_request does: call it with the id
        the statement returned, once it has run in the caller's transaction."""
        task_queue_on_commit(WORK_TASKS[self.kind], request_id=request_id)


def work_request_write(*, kind: str, **params) -> WorkRequestWrite:
    """work_request's row as a statement, for a hot path to run with its other writes in
    one round trip (config.sql.run_joined); the caller then passes the id it returned to
    `queue`, so the task is queued after commit exactly as work_request queues it. The same
    row as work_request writes (it is built here for both)."""
    if kind not in WORK_TASKS:
        raise KeyError(f"no task does work of kind {kind!r}")
    now = timezone.now()
    row = {
        "kind": kind,
        "params": params,
        "next_attempt_at": now + timedelta(seconds=settings.LARDER_WORK_REQUEUE_SECONDS),
    }
    return WorkRequestWrite(kind, sql.insert_new(WorkRequest, [row], now=now, returning_pk=True))


def task_queue_on_commit(task_name: str, **kwargs) -> None:
    """Queue the task registered as `task_name` with `kwargs` once the caller's transaction commits
    (at once outside one). Only for work that is durable elsewhere (a WorkRequest or an
    outbox row): a broker error is logged and the sweep catches up."""
    transaction.on_commit(lambda: task_queue(task_name, **kwargs))


def task_queue(task_name: str, **kwargs) -> bool:
    """Queue now, best effort; False when the broker could not be reached."""
    task = registered_task(task_name)
    if task.app.conf.task_always_eager:  # unit tests: it runs here, its errors are its own
        task.apply_async(kwargs=kwargs)
        return True
    try:
        task.apply_async(kwargs=kwargs)
    except BROKER_ERRORS as error:
        logger.warning(
            "could not queue %s %s (%s); the sweep will queue it again",
            task_name,
            kwargs,
            error.__class__.__name__,
        )
        return False
    return True


def registered_task(task_name: str) -> Task:
    """The task registered under `task_name`, found by name in Celery's registry (loading the
    task modules config.celery lists on first use), never by importing its module here.

    Larder's own app, not `celery.current_app`: that one is per thread, and in a thread the
    app was not created in (gunicorn's gthread workers) it is Celery's empty default app."""
    if task_name not in celery_app.tasks:
        celery_app.loader.import_default_modules()
    if task_name not in celery_app.tasks:
        # A web process that never ran Celery's autodiscovery (gunicorn's preloaded app: the
        # bench's partner PUT met NotRegistered there) loads the task's own module by name.
        importlib.import_module(task_name.rpartition(".")[0])
    return celery_app.tasks[task_name]


def _not_leased(now) -> Q:
    return Q(locked_until__isnull=True) | Q(locked_until__lt=now)


def work_request_run(*, request_id: int, run: Callable[[dict], object]) -> str:
    """Do one requested piece of work: claim the row (a lease, skipping a row another worker
    holds), call `run(params)` with no transaction of ours open, delete the row.

    Returns "done", or "skipped" when the row is gone (done already) or held by a live lease.
    A failure is recorded (attempts, last error, a retry time with backoff) and re-raised.
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.LARDER_WORK_LEASE_SECONDS)
    with transaction.atomic():
        request = (
            WorkRequest.objects.select_for_update(skip_locked=True)
            .filter(_not_leased(now), pk=request_id)
            .first()
        )
        if request is None:
            return "skipped"
        request.locked_until = now + lease
        request.attempts += 1
        request.save(update_fields=["locked_until", "attempts"])
    try:
        run(request.params)
    except Exception as error:
        delay = min(3600, settings.LARDER_WORK_REQUEUE_SECONDS * 2 ** (request.attempts - 1))
        delay *= random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not security
        WorkRequest.objects.filter(pk=request.pk).update(
            locked_until=None,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            last_error=f"{error.__class__.__name__}: {error}"[:500],
        )
        raise
    WorkRequest.objects.filter(pk=request.pk).delete()
    return "done"


def work_requests_sweep(*, limit: int = 500) -> int:
    """Beat: queue again every request that is due and held by no live lease; returns how
    many were queued. Safe to run twice at once (rows are claimed with SKIP LOCKED and pushed
    back before they are queued) and harmless if a request is queued twice (the lease)."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            WorkRequest.objects.select_for_update(skip_locked=True)
            .filter(_not_leased(now), next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "kind")[:limit]
        )
        WorkRequest.objects.filter(pk__in=[pk for pk, _ in due]).update(
            next_attempt_at=now + timedelta(seconds=settings.LARDER_WORK_REQUEUE_SECONDS)
        )
    queued = 0
    for pk, kind in due:
        if not task_queue(WORK_TASKS[kind], request_id=pk):
            break  # the broker is down: the rest wait for the next sweep
        queued += 1
    return queued


@transaction.atomic
def work_requests_retry(*, request_ids) -> int:
    """Run the given requests again now (the admin's "Run again now"): each one held by no
    live lease is made due at once and its task queued after commit; one a worker holds is
    left to it. Returns how many were queued."""
    now = timezone.now()
    due = list(
        WorkRequest.objects.select_for_update(skip_locked=True)
        .filter(_not_leased(now), pk__in=list(request_ids))
        .order_by("pk")
        .values_list("pk", "kind")
    )
    WorkRequest.objects.filter(pk__in=[pk for pk, _ in due]).update(
        next_attempt_at=now + timedelta(seconds=settings.LARDER_WORK_REQUEUE_SECONDS)
    )
    for pk, kind in due:
        task_queue_on_commit(WORK_TASKS[kind], request_id=pk)
    return len(due)
