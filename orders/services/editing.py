"""Customer-service editing (status E): begin, change, commit or roll back.

Beginning an edit locks the order to one agent and saves a T copy of it (items, sub-order
assignment, totals, adjustments); while in E the agent changes items, addresses, coupons and
manual discounts through the services below, which check that the agent holds the lock and
then use the ordinary item, coupon and pricing services (they re-price and keep reservations
right as they go). Committing re-prices, re-reserves every item at once and returns the order
to the status it had; rolling back restores it from the T copy. Every step writes an event.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from config.exceptions import NotFound
from discounts.models import (
    CalculationRule,
    Coupon,
    CouponRedemption,
    ItemAdjustment,
    OrderAdjustment,
)
from inventory.services.reservations import (
    Allocation,
    item_stock_request,
    reservations_release,
    stock_reserve,
)
from orders.events import EventText, order_event
from orders.exceptions import EditNeedsUser, OrderLocked, OrderNotEditable
from orders.models import Order, OrderEvent, OrderItem, SubOrder
from orders.producer_orders.services import producer_orders_request_refresh
from orders.services.coupons import order_coupon_apply, order_coupon_remove
from orders.services.low_inventory import order_low_inventory_leave
from orders.services.payment_operations import payment_cover_total
from orders.services.status import order_lock, order_status_change
from orders.services.totals import TOTAL_FIELDS, order_totals_recompute
from orders.status_labels import order_status_quoted, order_statuses_in_words
from orders.statuses import EDITABLE_STATUSES, InventoryStatus, OrderStatus

EDIT = OrderEvent.Kind.EDIT
# Order fields the T copy keeps and a roll-back restores.
ORDER_COPY_FIELDS = (
    "trader_id",
    "currency",
    "customer_id",
    "sales_session_id",
    "origin_platform_id",
    "billing_address_id",
    "shipping_address_id",
    "shipping_mode_id",
    "customer_note",
    "payment_method",
    "payment_reference",
    "payment_status",
    "checked_out_at",
    "placed_at",
    *TOTAL_FIELDS,
)
# Item fields copied to the T copy and back; not the keys that tie a row to its order.
ITEM_SKIPPED_FIELDS = {"id", "order", "sub_order", "backup_of", "created_at", "updated_at"}
ADJUSTMENT_SKIPPED_FIELDS = {"id", "order", "item"}


def _copied_fields(model, skipped) -> list:
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in skipped and not field.generated
    ]


def _copy(instance, fields, **overrides):
    values = {field.attname: getattr(instance, field.attname) for field in fields}
    values.update(overrides)
    return type(instance)(**values)


def _agent(actor: Actor):
    if actor.user is None:
        raise EditNeedsUser(gettext("Only a signed-in customer-service agent can edit an order."))
    return actor.user


def lock_held_by_agent(order_id: int, actor: Actor) -> Order:
    """Lock the order row and check it is under an edit held by this agent."""
    user = _agent(actor)
    order = order_lock(order_id=order_id)
    if order.status != OrderStatus.CSR_EDIT:
        raise OrderNotEditable(
            gettext(
                "Order %(number)s is in %(status)s, not under a customer-service edit: begin an "
                "edit first."
            )
            % {"number": order.number, "status": order_status_quoted(order.status)}
        )
    if order.locked_by_id != user.pk:
        holder = order.locked_by.get_username() if order.locked_by else "nobody"
        raise OrderLocked(
            gettext("Order %(number)s is being edited by %(agent)s; take the edit over first.")
            % {"number": order.number, "agent": holder},
            extra={"locked_by": holder},
        )
    return order


def _backup(order: Order) -> Order:
    backup = Order.objects.filter(backup_of_id=order.pk, status=OrderStatus.TEMPORARY).first()
    if backup is None:
        raise NotFound(gettext("Order %(number)s has no backup copy.") % {"number": order.number})
    return backup


def _begin_event(order: Order) -> OrderEvent | None:
    return (
        OrderEvent.objects.filter(order_id=order.pk, kind=EDIT, data__action="begin")
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def order_edit_begin(*, order_id: int, actor: Actor, take_over: bool = False) -> Order:
    """Begin a customer-service edit, or take over another agent's edit.

    Guarantees: the order row is locked. An order already in E is refused with OrderLocked
    (naming the holder) unless `take_over`, which moves the lock to this agent and writes an
    event; beginning again as the holder changes nothing. Otherwise the order must be in a
    status the table lets into E (InvalidTransition); a T copy is saved (the order's fields,
    sub-orders, items with their totals and inventory status, item and order adjustments),
    the order moves to E through `order_status_change` and is locked to the agent, and an
    `edit` event records the backup and the coupons and manual discounts in force.
    """
    user = _agent(actor)
    order = order_lock(order_id=order_id)
    now = timezone.now()
    if order.status == OrderStatus.CSR_EDIT:
        if order.locked_by_id == user.pk:
            return order
        holder = order.locked_by.get_username() if order.locked_by else "nobody"
        if not take_over:
            raise OrderLocked(
                gettext(
                    "Order %(number)s is being edited by %(agent)s since %(since)s UTC; take it "
                    "over explicitly to edit it."
                )
                % {
                    "number": order.number,
                    "agent": holder,
                    "since": f"{order.locked_at:%Y-%m-%d %H:%M}",
                },
                extra={"locked_by": holder},
            )
        Order.objects.filter(pk=order.pk).update(locked_by=user, locked_at=now)
        order_event(
            order=order,
            actor=actor,
            kind=EDIT,
            message=EventText(gettext_noop("Edit taken over from %(agent)s"), {"agent": holder}),
            data={"action": "take_over", "from": holder},
        )
        order.locked_by, order.locked_at = user, now
        return order
    if order.status not in EDITABLE_STATUSES:
        raise OrderNotEditable(
            gettext(
                "Order %(number)s is in %(status)s: a customer-service edit begins only from "
                "%(statuses)s."
            )
            % {
                "number": order.number,
                "status": order_status_quoted(order.status),
                "statuses": order_statuses_in_words(EDITABLE_STATUSES),
            }
        )

    backup = Order.objects.create(
        status=OrderStatus.TEMPORARY,
        backup_of=order,
        **{name: getattr(order, name) for name in ORDER_COPY_FIELDS},
    )
    sub_order_fields = _copied_fields(SubOrder, {"id", "order"})
    sub_orders = {s.pk: s for s in SubOrder.objects.filter(order_id=order.pk).order_by("pk")}
    copies_of_sub_orders = SubOrder.objects.bulk_create(
        [_copy(s, sub_order_fields, order_id=backup.pk) for s in sub_orders.values()]
    )
    # An item in no sub-order (None) stays in none.
    sub_order_map: dict[int | None, int] = dict(
        zip(sub_orders, (s.pk for s in copies_of_sub_orders), strict=True)
    )
    item_fields = _copied_fields(OrderItem, ITEM_SKIPPED_FIELDS)
    items = list(OrderItem.objects.filter(order_id=order.pk).order_by("pk"))
    copies = OrderItem.objects.bulk_create(
        [
            _copy(
                item,
                item_fields,
                order_id=backup.pk,
                sub_order_id=sub_order_map.get(item.sub_order_id),
                backup_of_id=item.pk,
            )
            for item in items
        ]
    )
    item_map = {item.pk: copy.pk for item, copy in zip(items, copies, strict=True)}
    _adjustments_copy(order.pk, backup.pk, item_map)

    order_status_change(
        order_id=order.pk,
        to_status=OrderStatus.CSR_EDIT,
        actor=actor,
        reason=EventText(gettext_noop("Customer-service edit begun")),
    )
    Order.objects.filter(pk=order.pk).update(locked_by=user, locked_at=now)
    order_event(
        order=order,
        actor=actor,
        kind=EDIT,
        message=EventText(
            gettext_noop("Edit begun; backup copy %(backup)s saved"), {"backup": backup.number}
        ),
        data={
            "action": "begin",
            "backup": backup.pk,
            "coupons": sorted(
                CouponRedemption.objects.filter(order_id=order.pk).values_list(
                    "coupon_id", flat=True
                )
            ),
            "manual_rules": sorted(
                CalculationRule.objects.filter(order_id=order.pk, is_active=True).values_list(
                    "pk", flat=True
                )
            ),
        },
    )
    order.refresh_from_db()
    return order


def _adjustments_copy(from_order_id: int, to_order_id: int, item_map: dict[int, int]) -> None:
    """Copy an order's item and order adjustments onto another order, items mapped."""
    item_fields = _copied_fields(ItemAdjustment, ADJUSTMENT_SKIPPED_FIELDS)
    ItemAdjustment.objects.bulk_create(
        _copy(a, item_fields, order_id=to_order_id, item_id=item_map[a.item_id])
        for a in ItemAdjustment.objects.filter(order_id=from_order_id).order_by("pk")
    )
    order_fields = _copied_fields(OrderAdjustment, ADJUSTMENT_SKIPPED_FIELDS)
    OrderAdjustment.objects.bulk_create(
        _copy(a, order_fields, order_id=to_order_id)
        for a in OrderAdjustment.objects.filter(order_id=from_order_id).order_by("pk")
    )


