"""Work requested after a commit: a row in the change's transaction, a task after commit, a
sweep for what a lost message left behind (config/work.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from config.models import WorkRequest
from config.work import work_request, work_request_run, work_requests_sweep
from inventory.services.stock import stock_set
from orders.models import ProducerOrder
from orders.services.checkout import cart_submit
from orders.services.payments import order_pay
from tests.factories import ProductFactory, SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock

pytestmark = pytest.mark.django_db


def test_paying_owes_a_producer_order_refresh_that_runs_after_commit(
    system_actor, django_capture_on_commit_callbacks
):
    session = SaleSessionFactory()
    cart = cart_with(session, [(offer_with_stock(session, on_hand="5"), "2")])
    cart_submit(order_id=cart.pk, actor=system_actor)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_pay(order_id=cart.pk, method="invoice", actor=system_actor)
    request = WorkRequest.objects.get()
    assert (request.kind, request.params) == (
        "producer_orders_refresh",
        {"order_id": cart.pk, "also_producer_ids": []},
    )
    assert request.next_attempt_at > timezone.now()  # the sweep leaves it to its task a while
    assert not ProducerOrder.objects.exists()

    for callback in callbacks:  # after commit: the task (eager here) does it
        callback()
    assert not WorkRequest.objects.exists()
    line = ProducerOrder.objects.get(sales_session=session).lines.get()
    assert line.quantity == Decimal("2")


def test_more_stock_owes_a_backorder_allocation(django_capture_on_commit_callbacks):
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stock_set(product_id=product.pk, on_hand=Decimal("4"))
    request = WorkRequest.objects.get()
    assert (request.kind, request.params) == ("backorders_allocate", {"product_ids": [product.pk]})
    assert len(callbacks) == 1
    callbacks[0]()
    assert not WorkRequest.objects.exists()


def test_a_failing_run_is_recorded_kept_and_retried_later(settings):
    settings.LARDER_WORK_REQUEUE_SECONDS = 10
    request_id = work_request(kind=WorkRequest.Kind.BACKORDERS_ALLOCATE, product_ids=[1])

    def fail(params):
        raise ValueError(f"no luck with {params['product_ids']}")

    with pytest.raises(ValueError, match="no luck"):
        work_request_run(request_id=request_id, run=fail)
    request = WorkRequest.objects.get()
    assert (request.attempts, request.locked_until) == (1, None)
    assert request.last_error == "ValueError: no luck with [1]"
    assert timezone.now() + timedelta(seconds=4) < request.next_attempt_at
    assert request.next_attempt_at < timezone.now() + timedelta(seconds=11)


def test_a_leased_request_is_left_alone_until_its_lease_expires():
    request_id = work_request(kind=WorkRequest.Kind.BACKORDERS_ALLOCATE, product_ids=[])
    WorkRequest.objects.update(
        locked_until=timezone.now() + timedelta(minutes=5), next_attempt_at=timezone.now()
    )
    ran = []
    assert work_request_run(request_id=request_id, run=ran.append) == "skipped"
    assert work_requests_sweep() == 0
    assert ran == []

    WorkRequest.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert work_request_run(request_id=request_id, run=ran.append) == "done"
    assert ran == [{"product_ids": []}]
    assert not WorkRequest.objects.exists()
    assert work_request_run(request_id=request_id, run=ran.append) == "skipped"  # done once


def test_the_sweep_queues_what_is_due_and_pushes_it_back(settings):
    settings.LARDER_WORK_REQUEUE_SECONDS = 30
    due = work_request(kind=WorkRequest.Kind.BACKORDERS_ALLOCATE, product_ids=[])
    work_request(kind=WorkRequest.Kind.BACKORDERS_ALLOCATE, product_ids=[])  # not due yet
    WorkRequest.objects.filter(pk=due).update(next_attempt_at=timezone.now())

    assert work_requests_sweep() == 1  # queued; the task ran eagerly and did it
    assert list(WorkRequest.objects.values_list("pk", flat=True)) == [due + 1]
    assert work_requests_sweep() == 0
