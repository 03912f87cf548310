"""Each role tried on the others' data is refused: a redirect, 403 or 404, never the data."""

import pytest
from django.urls import reverse

from orders.models import ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from platforms.exceptions import RoleNotForThisEnterprise
from platforms.models import Role
from platforms.tenancy.memberships import membership_grant
from tests.factories import (
    CalculationRuleFactory,
    CustomerFactory,
    ProducerFactory,
    SaleSessionFactory,
    TraderFactory,
)
from tests.inventory.factories import offer_with_stock, placed_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_user_model, system_actor):
    """Two traders, each with a session, an order, a pricing rule and a producer order of its
    own producer; a user in each role for the first trader and its producer."""
    data = {}
    for side in ("mine", "theirs"):
        session = SaleSessionFactory(trader__name=f"Hub {side}")
        producer = ProducerFactory(name=f"Farm {side}")
        offer = offer_with_stock(session, product__producer=producer)
        data[side] = {
            "session": session,
            "producer": producer,
            "order": placed_with(
                session, [(offer, "1")], customer=CustomerFactory(trader=session.trader)
            ),
            "rule": CalculationRuleFactory(trader=session.trader, name=f"Rule {side}"),
        }
        producer_orders_refresh(session_id=session.pk)
        data[side]["producer_order"] = ProducerOrder.objects.get(sales_session=session)
    mine = data["mine"]
    users = {}
    for role, enterprise in (
        (Role.TRADER_STAFF, mine["session"].trader),
        (Role.CUSTOMER_SERVICE, mine["session"].trader),
        (Role.PRODUCER_STAFF, mine["producer"]),
    ):
        user = django_user_model.objects.create_user(role, password="pw")
        membership_grant(user=user, enterprise=enterprise, role=role)
        users[role] = user
    return data, users


def _urls(side: dict) -> dict[str, str]:
    order, po, session = side["order"], side["producer_order"], side["session"]
    return {
        "order": reverse("admin:orders_order_change", args=[order.pk]),
        "order_edit": reverse("admin:orders_order_edit_step", args=[order.pk, "begin"]),
        "producer_order": reverse("admin:orders_producerorder_change", args=[po.pk]),
        "pick_list": reverse("admin:orders_producerorder_pick_list", args=[po.pk]),
        "csv": reverse("admin:orders_producerorder_csv", args=[po.pk]),
        "dashboard": reverse("admin:sessions_app_salesession_dashboard", args=[session.pk]),
        "bulk_report": reverse("admin:orders_producerorder_bulk_report", args=[session.pk]),
        "rule": reverse("admin:discounts_calculationrule_change", args=[side["rule"].pk]),
    }


def _fetch(client, url: str):
    if "/edit/" in url:
        return client.post(url)
    return client.get(url)


def _refused(response, secret: str) -> bool:
    body = response.content.decode(errors="replace") if response.status_code == 200 else ""
    return response.status_code in (302, 403, 404) and secret not in body


# What each role may open on its own side; everything else, and everything of the other
# side, must be refused.
ALLOWED = {
    Role.TRADER_STAFF: {
        "order",
        "order_edit",
        "producer_order",
        "pick_list",
        "csv",
        "dashboard",
        "bulk_report",
        "rule",
    },
    Role.CUSTOMER_SERVICE: {
        "order",
        "order_edit",
        "producer_order",
        "pick_list",
        "csv",
        "dashboard",
        "bulk_report",
        "rule",
    },
    # Producer staff open their producers' part of the session's bulk report.
    Role.PRODUCER_STAFF: {"producer_order", "pick_list", "csv", "bulk_report"},
}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_is_refused_the_others_data(client, world, role):
    data, users = world
    client.force_login(users[role])
    theirs = data["theirs"]
    for name, url in _urls(theirs).items():
        response = _fetch(client, url)
        secret = {"rule": "Rule theirs", "dashboard": "Farm theirs"}.get(name, "Hub theirs")
        assert _refused(response, secret), (role, name, response.status_code)
    assert theirs["order"].__class__.objects.get(pk=theirs["order"].pk).status == "C"


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_opens_what_its_role_allows_on_its_own_side(client, world, role):
    data, users = world
    client.force_login(users[role])
    for name, url in _urls(data["mine"]).items():
        response = _fetch(client, url)
        if name in ALLOWED[role]:
            assert response.status_code in (200, 302), (role, name)
            if name == "order_edit":
                assert response.url.endswith(_urls(data["mine"])["order"])
        else:
            assert response.status_code in (302, 403, 404), (role, name)
            if response.status_code == 302:
                assert "/login/" in response.url or response.url.rstrip("/").endswith("admin")


def test_lists_show_only_the_users_enterprise(client, world):
    data, users = world
    client.force_login(users[Role.TRADER_STAFF])
    body = client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert f">{data['mine']['order'].number}<" in body
    assert f">{data['theirs']['order'].number}<" not in body
    client.force_login(users[Role.PRODUCER_STAFF])
    body = client.get(reverse("admin:orders_producerorder_changelist")).content.decode()
    assert "Farm mine" in body
    assert "Farm theirs" not in body


def test_customer_service_edits_orders_but_not_pricing_rules(client, world):
    data, users = world
    client.force_login(users[Role.CUSTOMER_SERVICE])
    mine = data["mine"]
    client.post(reverse("admin:orders_order_edit_step", args=[mine["order"].pk, "begin"]))
    mine["order"].refresh_from_db()
    assert mine["order"].status == "E"

    url = reverse("admin:discounts_calculationrule_change", args=[mine["rule"].pk])
    response = client.post(url, {"name": "Changed", "usage": "discount", "method": "percentage"})
    assert response.status_code == 403
    assert client.get(reverse("admin:discounts_calculationrule_add")).status_code == 403
    mine["rule"].refresh_from_db()
    assert mine["rule"].name == "Rule mine"


def test_a_role_is_granted_only_on_its_kind_of_enterprise(django_user_model, world):
    data, _ = world
    user = django_user_model.objects.create_user("x", password="pw")
    with pytest.raises(RoleNotForThisEnterprise):
        membership_grant(user=user, enterprise=data["mine"]["producer"], role=Role.TRADER_STAFF)
    with pytest.raises(RoleNotForThisEnterprise):
        membership_grant(
            user=user, enterprise=data["mine"]["session"].trader, role=Role.PRODUCER_STAFF
        )


def test_order_list_filters_and_search_stay_within_the_enterprise(client, world):
    data, users = world
    client.force_login(users[Role.CUSTOMER_SERVICE])
    url = reverse("admin:orders_order_changelist")
    theirs = data["theirs"]["order"]

    body = client.get(url, {"q": str(theirs.number)}).content.decode()
    assert f">{theirs.number}<" not in body
    body = client.get(url, {"status__exact": "C", "payment_status__exact": "authorized"}).content
    assert f">{data['mine']['order'].number}<".encode() in body
    assert b"Farm theirs" not in body
    assert b"Hub theirs" not in body


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", ["first", "after a flush"])
def test_roles_are_granted_after_a_transactional_test_flushed_the_database(django_user_model, run):
    """The second run starts after the first's flush: the role groups are there again
    (tests/conftest.py makes them on post_migrate), so membership_grant need not."""
    trader = TraderFactory()
    user = django_user_model.objects.create_user(f"cs-{run}", password="pw")

    membership_grant(user=user, enterprise=trader, role=Role.CUSTOMER_SERVICE)

    assert user.has_perm("orders.change_order")
    assert not user.has_perm("discounts.change_calculationrule")
