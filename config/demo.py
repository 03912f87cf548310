"""Demo data for `make run`: a trader, producers on three platforms, an open session with
offers, pricing rules, and customer orders in several statuses. The orders go through the
real checkout (cart, submit with stock reservation and pricing, payment), like real data."""

from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from config.actors import Actor
from discounts.models import (
    CalculationRule,
    Coupon,
    FulfilmentCentre,
    FulfilmentWindow,
    Method,
    Scope,
    ShippingMode,
    TaxCategory,
    Usage,
)
from inventory.models import Product, Stock
from orders.models import Address, Customer
from orders.producer_orders.services import producer_orders_refresh
from orders.services.cancellation import order_cancel
from orders.services.checkout import cart_create, cart_item_add, cart_submit
from orders.services.coupons import order_coupon_apply
from orders.services.fulfilment import order_release
from orders.services.handover import cart_fulfilment_choose
from orders.services.payments import order_pay
from orders.services.quick_order import quick_order_profile_save
from orders.statuses import OrderStatus as S
from platforms.models import Enterprise, Platform, Role
from platforms.tenancy.memberships import membership_grant
from sessions_app.models import CategoryOffer, CustomerCategory, Offer, SaleSession

DEMO = Actor.system("demo-loader")
# Demo customers log in to the storefront API (/api/auth/) with their e-mail and this password.
DEMO_CUSTOMER_PASSWORD = "larder-shopper"
# Ada and Grace buy under the members' contract (cheaper apples, members-only honey).
DEMO_MEMBERS = ("ada@example.org", "grace@example.org")

PRODUCERS = [
    # platform slug, producer, products: (name, unit, nominal qty, weight kg, pack kg, price)
    (
        "larder",
        "Hillside Dairy",
        [
            ("Whole milk 1 l", "l", "1", "1.03", None, "1.40"),
            ("Farmhouse cheddar 250 g", "g", "250", "0.25", "5", "4.20"),
        ],
    ),
    (
        "larder",
        "Orchard Farm",
        [
            ("Apples (kg)", "kg", "1", "1", "12", "2.60"),
            ("Apple juice 75 cl", "ml", "750", "0.9", None, "3.50"),
        ],
    ),
    (
        "ofn-demo",
        "Moorland Meats",
        [
            ("Beef mince 500 g", "g", "500", "0.5", "10", "6.80"),
            ("Pork sausages 6", "piece", "6", "0.4", "8", "5.10"),
        ],
    ),
    (
        "fdc-demo",
        "Valley Bakery",
        [
            ("Sourdough loaf", "piece", "1", "0.8", None, "4.50"),
            ("Rye flour 1 kg", "kg", "1", "1", "25", "2.20"),
        ],
    ),
]


# Back-office users besides `admin`, all with the demo password.
DEMO_USERS = {
    "service": "customer service at Greenfield Food Hub: edits orders, not pricing rules",
    "producer": "producer staff: sees only its own producer orders",
}


# Each customer's journey: (offer indexes and quantities, payment, what happens after).
JOURNEYS = [
    ([(0, 2), (3, 1), (6, 1)], None, []),  # a cart still open (P)
    ([(1, 1), (4, 2), (7, 1)], {"method": "invoice", "coupon": "WELCOME2"}, []),  # I, coupon
    ([(2, 3), (5, 1)], {"method": "test_card", "card_number": "4000000000000127"}, []),  # A
    # C, with the bulk line discount (6 milk) and 5% off the order (over 100 EUR)
    (
        [(0, 6), (2, 20), (4, 5), (6, 3)],
        {"method": "test_card", "card_number": "4242424242424242"},
        [],
    ),
    (
        [(1, 2), (5, 2), (7, 2)],
        {"method": "test_card", "card_number": "4242424242424242"},
        [S.RELEASED],
    ),  # C → R
    ([(3, 1), (6, 2)], {"method": "pickup"}, ["cancel"]),  # I → X
]


