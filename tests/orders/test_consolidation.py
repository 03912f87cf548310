"""Consolidation per producer, per trader and per session (one rule), and switching modes:
obsolete producer orders are cancelled here and at the partner, never emptied."""

from decimal import Decimal

import pytest
from django.urls import reverse

from config.actors import Actor
from orders.exceptions import ConsolidationSwitchRefused
from orders.models import ProducerOrder, ProducerOrderLine
from orders.producer_orders.services import producer_orders_refresh
from orders.selectors import (
    Consolidation,
    consolidation_resolve,
    consolidation_switch_preview,
    producer_consolidation,
)
from orders.services.consolidation_switch import (
    enterprise_consolidation_set,
    session_consolidation_switch,
)
from orders.services.session_close import session_close
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
    TraderFactory,
)

pytestmark = pytest.mark.django_db


def _order(session, *products):
    order = OrderFactory(trader=session.trader, sales_session=session, status="C")
    for product in products:
        OrderItemFactory(order=order, product=product, quantity=Decimal("2"))
    return order


def _shape(session):
    """{producer id: sorted customer order ids (None = consolidated)} of live producer orders."""
    shape: dict[int, list] = {}
    for producer_order in ProducerOrder.objects.filter(sales_session=session).exclude(
        order_state="Cancelled"
    ):
        shape.setdefault(producer_order.producer_id, []).append(producer_order.customer_order_id)
    return {pk: sorted(ids, key=lambda i: i or 0) for pk, ids in shape.items()}


@pytest.mark.parametrize(
    ("session_override", "producer_setting", "trader_default", "expected"),
    [
        (None, None, True, Consolidation(True, "trader")),
        (None, None, False, Consolidation(False, "trader")),
        (None, False, True, Consolidation(False, "producer")),
        (None, True, False, Consolidation(True, "producer")),
        (True, False, False, Consolidation(True, "session")),
        (False, True, True, Consolidation(False, "session")),
    ],
)
def test_one_rule_resolves_session_then_producer_then_trader(
    session_override, producer_setting, trader_default, expected
):
    assert (
        consolidation_resolve(
            session_override=session_override,
            producer_setting=producer_setting,
            trader_default=trader_default,
        )
        == expected
    )


def test_producer_level_a_producer_wanting_one_order_per_customer_order_gets_it():
    session = SaleSessionFactory(trader=TraderFactory(consolidate_per_producer=True))
    wants_per_order = ProducerFactory(producer_consolidation=False)
    default = ProducerFactory()
    a, b = ProductFactory(producer=wants_per_order), ProductFactory(producer=default)
    first, second = _order(session, a, b), _order(session, a, b)

    producer_orders_refresh(session_id=session.pk)

    assert _shape(session) == {
        wants_per_order.pk: [first.pk, second.pk],
        default.pk: [None],
    }
    assert str(producer_consolidation(session=session, producer=wants_per_order)) == (
        "one per customer order (from the producer)"
    )
    consolidated = ProducerOrder.objects.get(producer=default)
    assert consolidated.lines.get().quantity == Decimal("4")


def test_trader_level_the_default_applies_to_producers_without_a_wish():
    session = SaleSessionFactory(trader=TraderFactory(consolidate_per_producer=False))
    plain, wants_one = ProducerFactory(), ProducerFactory(producer_consolidation=True)
    a, b = ProductFactory(producer=plain), ProductFactory(producer=wants_one)
    first, second = _order(session, a, b), _order(session, a, b)

    producer_orders_refresh(session_id=session.pk)

    assert _shape(session) == {plain.pk: [first.pk, second.pk], wants_one.pk: [None]}
    assert producer_consolidation(session=session, producer=plain).source == "trader"


def test_session_level_the_override_wins_over_producer_and_trader():
    session = SaleSessionFactory(
        trader=TraderFactory(consolidate_per_producer=False), consolidate_per_producer=True
    )
    wants_per_order = ProducerFactory(producer_consolidation=False)
    a = ProductFactory(producer=wants_per_order)
    _order(session, a), _order(session, a)

    producer_orders_refresh(session_id=session.pk)

    assert _shape(session) == {wants_per_order.pk: [None]}
    assert str(producer_consolidation(session=session, producer=wants_per_order)) == (
        "one per session (from the session)"
    )


