"""Producer orders travel to partner platforms through the outbox, over real HTTP on loopback."""

import logging
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from config.actors import Actor
from orders.models import Order, ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from orders.services.session_close import session_close
from platforms.models import DeliveryAttempt, OutboxMessage
from platforms.outbox.services import outbox_deliver_due, outbox_message_retry, outbox_purge
from platforms.outbox.signing import verify
from tests.factories import (
    AddressFactory,
    CustomerFactory,
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)
from tests.platforms.partner import PartnerServer
from tests.support.database import database_url

pytestmark = pytest.mark.django_db
SENTINELS = (
    "SENTINEL-NAME",
    "sentinel@example.org",
    "+44 7700 900123",
    "SENTINEL-STREET",
    "SENTINEL-NOTE",
    "203.0.113.77",
)


@pytest.fixture
def partners():
    servers = [PartnerServer().start(), PartnerServer().start()]
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def market(partners):
    """A session with two producers, each on its own remote platform."""
    session = SaleSessionFactory()
    producers = []
    for index, server in enumerate(partners):
        platform = PlatformFactory(base_url=server.base_url + "/api/dfc/")
        producer = ProducerFactory(
            platform=platform, slug=f"farm-{index}", remote_id=server.producer_url(f"farm-{index}")
        )
        product = ProductFactory(
            producer=producer, remote_id=f"{producer.remote_id}/SuppliedProducts/{index + 1}"
        )
        producers.append((producer, product, server))
    return session, producers


def _place(session, lines, status="C"):
    customer = CustomerFactory(
        trader=session.trader,
        name="SENTINEL-NAME",
        email="sentinel@example.org",
        phone="+44 7700 900123",
    )
    order = OrderFactory(
        trader=session.trader,
        customer=customer,
        sales_session=session,
        status=status,
        customer_note="SENTINEL-NOTE",
        customer_ip="203.0.113.77",
        billing_address=AddressFactory(customer=customer, line1="SENTINEL-STREET"),
    )
    for product, quantity in lines:
        OrderItemFactory(
            order=order, product=product, quantity=Decimal(quantity), unit_price=Decimal("3.00")
        )
    return order


