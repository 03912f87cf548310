"""The trader's hand-over lists in a real browser at 1366 × 768: reached from the session's
page, orders grouped by pickup day and pickup point, the customer to call beside each order;
no table wider than the window (screenshot in test-artifacts/)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import OrderItem
from platforms.models import Role
from tests.browser.test_back_office import _login, _member, chromium  # noqa: F401
from tests.browser.test_back_office_day import VIEWPORT, _fits
from tests.factories import FulfilmentCentreFactory, FulfilmentWindowFactory, SaleSessionFactory
from tests.inventory.factories import customer_of, offer_with_stock, placed_with

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
    pytest.mark.integration,
]


@pytest.fixture
def page(chromium):  # noqa: F811
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_trader_prints_the_hand_over_lists_by_day_and_pickup_point(
    page, live_server, django_user_model
):
    session = SaleSessionFactory(name="Saturday market")
    hall = FulfilmentCentreFactory(trader=session.trader, name="Market hall")
    saturday = (timezone.localtime() + timedelta(days=3)).replace(hour=9, minute=0)
    FulfilmentWindowFactory(
        centre=hall,
        sales_session=session,
        opens_at=saturday,
        closes_at=saturday + timedelta(hours=3),
    )
    bread = offer_with_stock(session, on_hand="40", product__name="Sourdough loaf")
    ada = customer_of(session, name="Ada Lovelace", phone="+44 20 7946 0001")
    at_hall = placed_with(session, [(bread, "2")], customer=ada)
    OrderItem.objects.filter(order=at_hall).update(fulfilment_centre=hall)
    elsewhere = placed_with(session, [(bread, "1")])
    _member(django_user_model, "trader", session.trader, Role.TRADER_STAFF)

    _login(page, live_server, "trader")
    page.goto(f"{live_server.url}/admin/sessions_app/salesession/{session.pk}/change/")
    page.click("#session-handover")
    page.wait_for_selector(".handover-day")

    days = page.locator(".handover-day-title").all_inner_texts()
    assert days == [saturday.strftime("%A %-d %B %Y"), "No pickup day"]
    hall_list = page.locator(".handover-day").nth(0).inner_text()
    assert "Market hall" in hall_list
    assert str(at_hall.number) in hall_list
    assert "Ada Lovelace" in hall_list
    assert "+44 20 7946 0001" in hall_list
    assert "Sourdough loaf × 2" in hall_list
    assert str(elsewhere.number) in page.locator(".handover-day").nth(1).inner_text()
    _fits(page, "session-handover")