def demo_data_load(*, admin_password: str) -> dict:
    """Load the demo once; a second call changes nothing and returns the same summary.

    The catalogue, people and rules are written in one transaction; each customer order then
    goes through the checkout services, each in its own transaction as in real life.
    """
    with transaction.atomic():
        if Platform.objects.filter(is_local=True).exists():
            return {"created": False}
        loaded = _load(admin_password)
    for customer, address, journey in loaded.pop("journeys"):
        _place(loaded["session"], customer, address, journey, loaded["offers"], loaded["centres"])
    producer_orders_refresh(session_id=loaded["session"].pk)
    return {"created": True, "admin": loaded["admin"]}


def _place(session, customer, address, journey, offers, centres) -> None:
    lines, payment, after = journey
    cart = cart_create(session_id=session.pk, customer=customer, actor=DEMO)
    # Every other customer picks up at the barn; the others have it delivered.
    pickup, delivery = centres
    if customer.pk % 2:
        cart_fulfilment_choose(order_id=cart.pk, actor=DEMO, fulfilment_centre_id=pickup.pk)
    else:
        cart_fulfilment_choose(
            order_id=cart.pk,
            actor=DEMO,
            fulfilment_centre_id=delivery.pk,
            shipping_address_id=address.pk,
        )
    for offer_index, quantity in lines:
        cart_item_add(
            order_id=cart.pk,
            offer_id=offers[offer_index].pk,
            quantity=Decimal(quantity),
            actor=DEMO,
        )
    if payment is None:
        return
    if "coupon" in payment:
        order_coupon_apply(order_id=cart.pk, code=payment["coupon"], actor=DEMO)
    cart_submit(order_id=cart.pk, actor=DEMO)
    details = {k: v for k, v in payment.items() if k not in ("method", "coupon")}
    order_pay(order_id=cart.pk, method=payment["method"], actor=DEMO, details=details)
    for step in after:
        if step == "cancel":
            order_cancel(order_id=cart.pk, actor=DEMO, reason="Customer asked to cancel")
        elif step == S.RELEASED:
            order_release(order_id=cart.pk, actor=DEMO)


def _partner_enterprise_id(platform, name: str, index: int) -> str:
    """A producer's @id in the form its platform gives it (OFN: a numeric enterprise id under
    lower-case `enterprises`; FDC: the shop's name under `Enterprises`); empty when local."""
    if platform.is_local:
        return ""
    if platform.kind == Platform.Kind.OFN:
        return f"{platform.base_url}enterprises/{10000 + index}"
    return f"{platform.base_url}Enterprises/{name.lower().replace(' ', '-')}"


def _partner_product_id(producer, variant: int) -> str:
    """The partner's own product @id, the link a producer order names it by (OFN reads the
    variant id after `/supplied_products/`, the FDC app the last path segment)."""
    if not producer.remote_id:
        return ""
    if producer.platform.kind == Platform.Kind.OFN:
        return f"{producer.remote_id}/supplied_products/{40000 + variant}"
    return f"{producer.remote_id}/SuppliedProducts/{40000 + variant}"


