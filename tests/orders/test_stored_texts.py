"""Texts kept on an order beside its history are read in the reader's language too: an order's
approval reasons (stored as message ids and parameters in a JSON list) and a payment
transaction's message (message id and parameters beside the English text), shown through the
same door as the history (orders.events.stored_text_render); rows written before, in plain
English, still show."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from orders.events import row_text, stored_texts_render
from orders.models import Order, OrderEvent, PaymentTransaction
from orders.services.payments import order_pay
from tests.factories import ApprovalRuleFactory
from tests.inventory.factories import cart_with, customer_of, offer_with_stock, placed_with

pytestmark = pytest.mark.django_db


def _waiting(session, system_actor) -> Order:
    from orders.services.checkout import cart_submit

    ApprovalRuleFactory(trader=session.trader, order_total_over=Decimal("30.00"))
    customer = customer_of(session, needs_approval=True)
    cart = cart_with(
        session, [(offer_with_stock(session, price=Decimal("10.00")), "4")], customer=customer
    )
    cart_submit(order_id=cart.pk, actor=system_actor)
    card = {"card_number": "4242424242424242"}
    order = order_pay(order_id=cart.pk, method="test_card", details=card, actor=system_actor)
    order.refresh_from_db()
    assert order.status == "W"
    return order


def test_approval_reasons_are_stored_as_message_ids_and_shown_in_the_readers_language(
    session, system_actor
):
    order = _waiting(session, system_actor)

    assert order.approval_reasons[0] == {
        "msgid": "total %(total)s %(currency)s is over %(threshold)s %(currency)s",
        "params": {"total": "40.00", "currency": "EUR", "threshold": "30.00"},
    }
    assert stored_texts_render(order.approval_reasons) == (
        "total 40.00 EUR is over 30.00 EUR; the customer's orders need approval"
    )
    with translation.override("fr"):
        assert stored_texts_render(order.approval_reasons) == (
            "le total de 40.00 EUR dépasse 30.00 EUR; "
            "les commandes du client doivent être approuvées"
        )
        waiting = order.events.get(kind=OrderEvent.Kind.APPROVAL)
        assert row_text(waiting) == (
            "En attente d'approbation : le total de 40.00 EUR dépasse 30.00 EUR; "
            "les commandes du client doivent être approuvées"
        )
    with translation.override("it"):
        assert stored_texts_render(order.approval_reasons).startswith(
            "il totale di 40.00 EUR supera 30.00 EUR"
        )


def test_reasons_written_before_in_plain_english_still_show(session, system_actor):
    order = _waiting(session, system_actor)
    Order.objects.filter(pk=order.pk).update(approval_reasons=["total 40.00 EUR is over 30.00 EUR"])
    order.refresh_from_db()

    with translation.override("fr"):
        assert stored_texts_render(order.approval_reasons) == "total 40.00 EUR is over 30.00 EUR"
    assert stored_texts_render([]) == ""


def test_a_french_agent_sees_the_approval_reasons_and_payment_messages_in_french(
    client, staff_user, session, system_actor
):
    waiting = _waiting(session, system_actor)
    paid = placed_with(session, [(offer_with_stock(session, product__name="Tomme"), "1")])
    client.force_login(staff_user)

    order_page = html.unescape(
        client.get(
            reverse("admin:orders_order_change", args=[waiting.pk]), HTTP_ACCEPT_LANGUAGE="fr"
        ).content.decode()
    )
    queue = html.unescape(
        client.get(
            reverse("admin:orders_orderawaitingapproval_changelist"), HTTP_ACCEPT_LANGUAGE="fr"
        ).content.decode()
    )
    payment_page = html.unescape(
        client.get(
            reverse("admin:orders_order_change", args=[paid.pk]), HTTP_ACCEPT_LANGUAGE="fr"
        ).content.decode()
    )

    assert "le total de 40.00 EUR dépasse 30.00 EUR" in order_page
    assert "msgid" not in order_page
    assert "les commandes du client doivent être approuvées" in queue
    assert "Carte se terminant par 4242 : 10.00 EUR — autorisé" in payment_page


def test_a_payment_transaction_keeps_its_message_id_and_old_rows_show_their_text(
    session, system_actor
):
    order = placed_with(session, [(offer_with_stock(session), "1")])
    payment = PaymentTransaction.objects.get(order=order)

    assert payment.message == "Card ending 4242: 10.00 EUR authorized"
    assert payment.message_id
    with translation.override("it"):
        assert row_text(payment) == "Carta che termina con 4242: 10.00 EUR — autorizzato"
    PaymentTransaction.objects.filter(pk=payment.pk).update(message_id="", message_params={})
    payment.refresh_from_db()
    with translation.override("fr"):
        assert row_text(payment) == "Card ending 4242: 10.00 EUR authorized"
