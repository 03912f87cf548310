import socket

import pytest
from celery.exceptions import Retry
from django.test import override_settings

from orders.services.notifications import (
    customer_notification_queue,
    customer_notification_send,
)
from orders.tasks import customer_notification_send_task
from tests.factories import SaleSessionFactory
from tests.inventory.factories import cart_with, customer_of, offer_with_stock

pytestmark = pytest.mark.django_db


def _placed(session, system_actor, capture, **customer):
    from orders.services.checkout import cart_submit
    from orders.services.payments import order_pay

    offer = offer_with_stock(session, product__name="Free-range eggs")
    cart = cart_with(session, [(offer, "2")], customer=customer_of(session, **customer))
    cart_submit(order_id=cart.pk, actor=system_actor)
    with capture(execute=True):
        return order_pay(order_id=cart.pk, method="invoice", actor=system_actor)


def test_placing_an_order_e_mails_its_confirmation_after_commit_and_records_it(
    system_actor, mailoutbox, django_capture_on_commit_callbacks
):
    session = SaleSessionFactory()
    order = _placed(
        session, system_actor, django_capture_on_commit_callbacks, email="ada@example.org"
    )

    assert [mail.to for mail in mailoutbox] == [["ada@example.org"]]
    mail = mailoutbox[0]
    assert mail.subject == f"Your order {order.number} is confirmed"
    assert "Free-range eggs × 2: 20.00 EUR" in mail.body
    html = mail.alternatives[0][0]
    assert "Free-range eggs" in html
    assert "20.00 EUR" in html
    event = order.events.get(data__notification="confirmation")
    assert event.actor_label == "customer e-mail"
    assert event.message.startswith("E-mail sent to the customer")


def test_an_e_mail_is_sent_once_even_if_its_task_runs_twice(
    system_actor, mailoutbox, django_capture_on_commit_callbacks
):
    session = SaleSessionFactory()
    order = _placed(session, system_actor, django_capture_on_commit_callbacks)
    event = order.events.get(data__notification="confirmation")

    assert customer_notification_send(event_id=event.pk) is False
    assert len(mailoutbox) == 1


def test_no_e_mail_address_writes_nothing(system_actor, mailoutbox):
    session = SaleSessionFactory()
    offer = offer_with_stock(session)
    order = cart_with(session, [(offer, "1")], customer=customer_of(session, email=""))
    events = order.events.count()

    assert customer_notification_queue(order=order, kind="cancelled", actor=system_actor) is None
    assert order.events.count() == events
    assert mailoutbox == []


def test_a_mail_server_that_refuses_leaves_the_e_mail_unsent_and_retried(system_actor):
    session = SaleSessionFactory()
    offer = offer_with_stock(session)
    order = cart_with(session, [(offer, "1")], customer=customer_of(session))
    event = customer_notification_queue(order=order, kind="confirmation", actor=system_actor)
    with socket.socket() as probe:  # a free port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
        ),
        pytest.raises(Retry),
    ):
        customer_notification_send_task.apply(kwargs={"event_id": event.pk}, throw=True)

    event.refresh_from_db()
    assert event.data["sent_at"] is None
    assert event.message == "E-mail to the customer queued: confirmation"


def test_the_lifecycle_notifier_e_mails_the_notices_it_has_a_template_for(
    system_actor, mailoutbox, django_capture_on_commit_callbacks
):
    from orders.services.notifications import customer_notice_send

    session = SaleSessionFactory()
    offer = offer_with_stock(session)
    order = cart_with(session, [(offer, "1")], customer=customer_of(session, email="a@b.org"))

    with django_capture_on_commit_callbacks(execute=True):
        sent = customer_notice_send(
            order_id=order.pk, notice="approval_denied", message="Over the spending limit"
        )

    assert sent is True
    assert [mail.subject for mail in mailoutbox] == [f"Your order {order.number} was not approved"]
    assert "Over the spending limit" in mailoutbox[0].body
    events = order.events.count()
    assert customer_notice_send(order_id=order.pk, notice="unheard_of", message="") is False
    assert order.events.count() == events