# --- Commit and roll back -------------------------------------------------------------------

ENDINGS = {
    "commit": gettext_noop("Edit committed: total %(total)s %(currency)s"),
    "rollback": gettext_noop("Edit rolled back: total %(total)s %(currency)s"),
}


def _edit_end(order: Order, backup: Order, actor: Actor, action: str, producer_ids) -> Order:
    """Delete the T copy, record the end of the edit, refresh the producer orders after
    commit (also those of producers the edit took out of the order)."""
    backup.delete()
    order_event(
        order=order,
        actor=actor,
        kind=EDIT,
        message=EventText(
            ENDINGS[action], {"total": order.grand_total, "currency": order.currency}
        ),
        data={"action": action, "grand_total": str(order.grand_total)},
    )
    producer_orders_request_refresh(order=order, also_producer_ids=producer_ids)
    return order


def _inventory_status_write(items: list[OrderItem], allocations: dict[int, Allocation]) -> None:
    status = {
        Allocation.BACKORDERED: InventoryStatus.BACKORDERED,
        Allocation.UNKNOWN: InventoryStatus.NOT_ALLOCATED,
    }
    for item in items:
        if item.pk in allocations:
            item.inventory_status = status.get(allocations[item.pk], InventoryStatus.ALLOCATED)
            item.inventory_unknown = allocations[item.pk] == Allocation.UNKNOWN
            item.unavailable_reason = ""  # reserved again: no longer short
    OrderItem.objects.bulk_update(
        items, ["inventory_status", "inventory_unknown", "unavailable_reason"]
    )


