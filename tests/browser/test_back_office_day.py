"""The trader's and the agent's day in a real browser at 1366 × 768: the admin home's
counters, the session dashboard with a failing partner, the order page for a phone call, an
edit with its running total, a cancellation with its reason and e-mail, the producer staff view.
Each page is checked for tables wider than the window and saved to test-artifacts/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Order, ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from platforms.models import OutboxMessage, Role
from tests.browser.test_back_office import ARTIFACTS, _login, _member, chromium  # noqa: F401
from tests.factories import OfferFactory, PlatformFactory, ProducerFactory, SaleSessionFactory
from tests.inventory.factories import customer_of, offer_with_stock, placed_with

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
    pytest.mark.integration,
]

VIEWPORT = {"width": 1366, "height": 768}


def window_page(chromium, **options):  # noqa: F811
    """A page in a fresh browser context of the 1366 × 768 window (`options`: the context's
    others, e.g. its locale), closed after the test."""
    context = chromium.new_context(viewport=VIEWPORT, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def page(chromium):  # noqa: F811
    yield from window_page(chromium)


def _fits(page, name: str) -> None:
    """A screenshot, then: no table (and nothing else) wider than the 1366 px window."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"day-{name}.png"), full_page=True)
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('table')]
            .filter(t => {
                if (t.getBoundingClientRect().right > window.innerWidth + 1) return true;
                // Also a table cut by a scrolling box (the admin's result list).
                for (let box = t.parentElement; box; box = box.parentElement) {
                    if (box.scrollWidth > box.clientWidth + 1
                        && getComputedStyle(box).overflowX !== 'visible') return true;
                }
                return false;
            })
            .map(t => (t.id || t.className || t.parentElement.id) + ':'
                      + Math.round(t.getBoundingClientRect().width))"""
    )
    assert overflowing == [], f"{name}: tables overflow the window: {overflowing}"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{name}: page is {width} px wide"


@pytest.fixture
def market(django_user_model):
    """A session closing today with a local and an Open Food Network producer, whose
    deliveries fail; an order in payment review and a paid one with a reachable customer."""
    end_of_today = timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=0)
    session = SaleSessionFactory(name="Saturday market", ends_at=end_of_today)
    ofn = PlatformFactory(name="Open Food Network")
    remote = ProducerFactory(platform=ofn, name="Hill Farm")
    bread = offer_with_stock(session, on_hand="40", product__name="Sourdough loaf")
    cheese = OfferFactory(session=session, product__producer=remote, product__name="Tomme")
    ada = customer_of(session, name="Ada Lovelace", email="ada@example.org", phone="+44 20 7946")
    review = placed_with(session, [(bread, "1")], card="4000000000000127")
    paid = placed_with(session, [(bread, "3"), (cheese, "1")], customer=ada)
    producer_orders_refresh(session_id=session.pk)
    OutboxMessage.objects.filter(
        subject_id__in=ProducerOrder.objects.filter(producer=remote).values("pk")
    ).update(
        state="pending",
        attempts=8,
        last_error="URLError: [Errno 111] Connection refused",
        next_attempt_at=timezone.now() + timedelta(minutes=7),
    )
    agent = _member(django_user_model, "agent", session.trader, Role.CUSTOMER_SERVICE)
    return {"session": session, "review": review, "paid": paid, "agent": agent, "bread": bread}


def test_admin_home_counts_what_needs_attention_first(page, live_server, market):
    _login(page, live_server, "agent")
    page.goto(f"{live_server.url}/admin/")
    assert page.inner_text("#count-payment-review strong") == "1"
    assert page.inner_text("#count-failing-deliveries strong") == "1"
    assert page.inner_text("#count-sessions-closing strong") == "1"
    attention = page.inner_text("#attention-list")
    assert "Open Food Network did not answer; retrying at" in attention
    assert "URLError" not in attention
    assert "Waiting for payment review" in attention
    assert page.locator("text=View site").count() == 0
    _fits(page, "admin-home")


def test_session_dashboard_flags_the_failing_partner(page, live_server, market):
    session = market["session"]
    last = SaleSessionFactory(
        trader=session.trader,
        name="Last Saturday",
        begins_at=session.begins_at - timedelta(hours=12),
        ends_at=session.ends_at,
    )
    placed_with(last, [(offer_with_stock(last, on_hand="9"), "2")])
    _login(page, live_server, "agent")
    page.goto(f"{live_server.url}/admin/sessions_app/salesession/{market['session'].pk}/dashboard/")
    attention = page.inner_text("#dash-attention")
    assert "Failing — retrying" in attention
    assert "Open Food Network did not answer" in attention
    assert "Nothing needs attention" not in attention
    assert "Paid — ready to release" in page.inner_text("#dash-status")
    legend = page.inner_text("#dash-legend")
    assert "Orders, this session (left axis)" in legend
    assert "Orders, last session (Last Saturday)" in legend
    assert page.locator("#dash-chart svg text.axis-left").count() == 5
    page.click("#dash-chart-table summary")
    assert page.locator("#dash-chart-table tbody tr").count() >= 7
    _fits(page, "session-dashboard")


def test_order_page_for_the_phone_call(page, live_server, market):
    order = market["paid"]
    _login(page, live_server, "agent")
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    summary = page.inner_text("#order-summary")
    for text in ("Ada Lovelace", "+44 20 7946", "ada@example.org", "40.00 EUR"):
        assert text in summary
    assert "Paid — ready to release" in summary
    assert "Paid (authorized)" in summary
    assert not page.locator("#order-summary >> text=Version").is_visible()
    page.fill("[aria-label='Staff note']", "Called: will collect at 5 pm")
    page.click("button:has-text('Add note')")
    page.wait_for_selector("text=Note added to the history.")
    assert "Called: will collect at 5 pm" in page.inner_text("#order-history")
    _fits(page, "order-page")

    page.goto(f"{live_server.url}/admin/orders/order/?q=Tomme")
    assert page.locator(f"#result_list >> text={order.number}").count() == 1
    _fits(page, "order-list")


def test_edit_shows_the_running_total_before_commit(page, live_server, market):
    order = market["paid"]
    _login(page, live_server, "agent")
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    page.click("text=Begin edit")
    page.wait_for_selector("text=You are editing this order")
    page.fill("[aria-label='New quantity of Sourdough loaf']", "5")
    page.click("button:has-text('Change quantity')")
    page.wait_for_selector("#edit-line-changes")
    assert page.inner_text("#edit-was-total") == "40.00"
    assert page.inner_text("#edit-now-total") == "60.00"
    assert page.inner_text("#edit-difference") == "+20.00"
    assert "3 → 5" in page.inner_text("#edit-line-changes")
    _fits(page, "order-edit-running-total")
    page.click("button:has-text('Commit edit')")
    page.wait_for_selector("text=Edit committed")


def test_cancellation_asks_a_reason_and_e_mails_the_customer(page, live_server, market, mailoutbox):
    order = market["paid"]
    _login(page, live_server, "agent")
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    page.click("#cancel-order")
    page.wait_for_selector("#cancel-confirmation")
    _fits(page, "cancel-confirmation")
    page.click("#confirm-cancel")  # the required reason stops the browser here
    assert Order.objects.get(pk=order.pk).status == "C"
    page.fill("#cancel-reason", "The market is closed by flooding")
    assert page.is_checked("#cancel-notify")
    page.click("#confirm-cancel")
    page.wait_for_selector(f"text=Order {order.number} is cancelled")
    assert Order.objects.get(pk=order.pk).status == "X"
    assert "The market is closed by flooding" in page.inner_text("#order-history")
    assert "E-mail sent to the customer" in page.inner_text("#order-history")
    subjects = [mail.subject for mail in mailoutbox]
    assert f"Your order {order.number} is cancelled" in subjects
    mail = next(m for m in mailoutbox if m.subject.endswith("is cancelled"))
    assert "The market is closed by flooding" in mail.body
    _fits(page, "order-cancelled")


def test_producer_staff_see_their_order_lines_and_a_pick_list_without_names(
    page, live_server, market, django_user_model
):
    farm = market["bread"].product.producer
    _member(django_user_model, "grower", farm, Role.PRODUCER_STAFF)
    producer_order = ProducerOrder.objects.get(producer=farm)
    _login(page, live_server, "grower")
    page.goto(f"{live_server.url}/admin/orders/producerorder/")
    _fits(page, "producer-order-list")
    page.click(f"#result_list >> text={farm.name}")
    page.wait_for_selector("#producer-order-summary")
    assert "Sourdough loaf" in page.inner_text("#content")
    assert f"{producer_order.total_product} EUR" in page.inner_text("#producer-order-summary")
    _fits(page, "producer-order")
    page.click("text=Session bulk report")
    page.wait_for_selector("table")
    assert "Sourdough loaf" in page.inner_text("#content-main")
    assert "Tomme" not in page.inner_text("#content-main")  # another producer's
    _fits(page, "producer-bulk-report")
    page.goto(f"{live_server.url}/admin/orders/producerorder/{producer_order.pk}/pick-list/")
    pick_list = page.inner_text("#content-main")
    assert f"order {market['paid'].number}" in pick_list
    assert "Ada Lovelace" not in pick_list
    _fits(page, "producer-pick-list")


def test_a_french_browser_gets_the_back_office_in_french(chromium, live_server, market):  # noqa: F811
    context = chromium.new_context(viewport=VIEWPORT, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _login(page, live_server, "agent")
        page.goto(f"{live_server.url}/admin/")
        assert "À traiter en premier" in page.inner_text("#needs-attention")
        assert "Paiement à vérifier" in page.inner_text("#attention-list")
        _fits(page, "admin-home-fr")
        page.goto(f"{live_server.url}/admin/orders/order/{market['paid'].pk}/change/")
        summary = page.inner_text("#order-summary")
        assert "Payée — prête à préparer" in summary
        assert "Payée (autorisé)" in summary
        _fits(page, "order-page-fr")
    finally:
        context.close()
