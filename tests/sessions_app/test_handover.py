"""The session's hand-over lists: placed orders not yet handed over, by pickup day, then by
pickup point or delivery zone, then by order number; a place open on several days is listed
on its first, with every opening time; cancelled, shipped and carts are not listed."""

from datetime import UTC, datetime, timedelta

import pytest

from sessions_app.handover_selectors import session_handover
from tests.factories import (
    CustomerFactory,
    FulfilmentCentreFactory,
    FulfilmentWindowFactory,
    OrderFactory,
    OrderItemFactory,
    SaleSessionFactory,
)

pytestmark = pytest.mark.django_db

SATURDAY = datetime(2031, 5, 3, 9, 0, tzinfo=UTC)
SUNDAY = SATURDAY + timedelta(days=1)


@pytest.fixture
def market():
    session = SaleSessionFactory()
    trader = session.trader
    hall = FulfilmentCentreFactory(trader=trader, name="Market hall")
    farm_shop = FulfilmentCentreFactory(trader=trader, name="Farm shop")
    vans = FulfilmentCentreFactory(trader=trader, kind="delivery", name="Bristol vans")
    for centre, opens in ((hall, SATURDAY), (hall, SUNDAY), (farm_shop, SUNDAY), (vans, SATURDAY)):
        FulfilmentWindowFactory(
            centre=centre,
            sales_session=session,
            opens_at=opens,
            closes_at=opens + timedelta(hours=3),
        )

    def order(status, centre, *products, name="Ada Lovelace"):
        placed = OrderFactory(
            trader=trader,
            sales_session=session,
            status=status,
            customer=CustomerFactory(trader=trader, name=name, phone="+44 7700 900 001"),
        )
        for product in products:
            OrderItemFactory(order=placed, product_name=product, fulfilment_centre=centre)
        return placed

    orders = {
        "hall": order("C", hall, "Kale", "Leeks"),
        "hall2": order("I", hall, "Eggs", name="Grace Hopper"),
        "shop": order("C", farm_shop, "Honey"),
        "vans": order("R", vans, "Flour"),
        "none": order("C", None, "Apples"),
        "cancelled": order("X", hall, "Cancelled cabbage"),
        "shipped": order("S", hall, "Shipped sprouts"),
        "cart": order("P", hall, "Cart carrots"),
    }
    return session, orders


def test_orders_are_grouped_by_pickup_day_then_place(market, django_assert_num_queries):
    session, orders = market

    with django_assert_num_queries(2):
        days = session_handover(session=session)

    assert [
        (
            day.day.isoformat() if day.day else None,
            [
                (
                    group.centre.name if group.centre else None,
                    len(group.windows),
                    [(o.order.pk, [i.product_name for i in o.items]) for o in group.orders],
                )
                for group in day.groups
            ],
        )
        for day in days
    ] == [
        (
            "2031-05-03",
            [
                ("Bristol vans", 1, [(orders["vans"].pk, ["Flour"])]),
                (
                    "Market hall",
                    2,
                    [
                        (orders["hall"].pk, ["Kale", "Leeks"]),
                        (orders["hall2"].pk, ["Eggs"]),
                    ],
                ),
            ],
        ),
        ("2031-05-04", [("Farm shop", 1, [(orders["shop"].pk, ["Honey"])])]),
        (None, [(None, 0, [(orders["none"].pk, ["Apples"])])]),
    ]


def test_the_hand_over_page_prints_each_day_and_place(client, staff_user, market):
    session, orders = market
    client.force_login(staff_user)

    response = client.get(f"/admin/sessions_app/salesession/{session.pk}/handover/")

    assert response.status_code == 200
    body = response.content.decode()
    positions = [
        body.index(text)
        for text in (
            "Saturday 3 May 2031",
            "Bristol vans",
            "Market hall",
            "Sunday 4 May 2031",
            "Farm shop",
            "No pickup point or delivery zone chosen",
        )
    ]
    assert positions == sorted(positions)
    assert "Grace Hopper" in body
    assert "+44 7700 900 001" in body
    assert "Kale × 1; Leeks × 1" in body
    for absent in ("Cancelled cabbage", "Shipped sprouts", "Cart carrots"):
        assert absent not in body


def test_another_traders_staff_cannot_open_the_hand_over_page(client, django_user_model, market):
    session, _ = market
    outsider = django_user_model.objects.create_user("outsider", password="pw", is_staff=True)
    client.force_login(outsider)

    response = client.get(f"/admin/sessions_app/salesession/{session.pk}/handover/")

    assert response.status_code in (403, 404)
