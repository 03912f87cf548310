"""The back office in a real browser: Debian's chromium driven by Playwright, headless, against
pytest-django's live server. Screenshots go to test-artifacts/ (git-ignored).

Outside CI a machine without chromium skips these tests (with the reason); with CI=true a
missing chromium fails them.
"""

import os
from decimal import Decimal
from pathlib import Path

import pytest

from orders.models import Order
from orders.producer_orders.services import producer_orders_refresh
from platforms.models import Role
from platforms.tenancy.memberships import membership_grant
from tests.factories import SaleSessionFactory
from tests.inventory.factories import offer_with_stock, placed_with, stock_of

CHROMIUM = Path(os.environ.get("LARDER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "browser-test-pw"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        reason = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # around the browser steps are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-last.png"), full_page=True)
    context.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#content")


def _member(django_user_model, username: str, enterprise, role: str):
    user = django_user_model.objects.create_user(username, password=PASSWORD)
    membership_grant(user=user, enterprise=enterprise, role=role)
    return user


def test_customer_service_edits_commits_and_rolls_back_in_the_browser(
    page, live_server, django_user_model
):
    session = SaleSessionFactory()
    offer = offer_with_stock(session, on_hand="10", product__name="Sourdough loaf")
    order = placed_with(session, [(offer, "3")])
    _member(django_user_model, "agent", session.trader, Role.CUSTOMER_SERVICE)
    _login(page, live_server, "agent")
    order_url = f"{live_server.url}/admin/orders/order/{order.pk}/change/"

    # Begin edit, change a quantity, commit.
    page.goto(order_url)
    page.click("text=Begin edit")
    page.wait_for_selector("text=You are editing this order")
    page.fill("[aria-label='New quantity of Sourdough loaf']", "5")
    page.click("button:has-text('Change quantity')")
    page.wait_for_selector("text=/Sourdough loaf: 3(\\.000)? → 5/")
    _shot(page, "csr-edit-changed")
    page.click("button:has-text('Commit edit')")
    page.wait_for_selector("text=Edit committed")
    _shot(page, "csr-edit-committed")
    order.refresh_from_db()
    assert (order.status, order.grand_total, order.locked_by) == ("C", Decimal("50.00"), None)
    assert stock_of(offer).reserved == Decimal("5")

    # Begin edit, change a quantity, roll back.
    page.click("text=Begin edit")
    page.fill("[aria-label='New quantity of Sourdough loaf']", "1")
    page.click("button:has-text('Change quantity')")
    page.wait_for_selector("text=/Sourdough loaf: 5(\\.000)? → 1/")
    page.click("button:has-text('Roll back')")
    page.wait_for_selector("text=Edit rolled back")
    _shot(page, "csr-edit-rolled-back")
    order.refresh_from_db()
    assert (order.status, order.grand_total) == ("C", Decimal("50.00"))
    assert order.items.get().quantity == Decimal("5")
    assert stock_of(offer).reserved == Decimal("5")
    assert not Order.objects.filter(status="T").exists()
    history = page.inner_text("#order-history")
    for step in ("Edit begun", "Edit committed", "Edit rolled back"):
        assert step in history


def test_trader_reads_the_session_dashboard_in_the_browser(page, live_server, django_user_model):
    session = SaleSessionFactory(name="Saturday market")
    eggs = offer_with_stock(session, on_hand="6", product__name="Free-range eggs")
    for quantity in ("1", "2"):
        placed_with(session, [(eggs, quantity)])
    producer_orders_refresh(session_id=session.pk)
    _member(django_user_model, "trader", session.trader, Role.TRADER_STAFF)
    _login(page, live_server, "trader")

    page.click("#session-dashboards >> text=Saturday market")
    page.wait_for_selector("#session-dashboard")
    _shot(page, "session-dashboard")

    assert page.inner_text("#dash-order-count") == "2"
    assert page.inner_text("#dash-revenue") == "30.00"
    assert page.locator("#dash-chart svg rect").count() >= 1
    assert page.locator("#dash-chart svg polyline").count() == 1
    assert "Low inventory" in page.inner_text("#dash-attention")  # 3 of 6 left
    assert "Free-range eggs" in page.inner_text("#dash-stock")
    assert page.locator("#dash-producer-orders a:has-text('pick list')").count() == 1
