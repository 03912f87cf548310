"""An order's history is written once and read in the reader's language: events keep their
message id and parameters beside the English text, and orders.events.order_event_text (the one
door) translates them when shown; rows written before show their stored text."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from orders.events import EventText, event_text_fields, order_event, order_event_text
from orders.models import OrderEvent
from orders.services.cancellation import order_cancel
from orders.services.items import order_item_quantity_change
from tests.inventory.factories import cart_with, customer_of, offer_with_stock, placed_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(session, system_actor):
    bread = offer_with_stock(session, on_hand="40", product__name="Pain au levain")
    return placed_with(session, [(bread, "3")], customer=customer_of(session, name="Ada"))


def test_an_event_keeps_its_message_id_parameters_and_english_text(order):
    created = order.events.get(kind=OrderEvent.Kind.CREATED)

    assert created.message_id == "Order created in %(status)s"
    assert created.message_params == {"status": {"status": "P"}}
    assert created.message == "Order created in “Cart — not submitted yet”"
    with translation.override("fr"):
        assert order_event_text(created) == "Commande créée : « Panier — pas encore validé »"
    with translation.override("it"):
        assert order_event_text(created) == "Ordine creato: «Carrello — non ancora confermato»"


def test_a_status_change_without_a_reason_reads_as_the_move_in_words(order, system_actor):
    order_cancel(order_id=order.pk, actor=system_actor)
    cancelled = order.events.get(kind=OrderEvent.Kind.STATUS_CHANGED, to_status="X")

    assert cancelled.message == "Cancelled"
    with translation.override("fr"):
        assert order_event_text(cancelled) == "Annulée"
    moved = order.events.filter(kind=OrderEvent.Kind.STATUS_CHANGED).first()
    with translation.override("en"):
        assert "P" not in order_event_text(moved).split()


def test_what_a_person_typed_stays_as_typed(order, system_actor):
    order_cancel(order_id=order.pk, actor=system_actor, reason="Le client a appelé")
    cancelled = order.events.get(kind=OrderEvent.Kind.STATUS_CHANGED, to_status="X")

    assert (cancelled.message, cancelled.message_id) == ("Le client a appelé", "")
    with translation.override("it"):
        assert order_event_text(cancelled) == "Le client a appelé"


def test_rows_written_before_show_their_stored_text(order, system_actor):
    old = order_event(
        order=order, actor=system_actor, kind=OrderEvent.Kind.NOTE, message="Quantity 2 → 3"
    )
    OrderEvent.objects.filter(pk=old.pk).update(message_id="", message_params={})
    old.refresh_from_db()

    with translation.override("fr"):
        assert order_event_text(old) == "Quantity 2 → 3"


def test_parameters_are_stored_as_json_and_nested_texts_translated(session, system_actor):
    cart = cart_with(session, [(offer_with_stock(session, product__name="Miel"), "1")])
    item = cart.items.get()
    order_item_quantity_change(item_id=item.pk, quantity=Decimal("2.5"), actor=system_actor)
    changed = cart.events.get(kind=OrderEvent.Kind.ITEM_CHANGED)
    assert changed.message_params == {"product": "Miel", "before": "1.000", "after": "2.5"}

    nested = event_text_fields(
        EventText("%(kind)s: %(amount)s", {"kind": EventText("refund"), "amount": Decimal("2")})
    )
    assert nested["message_params"] == {"kind": {"msgid": "refund", "params": {}}, "amount": "2"}


def test_a_translation_missing_a_placeholder_shows_the_english_not_an_error(order, monkeypatch):
    created = order.events.get(kind=OrderEvent.Kind.CREATED)
    monkeypatch.setattr("orders.events.gettext", lambda msgid: "Commande créée en %(statut)s")

    assert order_event_text(created) == "Order created in “Cart — not submitted yet”"


def test_the_order_page_shows_the_history_in_the_agents_language(client, staff_user, order):
    client.force_login(staff_user)
    page = reverse("admin:orders_order_change", args=[order.pk])

    french = html.unescape(client.get(page, HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    italian = html.unescape(client.get(page, HTTP_ACCEPT_LANGUAGE="it").content.decode())
    english = html.unescape(client.get(page).content.decode())

    assert "Order created in “Cart — not submitted yet”" in english
    assert "Commande créée : « Panier — pas encore validé »" in french
    assert "Ordine creato: «Carrello — non ancora confermato»" in italian
    assert "Added 3 × Pain au levain" in english
    assert "Ajouté 3 × Pain au levain" in french
    assert "Aggiunto 3 × Pain au levain" in italian


def test_larders_own_payment_providers_speak_the_readers_language(session, system_actor, settings):
    from orders.services.checkout import cart_submit
    from orders.services.payments import order_pay

    settings.LARDER_PAYMENT_PROVIDERS = ["invoice", "test_card"]
    card = placed_with(session, [(offer_with_stock(session, product__name="Tomme"), "1")])
    authorized = card.events.filter(kind=OrderEvent.Kind.PAYMENT).get()
    cart = cart_with(session, [(offer_with_stock(session, product__name="Miel"), "1")])
    cart_submit(order_id=cart.pk, actor=system_actor)
    order_pay(order_id=cart.pk, method="invoice", details={}, actor=system_actor)
    deferred = cart.events.filter(kind=OrderEvent.Kind.PAYMENT).get()

    assert authorized.message == "Card ending 4242: 10.00 EUR authorized"
    assert deferred.message == "Pay by invoice: 10.00 EUR due"
    with translation.override("fr"):
        assert order_event_text(authorized) == "Carte se terminant par 4242 : 10.00 EUR — autorisé"
        assert order_event_text(deferred) == "Paiement sur facture : 10.00 EUR à payer"
    with translation.override("it"):
        assert order_event_text(deferred) == "Pagamento con fattura: 10.00 EUR da pagare"
