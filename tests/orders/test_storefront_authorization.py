"""Every storefront endpoint × method × role: the status it answers, and that a refused call
writes nothing.

The table below is checked against the URL resolver: an endpoint under /api/storefront/ (or a
method of one) without a row fails `test_every_storefront_endpoint_has_a_row`. Adding a
storefront endpoint means adding its row here, with the status each role must get. URL
parameters and body placeholders are looked up by name in the test's values (order_id,
item_id, session_id, SESSION, CUSTOMER_A, OFFER); a row needing others gives a `values`
function (world, order) -> {name: value}.

Roles: nobody signed in; customer A (who owns the order), customer B (another customer of the
same trader); customer service and trader staff of the order's trader; producer staff of a
producer in the order; trader staff of another trader; a superuser.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from inventory.models import Reservation, Stock
from orders.models import Customer, Order, OrderEvent, OrderItem
from platforms.models import Role
from platforms.tenancy.memberships import membership_grant
from tests.factories import (
    AddressFactory,
    CouponFactory,
    FulfilmentWindowFactory,
    ProducerFactory,
    SaleSessionFactory,
    TraderFactory,
)
from tests.inventory.factories import cart_with, customer_of, offer_with_stock

pytestmark = pytest.mark.django_db

PREFIX = "api/storefront/"
ROLES = (
    "anonymous",
    "customer_a",
    "customer_b",
    "service",
    "producer_staff",
    "trader_admin",
    "other_trader_admin",
    "superuser",
)


def _statuses(default: int, **by_role: int) -> dict[str, int]:
    return {role: by_role.get(role, default) for role in ROLES}


# Who may act on customer A's order: A, and the trader's staff holding the permission.
OWNER_AND_TRADER = {
    "anonymous": 403,
    "customer_b": 404,
    "producer_staff": 404,
    "other_trader_admin": 404,
}


@dataclass(frozen=True)
class Row:
    """One endpoint and method: the order it is called on (`target`: a cart with an item, a
    submitted cart, an order whose payment needs review, a paid order), its body, and the
    status each role gets."""

    target: str
    expect: dict[str, int]
    body: dict = field(default_factory=dict)
    values: Callable[[dict, Order], dict] | None = None


ROWS: dict[tuple[str, str], Row] = {
    ("sessions/<int:session_id>/offers/", "GET"): Row("cart", _statuses(200, anonymous=403)),
    ("carts/", "POST"): Row(
        "cart",
        _statuses(
            201,
            anonymous=403,
            customer_b=403,
            producer_staff=403,
            other_trader_admin=403,
        ),
        body={"session": "SESSION", "customer": "CUSTOMER_A"},
    ),
    ("carts/<int:order_id>/", "GET"): Row("cart", _statuses(200, **OWNER_AND_TRADER)),
    ("carts/<int:order_id>/items/", "POST"): Row(
        "cart", _statuses(201, **OWNER_AND_TRADER), body={"offer": "OFFER", "quantity": "1"}
    ),
    ("carts/<int:order_id>/items/<int:item_id>/", "PATCH"): Row(
        "cart", _statuses(200, **OWNER_AND_TRADER), body={"quantity": "2"}
    ),
    ("carts/<int:order_id>/items/<int:item_id>/", "DELETE"): Row(
        "cart", _statuses(200, **OWNER_AND_TRADER)
    ),
    ("carts/<int:order_id>/submit/", "POST"): Row("cart", _statuses(200, **OWNER_AND_TRADER)),
    ("carts/<int:order_id>/pay/", "POST"): Row(
        "submitted", _statuses(200, **OWNER_AND_TRADER), body={"method": "pickup"}
    ),
    ("orders/<int:order_id>/", "GET"): Row("paid", _statuses(200, **OWNER_AND_TRADER)),
    ("orders/<int:order_id>/cancel/", "POST"): Row(
        "paid", _statuses(200, **OWNER_AND_TRADER), body={"reason": "changed my mind"}
    ),
    ("orders/<int:order_id>/payment-review/accept/", "POST"): Row(
        "review", _statuses(200, **OWNER_AND_TRADER, customer_a=403)
    ),
    # Requisition lists: a private list (Y) is its owner's; a shareable one (Z) is used (seen,
    # ordered from) by every customer of the trader but changed only by its owner and staff.
    ("requisition-lists/", "GET"): Row("list", _statuses(200, anonymous=403)),
    ("requisition-lists/", "POST"): Row(
        "list",
        _statuses(201, anonymous=403, customer_b=403, producer_staff=403, other_trader_admin=403),
        body={"name": "Weekly", "trader": "TRADER", "customer": "CUSTOMER_A"},
    ),
    ("requisition-lists/<int:list_id>/", "GET"): Row("list", _statuses(200, **OWNER_AND_TRADER)),
    ("requisition-lists/<int:list_id>/items/", "PUT"): Row(
        "shared_list",
        _statuses(200, **{**OWNER_AND_TRADER, "customer_b": 403}),
        body={"product": "PRODUCT", "quantity": "2"},
    ),
    ("requisition-lists/<int:list_id>/order/", "POST"): Row(
        "shared_list",
        _statuses(201, **{**OWNER_AND_TRADER, "customer_b": 201}),
        body={"session": "SESSION"},
    ),
    # Accounts ("my account"): each signed-in user acts on their own account only.
    ("account/", "GET"): Row("cart", _statuses(200, anonymous=403)),
    ("account/", "PATCH"): Row("cart", _statuses(200, anonymous=403), body={"phone": "0117"}),
    ("account/", "DELETE"): Row("cart", _statuses(403, customer_a=204, customer_b=204)),
    ("account/customers/", "POST"): Row(
        "cart",
        _statuses(201, anonymous=403, customer_a=409, customer_b=409),
        body={"trader": "TRADER", "name": "Someone"},
    ),
    ("account/addresses/", "GET"): Row("cart", _statuses(200, anonymous=403)),
    ("account/addresses/", "POST"): Row(
        "cart",
        _statuses(404, anonymous=403, customer_a=201),
        body={"customer": "CUSTOMER_A", "name": "A", "line1": "1 Road", "city": "Bath"}
        | {"postcode": "BA1 1AA"},
    ),
    ("account/addresses/<int:address_id>/", "PATCH"): Row(
        "cart", _statuses(404, anonymous=403, customer_a=200), body={"city": "Bath"}
    ),
    ("account/addresses/<int:address_id>/", "DELETE"): Row(
        "cart", _statuses(404, anonymous=403, customer_a=204)
    ),
    ("account/consents/", "GET"): Row("cart", _statuses(200, anonymous=403)),
    ("account/consents/", "POST"): Row(
        "cart", _statuses(201, anonymous=403), body={"purpose": "privacy", "granted": True}
    ),
    ("account/export/", "GET"): Row("cart", _statuses(200, anonymous=403)),
    ("account/customers/<int:customer_id>/quick-order-profile/", "GET"): Row(
        "profile", _statuses(404, anonymous=403, customer_a=200)
    ),
    ("account/customers/<int:customer_id>/quick-order-profile/", "PUT"): Row(
        "paid", _statuses(404, anonymous=403, customer_a=200), body={"order": "ORDER"}
    ),
    ("account/customers/<int:customer_id>/quick-order-profile/cart/", "POST"): Row(
        "profile", _statuses(404, anonymous=403, customer_a=201), body={"session": "SESSION"}
    ),
    # The rest of the storefront (orders/apis/orders.py).
    ("sessions/<int:session_id>/fulfilment-options/", "GET"): Row(
        "cart", _statuses(200, anonymous=403)
    ),
    ("orders/", "GET"): Row("paid", _statuses(200, anonymous=403)),
    ("orders/<int:order_id>/detail/", "GET"): Row("paid", _statuses(200, **OWNER_AND_TRADER)),
    ("carts/<int:order_id>/coupons/", "POST"): Row(
        "cart", _statuses(201, **OWNER_AND_TRADER), body={"code": "SAVE"}
    ),
    ("carts/<int:order_id>/coupons/<str:code>/", "DELETE"): Row(
        "coupon", _statuses(200, **OWNER_AND_TRADER)
    ),
    ("carts/<int:order_id>/fulfilment/", "PUT"): Row(
        "cart", _statuses(200, **OWNER_AND_TRADER), body={"fulfilment_centre": "CENTRE"}
    ),
    ("carts/<int:order_id>/note/", "PUT"): Row(
        "cart", _statuses(200, **OWNER_AND_TRADER), body={"note": "Leave at the door"}
    ),
}


def _storefront_endpoints() -> set[tuple[str, str]]:
    """(route under /api/storefront/, method) for every URL pattern the resolver knows."""
    found = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif route.startswith(PREFIX):
                view = getattr(pattern.callback, "view_class", None) or getattr(
                    pattern.callback, "cls", None
                )
                if view is None:  # the catch-all problem document for unknown paths
                    continue
                for method in ("get", "post", "put", "patch", "delete"):
                    if hasattr(view, method):
                        found.add((route.removeprefix(PREFIX), method.upper()))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_storefront_endpoint_has_a_row():
    endpoints = _storefront_endpoints()
    assert len(endpoints) >= 11
    missing = sorted(endpoints - set(ROWS))
    assert not missing, f"storefront endpoints without a row in ROWS: {missing}"
    assert not sorted(set(ROWS) - endpoints), "rows for endpoints that no longer exist"


@pytest.fixture
def world(django_user_model):
    """A trader's session with a local producer's offer; customer A's order in it; a user in
    every role."""
    session = SaleSessionFactory()
    producer = ProducerFactory()
    offer = offer_with_stock(session, product__producer=producer)
    users = {
        name: django_user_model.objects.create_user(name, f"{name}@example.org", "pw")
        for name in ROLES[1:-1]
    }
    users["superuser"] = django_user_model.objects.create_superuser("root", "r@example.org", "pw")
    customers = {
        "customer_a": customer_of(session, user=users["customer_a"], name="Ada"),
        "customer_b": customer_of(session, user=users["customer_b"], name="Bob"),
    }
    for name, enterprise, role in (
        ("service", session.trader, Role.CUSTOMER_SERVICE),
        ("producer_staff", producer, Role.PRODUCER_STAFF),
        ("trader_admin", session.trader, Role.TRADER_STAFF),
        ("other_trader_admin", TraderFactory(), Role.TRADER_STAFF),
    ):
        membership_grant(user=users[name], enterprise=enterprise, role=role)
    CouponFactory(rule__trader=session.trader, trader=session.trader, code="SAVE")
    window = FulfilmentWindowFactory(centre__trader=session.trader, sales_session=session)
    address = AddressFactory(customer=customers["customer_a"])
    return {
        "session": session,
        "offer": offer,
        "users": users,
        "customers": customers,
        "centre": window.centre,
        "address": address,
    }


def _target(world, kind: str) -> Order:
    """Customer A's order in the state the row needs."""
    from config.actors import Actor
    from orders.services.checkout import cart_submit
    from orders.services.coupons import order_coupon_apply
    from orders.services.payments import order_pay
    from orders.services.quick_order import quick_order_profile_save_from_order

    actor = Actor.system("test")
    if kind in ("list", "shared_list"):
        from orders.services.requisition_lists import (
            requisition_list_create,
            requisition_list_item_set,
        )

        requisition = requisition_list_create(
            customer=world["customers"]["customer_a"],
            name="Ada's list",
            shareable=kind == "shared_list",
            actor=actor,
        )
        return requisition_list_item_set(
            list_id=requisition.pk,
            product_id=world["offer"].product_id,
            quantity=Decimal("1"),
            actor=actor,
        )
    order = cart_with(
        world["session"], [(world["offer"], "1")], customer=world["customers"]["customer_a"]
    )
    if kind == "coupon":
        order_coupon_apply(order_id=order.pk, code="SAVE", actor=actor)
    elif kind != "cart":
        cart_submit(order_id=order.pk, actor=actor)
    if kind in ("paid", "review", "profile"):
        card = "4000000000000127" if kind == "review" else "4242424242424242"
        order_pay(order_id=order.pk, method="test_card", details={"card_number": card}, actor=actor)
    if kind == "profile":
        quick_order_profile_save_from_order(order_id=order.pk, actor=actor)
    return order


