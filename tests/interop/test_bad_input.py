"""Bad input on the DFC endpoints: every case is a 4xx problem document and writes nothing
(row counts of every table an order touches are unchanged)."""

import copy
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from inventory.models import Reservation, Stock
from orders.models import Order, OrderEvent, OrderItem
from platforms.models import Enterprise, IdempotencyRecord, PartnerOrder
from sessions_app.models import SaleSession
from tests.factories import OfferFactory, SaleSessionFactory, TraderFactory
from tests.interop.conftest import make_farm

pytestmark = pytest.mark.django_db

HUB = "https://hub.example/api/dfc/enterprises/7"
HUB_SESSION = "https://hub.example/api/dfc/enterprises/7/sale-sessions/3"


def base():
    return f"{settings.LARDER_PUBLIC_URL.rstrip('/')}/api/dfc/Enterprises/hodmedod"


def graph(lines, *, session=HUB_SESSION):
    """A valid order; `lines`: (line @id, offer @id, quantity)."""
    return {
        "@context": "https://www.datafoodconsortium.org",
        "@graph": [
            {
                "@id": "https://hub.example/orders/1",
                "@type": "dfc-b:Order",
                "dfc-b:orderNumber": "HUB-1",
                "dfc-b:orderedBy": HUB,
                "dfc-b:belongsTo": session,
                "dfc-b:hasOrderStatus": "dfc-v:Held",
                "dfc-b:hasPart": [line_id for line_id, _, _ in lines],
            },
            {
                "@id": session,
                "@type": "dfc-b:SaleSession",
                "dfc-b:beginDate": (timezone.now() - timedelta(days=1)).isoformat(),
                "dfc-b:endDate": (timezone.now() + timedelta(days=6)).isoformat(),
            },
            *(
                {
                    "@id": line_id,
                    "@type": "dfc-b:OrderLine",
                    "dfc-b:concerns": offer_id,
                    "dfc-b:quantity": quantity,
                }
                for line_id, offer_id, quantity in lines
            ),
        ],
    }


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Order,
            OrderItem,
            OrderEvent,
            Reservation,
            PartnerOrder,
            SaleSession,
            Enterprise,
            IdempotencyRecord,
        )
    } | {"reserved": sorted(Stock.objects.values_list("reserved", flat=True))}


@pytest.fixture
def world(db):
    farm, offers = make_farm()
    beans = offers["Baked beans 400 g"]
    closed = OfferFactory(
        session=SaleSessionFactory(trader=farm, state=SaleSession.State.CLOSED),
        product=beans.product,
    )
    ended = OfferFactory(
        session=SaleSessionFactory(
            trader=farm,
            begins_at=timezone.now() - timedelta(days=9),
            ends_at=timezone.now() - timedelta(minutes=1),
        ),
        product=offers["Split peas"].product,
    )
    local_session = SaleSessionFactory(trader=TraderFactory(slug="local-hub"))
    return {
        "beans": f"{base()}/Offers/{beans.pk}",
        "peas": f"{base()}/Offers/{offers['Split peas'].pk}",
        "closed": f"{base()}/Offers/{closed.pk}",
        "ended": f"{base()}/Offers/{ended.pk}",
        "local_session": f"{settings.LARDER_PUBLIC_URL.rstrip('/')}/api/dfc/Enterprises/"
        f"local-hub/SaleSessions/{local_session.pk}",
        "beans_pk": beans.pk,
    }


def line(world, quantity, offer="beans"):
    return [("https://hub.example/orders/1/lines/1", world[offer], quantity)]


def nested(depth):
    return "[" * depth + "]" * depth


def raw(document):
    return json.dumps(document)


def with_order(update):
    def build(world):
        document = graph(line(world, 2))
        update(document["@graph"][0])
        return raw(document)

    return build


def duplicate_line(world):
    document = graph(line(world, 1))
    document["@graph"].append(copy.deepcopy(document["@graph"][2]))
    document["@graph"][-1]["dfc-b:quantity"] = 2
    return raw(document)


