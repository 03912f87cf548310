"""The whole status matrix: every allowed edge moves; every other pair is refused, writing
nothing."""

import itertools

import pytest

from orders.exceptions import InvalidTransition
from orders.models import OrderEvent
from orders.services.status import order_status_change
from orders.statuses import TRANSITIONS, OrderStatus, is_allowed
from tests.factories import OrderFactory, OrderItemFactory

ALL = [s.value for s in OrderStatus]
PAIRS = list(itertools.product(ALL, ALL))
ALLOWED = [(a, b) for a, b in PAIRS if is_allowed(a, b)]
REFUSED = [(a, b) for a, b in PAIRS if not is_allowed(a, b)]

# The edges IBM documents (docs/domain.md), written out by hand so the table cannot drift.
DOCUMENTED = {
    ("P", "M"),
    ("P", "B"),
    ("P", "L"),
    ("P", "W"),
    ("P", "I"),
    ("W", "N"),
    ("W", "M"),
    ("W", "B"),
    ("W", "L"),
    ("W", "I"),
    ("I", "C"),
    ("M", "C"),
    ("M", "A"),
    ("A", "B"),
    ("A", "C"),
    ("B", "M"),
    ("B", "C"),
    ("L", "M"),
    ("L", "C"),
    # seed 004: L = "a previously allocated (or backordered) item became unavailable"
    *{(s, "L") for s in "IMBC"},
    ("C", "R"),
    ("R", "S"),
    ("S", "D"),
    ("C", "F"),
    ("F", "G"),
    *{(s, "E") for s in "IWNMCBL"},
    *{("E", s) for s in "IWNMCBL"},
    *{(s, "X") for s in "ABCEILMNW"},
}


def _order_in(status: str):
    kwargs = {"status": status}
    if status == "E":
        kwargs["status_before_edit"] = "C"
    if status == "T":
        kwargs["backup_of"] = OrderFactory()
    if status in "YZ":
        kwargs["list_name"] = "Weekly basics"
    order = OrderFactory(**kwargs)
    OrderItemFactory(order=order, status=status)
    return order


def test_table_is_exactly_the_documented_edges():
    table = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == DOCUMENTED


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
@pytest.mark.django_db
def test_allowed_edge_moves_order_and_items(from_status, to_status, system_actor):
    order = _order_in(from_status)
    if from_status == "E":
        order.status_before_edit = to_status if to_status != "X" else "C"
        order.save()

    moved = order_status_change(order_id=order.pk, to_status=to_status, actor=system_actor)

    assert moved.status == to_status
    assert moved.version == 2
    event = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.STATUS_CHANGED)
    assert (event.from_status, event.to_status, event.actor_label) == (
        from_status,
        to_status,
        "test",
    )
    expected_item_status = from_status if to_status == "E" else to_status
    assert list(order.items.values_list("status", flat=True)) == [expected_item_status]


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
@pytest.mark.django_db
def test_every_other_pair_is_refused_and_writes_nothing(from_status, to_status, system_actor):
    order = _order_in(from_status)

    with pytest.raises(InvalidTransition) as raised:
        order_status_change(order_id=order.pk, to_status=to_status, actor=system_actor)

    assert raised.value.extra == {
        "order": order.number,
        "from_status": from_status,
        "to_status": to_status,
    }
    order.refresh_from_db()
    assert order.status == from_status
    assert order.version == 1
    assert not OrderEvent.objects.filter(order=order).exists()


@pytest.mark.parametrize("wrong_return", ["I", "M", "B"])
@pytest.mark.django_db
def test_edit_returns_only_to_the_status_it_came_from(wrong_return, system_actor):
    order = _order_in("C")
    order_status_change(order_id=order.pk, to_status="E", actor=system_actor)

    with pytest.raises(InvalidTransition, match="returns the order to “Paid — ready to release”"):
        order_status_change(order_id=order.pk, to_status=wrong_return, actor=system_actor)

    back = order_status_change(order_id=order.pk, to_status="C", actor=system_actor)
    assert (back.status, back.status_before_edit) == ("C", "")


@pytest.mark.django_db
def test_leaving_pending_stamps_placed_at_once(system_actor):
    order = _order_in("P")
    placed = order_status_change(order_id=order.pk, to_status="I", actor=system_actor)
    assert placed.placed_at is not None
    first = placed.placed_at
    later = order_status_change(order_id=order.pk, to_status="C", actor=system_actor)
    assert later.placed_at == first
