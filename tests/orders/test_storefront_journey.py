"""A shop front's whole journey through the API, as its developer would run it: sign up,
verify the e-mail (read from Django's outbox), log in with a token (a separate shop front),
browse the offers made to the customer's category, fill a cart with a coupon, a pickup point
and a delivery address, submit, pay, read the order, save it as the quick-order profile,
order again from it, and erase the account."""

import re
from decimal import Decimal
from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from rest_framework.test import APIClient

from config.actors import Actor
from orders.models import Customer, Order
from orders.services.accounts import customer_category_assign
from tests.factories import (
    CalculationRuleFactory,
    CategoryOfferFactory,
    CouponFactory,
    CustomerCategoryFactory,
    FulfilmentCentreFactory,
    FulfilmentWindowFactory,
    OfferFactory,
    SaleSessionFactory,
    ShippingModeFactory,
)

pytestmark = pytest.mark.django_db

AUTH = "/api/auth/app/v1"
SHOP = "/api/storefront"
# Personal values that must not survive the erasure anywhere in the database.
SENTINELS = {
    "email": "zebulon.sentinel@example.org",
    "name": "Zebulon Sentinelqux",
    "phone": "+44 7700 900 731",
    "street": "77 Sentinelqux Lane",
    "postcode": "BS9 7QX",
    "note": "Ring twice, Sentinelqux here",
}


@pytest.fixture
def market():
    """A trader's open session: apples (public 4.00; members 3.00), honey (members only,
    8.00), bread (public, refused to members); a 10% coupon; a pickup point (1.50) and a
    delivery zone for BS postcodes (4.00), both open in the session."""
    session = SaleSessionFactory()
    trader = session.trader
    members = CustomerCategoryFactory(trader=trader, code="members", name="Members")
    apples = OfferFactory(session=session, product__name="Apples", price=Decimal("4.00"))
    honey = OfferFactory(
        session=session, product__name="Honey", price=Decimal("8.00"), is_public=False
    )
    bread = OfferFactory(session=session, product__name="Bread", price=Decimal("2.50"))
    CategoryOfferFactory(offer=apples, category=members, price=Decimal("3.00"))
    CategoryOfferFactory(offer=honey, category=members)
    CategoryOfferFactory(offer=bread, category=members, is_available=False)
    CouponFactory(rule__trader=trader, rule__value=Decimal("10"), code="MEMBERS10", trader=trader)
    pickup_mode, delivery_mode = ShippingModeFactory(code="pickup"), ShippingModeFactory()
    for mode, fee in ((pickup_mode, "1.50"), (delivery_mode, "4.00")):
        CalculationRuleFactory(
            trader=trader,
            usage="shipping",
            method="fixed_amount",
            scope="order",
            value=Decimal(fee),
            shipping_mode=mode,
            name=f"Fee {mode.code}",
        )
    pickup = FulfilmentCentreFactory(trader=trader, shipping_mode=pickup_mode, name="Barn")
    zone = FulfilmentCentreFactory(
        trader=trader,
        kind="delivery",
        shipping_mode=delivery_mode,
        name="Bristol rounds",
        delivery_postcodes="BS",
    )
    for centre in (pickup, zone):
        FulfilmentWindowFactory(centre=centre, sales_session=session)
    return {
        "session": session,
        "members": members,
        "offers": {"apples": apples, "honey": honey, "bread": bread},
        "pickup": pickup,
        "zone": zone,
    }


def _sign_up_and_verify(client: APIClient) -> None:
    response = client.post(
        f"{AUTH}/auth/signup",
        {"email": SENTINELS["email"], "password": "a long Sentinel pass 42"},
        format="json",
    )
    assert response.status_code == 401, response.content  # pending: verify the e-mail
    pending = {flow["id"] for flow in response.json()["data"]["flows"] if flow.get("is_pending")}
    assert pending == {"verify_email"}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [SENTINELS["email"]]
    # The link to the shop front's page; the page reads the key from its URL.
    key = unquote(re.search(r"/account/verify-email/(\S+)", mail.outbox[0].body).group(1))
    token = response.json()["meta"]["session_token"]
    verified = client.post(
        f"{AUTH}/auth/email/verify", {"key": key}, format="json", HTTP_X_SESSION_TOKEN=token
    )
    # Verified; the shop front then logs in (no login on confirmation).
    assert verified.status_code == 401, verified.content
    assert EmailAddress.objects.get(email=SENTINELS["email"]).verified is True