def listed_twice(world):
    document = graph(line(world, 1))
    part = document["@graph"][0]["dfc-b:hasPart"]
    document["@graph"][0]["dfc-b:hasPart"] = part + part
    return raw(document)


CASES = {
    "huge quantity 1e30": (lambda w: raw(graph(line(w, 1e30))), 400),
    "huge integer 10**40": (lambda w: raw(graph(line(w, 10**40))), 400),
    "string 1e9999": (lambda w: raw(graph(line(w, "1e9999"))), 400),
    "tiny 1e-9": (lambda w: raw(graph(line(w, 1e-9))), 400),
    "NaN": (lambda w: raw(graph(line(w, "__NAN__"))).replace('"__NAN__"', "NaN"), 400),
    "Infinity": (lambda w: raw(graph(line(w, "__INF__"))).replace('"__INF__"', "Infinity"), 400),
    "words": (lambda w: raw(graph(line(w, "many"))), 400),
    "negative": (lambda w: raw(graph(line(w, -1))), 400),
    "1.5 of a can": (lambda w: raw(graph(line(w, 1.5))), 422),
    "above the largest quantity": (lambda w: raw(graph(line(w, 1_000_001, "peas"))), 400),
    "more than the stock": (lambda w: raw(graph(line(w, 31, "peas"))), 409),
    "5,000-character orderedBy": (
        with_order(lambda o: o.update({"dfc-b:orderedBy": "https://h.example/" + "x" * 5000})),
        400,
    ),
    "300-character orderedBy": (
        with_order(lambda o: o.update({"dfc-b:orderedBy": "https://h.example/" + "x" * 280})),
        400,
    ),
    "5,000-character orderNumber": (
        with_order(lambda o: o.update({"dfc-b:orderNumber": "n" * 5000})),
        400,
    ),
    "JSON nested 20,000 deep": (lambda w: nested(20000), 400),
    "JSON nested 100 deep": (
        lambda w: raw(
            {"@context": "https://www.datafoodconsortium.org", "x": json.loads(nested(100))}
        ),
        400,
    ),
    "one line @id described twice": (duplicate_line, 400),
    "one line listed twice": (listed_twice, 400),
    "unknown context": (
        lambda w: raw({**graph(line(w, 1)), "@context": "https://schema.org"}),
        400,
    ),
    "no context": (lambda w: raw({"@graph": graph(line(w, 1))["@graph"]}), 400),
    "offer on another host": (
        lambda w: raw(
            graph(
                [
                    (
                        "https://hub.example/l/1",
                        "https://evil.example/api/dfc/Enterprises/hodmedod/Offers/"
                        + str(w["beans_pk"]),
                        1,
                    )
                ]
            )
        ),
        422,
    ),
    "offer under another enterprise": (
        lambda w: raw(
            graph([("https://hub.example/l/1", w["beans"].replace("/hodmedod/", "/other/"), 1)])
        ),
        422,
    ),
    "offer of a closed session": (lambda w: raw(graph(line(w, 1, "closed"))), 409),
    "offer of an ended session": (lambda w: raw(graph(line(w, 1, "ended"))), 409),
    "a local trader's session": (
        lambda w: raw(graph(line(w, 1), session=w["local_session"])),
        409,
    ),
    "not an order": (
        lambda w: raw({"@context": "https://www.datafoodconsortium.org", "@type": "dfc-b:Offer"}),
        400,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_a_problem_and_writes_nothing(api, world, case):
    build, status = CASES[case]
    body = build(world)
    before = counts()

    response = api.generic(
        "POST", f"{base()}/Orders", body, content_type="application/json", HTTP_ACCEPT="*/*"
    )

    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    assert counts() == before


@pytest.mark.parametrize("case", ["huge quantity 1e30", "1.5 of a can", "one line listed twice"])
def test_bad_amendments_are_problems_and_change_nothing(api, world, case):
    created = api.post(f"{base()}/Orders", graph(line(world, 2)), format="json")
    assert created.status_code == 201, created.json()
    build, status = CASES[case]
    before = counts()

    response = api.generic(
        "PUT", created["Location"], build(world), content_type="application/json"
    )

    assert response.status_code == status, response.content[:500]
    assert counts() == before
