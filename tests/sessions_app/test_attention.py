"""The admin home's "needs attention first": counters and lists, scoped to the user's traders."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from platforms.models import OutboxMessage, Role
from platforms.tenancy.memberships import membership_grant
from sessions_app.dashboard_selectors import back_office_attention
from tests.factories import OfferFactory, PlatformFactory, ProducerFactory, SaleSessionFactory
from tests.inventory.factories import offer_with_stock, placed_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def trader_day(system_actor):
    end_of_today = timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=0)
    session = SaleSessionFactory(ends_at=end_of_today)
    remote = ProducerFactory(platform=PlatformFactory(name="Open Food Network"), name="Hill Farm")
    eggs = offer_with_stock(session, on_hand="20")
    cheese = OfferFactory(session=session, product__producer=remote)
    review = placed_with(session, [(eggs, "1")], card="4000000000000127")  # A
    placed_with(session, [(eggs, "1"), (cheese, "1")])  # C
    producer_orders_refresh(session_id=session.pk)
    OutboxMessage.objects.filter(
        subject_id__in=ProducerOrder.objects.filter(producer=remote).values("pk")
    ).update(
        attempts=7,
        last_error="URLError: [Errno 111] Connection refused",
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )
    return session, review


def _agent(django_user_model, enterprise, name="agent"):
    user = django_user_model.objects.create_user(name, password="pw")
    membership_grant(user=user, enterprise=enterprise, role=Role.CUSTOMER_SERVICE)
    return user


def test_attention_counts_reviews_failing_deliveries_and_sessions_closing_today(
    trader_day, django_user_model, django_assert_num_queries
):
    session, review = trader_day
    agent = _agent(django_user_model, session.trader)

    with django_assert_num_queries(6):  # the membership, then five reads
        attention = back_office_attention(user=agent)

    assert attention.counts == {"A": 1, "W": 0, "L": 0, "B": 0, "E": 0}
    assert [order.pk for order in attention.orders] == [review.pk]
    [failing] = attention.failing_deliveries
    assert failing.producer_order.producer.name == "Hill Farm"
    assert failing.explanation.startswith("Open Food Network did not answer; retrying at ")
    assert "URLError" not in failing.explanation
    assert attention.sessions_closing_today == [session]


def test_another_traders_agent_sees_none_of_it(trader_day, django_user_model):
    other = SaleSessionFactory()
    agent = _agent(django_user_model, other.trader, name="elsewhere")

    attention = back_office_attention(user=agent)

    assert attention.counts == {"A": 0, "W": 0, "L": 0, "B": 0, "E": 0}
    assert (attention.orders, attention.failing_deliveries) == ([], [])
    assert attention.sessions_closing_today == []


def test_the_admin_home_shows_the_counters_to_customer_service(
    client, trader_day, django_user_model
):
    session, review = trader_day
    client.force_login(_agent(django_user_model, session.trader))

    body = client.get(reverse("admin:index")).content.decode()

    assert 'id="count-payment-review"' in body
    home = body[body.index('id="needs-attention"') :]
    assert "Waiting for payment review" in home
    assert f"Order {review.number}" in home
    assert "Open Food Network did not answer" in home
    assert "View site" not in body


def test_producer_staff_get_no_order_counters(client, trader_day, django_user_model):
    session, _ = trader_day
    producer = Order.objects.first().items.first().producer
    user = django_user_model.objects.create_user("grower", password="pw")
    membership_grant(user=user, enterprise=producer, role=Role.PRODUCER_STAFF)
    client.force_login(user)

    body = client.get(reverse("admin:index")).content.decode()

    assert 'id="needs-attention"' not in body


def test_a_page_outside_the_role_says_so_in_words_not_a_bare_403(
    client, trader_day, django_user_model
):
    session, _ = trader_day
    client.force_login(_agent(django_user_model, session.trader))

    response = client.get(reverse("admin:platforms_outboxmessage_changelist"))

    assert response.status_code == 403
    body = response.content.decode()
    assert "Not for your role" in body
    assert reverse("admin:index") in body