def _load(admin_password: str) -> dict:
    User = get_user_model()
    admin = User.objects.create_superuser("admin", "admin@larder.example", admin_password)
    platforms = {
        "larder": Platform.objects.create(name="This Larder", slug="larder", is_local=True),
        "ofn-demo": Platform.objects.create(
            name="Open Food Network (demo)",
            slug="ofn-demo",
            kind=Platform.Kind.OFN,
            base_url="http://127.0.0.1:9101/api/dfc/",
        ),
        "fdc-demo": Platform.objects.create(
            name="Valley shop, Shopify + FDC (demo)",
            slug="fdc-demo",
            kind=Platform.Kind.SHOPIFY_FDC,
            base_url="http://127.0.0.1:9102/api/dfc/",
        ),
    }
    food = TaxCategory.objects.create(
        code="food-reduced", name="Food, reduced rate", rate=Decimal("5.50")
    )
    pickup = ShippingMode.objects.create(code="pickup", name="Pickup at the hub")
    delivery = ShippingMode.objects.create(code="delivery", name="Home delivery")
    trader = Enterprise.objects.create(
        platform=platforms["larder"],
        kind=Enterprise.Kind.TRADER,
        name="Greenfield Food Hub",
        slug="greenfield-hub",
    )
    now = timezone.now()
    session = SaleSession.objects.create(
        trader=trader,
        name="This week's market",
        begins_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=6),
        state=SaleSession.State.OPEN,
        # Producer orders ask for whole wholesale units where a product names one (use case 6).
        aggregate_by_weight=True,
    )
    offers = []
    producers = []
    for platform_slug, producer_name, products in PRODUCERS:
        platform = platforms[platform_slug]
        producer = Enterprise.objects.create(
            platform=platform,
            kind=Enterprise.Kind.PRODUCER,
            name=producer_name,
            slug=producer_name.lower().replace(" ", "-"),
            remote_id=_partner_enterprise_id(platform, producer_name, len(producers)),
        )
        producers.append(producer)
        for name, unit, nominal, weight, pack, price in products:
            product = Product.objects.create(
                producer=producer,
                remote_id=_partner_product_id(producer, 1 + Product.objects.count()),
                name=name,
                unit_of_measure=unit,
                nominal_quantity=Decimal(nominal),
                weight_kg=Decimal(weight),
                pack_weight_kg=Decimal(pack) if pack else None,
                tax_category=food,
            )
            if platform.is_local:
                # Producers on this platform count their stock; remote ones publish theirs
                # (or not) in their DFC catalogue, mirrored by inventory.tasks.
                Stock.objects.create(product=product, on_hand=Decimal("50"))
            offers.append(
                Offer.objects.create(
                    session=session,
                    product=product,
                    price=Decimal(price),
                    currency="EUR",
                    vat_rate=food.rate,
                )
            )

    # A retail/wholesale pair: customers buy "Beef mince 500 g"; the producer order asks
    # Moorland Meats for whole 10 kg cases (ratio 20) at the case price, less the 5 EUR a
    # case its catalogue offers off (the surplus shows in the bulk report).
    mince = Product.objects.get(name="Beef mince 500 g")
    case = Product.objects.create(
        producer=mince.producer,
        remote_id=_partner_product_id(mince.producer, 1 + Product.objects.count()),
        name="Beef mince 10 kg case",
        unit_of_measure="kg",
        nominal_quantity=Decimal("10"),
        weight_kg=Decimal("10"),
        tax_category=food,
        catalog_discount=Decimal("5.00"),
    )
    mince.wholesale_product, mince.wholesale_ratio = case, Decimal("20")
    mince.save(update_fields=["wholesale_product", "wholesale_ratio"])
    offers.append(
        Offer.objects.create(
            session=session, product=case, price=Decimal("118.00"), vat_rate=food.rate
        )
    )

    # Pricing the trader manages in the admin: a sales-based discount, a bulk line discount,
    # a welcome coupon, and delivery charged by order value.
    CalculationRule.objects.create(
        trader=trader,
        name="5% off orders over 100 EUR",
        usage=Usage.DISCOUNT,
        method=Method.PERCENTAGE,
        scope=Scope.ORDER,
        value=Decimal("5"),
        currency="EUR",
        minimum_order_total=Decimal("100"),
    )
    CalculationRule.objects.create(
        trader=trader,
        name="10% off a line of 6 or more",
        usage=Usage.DISCOUNT,
        method=Method.PERCENTAGE,
        scope=Scope.ITEM,
        value=Decimal("10"),
        currency="EUR",
        minimum_quantity=Decimal("6"),
    )
    welcome = CalculationRule.objects.create(
        trader=trader,
        name="Welcome: 2 EUR off",
        usage=Usage.COUPON,
        method=Method.FIXED_AMOUNT,
        scope=Scope.ORDER,
        value=Decimal("2"),
        currency="EUR",
    )
    Coupon.objects.create(trader=trader, code="WELCOME2", rule=welcome, once_per_customer=True)

    centres = _fulfilment_centres(trader, session, pickup, delivery)
    members = CustomerCategory.objects.create(trader=trader, code="members", name="Members")
    CustomerCategory.objects.create(trader=trader, code="wholesale", name="Wholesale buyers")
    CategoryOffer.objects.create(offer=offers[2], category=members, price=Decimal("2.20"))
    honey_producer = next(p for p in producers if p.platform.is_local)
    honey = Product.objects.create(
        producer=honey_producer, name="Members' honey 340 g", weight_kg=Decimal("0.4")
    )
    Stock.objects.create(product=honey, on_hand=Decimal("20"))
    members_only = Offer.objects.create(
        session=session, product=honey, price=Decimal("6.00"), currency="EUR", is_public=False
    )
    CategoryOffer.objects.create(offer=members_only, category=members)

    people = [
        ("Ada Lovelace", "ada@example.org"),
        ("Grace Hopper", "grace@example.org"),
        ("Alan Turing", "alan@example.org"),
        ("Mary Somerville", "mary@example.org"),
        ("Charles Babbage", "charles@example.org"),
        ("Emmy Noether", "emmy@example.org"),
    ]
    journeys = []
    for index, ((name, email), journey) in enumerate(zip(people, JOURNEYS, strict=True)):
        user = User.objects.create_user(email, email, DEMO_CUSTOMER_PASSWORD, first_name=name)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        customer = Customer.objects.create(
            trader=trader,
            user=user,
            name=name,
            email=email,
            category=members if email in DEMO_MEMBERS else None,
        )
        address = Address.objects.create(
            customer=customer,
            name=name,
            line1=f"{index + 1} High Street",
            city="Bristol",
            postcode="BS1 4DJ",
        )
        if index == 0:
            # Ada's quick-order profile: her next carts start with these defaults.
            quick_order_profile_save(
                customer=customer,
                payment_method="pickup",
                shipping_mode=pickup,
                billing_address=address,
                shipping_address=address,
                actor=DEMO,
            )
        journeys.append((customer, address, journey))
    # The back-office roles (platforms.models.Membership), with the admin's password.
    service = User.objects.create_user("service", "service@larder.example", admin_password)
    membership_grant(user=service, enterprise=trader, role=Role.CUSTOMER_SERVICE)
    local_producer = next(p for p in producers if p.platform.is_local)
    producer_user = User.objects.create_user("producer", "producer@larder.example", admin_password)
    membership_grant(user=producer_user, enterprise=local_producer, role=Role.PRODUCER_STAFF)
    return {
        "admin": admin.get_username(),
        "session": session,
        "offers": offers,
        "journeys": journeys,
        "centres": centres,
    }


