"""The order page for the phone call: who, how much, paid or not, at the top; notes; a
cancellation that asks for a reason; the running "was → now" of an edit; e-mails."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, OrderEvent
from tests.factories import SaleSessionFactory
from tests.inventory.factories import customer_of, offer_with_stock, placed_with, stock_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(system_actor):
    session = SaleSessionFactory()
    offer = offer_with_stock(session, on_hand="10", product__name="Sourdough loaf")
    customer = customer_of(
        session, name="Ada Lovelace", email="ada@example.org", phone="+44 20 7946 0000"
    )
    order = placed_with(session, [(offer, "3")], customer=customer, actor=system_actor)
    return order, offer


def _page(client, order) -> str:
    return client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()


def _step(client, order, step, **data):
    return client.post(
        reverse("admin:orders_order_edit_step", args=[order.pk, step]), data, follow=True
    )


def test_the_top_of_the_page_says_who_how_much_and_where_payment_and_fulfilment_stand(
    client, staff_user, placed
):
    order, _ = placed
    client.force_login(staff_user)
    body = _page(client, order)
    summary = body[body.index('id="order-summary"') : body.index('id="order-items"')]
    assert "Ada Lovelace" in summary
    assert 'href="tel:+44 20 7946 0000"' in summary
    assert 'href="mailto:ada@example.org"' in summary
    assert "30.00 EUR" in summary
    assert "Paid — ready to release" in summary
    assert "Paid (authorized)" in summary
    assert "Not fulfilled yet" in summary
    # Developer fields are folded away, and nothing on the page is saved by a bare "Save".
    assert body.index("Technical details") < body.index("field-version")
    assert 'name="_save"' not in body
    assert 'name="_continue"' not in body


def test_the_order_list_shows_words_and_finds_orders_by_product(client, staff_user, placed):
    order, _ = placed
    client.force_login(staff_user)
    url = reverse("admin:orders_order_changelist")
    body = client.get(url, {"q": "sourdough"}).content.decode()
    assert f">{order.number}<" in body
    assert "Paid — ready to release" in body
    assert "Waiting for payment review" in body  # the status filter, in words
    assert "Backup copy (during an edit)" not in body  # no T, Y, Z or Q in the filter
    assert f">{order.number}<" not in client.get(url, {"q": "cheddar"}).content.decode()


def test_a_staff_note_joins_the_history_and_an_empty_one_writes_nothing(client, staff_user, placed):
    order, _ = placed
    client.force_login(staff_user)
    version = order.version
    body = _step(client, order, "note", note="  Customer called: leave at the back door  ")
    assert "Note added to the history." in body.content.decode()
    note = order.events.get(kind="note", data__staff_note=True)
    assert (note.message, note.actor) == ("Customer called: leave at the back door", staff_user)
    events = order.events.count()

    body = _step(client, order, "note", note="   ").content.decode()

    assert "Write the note before adding it." in body
    assert order.events.count() == events
    order.refresh_from_db()
    assert order.version == version


def test_cancelling_asks_for_a_reason_and_refuses_without_one(client, staff_user, placed):
    order, offer = placed
    client.force_login(staff_user)
    url = reverse("admin:orders_order_cancel", args=[order.pk])
    assert f'href="{url}"' in _page(client, order)
    assert "Reason (required" in client.get(url).content.decode()
    events = order.events.count()

    response = client.post(url, {"reason": "  ", "notify_customer": "1"})

    assert response.status_code == 400
    assert 'id="cancel-error"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == "C"
    assert order.events.count() == events
    assert stock_of(offer).reserved == Decimal("3")
    # The business action cannot skip the reason either.
    client.post(reverse("admin:orders_order_action", args=[order.pk, "cancel"]))
    order.refresh_from_db()
    assert order.status == "C"
    assert order.events.count() == events


def test_cancelling_with_a_reason_records_it_and_e_mails_the_customer(
    client, staff_user, placed, mailoutbox, django_capture_on_commit_callbacks
):
    order, offer = placed
    client.force_login(staff_user)
    url = reverse("admin:orders_order_cancel", args=[order.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Out of flour this week", "notify_customer": "1"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("X", "voided")
    assert stock_of(offer).reserved == Decimal("0")
    assert order.events.filter(kind="status_changed", message="Out of flour this week").exists()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ada@example.org"]
    assert mail.subject == f"Your order {order.number} is cancelled"
    assert "Out of flour this week" in mail.body
    assert "Sourdough loaf" in mail.body
    sent = order.events.get(data__notification="cancelled")
    assert sent.message == f"E-mail sent to the customer: Your order {order.number} is cancelled"
    assert sent.data["sent_at"]


def test_cancelling_without_notify_sends_nothing(
    client, staff_user, placed, mailoutbox, django_capture_on_commit_callbacks
):
    order, _ = placed
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:orders_order_cancel", args=[order.pk]), {"reason": "dup"})
    assert Order.objects.get(pk=order.pk).status == "X"
    assert mailoutbox == []
    assert not OrderEvent.objects.filter(order=order, data__has_key="notification").exists()


def test_the_edit_panel_shows_was_and_now_per_line_and_in_total_before_commit(
    client, staff_user, placed, mailoutbox, django_capture_on_commit_callbacks
):
    order, offer = placed
    client.force_login(staff_user)
    _step(client, order, "begin")
    item = order.items.get()
    extra = offer_with_stock(order.sales_session, on_hand="5", product__name="Rye bread")
    _step(client, order, "quantity", item=item.pk, quantity="5")
    body = _step(client, order, "add", offer=extra.pk, quantity="1").content.decode()

    panel = body[body.index('id="edit-running-total"') : body.index('id="order-items"')]
    assert '<span id="edit-was-total">30.00</span>' in panel
    assert '<strong id="edit-now-total">60.00</strong>' in panel
    assert "+30.00" in panel
    assert "Sourdough loaf" in panel
    assert "3 → 5" in panel
    assert "30.00 → 50.00" in panel
    assert "Rye bread" in panel
    assert "— → 1" in panel
    backup = Order.objects.get(backup_of=order, status="T")
    assert reverse("admin:orders_order_change", args=[backup.pk]) in body
    assert "Sourdough loaf" in _page(client, backup)  # the T copy opens

    with django_capture_on_commit_callbacks(execute=True):
        _step(client, order, "commit", notify_customer="1")

    order.refresh_from_db()
    assert (order.status, order.grand_total) == ("C", Decimal("60.00"))
    assert [mail.subject for mail in mailoutbox] == [f"Your order {order.number} was changed"]
    assert "60.00 EUR" in mailoutbox[0].body


def test_a_customer_without_e_mail_is_not_offered_nor_sent_a_notification(
    client, staff_user, system_actor
):
    session = SaleSessionFactory()
    offer = offer_with_stock(session)
    order = placed_with(session, [(offer, "1")], customer=customer_of(session, email=""))
    client.force_login(staff_user)
    assert 'id="notify-ready"' not in _page(client, order)
    events = order.events.count()

    body = _step(client, order, "notify_ready").content.decode()

    assert "has no e-mail address" in body
    assert order.events.count() == events


def test_the_customer_page_lists_their_orders_in_words(client, staff_user, placed):
    order, _ = placed
    client.force_login(staff_user)

    body = client.get(
        reverse("admin:orders_customer_change", args=[order.customer_id])
    ).content.decode()

    history = body[body.index('id="customer-orders"') :]
    assert reverse("admin:orders_order_change", args=[order.pk]) in history
    assert "Paid — ready to release" in history
    assert "30.00 EUR" in history
    found = client.get(reverse("admin:orders_customer_changelist"), {"q": "7946"})
    assert "Ada Lovelace" in found.content.decode()  # search by phone
