import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from config.actors import Actor
from orders.models import ProducerOrder
from orders.services.session_close import SessionCloseReport, session_close, sessions_close_due
from orders.tasks import sessions_close_due_task
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory, SaleSessionFactory


def _session_with_orders(**session_fields):
    session = SaleSessionFactory(**session_fields)
    for quantity in ("2", "3"):
        order = OrderFactory(trader=session.trader, sales_session=session, status="C")
        OrderItemFactory(order=order, product=ProductFactory(), quantity=Decimal(quantity))
    return session


@pytest.mark.django_db
def test_close_finalises_every_producer_order_complete():
    session = _session_with_orders()
    assert session_close(session_id=session.pk, actor=Actor.system("test")) == (
        SessionCloseReport(producer_orders=2, deliveries=0)
    )
    session.refresh_from_db()
    assert (session.state, session.closed_at is not None) == ("closed", True)
    assert list(ProducerOrder.objects.values_list("order_state", flat=True)) == ["Complete"] * 2
    assert all(p.finalised_at for p in ProducerOrder.objects.all())


@pytest.mark.django_db
def test_beat_closes_every_session_past_its_end_and_catches_up():
    past = timezone.now() - timedelta(hours=1)
    late = [
        _session_with_orders(begins_at=past - timedelta(days=3), ends_at=past - timedelta(days=n))
        for n in (0, 1)
    ]
    still_open = _session_with_orders()

    closed = sessions_close_due_task()
    again = sessions_close_due(actor=Actor.system("test"))

    assert sorted(closed) == sorted(s.pk for s in late)
    assert again == []
    still_open.refresh_from_db()
    assert still_open.state == "open"


@pytest.mark.django_db
def test_close_session_command_reports_and_refuses_a_second_close(capsys):
    session = _session_with_orders()
    call_command("close_session", str(session.pk))
    assert "2 producer orders finalised" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already closed"):
        call_command("close_session", str(session.pk))
    with pytest.raises(CommandError, match="no sales session 999999"):
        call_command("close_session", "999999")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_closes_close_once():
    session = _session_with_orders()
    barrier = threading.Barrier(2)
    results = []

    def close():
        try:
            barrier.wait()
            results.append(session_close(session_id=session.pk, actor=Actor.system("race")))
        finally:
            connection.close()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(result is not None for result in results) == [False, True]
    # Finalised once: created at version 2 by the refresh, bumped once by the close.
    assert list(ProducerOrder.objects.values_list("version", flat=True)) == [3, 3]


def _close_statements(session) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        session_close(session_id=session.pk, actor=Actor.system("test"))
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 5])
def test_a_close_takes_the_same_statements_whatever_the_size(size):
    """Pinned (docs/performance.md, "Session close"): the session read and locked once, the
    producer orders locked once and completed in one UPDATE, local producers' straight to G,
    one outbox write for the others, for 2 producers as for 10, 1 order as for 5."""
    from platforms.models import OutboxMessage
    from tests.factories import LocalPlatformFactory, PlatformFactory, ProducerFactory

    local, remote = LocalPlatformFactory(), PlatformFactory()
    session = SaleSessionFactory()
    products = [
        ProductFactory(producer=ProducerFactory(platform=platform))
        for platform in [local, remote] * size
    ]
    for _ in range(size):
        order = OrderFactory(trader=session.trader, sales_session=session, status="C")
        for product in products:
            OrderItemFactory(order=order, product=product, quantity=Decimal("2"))
    from orders.producer_orders.services import producer_orders_refresh

    producer_orders_refresh(session_id=session.pk)
    before = dict(ProducerOrder.objects.values_list("pk", "version"))

    # In a test's transaction: 8 statements and the close's SAVEPOINT and RELEASE (the
    # products' figures come with the refresh's GROUP BY, no read of their own).
    assert _close_statements(session) == 10

    after = {p.pk: p for p in ProducerOrder.objects.select_related("producer__platform")}
    assert len(after) == 2 * size
    assert all(p.version == before[p.pk] + 1 for p in after.values())
    assert all(
        (p.order_state, p.status, p.finalised_at is not None)
        == ("Complete", "G" if p.producer.platform.is_local else "F", True)
        for p in after.values()
    )
    owed = set(OutboxMessage.objects.filter(state="pending").values_list("subject_key", flat=True))
    assert owed == {
        f"producer-order:{p.pk}" for p in after.values() if not p.producer.platform.is_local
    }
