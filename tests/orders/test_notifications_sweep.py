"""A customer e-mail whose task a broker outage lost is sent by the beat sweep, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Order, OrderEvent
from orders.services.checkout import cart_submit
from orders.services.notifications import customer_notifications_sweep
from orders.services.payments import order_pay
from tests.factories import SaleSessionFactory
from tests.inventory.factories import cart_with, customer_of, offer_with_stock

pytestmark = pytest.mark.django_db


def _placed_without_its_after_commit_work(session, system_actor):
    """Pay for a cart, dropping what was queued after commit (as a lost broker message would)."""
    offer = offer_with_stock(session, product__name="Free-range eggs")
    cart = cart_with(
        session, [(offer, "2")], customer=customer_of(session, email="ada@example.org")
    )
    cart_submit(order_id=cart.pk, actor=system_actor)
    return order_pay(order_id=cart.pk, method="invoice", actor=system_actor)


def test_a_confirmation_lost_with_its_task_is_sent_by_the_sweep_once(
    system_actor, mailoutbox, django_capture_on_commit_callbacks
):
    session = SaleSessionFactory()
    order = _placed_without_its_after_commit_work(session, system_actor)
    assert mailoutbox == []
    assert customer_notifications_sweep() == {"unsent": 0, "unconfirmed": 0}  # not yet settled

    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - timedelta(minutes=15))
    with django_capture_on_commit_callbacks(execute=True):
        swept = customer_notifications_sweep()

    assert swept == {"unsent": 0, "unconfirmed": 1}
    assert [mail.to for mail in mailoutbox] == [["ada@example.org"]]
    assert customer_notifications_sweep() == {"unsent": 0, "unconfirmed": 0}
    assert len(mailoutbox) == 1


def test_an_e_mail_recorded_but_never_sent_is_sent_by_the_sweep_once(
    system_actor, mailoutbox, django_capture_on_commit_callbacks
):
    from orders.services.notifications import customer_notification_queue

    session = SaleSessionFactory()
    order = _placed_without_its_after_commit_work(session, system_actor)
    event = customer_notification_queue(order=order, kind="ready_for_pickup", actor=system_actor)
    OrderEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=15))
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - timedelta(hours=2))
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        swept = customer_notifications_sweep()

    assert swept == {"unsent": 1, "unconfirmed": 1}
    subjects = sorted(mail.subject for mail in mailoutbox)
    assert subjects == [
        f"Your order {order.number} is confirmed",
        f"Your order {order.number} is ready",
    ]
    event.refresh_from_db()
    assert event.data["sent_at"]
    customer_notifications_sweep()
    assert len(mailoutbox) == 2
