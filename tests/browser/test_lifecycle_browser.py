"""The lifecycle screens in a real browser (Debian's chromium, Playwright, headless):
"Close session now" with its confirmation and progress bar, and the approval queue."""

from decimal import Decimal

import pytest

from config.actors import Actor
from orders.models import Order, ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from orders.services.checkout import cart_submit
from orders.services.payments import order_pay
from platforms.models import Role
from platforms.tenancy.memberships import membership_grant
from sessions_app.models import SaleSession
from tests.browser import test_back_office
from tests.browser.test_back_office import PASSWORD, _login, _shot
from tests.factories import ApprovalRuleFactory, SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock, placed_with

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]
# The back-office browser tests' fixtures: one headless chromium, a page per test.
chromium = test_back_office.chromium
page = test_back_office.page


def test_trader_closes_a_session_now_with_confirmation_and_progress(
    page,
    live_server,
    django_user_model,
):
    session = SaleSessionFactory(name="Friday market")
    for price in ("3.00", "4.00"):
        offer = offer_with_stock(session, on_hand="9", price=Decimal(price))
        placed_with(session, [(offer, "2")])
    producer_orders_refresh(session_id=session.pk)
    boss = django_user_model.objects.create_user("boss", "boss@example.org", PASSWORD)
    membership_grant(user=boss, enterprise=session.trader, role=Role.TRADER_STAFF)
    _login(page, live_server, "boss")

    page.goto(f"{live_server.url}/admin/sessions_app/salesession/{session.pk}/change/")
    assert page.locator("select#id_state").count() == 0  # the state is not edited by hand
    page.click("text=Close session now")
    page.wait_for_selector("#close-summary")
    assert "completes its 2 producer order(s) from its 2 live customer order(s)" in (
        page.inner_text("#close-summary")
    )
    _shot(page, "close-session-confirm")
    page.click("#close-session-confirm")
    page.wait_for_selector("#close-result.success")
    _shot(page, "close-session-done")

    assert page.inner_text("#close-result") == (
        "Closed Friday market: 2 producer orders completed, 0 deliveries queued."
    )
    assert page.eval_on_selector("#close-progress", "bar => bar.value === bar.max && bar.max === 3")
    session.refresh_from_db()
    assert session.state == SaleSession.State.CLOSED
    assert set(ProducerOrder.objects.values_list("order_state", flat=True)) == {"Complete"}


def test_approver_works_the_approval_queue(page, live_server, django_user_model):
    session = SaleSessionFactory()
    ApprovalRuleFactory(trader=session.trader, order_total_over=Decimal("15.00"))
    offer = offer_with_stock(session, on_hand="20", price=Decimal("10.00"))
    actor = Actor.system("test")
    waiting = []
    for quantity in ("2", "3"):
        cart = cart_with(session, [(offer, quantity)])
        cart_submit(order_id=cart.pk, actor=actor)
        waiting.append(
            order_pay(
                order_id=cart.pk,
                method="test_card",
                details={"card_number": "4242424242424242"},
                actor=actor,
            )
        )
    approver = django_user_model.objects.create_user("approver", "a@example.org", PASSWORD)
    membership_grant(user=approver, enterprise=session.trader, role=Role.TRADER_STAFF)
    _login(page, live_server, "approver")

    page.goto(f"{live_server.url}/admin/orders/orderawaitingapproval/")
    queue = page.inner_text("#result_list")
    assert "total 20.00 EUR is over 15.00 EUR" in queue
    assert "total 30.00 EUR is over 15.00 EUR" in queue
    _shot(page, "approval-queue")

    page.click(f"text={waiting[0].number}")
    page.click("button:has-text('Approve order')")
    page.wait_for_selector(".messagelist li")
    assert Order.objects.get(pk=waiting[0].pk).status == "C"

    page.goto(f"{live_server.url}/admin/orders/orderawaitingapproval/")
    page.click(f"text={waiting[1].number}")
    page.fill("input[aria-label='Reason to deny order']", "Over this week's budget")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Deny order')")
    page.wait_for_selector(".messagelist li")
    denied = Order.objects.get(pk=waiting[1].pk)
    assert denied.status == "N"
    assert denied.events.filter(kind="customer_notice").exists()

    page.goto(f"{live_server.url}/admin/orders/orderawaitingapproval/")
    assert page.locator("#result_list").count() == 0  # the queue is empty
    _shot(page, "approval-queue-empty")