def test_switching_cancels_the_old_producer_orders_at_the_partner_and_creates_one_per_producer(
    recording_partner, django_capture_on_commit_callbacks
):
    session = SaleSessionFactory(consolidate_per_producer=False)
    platform = PlatformFactory(base_url=recording_partner.base_url + "/api/dfc/")
    farm = ProducerFactory(
        platform=platform, slug="farm", remote_id=recording_partner.producer_url("farm")
    )
    apples = ProductFactory(producer=farm, remote_id=f"{farm.remote_id}/SuppliedProducts/1")
    _order(session, apples), _order(session, apples)
    with django_capture_on_commit_callbacks(execute=True):
        producer_orders_refresh(session_id=session.pk)
    old = list(ProducerOrder.objects.filter(sales_session=session))
    assert len(old) == 2
    assert all(p.remote_id for p in old)

    preview = consolidation_switch_preview(session=session, consolidate=True)
    assert sorted(p.pk for p in preview.cancelled) == sorted(p.pk for p in old)
    assert preview.created == [(farm.name, None)]
    assert ProducerOrder.objects.filter(sales_session=session).count() == 2  # nothing written

    with django_capture_on_commit_callbacks(execute=True):
        session_consolidation_switch(
            session_id=session.pk, consolidate=True, actor=Actor.system("test")
        )

    # In Larder: the two old orders cancelled with their lines, one new consolidated order.
    for producer_order in old:
        producer_order.refresh_from_db()
        assert producer_order.order_state == "Cancelled"
        assert producer_order.lines.get().quantity == Decimal("2")
    new = ProducerOrder.objects.get(sales_session=session, order_state="Held")
    assert (new.customer_order_id, new.lines.get().quantity) == (None, Decimal("4"))
    # At the partner: each old order PUT as Cancelled (never emptied), one new order POSTed.
    states = {}
    for path, graph in recording_partner.state.orders.items():
        order = next(n for n in graph if n["@type"] == "dfc-b:Order")
        lines = [n for n in graph if n["@type"] == "dfc-b:OrderLine"]
        status = order["dfc-b:hasOrderStatus"]["@id"]
        states[path] = (status, [n["dfc-b:quantity"] for n in lines])
    assert sorted(states.values()) == [
        ("dfc-v:Cancelled", [2.0]),
        ("dfc-v:Cancelled", [2.0]),
        ("dfc-v:Held", [4.0]),
    ]
    assert len(recording_partner.requests("POST")) == 3
    assert len(recording_partner.requests("PUT")) == 2

    # Closing completes the new order only; a cancelled one stays cancelled.
    with django_capture_on_commit_callbacks(execute=True):
        session_close(session_id=session.pk, actor=Actor.system("test"))
    new.refresh_from_db()
    assert new.order_state == "Complete"
    assert set(
        ProducerOrder.objects.filter(pk__in=[p.pk for p in old]).values_list(
            "order_state", flat=True
        )
    ) == {"Cancelled"}


def test_switching_back_makes_new_orders_beside_the_cancelled_ones():
    session = SaleSessionFactory(consolidate_per_producer=True)
    apples = ProductFactory()
    first = _order(session, apples)
    producer_orders_refresh(session_id=session.pk)
    actor = Actor.system("test")

    session_consolidation_switch(session_id=session.pk, consolidate=False, actor=actor)
    session_consolidation_switch(session_id=session.pk, consolidate=True, actor=actor)

    states = sorted(
        ProducerOrder.objects.filter(sales_session=session).values_list(
            "customer_order_id", "order_state"
        ),
        key=lambda row: (row[0] or 0, row[1]),
    )
    assert states == [(None, "Cancelled"), (None, "Held"), (first.pk, "Cancelled")]


def test_a_switch_after_the_session_closed_is_refused_and_writes_nothing():
    session = SaleSessionFactory(consolidate_per_producer=True)
    _order(session, ProductFactory())
    session_close(session_id=session.pk, actor=Actor.system("test"))
    before = list(ProducerOrder.objects.values_list("pk", "order_state", "version"))

    with pytest.raises(ConsolidationSwitchRefused):
        session_consolidation_switch(
            session_id=session.pk, consolidate=False, actor=Actor.system("test")
        )

    session.refresh_from_db()
    assert session.consolidate_per_producer is True
    assert list(ProducerOrder.objects.values_list("pk", "order_state", "version")) == before


def test_a_producer_setting_changed_after_close_does_not_switch_its_final_orders():
    session = SaleSessionFactory(consolidate_per_producer=None)
    farm = ProducerFactory()
    _order(session, ProductFactory(producer=farm))
    session_close(session_id=session.pk, actor=Actor.system("test"))
    farm.producer_consolidation = False
    farm.save()

    assert producer_orders_refresh(session_id=session.pk) == []
    assert list(ProducerOrder.objects.values_list("order_state", flat=True)) == ["Complete"]


