from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from platforms.models import OutboxMessage
from sessions_app.dashboard_selectors import session_dashboard
from tests.factories import OfferFactory, PlatformFactory, ProducerFactory, SaleSessionFactory
from tests.inventory.factories import offer_with_stock, placed_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def session_with_orders(system_actor):
    session = SaleSessionFactory()
    remote = ProducerFactory(platform=PlatformFactory(), name="Hill Farm")
    counted = offer_with_stock(session, on_hand="8", product__name="Eggs")
    unknown = OfferFactory(session=session, product__producer=remote, product__name="Cheese")
    placed_with(session, [(counted, "2"), (unknown, "1")], actor=system_actor)
    placed_with(session, [(counted, "2")], actor=system_actor)
    producer_orders_refresh(session_id=session.pk)
    return session, counted, unknown


def test_dashboard_sums_orders_producers_products_stock_and_attention(session_with_orders):
    session, counted, unknown = session_with_orders
    OutboxMessage.objects.filter(subject_id__in=ProducerOrder.objects.values("pk")).update(
        state="dead", last_error="HTTP 500", attempts=8
    )

    dashboard = session_dashboard(session=session)

    assert (dashboard.order_count, dashboard.revenue) == (2, Decimal("50.00"))
    assert [(row["status"], row["orders"]) for row in dashboard.by_status] == [("C", 2)]
    assert {row["producer__name"]: row["revenue"] for row in dashboard.by_producer} == {
        counted.product.producer.name: Decimal("40.00"),
        "Hill Farm": Decimal("10.00"),
    }
    assert {row["product_name"]: row["quantity"] for row in dashboard.by_product} == {
        "Eggs": Decimal("4"),
        "Cheese": Decimal("1"),
    }
    assert dashboard.items_without_inventory == 1
    assert [row.product_name for row in dashboard.low_offers] == ["Eggs"]  # 4 left
    assert [po.producer.name for po in dashboard.failed_deliveries] == ["Hill Farm"]
    assert sum(row["orders"] for row in dashboard.series) == 2


@pytest.mark.parametrize("orders", [1, 20])
def test_dashboard_queries_do_not_grow_with_orders(orders, system_actor, django_assert_num_queries):
    session = SaleSessionFactory()
    offers = [offer_with_stock(session, on_hand="100") for _ in range(3)]
    for _ in range(orders):
        placed_with(session, [(offer, "1") for offer in offers], actor=system_actor)
    producer_orders_refresh(session_id=session.pk)

    with django_assert_num_queries(8):  # seven, and the look for a previous session
        session_dashboard(session=session)


def test_dashboard_page_draws_the_chart_and_links_from_the_session(
    client, staff_user, session_with_orders
):
    session, _, _ = session_with_orders
    client.force_login(staff_user)
    url = reverse("admin:sessions_app_salesession_dashboard", args=[session.pk])

    body = client.get(url).content.decode()

    assert "<svg" in body
    assert "<polyline" in body
    assert "Failing deliveries" in body
    assert "Hill Farm" in body
    assert url in client.get(reverse("admin:sessions_app_salesession_changelist")).content.decode()
    assert url in client.get(reverse("admin:index")).content.decode()


def test_the_chart_spans_every_day_against_the_previous_session(
    client, staff_user, system_actor, django_assert_num_queries
):
    from datetime import timedelta

    from django.utils import timezone

    from sessions_app.dashboard_selectors import chart_geometry

    now = timezone.now()
    last = SaleSessionFactory(begins_at=now - timedelta(days=2), ends_at=now + timedelta(days=1))
    session = SaleSessionFactory(
        trader=last.trader, begins_at=now - timedelta(days=1), ends_at=now + timedelta(days=5)
    )
    eggs = offer_with_stock(session, on_hand="50")
    placed_with(session, [(eggs, "2")], actor=system_actor)
    old_eggs = offer_with_stock(last, on_hand="50")
    for _ in range(3):
        placed_with(last, [(old_eggs, "1")], actor=system_actor)
    producer_orders_refresh(session_id=session.pk)

    with django_assert_num_queries(9):
        dashboard = session_dashboard(session=session)
    chart = chart_geometry(dashboard)

    assert dashboard.previous_session == last
    assert len(chart["slots"]) == 7  # every day of the session, with or without orders
    assert sum(slot["orders"] for slot in chart["slots"]) == 1
    assert chart["has_previous"]
    assert [t["orders"] for t in chart["ticks"]] == [0, 0.8, 1.5, 2.2, 3]  # up to 3 orders
    client.force_login(staff_user)
    body = client.get(
        reverse("admin:sessions_app_salesession_dashboard", args=[session.pk])
    ).content.decode()
    assert "Orders, last session" in body
    assert 'id="dash-chart-table"' in body
    assert 'class="previous-revenue"' in body