def _snapshot(order: Order):
    order.refresh_from_db()
    return (
        order.status,
        order.version,
        Order.objects.count(),
        Customer.objects.count(),
        list(OrderItem.objects.order_by("pk").values_list("pk", "quantity", "status")),
        OrderEvent.objects.count(),
        Reservation.objects.count(),
        list(Stock.objects.order_by("pk").values_list("reserved", flat=True)),
    )


def _cases():
    return [
        pytest.param(route, method, role, id=f"{method} {route} as {role}")
        for (route, method) in ROWS
        for role in ROLES
    ]


@pytest.mark.parametrize(("route", "method", "role"), _cases())
def test_role_on_storefront_endpoint(world, route, method, role):
    row = ROWS[(route, method)]
    order = _target(world, row.target)
    values = {
        "order_id": order.pk,
        "list_id": order.pk,
        "item_id": order.items.get().pk,
        "TRADER": world["session"].trader_id,
        "PRODUCT": world["offer"].product_id,
        "session_id": world["session"].pk,
        "SESSION": world["session"].pk,
        "CUSTOMER_A": world["customers"]["customer_a"].pk,
        "OFFER": offer_with_stock(world["session"], price=Decimal("3.00")).pk,
        "customer_id": world["customers"]["customer_a"].pk,
        "address_id": world["address"].pk,
        "code": "SAVE",
        "ORDER": order.pk,
        "CENTRE": world["centre"].pk,
    }
    if row.values is not None:
        values |= row.values(world, order)
    url = "/" + PREFIX + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), route)
    body = {key: values.get(value, value) for key, value in row.body.items()}
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(world["users"][role])
    before = _snapshot(order)

    response = getattr(client, method.lower())(url, body, format="json")

    assert response.status_code == row.expect[role], response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert _snapshot(order) == before