def _refresh(session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        producer_orders_refresh(session_id=session.pk)


def test_session_lifecycle_posts_then_puts_then_completes(
    market, django_capture_on_commit_callbacks
):
    session, ((farm_a, apples, partner_a), (farm_b, bread, partner_b)) = market
    first = _place(session, [(apples, "3"), (bread, "1")])
    _refresh(session, django_capture_on_commit_callbacks)

    # Exactly one producer order each, POSTed to the producer's Orders collection, status Held.
    assert ProducerOrder.objects.filter(sales_session=session).count() == 2
    (post_a,) = partner_a.requests("POST")
    assert post_a.path == "/api/dfc/Enterprises/farm-0/Orders"
    graph = {node["@type"]: node for node in post_a.json["@graph"]}
    assert graph["dfc-b:Order"]["dfc-b:hasOrderStatus"] == {"@id": "dfc-v:Held"}
    assert graph["dfc-b:Order"]["dfc-b:belongsTo"] == {"@id": graph["dfc-b:SaleSession"]["@id"]}
    assert graph["dfc-b:OrderLine"]["dfc-b:quantity"] == 3.0
    producer_order_a = ProducerOrder.objects.get(producer=farm_a)
    assert producer_order_a.remote_id.startswith(
        partner_a.base_url + "/api/dfc/Enterprises/farm-0/Orders/"
    )
    assert producer_order_a.status == "G"
    assert producer_order_a.lines.get().remote_id.startswith(
        producer_order_a.remote_id + "/OrderLines/"
    )

    # A second customer order changes farm A's order: a PUT of the whole graph.
    _place(session, [(apples, "2")])
    _refresh(session, django_capture_on_commit_callbacks)
    (put_a,) = partner_a.requests("PUT")
    assert put_a.path == producer_order_a.remote_id.removeprefix(partner_a.base_url)
    line = next(n for n in put_a.json["@graph"] if n["@type"] == "dfc-b:OrderLine")
    assert line["dfc-b:quantity"] == 5.0
    assert line["@id"] == producer_order_a.lines.get().remote_id
    assert partner_b.requests("PUT") == []  # farm B's order did not change

    # Cancelling the first order reduces farm A's line and empties farm B's order: PUTs.
    Order.objects.filter(pk=first.pk).update(status="X")
    _refresh(session, django_capture_on_commit_callbacks)
    last_a = partner_a.requests("PUT")[-1].json["@graph"]
    assert [n["dfc-b:quantity"] for n in last_a if n["@type"] == "dfc-b:OrderLine"] == [2.0]
    last_b = partner_b.requests("PUT")[-1].json["@graph"]
    assert [n for n in last_b if n["@type"] == "dfc-b:OrderLine"] == []

    # Closing the session sends both orders Complete, once; a second close does nothing.
    with django_capture_on_commit_callbacks(execute=True):
        report = session_close(session_id=session.pk, actor=Actor.system("test"))
        assert (report.producer_orders, report.deliveries) == (2, 2)
    assert session_close(session_id=session.pk, actor=Actor.system("test")) is None
    for partner in (partner_a, partner_b):
        final = partner.requests("PUT")[-1].json["@graph"]
        order_node = next(n for n in final if n["@type"] == "dfc-b:Order")
        assert order_node["dfc-b:hasOrderStatus"] == {"@id": "dfc-v:Complete"}
    assert set(ProducerOrder.objects.values_list("order_state", "status")) == {("Complete", "G")}
    assert OutboxMessage.objects.exclude(state="delivered").count() == 0


def test_requests_are_signed_and_carry_an_idempotency_key(
    market, django_capture_on_commit_callbacks
):
    session, ((farm_a, apples, partner_a), _) = market
    _place(session, [(apples, "1")])
    _refresh(session, django_capture_on_commit_callbacks)

    (request,) = partner_a.requests("POST")
    assert request.headers["Idempotency-Key"].startswith("larder:producer-order:")
    assert verify(
        secret=farm_a.platform.signing_secret,
        headers=request.headers,
        body=request.body,
        now=int(time.time()),
    )
    other_secret = PlatformFactory().signing_secret
    assert not verify(
        secret=other_secret, headers=request.headers, body=request.body, now=int(time.time())
    )


def test_no_personal_data_leaves_in_bodies_headers_or_logs(
    market, django_capture_on_commit_callbacks, caplog
):
    session, ((_, apples, partner_a), (_, bread, partner_b)) = market
    caplog.set_level(logging.DEBUG)
    order = _place(session, [(apples, "2"), (bread, "2")])
    _refresh(session, django_capture_on_commit_callbacks)
    Order.objects.filter(pk=order.pk).update(status="X")
    _refresh(session, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        session_close(session_id=session.pk, actor=Actor.system("test"))

    captured = [r for p in (partner_a, partner_b) for r in p.requests()]
    assert len(captured) >= 4
    for request in captured:
        text = request.body.decode() + repr(request.headers) + request.path
        for sentinel in SENTINELS:
            assert sentinel not in text
    for sentinel in SENTINELS:
        assert sentinel not in caplog.text
        assert not OutboxMessage.objects.filter(body__icontains=sentinel).exists()


def test_partner_down_then_back_gets_every_message_once(market, django_capture_on_commit_callbacks):
    session, ((farm_a, apples, partner_a), _) = market
    port = partner_a.port
    partner_a.stop()
    _place(session, [(apples, "1")])
    _refresh(session, django_capture_on_commit_callbacks)
    _place(session, [(apples, "4")])
    _refresh(session, django_capture_on_commit_callbacks)

    message = OutboxMessage.objects.get(
        subject_key__startswith="producer-order:", platform=farm_a.platform
    )
    assert message.state == "pending"
    assert message.attempts == 1  # the first try failed; the second change reused the row
    assert message.next_attempt_at > timezone.now()  # backoff, scheduled in the database
    assert "Connection refused" in message.last_error or "URLError" in message.last_error

    # Back up on the same port, and a 503 once more for good measure.
    revived = PartnerServer(port=port).start()
    revived.state.fail_with = [503]
    try:
        for _ in range(3):
            OutboxMessage.objects.filter(state="pending").update(next_attempt_at=timezone.now())
            outbox_deliver_due()
        message.refresh_from_db()
        assert message.state == "delivered"
        assert message.attempts == 3
        (applied,) = revived.state.applied_keys
        assert applied.endswith(":create")
        # The first POST may have reached it: the partner's list was read before POSTing.
        assert [r.method for r in revived.requests()] == ["GET", "GET", "POST"]
        line = next(
            n
            for n in revived.requests("POST")[-1].json["@graph"]
            if n["@type"] == "dfc-b:OrderLine"
        )
        assert line["dfc-b:quantity"] == 5.0  # only the latest state travelled
        assert list(
            DeliveryAttempt.objects.filter(message=message).values_list("outcome", flat=True)
        ) == ["retry", "retry", "delivered"]
    finally:
        revived.stop()


def _other_connections() -> int:
    """Connections to the test database other than this test's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_a_lease_and_the_partner_ends_with_one_order(
    market, monkeypatch
):
    """The partner (which ignores Idempotency-Key, as OFN and FDC do) applied the POST, but the
    worker died before it heard back. While it waited it held no database connection and its
    claim was committed; its lease expires, and the next send finds the order at the partner
    and amends it: one order there, no duplicate."""
    import os
    import subprocess
    import sys

    session, ((farm_a, apples, partner_a), _) = market
    partner_a.state.honour_idempotency_keys = False
    _place(session, [(apples, "2")])
    monkeypatch.setattr("platforms.outbox.services.task_queue_on_commit", lambda *a, **k: None)
    producer_orders_refresh(session_id=session.pk)
    message = OutboxMessage.objects.get(platform=farm_a.platform)

    partner_a.state.stall_after_apply_seconds = 30
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from platforms.outbox.services import outbox_message_send; "
            f"outbox_message_send(message_id={message.pk})",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "OUTBOX_LEASE_SECONDS": "3",
        },
    )
    try:
        deadline = time.monotonic() + 30
        while not partner_a.state.applied_keys and time.monotonic() < deadline:
            time.sleep(0.05)
        assert partner_a.state.applied_keys, "the worker never reached the partner"
        time.sleep(0.2)
        # Mid-call: the claim is committed (a lease) and the worker holds no connection.
        message.refresh_from_db()
        assert message.locked_until is not None
        assert _other_connections() == 0
        worker.kill()
        worker.wait(timeout=10)
    finally:
        worker.kill()
    partner_a.state.stall_after_apply_seconds = 0

    message.refresh_from_db()
    assert (message.state, message.attempts) == ("pending", 0)  # nothing lost
    assert outbox_deliver_due() == {}  # the dead worker's lease still holds it
    deadline = time.monotonic() + 20
    while message.state != "delivered" and time.monotonic() < deadline:
        outbox_deliver_due()
        message.refresh_from_db()
        time.sleep(0.1)

    assert message.state == "delivered"
    assert [r.method for r in partner_a.requests()] == ["POST", "GET", "PUT"]
    (order,) = partner_a.order_nodes()
    producer_order = ProducerOrder.objects.get(producer=farm_a)
    assert producer_order.remote_id == order["@id"]
    assert producer_order.status == "G"
    assert list(
        DeliveryAttempt.objects.filter(message=message).values_list("method", "outcome")
    ) == [("POST", "lost"), ("PUT", "delivered")]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(400, "dead"), (404, "dead"), (408, "retry"), (429, "retry"), (500, "retry"), (503, "retry")],
)
def test_status_codes_decide_retry_or_dead_letter(
    market, status, outcome, django_capture_on_commit_callbacks
):
    session, ((farm_a, apples, partner_a), _) = market
    partner_a.state.fail_with = [status]
    _place(session, [(apples, "1")])
    _refresh(session, django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get(platform=farm_a.platform)
    assert DeliveryAttempt.objects.get(message=message).outcome == outcome
    assert message.state == ("dead" if outcome == "dead" else "pending")
    if outcome == "dead":
        # The admin's retry sends it again and it goes through.
        with django_capture_on_commit_callbacks(execute=True):
            outbox_message_retry(message_id=message.pk)
        message.refresh_from_db()
        assert message.state == "delivered"


def test_retries_stop_after_the_retry_window(market, settings, django_capture_on_commit_callbacks):
    session, ((farm_a, apples, partner_a), _) = market
    settings.OUTBOX_RETRY_WINDOW_SECONDS = 60
    partner_a.state.fail_with = [503, 503]
    _place(session, [(apples, "1")])
    _refresh(session, django_capture_on_commit_callbacks)
    OutboxMessage.objects.update(
        created_at=timezone.now() - timedelta(seconds=61), next_attempt_at=timezone.now()
    )
    outbox_deliver_due()
    assert OutboxMessage.objects.get().state == "dead"


def test_messages_of_one_producer_order_go_in_order(market):
    session, ((farm_a, apples, partner_a), _) = market
    _place(session, [(apples, "1")])
    producer_orders_refresh(session_id=session.pk)  # no on_commit here: nothing sent yet
    first = OutboxMessage.objects.get()
    # A second message for the same subject while the first is "in flight" (locked elsewhere):
    second = OutboxMessage.objects.create(
        platform=first.platform,
        kind=first.kind,
        subject_key=first.subject_key,
        subject_id=first.subject_id,
        next_attempt_at=timezone.now(),
    )
    from platforms.outbox.services import outbox_due_ids, outbox_message_send

    assert outbox_due_ids() == [first.pk]
    assert outbox_message_send(message_id=second.pk) == "waiting"
    assert outbox_deliver_due() == {"delivered": 2}
    assert [r.method for r in partner_a.requests()] == ["POST", "PUT"]


def test_delivered_messages_are_purged_after_retention(market, django_capture_on_commit_callbacks):
    session, ((farm_a, apples, partner_a), _) = market
    _place(session, [(apples, "1")])
    _refresh(session, django_capture_on_commit_callbacks)
    assert outbox_purge(older_than_days=30) == 0
    OutboxMessage.objects.update(delivered_at=timezone.now() - timedelta(days=31))
    assert outbox_purge(older_than_days=30) == 1
    assert not OutboxMessage.objects.exists()


def test_a_late_answer_to_the_creating_post_leaves_one_order_at_the_partner(
    market, settings, django_capture_on_commit_callbacks
):
    """The partner (which ignores Idempotency-Key) applies the POST but answers after the
    timeout; a customer order changes in between; the next send finds the order by its number
    and amends it. The partner ends with exactly one order, amended and completed."""
    session, ((farm_a, apples, partner_a), _) = market
    settings.OUTBOX_REQUEST_TIMEOUT_SECONDS = 1
    partner_a.state.honour_idempotency_keys = False
    partner_a.state.stall_after_apply_seconds = 2
    _place(session, [(apples, "3")])
    _refresh(session, django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get(platform=farm_a.platform)
    assert (message.state, message.attempts) == ("pending", 1)
    assert "timed out" in message.last_error
    assert len(partner_a.order_nodes()) == 1  # applied all the same

    partner_a.state.stall_after_apply_seconds = 0
    _place(session, [(apples, "2")])
    _refresh(session, django_capture_on_commit_callbacks)  # reuses the pending message
    OutboxMessage.objects.update(next_attempt_at=timezone.now())  # its backoff is over
    assert outbox_deliver_due() == {"delivered": 1}
    with django_capture_on_commit_callbacks(execute=True):
        session_close(session_id=session.pk, actor=Actor.system("test"))

    assert [r.method for r in partner_a.requests()] == ["POST", "GET", "PUT", "PUT"]
    (order,) = partner_a.order_nodes()
    assert order["dfc-b:hasOrderStatus"] == {"@id": "dfc-v:Complete"}
    graph = partner_a.state.orders[order["@id"].removeprefix(partner_a.base_url)]
    assert [n["dfc-b:quantity"] for n in graph if n["@type"] == "dfc-b:OrderLine"] == [5.0]
    assert ProducerOrder.objects.get(producer=farm_a).remote_id == order["@id"]
    keys = [r.headers["Idempotency-Key"] for r in partner_a.requests("POST")]
    assert keys == [f"larder:producer-order:{message.subject_id}:create"]


def test_a_partner_list_without_the_order_confirms_it_absent_and_it_is_posted_again(
    market, django_capture_on_commit_callbacks
):
    session, ((farm_a, apples, partner_a), _) = market
    partner_a.state.fail_with = [502]  # the POST got no clear answer, and was not applied
    _place(session, [(apples, "1")])
    _refresh(session, django_capture_on_commit_callbacks)
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox_deliver_due() == {"delivered": 1}
    assert [r.method for r in partner_a.requests()] == ["POST", "GET", "POST"]
    assert len(partner_a.order_nodes()) == 1


def test_a_look_up_without_a_clear_answer_retries_and_never_posts(
    market, django_capture_on_commit_callbacks
):
    session, ((farm_a, apples, partner_a), _) = market
    partner_a.state.fail_with = [503, 500]  # the POST, then the look-up
    _place(session, [(apples, "1")])
    _refresh(session, django_capture_on_commit_callbacks)
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox_deliver_due() == {"retry": 1}
    message = OutboxMessage.objects.get()
    assert message.last_error.startswith("look-up: ")
    assert [r.method for r in partner_a.requests()] == ["POST", "GET"]


def test_a_refusal_calls_the_handler_and_dead_letters(
    market, django_capture_on_commit_callbacks, caplog
):
    session, ((farm_a, apples, partner_a), _) = market
    partner_a.state.fail_with = [422]
    _place(session, [(apples, "1")])
    with caplog.at_level(logging.WARNING, logger="orders.producer_orders.delivery"):
        _refresh(session, django_capture_on_commit_callbacks)
    # The refusal moved the order to L (orders.services.low_inventory), which dropped its line
    # from the producer order: a second message says so.
    message = OutboxMessage.objects.get(state="dead")
    assert f"producer order {message.subject_id}: refused by the partner (HTTP 422)" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_outbox_row_and_sends_nothing(market):
    """The outbox row is written in the change's transaction: a roll-back takes it away, and
    nothing is queued or sent. The same change committed is sent (the test can fail)."""
    from django.db import transaction

    from config.models import WorkRequest
    from orders.services.cancellation import order_cancel

    session, ((farm_a, apples, partner_a), _) = market
    order = _place(session, [(apples, "2")])

    def change_then_fail():
        with transaction.atomic():
            producer_orders_refresh(session_id=session.pk)
            order_cancel(order_id=order.pk, actor=Actor.system("test"), reason="test")
            assert OutboxMessage.objects.count() == WorkRequest.objects.count() == 1
            raise RuntimeError("the caller fails after writing")

    with pytest.raises(RuntimeError, match="after writing"):
        change_then_fail()

    assert not OutboxMessage.objects.exists()
    assert not WorkRequest.objects.exists()
    assert not ProducerOrder.objects.exists()
    time.sleep(0.2)
    assert partner_a.requests() == []

    producer_orders_refresh(session_id=session.pk)  # committed: sent after commit (eager)
    assert [r.method for r in partner_a.requests()] == ["POST"]
    assert OutboxMessage.objects.get().state == "delivered"
