"""A partner's DFC POST and PUT cost the same statements for 1 line as for 50, at most 20.

Counted as the database sees them, transaction control included: inside the test's
transaction the API's transaction (platforms.idempotency) is a SAVEPOINT and its RELEASE,
where a server sends BEGIN and COMMIT. Measured once the hub and its session are known and
the token was used in the last minute (the first order of a hub also records the hub and its
session; a token's first call of the minute records when it was used)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import Stock
from inventory.services.stock import stock_set
from orders.models import Order, OrderEvent
from tests.factories import OfferFactory, ProductFactory, SaleSessionFactory
from tests.platforms.test_api_dfc import order_graph, post

pytestmark = pytest.mark.django_db

# The token with its platform and enterprises; the seller; the offers; the hub, locked with
# its platform; the hub's session; the order, its partner record, its sub-order, the items;
# the stock rows locked; one write of stock and reservations; the item rows with the pricing
# rules; one write of the events, adjustments, items, sub-order and order; the move to I with
# its event; transaction control (2).
POST_STATEMENTS = 17
# Plus the Idempotency-Key's record (the key itself is looked up in Redis).
POST_WITH_KEY_STATEMENTS = 18
# The token; the seller; the order, in the caller's scope, locked; its items with their offers
# and reservations; the offers the graph names; the move to E; the stock rows locked; one write
# of stock and reservations; the removed items' delete; the item rows with the rules; one write
# of the events (the move's among them) and the totals; the producer orders' refresh request;
# the move back to I with its event; transaction control (2).
PUT_STATEMENTS = 17


# As a server runs them (autocommit: BEGIN and COMMIT, no test transaction around), the
# request's statements up to its COMMIT, once the hub has ordered and the token was used this
# minute: the token and its enterprises, the seller, then the POST's above with its
# Idempotency-Key record; the PUT's above less what its order lookup shares. The bench counts
# the same over HTTP (bench/counting_wsgi.py).
SERVER_POST_STATEMENTS = 18
SERVER_PUT_STATEMENTS = 15


@pytest.fixture
def wholesale(local_platform):
    from tests.factories import ProducerFactory

    farm = ProducerFactory(slug="green-farm", name="Green Farm")
    session = SaleSessionFactory(trader=farm, name="Green Farm wholesale")

    def offers(count: int, on_hand: str = "100"):
        made = []
        for n in range(count):
            product = ProductFactory(producer=farm, name=f"Product {n}")
            stock_set(product_id=product.pk, on_hand=Decimal(on_hand))
            made.append(OfferFactory(session=session, product=product, price=Decimal("2.50")))
        return made

    return offers


def _lines(offers, quantity=1):
    return [(f"#l{n}", offer, quantity) for n, offer in enumerate(offers)]


def _counted(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    return len(queries.captured_queries), response


def _placed(api, offers, **headers):
    # One order first: the hub and its session exist, the token was used this minute.
    post(api, order_graph(_lines(offers[:1])))
    return _counted(lambda: post(api, order_graph(_lines(offers)), **headers))


@pytest.mark.parametrize("lines", [1, 50])
def test_post_takes_the_same_statements_for_1_and_50_lines(api, wholesale, lines):
    offers = wholesale(lines)

    count, response = _placed(api, offers)

    assert response.status_code == 201, response.json()
    assert count == POST_STATEMENTS
    assert Order.objects.get(pk=response["Location"].rsplit("/", 1)[1]).items.count() == lines
    reserved = dict(Stock.objects.values_list("product_id", "reserved"))
    # The first offer's product was ordered by the first order too.
    assert [reserved[offer.product_id] for offer in offers] == [2] + [1] * (lines - 1)


@pytest.mark.parametrize("lines", [1, 50])
def test_post_with_an_idempotency_key_adds_only_its_record(api, wholesale, lines):
    count, response = _placed(api, wholesale(lines), HTTP_IDEMPOTENCY_KEY=f"key-{lines}")

    assert response.status_code == 201, response.json()
    assert count == POST_WITH_KEY_STATEMENTS


@pytest.mark.parametrize("lines", [3, 50])
def test_put_takes_the_same_statements_for_3_and_50_lines(api, wholesale, lines):
    """Every line changes: the first removed, the others raised, one new line added."""
    offers = wholesale(lines + 1)
    created = post(api, order_graph(_lines(offers[:lines])))
    amended = order_graph(_lines(offers[1 : lines + 1], quantity=3))

    count, response = _counted(
        lambda: api.put(created["Location"], amended, format="json", HTTP_IF_MATCH="*")
    )

    assert response.status_code == 200, response.json()
    assert count == PUT_STATEMENTS
    order = Order.objects.get()
    assert (order.status, order.items.count()) == ("I", lines)
    reserved = dict(Stock.objects.values_list("product_id", "reserved"))
    assert reserved[offers[0].product_id] == 0
    assert {reserved[o.product_id] for o in offers[1:]} == {3}
    kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds.count("item_removed") == 1
    assert kinds.count("item_changed") == lines - 1
    assert kinds.count("item_added") == lines + 1  # the POST's, and the new line


def test_what_a_reduced_line_gives_back_a_raised_line_may_take(api, local_platform):
    """Two offers of one product (6 in stock): 5 + 1, then 1 + 5 in one PUT. Reductions are
    decided first, so the increase finds the 4 units the reduction gave back."""
    from tests.factories import ProducerFactory

    farm = ProducerFactory(slug="green-farm", name="Green Farm")
    product = ProductFactory(producer=farm, name="Eggs")
    stock_set(product_id=product.pk, on_hand=Decimal("6"))
    first, second = (
        OfferFactory(session=SaleSessionFactory(trader=farm), product=product) for _ in range(2)
    )
    created = post(api, order_graph([("#a", first, 5), ("#b", second, 1)]))
    assert created.status_code == 201, created.json()

    response = api.put(
        created["Location"],
        order_graph([("#a", first, 1), ("#b", second, 5)]),
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert Stock.objects.get(product=product).reserved == 6
    assert sorted(Order.objects.get().items.values_list("quantity", flat=True)) == [1, 5]


def test_a_put_short_on_one_line_of_many_writes_nothing(api, wholesale):
    offers = wholesale(20, on_hand="4")
    created = post(api, order_graph(_lines(offers, quantity=2)))
    version = Order.objects.get().version
    wanted = [(f"#l{n}", offer, 1 if n else 5) for n, offer in enumerate(offers)]

    response = api.put(created["Location"], order_graph(wanted), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient-stock"
    short = response.json()["short_items"]
    assert [(s["product"], s["requested"], s["available"]) for s in short] == [
        (offers[0].product_id, "3", "2")
    ]
    assert Order.objects.get().version == version
    assert set(Stock.objects.values_list("reserved", flat=True)) == {2}


def _until_commit(call) -> tuple[int, object]:
    """The statements of a request up to its transaction's COMMIT (what follows it in these
    tests is the eager Celery worker's, which a server leaves to the worker)."""
    with CaptureQueriesContext(connection) as queries:
        response = call()
    statements = [query["sql"] for query in queries.captured_queries]
    return statements.index("COMMIT") + 1, response


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lines", [1, 50])
def test_as_a_server_runs_them_post_and_put_take_at_most_20_statements(api, wholesale, lines):
    offers = wholesale(lines + 1)
    post(api, order_graph(_lines(offers[-1:])))  # the hub's first order: hub and session

    posted, created = _until_commit(
        lambda: post(api, order_graph(_lines(offers[:lines])), HTTP_IDEMPOTENCY_KEY=f"k{lines}")
    )
    amended = order_graph(_lines(offers[:lines], quantity=3))
    put, changed = _until_commit(
        lambda: api.put(created["Location"], amended, format="json", HTTP_IF_MATCH=created["ETag"])
    )

    assert (created.status_code, changed.status_code) == (201, 200), changed.json()
    assert (posted, put) == (SERVER_POST_STATEMENTS, SERVER_PUT_STATEMENTS)
    assert max(posted, put) <= 20


# A hub's first order also records the hub (INSERT … ON CONFLICT DO NOTHING and a read again,
# where get_or_create read, took a savepoint, inserted, released it and read again: 7 more
# statements than a later order), its session (the insert after the read every order makes)
# and the token's first use of the minute.
FIRST_ORDER_EXTRA_STATEMENTS = 4


def test_a_hubs_first_order_records_the_hub_and_its_session_in_a_few_statements(api, wholesale):
    offers = wholesale(2)

    first, created = _counted(lambda: post(api, order_graph(_lines(offers[:1]))))
    later, again = _counted(lambda: post(api, order_graph(_lines(offers[1:]))))

    assert (created.status_code, again.status_code) == (201, 201)
    assert later == POST_STATEMENTS
    assert first - later == FIRST_ORDER_EXTRA_STATEMENTS
    orders = Order.objects.order_by("pk")
    assert orders[0].trader_id == orders[1].trader_id
    assert orders[0].sales_session_id == orders[1].sales_session_id