def test_admin_shows_the_effect_before_confirming_and_refuses_a_closed_session(admin_client):
    session = SaleSessionFactory(consolidate_per_producer=False)
    farm = ProducerFactory(name="Fred's Farm")
    apples = ProductFactory(producer=farm)
    first, second = _order(session, apples), _order(session, apples)
    producer_orders_refresh(session_id=session.pk)
    url = reverse("admin:sessions_app_salesession_consolidation", args=[session.pk])

    page = admin_client.get(url).content.decode()
    assert "one per customer order (from the session)" in page

    preview = admin_client.post(url, {"consolidate": "yes", "preview": "1"}).content.decode()
    assert f"for order {first.number}" in preview
    assert f"for order {second.number}" in preview
    assert "Confirm the switch" in preview
    assert ProducerOrder.objects.filter(order_state="Cancelled").count() == 0

    done = admin_client.post(url, {"consolidate": "yes", "confirm": "1"})
    assert done.status_code == 302
    assert ProducerOrder.objects.filter(order_state="Cancelled").count() == 2
    assert ProducerOrderLine.objects.filter(producer_order__customer_order=None).get().quantity == 4

    session_close(session_id=session.pk, actor=Actor.system("test"))
    refused = admin_client.post(url, {"consolidate": "no", "confirm": "1"})
    assert refused.status_code == 200
    assert "This session is closed" in refused.content.decode()
    session.refresh_from_db()
    assert session.consolidate_per_producer is True


def _refresh_statements(session) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ProducerOrder.objects.filter(sales_session=session).delete()
    with CaptureQueriesContext(connection) as captured:
        producer_orders_refresh(session_id=session.pk)
    return len(captured)


@pytest.mark.parametrize("orders", [1, 20])
def test_a_refresh_takes_the_same_statements_whatever_the_size(orders):
    session = SaleSessionFactory()
    farms = [ProducerFactory(), ProducerFactory()]
    products = [ProductFactory(producer=farm) for farm in farms for _ in range(2)]
    for _ in range(orders):
        _order(session, *products)
    # One GROUP BY with every producer in the trader's mode, its products joined to it...
    assert _refresh_statements(session) == 11
    # ...and a second one when some producer wishes the other mode, in the same statement.
    farms[1].producer_consolidation = False
    farms[1].save()
    assert _refresh_statements(session) == 11


def test_a_producers_wish_switched_in_the_admin_previews_then_cancels_and_creates(
    recording_partner, admin_client, django_capture_on_commit_callbacks
):
    trader = TraderFactory(consolidate_per_producer=True)
    open_session = SaleSessionFactory(trader=trader)
    closed_session = SaleSessionFactory(trader=trader)
    platform = PlatformFactory(base_url=recording_partner.base_url + "/api/dfc/")
    farm = ProducerFactory(
        platform=platform, slug="farm", remote_id=recording_partner.producer_url("farm")
    )
    apples = ProductFactory(producer=farm, remote_id=f"{farm.remote_id}/SuppliedProducts/1")
    first, second = _order(open_session, apples), _order(open_session, apples)
    _order(closed_session, apples)
    with django_capture_on_commit_callbacks(execute=True):
        producer_orders_refresh(session_id=open_session.pk)
        session_close(session_id=closed_session.pk, actor=Actor.system("test"))
    (consolidated,) = ProducerOrder.objects.filter(sales_session=open_session)
    url = reverse("admin:platforms_enterprise_consolidation", args=[farm.pk])

    preview = admin_client.post(url, {"value": "no", "preview": "1"}).content.decode()
    assert f"for order {first.number}" in preview
    assert f"for order {second.number}" in preview
    assert str(closed_session) not in preview  # closed: final, untouched
    farm.refresh_from_db()
    assert farm.producer_consolidation is None  # a preview writes nothing

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(url, {"value": "no", "confirm": "1"})

    assert done.status_code == 302
    consolidated.refresh_from_db()
    assert consolidated.order_state == "Cancelled"
    assert _shape(open_session) == {farm.pk: [first.pk, second.pk]}
    assert list(
        ProducerOrder.objects.filter(sales_session=closed_session).values_list(
            "customer_order_id", "order_state"
        )
    ) == [(None, "Complete")]
    states = sorted(
        next(n for n in graph if n["@type"] == "dfc-b:Order")["dfc-b:hasOrderStatus"]["@id"]
        for graph in recording_partner.state.orders.values()
    )
    # The open session's old order cancelled, one per customer order created; the closed
    # session's order completed earlier and left alone.
    assert states == ["dfc-v:Cancelled", "dfc-v:Complete", "dfc-v:Held", "dfc-v:Held"]


def test_a_traders_default_cannot_be_emptied():
    trader = TraderFactory()

    with pytest.raises(ConsolidationSwitchRefused):
        enterprise_consolidation_set(
            enterprise_id=trader.pk, value=None, actor=Actor.system("test")
        )

    trader.refresh_from_db()
    assert trader.consolidate_per_producer is True


def test_enterprise_settings_are_read_only_on_its_form_and_switched_on_its_page(admin_client):
    farm = ProducerFactory()
    page = admin_client.get(
        reverse("admin:platforms_enterprise_change", args=[farm.pk])
    ).content.decode()
    assert 'name="producer_consolidation"' not in page
    assert reverse("admin:platforms_enterprise_consolidation", args=[farm.pk]) in page
