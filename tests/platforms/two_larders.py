"""Steps run inside one Larder (a subprocess with its own DATABASE_URL) for the two-Larder test:
`python -m tests.platforms.two_larders STEP JSON_ARGS` prints a JSON result on its last line.

Each step uses the Larder's own services, as its admin, storefront or beat would."""

import json
import sys
from datetime import timedelta
from decimal import Decimal


def seed_producer(args: dict) -> dict:
    """The producer's Larder: Green Farm with three products in stock, offered wholesale, and a
    token for the hub's platform."""
    from django.utils import timezone

    from inventory.models import Product
    from inventory.services.stock import stock_set
    from platforms.models import ApiScope, Enterprise, Platform
    from platforms.partner_api.credentials import api_credential_issue
    from sessions_app.models import Offer, SaleSession

    Platform.objects.create(name="Producer Larder", slug="larder-producer", is_local=True)
    hub_platform = Platform.objects.create(
        name="Hub Larder",
        slug="larder-hub",
        kind=Platform.Kind.LARDER,
        base_url=f"http://127.0.0.1:{args['hub_port']}/api/dfc/",
    )
    farm = Enterprise.objects.create(
        platform=Platform.objects.get(is_local=True),
        kind="producer",
        name="Green Farm",
        slug="green-farm",
    )
    now = timezone.now()
    wholesale = SaleSession.objects.create(
        trader=farm,
        name="Green Farm wholesale",
        begins_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=60),
        state=SaleSession.State.OPEN,
    )
    products = {}
    for name, price in (("Apples", "2.00"), ("Pears", "3.00"), ("Plums", "4.00")):
        product = Product.objects.create(producer=farm, name=name, weight_kg=Decimal("1"))
        stock_set(product_id=product.pk, on_hand=Decimal("50"))
        Offer.objects.create(session=wholesale, product=product, price=Decimal(price))
        products[name] = product.pk
    token = api_credential_issue(
        platform=hub_platform,
        name="hub",
        scopes=[ApiScope.ORDERS_READ, ApiScope.ORDERS_WRITE, ApiScope.CATALOG_READ],
    ).token
    return {"token": token, "products": products}


def seed_hub(args: dict) -> dict:
    """The hub's Larder: City Hub selling Green Farm's products (a producer on the other
    Larder) in an open session, and three customers."""
    from django.utils import timezone

    from inventory.models import Product
    from orders.models import Customer
    from platforms.models import Enterprise, Platform
    from sessions_app.models import Offer, SaleSession

    producer_base = f"http://127.0.0.1:{args['producer_port']}/api/dfc"
    local = Platform.objects.create(name="Hub Larder", slug="larder-hub", is_local=True)
    remote = Platform.objects.create(
        name="Producer Larder",
        slug="larder-producer",
        kind=Platform.Kind.LARDER,
        base_url=producer_base + "/",
        outbound_token=args["token"],
    )
    farm = Enterprise.objects.create(
        platform=remote,
        kind="producer",
        name="Green Farm",
        slug="green-farm",
        remote_id=f"{producer_base}/Enterprises/green-farm",
    )
    hub = Enterprise.objects.create(platform=local, kind="trader", name="City Hub", slug="city-hub")
    now = timezone.now()
    session = SaleSession.objects.create(
        trader=hub,
        name="This week",
        begins_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
        state=SaleSession.State.OPEN,
    )
    offers = {}
    for name, pk in args["products"].items():
        product = Product.objects.create(
            producer=farm,
            name=name,
            weight_kg=Decimal("1"),
            remote_id=f"{producer_base}/Enterprises/green-farm/SuppliedProducts/{pk}",
        )
        offers[name] = Offer.objects.create(
            session=session, product=product, price=Decimal("5.00")
        ).pk
    customers = [
        Customer.objects.create(trader=hub, name=f"Customer {n}", email=f"c{n}@example.org").pk
        for n in range(3)
    ]
    return {"session": session.pk, "offers": offers, "customers": customers}


def checkout(args: dict) -> dict:
    """Each basket through the storefront's services: cart, items, submit, pay on invoice."""
    from config.actors import Actor
    from orders.models import Customer
    from orders.services.checkout import cart_create, cart_item_add, cart_submit
    from orders.services.payments import order_pay

    order_ids = []
    for customer_id, basket in args["baskets"]:
        customer = Customer.objects.get(pk=customer_id)
        actor = Actor(label=customer.name)
        order = cart_create(session_id=args["session"], customer=customer, actor=actor)
        for offer_id, quantity in basket:
            cart_item_add(
                order_id=order.pk, offer_id=offer_id, quantity=Decimal(quantity), actor=actor
            )
        cart_submit(order_id=order.pk, actor=actor)
        order_pay(order_id=order.pk, method="invoice", actor=actor)
        order_ids.append(order.pk)
    return {"orders": order_ids}


def cancel(args: dict) -> dict:
    from config.actors import Actor
    from orders.services.cancellation import order_cancel

    order_cancel(order_id=args["order"], actor=Actor.system("test"), reason="changed my mind")
    return {}


def close(args: dict) -> dict:
    from django.core.management import call_command

    call_command("close_session", args["session"])
    return {}


def producer_order_summary(order) -> dict:
    """A producer order as the tests compare it: its @id at the partner, DFC state, status
    letter and line quantities by the partner's SuppliedProduct @id."""
    return {
        "remote_id": order.remote_id,
        "state": order.order_state,
        "status": order.status,
        "lines": {
            line.product.remote_id: str(line.quantity)
            for line in order.lines.select_related("product")
        },
    }


def producer_order(args: dict) -> dict:
    """The hub's consolidated order for Green Farm and how its delivery stands."""
    from orders.models import ProducerOrder
    from platforms.models import OutboxMessage

    order = ProducerOrder.objects.get(sales_session_id=args["session"])
    return {
        **producer_order_summary(order),
        "outbox": sorted(OutboxMessage.objects.values_list("state", flat=True)),
        "errors": [m.last_error for m in OutboxMessage.objects.exclude(last_error="")],
    }


STEPS = {f.__name__: f for f in (seed_producer, seed_hub, checkout, cancel, close, producer_order)}

if __name__ == "__main__":
    import django

    django.setup()
    result = STEPS[sys.argv[1]](json.loads(sys.argv[2]))
    print(json.dumps(result))