@transaction.atomic
def order_edit_commit(*, order_id: int, actor: Actor) -> Order:
    """Commit the edit: only the agent holding the lock.

    Guarantees: the order is re-priced; every reservation is released and taken again for
    the items as they now are, all or nothing (InsufficientStock lists every short item and
    nothing is written; an item backordered before stays backorderable); the order returns
    to the status it had through `order_status_change` (which clears the lock); a card
    payment authorized for less than the new total is re-authorized for the difference, or
    marked "payment due" with an event saying how much (payment_cover_total); an order in L
    whose short items are all resolved goes on to C (or M when payment is due); the T copy is
    deleted; an `edit` event records the new total; the producer orders of every producer
    the order touched before or after the edit are refreshed after commit.
    """
    order = lock_held_by_agent(order_id, actor)
    backup = _backup(order)
    order_totals_recompute(order=order)
    items = list(OrderItem.objects.filter(order_id=order.pk).select_related("offer"))
    reservations_release(order_id=order.pk)
    allocations = stock_reserve(
        requests=[
            item_stock_request(
                item, allow_backorder=item.inventory_status == InventoryStatus.BACKORDERED
            )
            for item in items
        ],
        expires_at=None,
    )
    _inventory_status_write(items, allocations)
    previous = order.status_before_edit
    before_producers = set(backup.items.values_list("producer_id", flat=True))
    order = order_status_change(
        order_id=order.pk,
        to_status=previous,
        actor=actor,
        reason=EventText(gettext_noop("Customer-service edit committed")),
    )
    order.refresh_from_db()
    # The payment follows the new total: the difference re-authorized, or "payment due".
    payment_cover_total(order=order, actor=actor)
    # Every short item changed, substituted or removed: the order leaves L.
    order = order_low_inventory_leave(order=order, actor=actor)
    return _edit_end(order, backup, actor, "commit", before_producers)