def _log_in(password="a long Sentinel pass 42") -> tuple[APIClient, int]:
    client = APIClient()
    response = client.post(
        f"{AUTH}/auth/login", {"email": SENTINELS["email"], "password": password}, format="json"
    )
    if response.status_code != 200:
        return client, response.status_code
    client.credentials(HTTP_X_SESSION_TOKEN=response.json()["meta"]["session_token"])
    return client, 200


def test_a_shop_front_runs_a_customer_from_sign_up_to_erasure(
    market, django_capture_on_commit_callbacks, caplog
):
    session, offers = market["session"], market["offers"]
    _sign_up_and_verify(APIClient())
    shopper, code = _log_in()
    assert code == 200

    # Becomes a customer of the trader, who puts them under the members' contract.
    customer = shopper.post(
        f"{SHOP}/account/customers/",
        {"trader": session.trader_id, "name": SENTINELS["name"], "phone": SENTINELS["phone"]},
        format="json",
    )
    assert customer.status_code == 201, customer.content
    customer_id = customer.json()["id"]
    customer_category_assign(
        customer_id=customer_id, category_id=market["members"].pk, actor=Actor.system("test")
    )
    consent = shopper.post(
        f"{SHOP}/account/consents/",
        {"purpose": "privacy", "granted": True, "policy_version": "2026-01"},
        format="json",
    )
    assert consent.status_code == 201
    address = shopper.post(
        f"{SHOP}/account/addresses/",
        {
            "customer": customer_id,
            "name": SENTINELS["name"],
            "line1": SENTINELS["street"],
            "city": "Bristol",
            "postcode": SENTINELS["postcode"],
            "phone": SENTINELS["phone"],
        },
        format="json",
    )
    assert address.status_code == 201, address.content
    address_id = address.json()["id"]

    # The offers made to members: members' prices, honey included, bread refused.
    listed = shopper.get(f"{SHOP}/sessions/{session.pk}/offers/").json()
    assert {(o["product_name"], o["price"], o["currency"]) for o in listed} == {
        ("Apples", "3.00", "EUR"),
        ("Honey", "8.00", "EUR"),
    }
    options = shopper.get(f"{SHOP}/sessions/{session.pk}/fulfilment-options/").json()
    assert [(o["name"], o["kind"], o["fees"][0]["value"]) for o in options] == [
        ("Bristol rounds", "delivery", "4.00"),
        ("Barn", "pickup", "1.50"),
    ]

    cart = shopper.post(f"{SHOP}/carts/", {"session": session.pk}, format="json").json()
    base = f"{SHOP}/carts/{cart['id']}/"
    shopper.post(base + "items/", {"offer": offers["apples"].pk, "quantity": "2"}, format="json")
    items = shopper.post(
        base + "items/", {"offer": offers["honey"].pk, "quantity": "1"}, format="json"
    ).json()["items"]
    honey_item = next(i["id"] for i in items if i["offer"] == offers["honey"].pk)
    refused = shopper.post(
        base + "items/", {"offer": offers["bread"].pk, "quantity": "1"}, format="json"
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "offer-not-available"

    bad_coupon = shopper.post(base + "coupons/", {"code": "NOPE"}, format="json")
    assert (bad_coupon.status_code, bad_coupon.json()["code"]) == (404, "coupon-not-found")
    assert shopper.post(base + "coupons/", {"code": "members10"}, format="json").status_code == 201
    pickup = shopper.put(
        base + "fulfilment/", {"fulfilment_centre": market["pickup"].pk}, format="json"
    )
    assert pickup.status_code == 200, pickup.content
    delivered = shopper.put(
        base + "fulfilment/",
        {
            "items": [honey_item],
            "fulfilment_centre": market["zone"].pk,
            "shipping_address": address_id,
        },
        format="json",
    )
    assert delivered.status_code == 200, delivered.content
    assert (
        shopper.put(base + "note/", {"note": SENTINELS["note"]}, format="json").status_code == 200
    )

    submitted = shopper.post(base + "submit/")
    assert submitted.status_code == 200, submitted.content
    with django_capture_on_commit_callbacks(execute=True):
        paid = shopper.post(
            base + "pay/", {"method": "test_card", "card_number": "4242424242424242"}, format="json"
        )
    assert paid.status_code == 200, paid.content

    order = shopper.get(f"{SHOP}/orders/{cart['id']}/detail/").json()
    assert (order["status"], order["payment_status"], order["currency"]) == (
        "C",
        "authorized",
        "EUR",
    )
    assert order["coupons"] == ["MEMBERS10"]
    assert (
        order["total_product"],
        order["total_adjustment"],
        order["total_shipping"],
        order["grand_total"],
    ) == ("14.00", "-1.40", "5.50", "18.10")
    assert {
        (i["product_name"], i["unit_price"], i["customer_category"]) for i in order["items"]
    } == {
        ("Apples", "3.00", "members"),
        ("Honey", "8.00", "members"),
    }
    by_centre = {i["product_name"]: i["fulfilment_centre"] for i in order["items"]}
    assert by_centre == {"Apples": market["pickup"].pk, "Honey": market["zone"].pk}
    assert sorted((s["shipping_address"] or {}).get("id", 0) for s in order["sub_orders"]) == [
        0,
        address_id,
    ]
    history = shopper.get(f"{SHOP}/orders/").json()
    assert [(o["number"], o["status"], o["grand_total"]) for o in history] == [
        (order["number"], "C", "18.10")
    ]

    # Saved as the quick-order profile; a new cart starts from it and repeats its items.
    profile = shopper.put(
        f"{SHOP}/account/customers/{customer_id}/quick-order-profile/",
        {"order": cart["id"]},
        format="json",
    )
    assert profile.status_code == 200, profile.content
    assert profile.json()["fulfilment_centre"] == market["pickup"].pk
    again = shopper.post(
        f"{SHOP}/account/customers/{customer_id}/quick-order-profile/cart/",
        {"session": session.pk},
        format="json",
    )
    assert again.status_code == 201, again.content
    assert sorted(
        (i["product_name"], i["quantity"], i["unit_price"]) for i in again.json()["items"]
    ) == [
        ("Apples", "2.000", "3.00"),
        ("Honey", "1.000", "8.00"),
    ]

    exported = shopper.get(f"{SHOP}/account/export/").json()
    assert exported["customers"][0]["name"] == SENTINELS["name"]
    assert exported["customers"][0]["orders"][0]["customer_note"] == SENTINELS["note"]

    # Erasure: orders and totals kept, nothing personal left, no more login.
    held = database_rows_containing(SENTINELS.values())
    assert {
        ("orders_customer", "name"),
        ("orders_address", "line1"),
        ("orders_order", "customer_note"),
        ("auth_user", "email"),
    } <= {(t, c) for t, c, _ in held}
    caplog.clear()
    assert shopper.delete(f"{SHOP}/account/").status_code == 204
    assert Order.objects.get(pk=cart["id"]).grand_total == Decimal("18.10")
    assert Customer.objects.get(pk=customer_id).erased_at is not None
    assert _log_in()[1] in (400, 401)
    assert shopper.get(f"{SHOP}/account/").status_code in (401, 403)
    assert database_rows_containing(SENTINELS.values()) == []
    assert [r.getMessage() for r in caplog.records if _mentions(r.getMessage())] == []


def _mentions(text: str) -> bool:
    return any(value.lower() in text.lower() for value in SENTINELS.values())


def database_rows_containing(values) -> list[tuple[str, str, str]]:
    """(table, column, value) for every text, JSON or address column of every table in the
    database holding one of `values` (case-insensitive)."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_name = c.table_name AND t.table_schema = c.table_schema
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
              AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'inet', 'bytea')
            """
        )
        columns = cursor.fetchall()
        for table, column in columns:
            for value in values:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',
                    [f"%{value}%"],
                )
                if cursor.fetchone()[0]:
                    found.append((table, column, value))
    return found
