"""Steps run inside the scale-out test's Larder (its own database, production settings):
`python -m tests.integration.scale_out STEP JSON_ARGS` prints a JSON result on its last line."""

import json
import sys
from decimal import Decimal

from tests.platforms.two_larders import close, producer_order_summary


def seed(args: dict) -> dict:
    """A hub selling, in an open session, two products of each of four producers: two on each
    partner platform (args["partners"]: their base URLs). Customers with user accounts, each
    signed in (a session cookie, as after a login)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tests.factories import (
        CustomerFactory,
        LocalPlatformFactory,
        OfferFactory,
        PlatformFactory,
        ProducerFactory,
        ProductFactory,
        SaleSessionFactory,
        TraderFactory,
    )

    hub = TraderFactory(platform=LocalPlatformFactory(), slug="hub")
    session = SaleSessionFactory(trader=hub)
    offers = {}
    for n, base_url in enumerate(args["partners"]):
        platform = PlatformFactory(slug=f"partner-{n}", base_url=base_url + "/api/dfc/")
        for farm in ("north", "south"):
            slug = f"{farm}-farm-{n}"
            producer = ProducerFactory(
                platform=platform, slug=slug, remote_id=f"{base_url}/api/dfc/Enterprises/{slug}"
            )
            for number in (1, 2):
                product = ProductFactory(
                    producer=producer, remote_id=f"{producer.remote_id}/SuppliedProducts/{number}"
                )
                offer = OfferFactory(session=session, product=product, price=Decimal("3.50"))
                offers[offer.pk] = product.remote_id
    cookies = []
    for n in range(args["customers"]):
        user = get_user_model().objects.create_user(f"customer{n}", password=None)
        CustomerFactory(trader=hub, user=user)
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    # Offers (pk → the SuppliedProduct's @id at its partner), and session cookies.
    return {"session": session.pk, "offers": offers, "sessions": cookies}


def report(args: dict) -> dict:
    """The hub's producer orders, by producer, and its outbox."""
    from orders.models import ProducerOrder
    from platforms.models import OutboxMessage

    orders = ProducerOrder.objects.filter(sales_session_id=args["session"])
    return {
        "producer_orders": {
            order.producer.slug: producer_order_summary(order)
            for order in orders.select_related("producer")
        },
        "outbox": sorted(OutboxMessage.objects.values_list("state", flat=True)),
    }


STEPS = {f.__name__: f for f in (seed, close, report)}

if __name__ == "__main__":
    import django

    django.setup()
    result = STEPS[sys.argv[1]](json.loads(sys.argv[2]))
    print(json.dumps(result))