@transaction.atomic
def order_edit_rollback(*, order_id: int, actor: Actor) -> Order:
    """Roll the edit back: only the agent holding the lock.

    Guarantees: the items (quantities, prices, addresses, totals, inventory status; items
    added under the edit removed, removed ones recreated), the order's addresses and fields,
    its item and order adjustments, its coupons and manual discounts are restored from the T
    copy; every reservation is released and the items allocated before the edit are
    reserved again, all or nothing (InsufficientStock if their stock has been sold meanwhile,
    and nothing is written); the order returns to its previous status through
    `order_status_change`; the T copy is deleted; an `edit` event is written; the producer
    orders are refreshed after commit.
    """
    order = lock_held_by_agent(order_id, actor)
    backup = _backup(order)
    begun = _begin_event(order)
    snapshot = begun.data if begun else {}
    touched_producers = set(order.items.values_list("producer_id", flat=True))

    # Coupons and manual discounts as they were (through the coupon services: uses counted).
    coupons_before = set(snapshot.get("coupons", []))
    coupons_now = set(
        CouponRedemption.objects.filter(order_id=order.pk).values_list("coupon_id", flat=True)
    )
    codes = dict(
        Coupon.objects.filter(pk__in=coupons_before ^ coupons_now).values_list("pk", "code")
    )
    for coupon_id in sorted(coupons_now - coupons_before):
        order_coupon_remove(order_id=order.pk, code=codes[coupon_id], actor=actor)
    for coupon_id in sorted(coupons_before - coupons_now):
        order_coupon_apply(order_id=order.pk, code=codes[coupon_id], actor=actor)
    manual_rules = CalculationRule.objects.filter(order_id=order.pk)
    manual_rules.exclude(pk__in=snapshot.get("manual_rules", [])).delete()
    manual_rules.filter(pk__in=snapshot.get("manual_rules", [])).update(is_active=True)

    # Items, in place where the original still exists.
    reservations_release(order_id=order.pk)
    item_fields = _copied_fields(OrderItem, ITEM_SKIPPED_FIELDS)
    copies = list(OrderItem.objects.filter(order_id=backup.pk).order_by("pk"))
    current = {item.pk: item for item in OrderItem.objects.filter(order_id=order.pk)}
    kept = [
        (c, current[c.backup_of_id])
        for c in copies
        if c.backup_of_id is not None and c.backup_of_id in current
    ]
    restored = {copy.pk: original.pk for copy, original in kept}
    OrderItem.objects.filter(order_id=order.pk).exclude(pk__in=restored.values()).delete()
    for copy, original in kept:
        for field in item_fields:
            setattr(original, field.attname, getattr(copy, field.attname))
    OrderItem.objects.bulk_update([original for _, original in kept], [f.name for f in item_fields])
    recreated = OrderItem.objects.bulk_create(
        [
            _copy(copy, item_fields, order_id=order.pk)
            for copy in copies
            if copy.backup_of_id not in current
        ]
    )
    recreated_copies = [c for c in copies if c.backup_of_id not in current]
    restored.update({c.pk: r.pk for c, r in zip(recreated_copies, recreated, strict=True)})
    ItemAdjustment.objects.filter(order_id=order.pk).delete()
    OrderAdjustment.objects.filter(order_id=order.pk).delete()
    _adjustments_copy(backup.pk, order.pk, restored)
    for name in ("billing_address_id", "shipping_address_id", "shipping_mode_id"):
        setattr(order, name, getattr(backup, name))
    order.save(update_fields=["billing_address", "shipping_address", "shipping_mode"])

    # The stock they held before the edit.
    to_reserve = [
        OrderItem(
            pk=restored[c.pk],
            order_id=order.pk,
            product_id=c.product_id,
            product_name=c.product_name,
            quantity=c.quantity,
            offer=c.offer,
        )
        for c in copies
        if c.inventory_status == InventoryStatus.ALLOCATED
    ]
    stock_reserve(
        requests=[item_stock_request(item, allow_backorder=False) for item in to_reserve],
        expires_at=None,
    )

    order = order_status_change(
        order_id=order.pk,
        to_status=order.status_before_edit,
        actor=actor,
        reason=EventText(gettext_noop("Customer-service edit rolled back")),
    )
    # Out of E prices are frozen: this only rebuilds the sub-orders and re-sums the totals.
    order_totals_recompute(order=order)
    return _edit_end(order, backup, actor, "rollback", touched_producers)