def _fulfilment_centres(trader, session, pickup, delivery) -> tuple:
    """A pickup point (free) and a delivery zone for Bristol (3.50 EUR an order), open the
    day after the session ends."""
    barn = FulfilmentCentre.objects.create(
        trader=trader,
        kind=FulfilmentCentre.Kind.PICKUP,
        code="barn",
        name="Greenfield barn",
        shipping_mode=pickup,
        street="Greenfield Farm, Mill Lane",
        city="Bristol",
        postcode="BS3 1AA",
    )
    rounds = FulfilmentCentre.objects.create(
        trader=trader,
        kind=FulfilmentCentre.Kind.DELIVERY,
        code="bristol-rounds",
        name="Bristol delivery rounds",
        shipping_mode=delivery,
        city="Bristol",
        delivery_postcodes="BS",
    )
    CalculationRule.objects.create(
        trader=trader,
        name="Delivery in Bristol",
        usage=Usage.SHIPPING,
        method=Method.FIXED_AMOUNT,
        scope=Scope.ORDER,
        value=Decimal("3.50"),
        currency="EUR",
        shipping_mode=delivery,
    )
    day = session.ends_at + timedelta(days=1)
    for centre, hours in ((barn, (9, 12)), (rounds, (14, 19))):
        FulfilmentWindow.objects.create(
            sales_session=session,
            centre=centre,
            opens_at=day.replace(hour=hours[0], minute=0, second=0, microsecond=0),
            closes_at=day.replace(hour=hours[1], minute=0, second=0, microsecond=0),
        )
    return barn, rounds
