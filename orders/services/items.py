"""Creating orders and changing their items while the order is open to change (P or E)."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from config import sql
from config.actors import Actor
from config.exceptions import CurrencyMismatch
from config.money import AMOUNT_LIMIT, line_total
from discounts.models import ItemAdjustment
from inventory.services.reservations import (
    Allocation,
    item_stock_request,
    reservation_resize,
    reservations_change,
    reservations_release,
    stock_reserve,
)
from orders.events import EventText, order_created_event, order_event, order_event_row
from orders.exceptions import AmountTooLarge, InvalidQuantity, OrderNotEditable
from orders.models import Address, Customer, Order, OrderEvent, OrderItem, SubOrder
from orders.producer_orders.services import producer_orders_request_refresh
from orders.selectors import quick_order_profile_defaults
from orders.services.status import order_lock
from orders.services.totals import (
    PricedRows,
    item_rows_rules,
    order_item_rows_priced,
    order_item_rows_statement,
    order_pricing_rules_select,
    order_totals_recompute,
)
from orders.status_labels import order_status_quoted, order_statuses_in_words
from orders.statuses import InventoryStatus, OrderStatus

ITEM_CHANGE_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.CSR_EDIT})


def _check_open_to_change(order: Order) -> None:
    if order.status not in ITEM_CHANGE_STATUSES:
        raise OrderNotEditable(
            gettext("Order %(number)s is in %(status)s: items change only in %(statuses)s.")
            % {
                "number": order.number,
                "status": order_status_quoted(order.status),
                "statuses": order_statuses_in_words(ITEM_CHANGE_STATUSES),
            }
        )


# The largest quantity one line may hold: far above any real order, far below what the
# quantity and amount columns hold (numeric(12,3), numeric(14,2)); the storefront's
# serializers use it too.
MAX_ITEM_QUANTITY = Decimal("1000000")
QUANTITY_STEP = Decimal("0.001")


def _check_quantity(quantity: Decimal) -> Decimal:
    """Every line quantity goes through here (cart, customer-service edit, partner order):
    greater than zero, at most MAX_ITEM_QUANTITY, at most three decimal places, or
    InvalidQuantity before anything is written."""
    try:
        quantity = Decimal(quantity)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise InvalidQuantity(
            gettext("Quantity must be a number, got “%(quantity)s”.") % {"quantity": quantity}
        ) from error
    if not quantity.is_finite() or quantity <= 0:
        raise InvalidQuantity(
            gettext("Quantity must be greater than zero, got %(quantity)s.")
            % {"quantity": quantity}
        )
    if quantity > MAX_ITEM_QUANTITY:
        raise InvalidQuantity(
            gettext("Quantity must be at most %(limit)s, got %(quantity)s.")
            % {"limit": MAX_ITEM_QUANTITY, "quantity": quantity}
        )
    if quantity != quantity.quantize(QUANTITY_STEP):
        raise InvalidQuantity(
            gettext("Quantity has at most three decimal places, got %(quantity)s.")
            % {"quantity": quantity}
        )
    return quantity


def _line_amount(order: Order, quantity: Decimal, unit_price: Decimal) -> Decimal:
    """quantity × unit price, or AmountTooLarge when it would not fit the amount columns."""
    amount = line_total(quantity, unit_price)
    if amount >= AMOUNT_LIMIT:
        raise AmountTooLarge(
            gettext("%(quantity)s × %(unit_price)s %(currency)s is too large a line.")
            % {"quantity": quantity, "unit_price": unit_price, "currency": order.currency}
        )
    return amount


def _after_live_change(order: Order, also_producer_ids=()) -> None:
    """A placed order (under a customer-service edit) changed: its producer orders follow."""
    if order.status != OrderStatus.PENDING:
        producer_orders_request_refresh(order=order, also_producer_ids=also_producer_ids)


def _reserve_edit_item(order: Order, item: OrderItem) -> None:
    """An item added under an edit is allocated at once, like at checkout (or backordered
    when its offer allows it); InsufficientStock otherwise, and nothing is written."""
    allocation = stock_reserve(requests=[item_stock_request(item)], expires_at=None)[item.pk]
    item.inventory_unknown = allocation == Allocation.UNKNOWN
    item.inventory_status = _INVENTORY_STATUS.get(allocation, InventoryStatus.ALLOCATED)
    item.save(update_fields=["inventory_status", "inventory_unknown"])


@dataclass(frozen=True)
class NewItem:
    """A line to add: a product (its producer loaded) at a unit price, from an offer or not."""

    product: Any
    quantity: Decimal
    unit_price: Decimal
    offer: Any = None
    vat_rate: Decimal = Decimal("0")


def _item_values(
    order: Order,
    line: NewItem,
    *,
    sub_order_id: int | None = None,
    shipping_address_id: int | None = None,
    shipping_mode_id: int | None = None,
    customer_category_id: int | None = None,
) -> dict[str, Any]:
    """The columns of the item a line makes (by attname), its quantity and amount checked,
    snapshotting the product."""
    quantity = _check_quantity(line.quantity)
    product, producer = line.product, line.product.producer
    return {
        "order_id": order.pk,
        "sales_session_id": order.sales_session_id,
        "sub_order_id": sub_order_id,
        "product_id": product.pk,
        "offer_id": line.offer.pk if line.offer is not None else None,
        "product_name": product.name,
        "product_sku": product.sku,
        "producer_id": producer.pk,
        "producer_platform_id": producer.platform_id,
        "quantity": quantity,
        "nominal_quantity": product.nominal_quantity,
        "unit_of_measure": product.unit_of_measure,
        "unit_price": line.unit_price,
        "vat_rate": line.vat_rate,
        "total_product": _line_amount(order, quantity, line.unit_price),
        "status": order.status,
        # An item ships where and how the order says by default (a quick-order profile's).
        "shipping_address_id": shipping_address_id or order.shipping_address_id,
        "shipping_mode_id": shipping_mode_id or order.shipping_mode_id,
        "fulfilment_centre_id": order.fulfilment_centre_id,
        "customer_category_id": customer_category_id,
    }


def _item_unsaved(order: Order, line: NewItem, values: dict[str, Any]) -> OrderItem:
    """The item a line makes (its _item_values), with its order, product, producer and offer."""
    item = OrderItem(**values)
    item.order, item.product, item.producer = order, line.product, line.product.producer
    item.offer = line.offer
    return item


class AddedItem(NamedTuple):
    """An item a write of many lines added, as the write left it (no model instance): what a
    reply shows of a line, with the product (its producer loaded) the line named."""

    pk: int
    product: Any
    offer_id: int | None
    quantity: Decimal
    nominal_quantity: Decimal
    unit_of_measure: str
    unit_price: Decimal
    vat_rate: Decimal
    inventory_status: str


def _item_added(item_id: int, quantity: Decimal, product_name: str) -> dict[str, Any]:
    """What an item_added event says: its text and its data."""
    return {
        "kind": OrderEvent.Kind.ITEM_ADDED,
        "message": EventText(
            gettext_noop("Added %(quantity)s × %(product)s"),
            {"quantity": quantity, "product": product_name},
        ),
        "data": {"item": item_id, "quantity": str(quantity)},
    }


def _item_added_event(order: Order, item: OrderItem, actor: Actor, *, save: bool):
    return order_event(
        order=order,
        actor=actor,
        save=save,
        **_item_added(item.pk, item.quantity, item.product_name),
    )


def _item_added_row(order: Order, item: dict, actor: Actor, now) -> dict:
    """_item_added_event's row, for an item of a write of many lines."""
    return order_event_row(
        order=order,
        actor=actor,
        created_at=now,
        **_item_added(item["id"], item["quantity"], item["product_name"]),
    )


def order_insert(
    *,
    trader,
    currency: str,
    actor: Actor,
    customer: Customer | None = None,
    sales_session=None,
    status: str = OrderStatus.PENDING,
    origin_platform=None,
    billing_address: Address | None = None,
    customer_note: str = "",
    profile_defaults: dict[str, Any] | None = None,
) -> Order:
    """Create an order (a cart in P, or a Q profile) and its `created` event in one statement
    (config.sql.insert_new_with), atomic on its own, in the caller's transaction if any. A
    customer's cart starts with the defaults of their quick-order profile, if they have one:
    `profile_defaults` as the caller read them (orders.selectors.cart_session), else read
    here (one query). The order comes back as Order.objects.create leaves it (its number from
    the sequence, its grand total)."""
    defaults: dict[str, Any] = {}
    if status == OrderStatus.PENDING and customer is not None:
        if profile_defaults is None:
            profile_defaults = quick_order_profile_defaults(customer_id=customer.pk)
        defaults = {
            name: value
            for name, value in profile_defaults.items()
            if billing_address is None or name != "billing_address_id"
        }
    order = Order(
        trader=trader,
        currency=currency,
        customer=customer,
        sales_session=sales_session,
        status=status,
        origin_platform=origin_platform,
        billing_address=billing_address,
        customer_note=customer_note,
        **defaults,
    )
    now = timezone.now()
    order.created_at = order.updated_at = now
    event = sql.new_instance_row(order_created_event(order=order, actor=actor, save=False))
    del event["order_id"]
    returned = ("pk", "number", "grand_total")
    (row,) = sql.run(
        sql.insert_new_with(
            Order,
            sql.new_instance_row(order),
            now=now,
            returning=returned,
            referring=[sql.Referring(OrderEvent, [event], "order_id")],
        )
    )
    sql.new_instance_saved(order, dict(zip(returned, row, strict=True)))
    return order


@transaction.atomic
def order_create(**fields: Any) -> Order:
    """Create an order (a cart in P, or a Q profile) and its `created` event
    (order_insert's keyword arguments)."""
    return order_insert(**fields)


@transaction.atomic
def order_item_add(*, order_id: int, **fields: Any) -> OrderItem:
    """Add a line, snapshotting the product, and recompute the sub-orders and totals
    (order_item_add_locked's keyword arguments, the order locked here)."""
    return order_item_add_locked(order=order_lock(order_id=order_id), **fields)


def order_item_add_locked(**fields: Any) -> OrderItem:
    """order_item_add for an order the caller's transaction has locked (no second lock, no
    savepoint): order_item_add_priced's keyword arguments, the new item."""
    item, _ = order_item_add_priced(**fields)
    return item


def order_item_add_priced(
    *,
    order: Order,
    product,
    quantity: Decimal,
    unit_price: Decimal,
    actor: Actor,
    offer=None,
    currency: str | None = None,
    vat_rate: Decimal = Decimal("0"),
    shipping_address: Address | None = None,
    shipping_mode=None,
    customer_category_id: int | None = None,
) -> tuple[OrderItem, list[dict]]:
    """Add a line to an order the caller's transaction has locked (no second lock, no
    savepoint) and re-price it: the new item, and the order's item rows as priced and written
    (orders.services.totals.order_item_rows). Statements, for an order in P: one inserting the
    item (and its shipping address's sub-order when the order has none) and reading the item
    rows with the pricing rules (_item_insert_with_rows), then order_totals_recompute's one
    write, with the item's event in the same round trip. Under an edit (E) the item is
    inserted and its stock reserved first, then the item rows read with the rules."""
    item, rows = _item_add_priced(
        order=order,
        line=NewItem(
            product=product,
            quantity=quantity,
            unit_price=unit_price,
            offer=offer,
            vat_rate=vat_rate,
        ),
        actor=actor,
        currency=currency,
        shipping_address_id=shipping_address.pk if shipping_address else None,
        shipping_mode_id=shipping_mode.pk if shipping_mode else None,
        customer_category_id=customer_category_id,
    )
    assert item is not None  # not reached: only an offer's one line may find its line there
    return item, rows


def order_offer_line_add_priced(
    *, order: Order, line: NewItem, actor: Actor, currency: str, customer_category_id: int | None
) -> tuple[OrderItem | None, list[dict]]:
    """order_item_add_priced for an offer's line of a cart (P), which holds one line per
    offer: the line is added only when the order has none of that offer yet, in the statement
    that reads the item rows (no check-then-act). Returns the new item and the rows as priced
    and written; or None and the rows as read (nothing written) when the line was there."""
    return _item_add_priced(
        order=order,
        line=line,
        actor=actor,
        currency=currency,
        customer_category_id=customer_category_id,
        one_line_per_offer=True,
    )


def _item_add_priced(
    *,
    order: Order,
    line: NewItem,
    actor: Actor,
    currency: str | None,
    shipping_address_id: int | None = None,
    shipping_mode_id: int | None = None,
    customer_category_id: int | None = None,
    one_line_per_offer: bool = False,
) -> tuple[OrderItem | None, list[dict]]:
    _check_open_to_change(order)
    _check_quantity(line.quantity)
    if currency and currency != order.currency:
        raise CurrencyMismatch(
            gettext("Order %(number)s is in %(currency)s; this price is in %(price_currency)s.")
            % {"number": order.number, "currency": order.currency, "price_currency": currency}
        )
    values = _item_values(
        order,
        line,
        shipping_address_id=shipping_address_id,
        shipping_mode_id=shipping_mode_id,
        customer_category_id=customer_category_id,
    )
    item = _item_unsaved(order, line, values)
    if order.status == OrderStatus.CSR_EDIT:
        item.save(force_insert=True)
        _reserve_edit_item(order, item)
        rows, rules = order_item_rows_priced(order=order)
    else:
        rows, rules = _item_insert_with_rows(
            order, item, values, one_line_per_offer=one_line_per_offer
        )
        if item.pk is None:
            return None, rows
    event = _item_added_event(order, item, actor, save=False)
    order_totals_recompute(order=order, items=rows, rules=rules, events=[event])
    _after_live_change(order)
    return item, rows


# The names of _item_insert_with_rows' CTEs.
_NEW_SUB_ORDER, _NEW_ITEM, _ORDER_ITEMS = "new_sub_order", "new_item", "order_items"


def _item_insert_with_rows(
    order: Order, item: OrderItem, values: dict[str, Any], *, one_line_per_offer: bool
) -> PricedRows:
    """Insert `item` (unsaved, made of `values`: _item_values) into its shipping address's
    sub-order, creating that sub-order when the order has none for the address, and read the
    order's item rows (order_item_rows, the new item's among them) with the pricing rules
    (order_item_rows_priced's), in one statement:
    data-modifying CTEs, the rows read over the order's items UNION ALL the new item's
    RETURNING (the statement's table scans do not see its own inserts). With
    `one_line_per_offer`, nothing is inserted when the order already has a line of the item's
    offer. Sets the item's pk (left None when nothing was inserted), sub-order and timestamps;
    the rows are in pk order. The caller's transaction holds the order's lock, so no other
    writes its items or sub-orders meanwhile."""
    now = timezone.now()
    if item.shipping_address_id is None:
        sub_order = _address_sub_order(order.pk)
    else:
        sub_order = _address_sub_order(order.pk, item.shipping_address_id)
    assert sub_order is not None
    no_line = None
    if one_line_per_offer and item.offer_id is not None:
        no_line = _no_offer_line(order.pk, item.offer_id)
    new_sub_order_where = sql.Statement(f"{sub_order.sql} IS NULL", sub_order.params)
    if no_line is not None:
        new_sub_order_where = sql.Statement(
            f"{new_sub_order_where.sql} AND {no_line.sql}",
            new_sub_order_where.params + no_line.params,
        )
    pk = sql.column(SubOrder, "pk")
    sub_order_id = sql.Statement(
        f"COALESCE({sub_order.sql}, (SELECT {pk} FROM {_NEW_SUB_ORDER}))", sub_order.params
    )
    existing = _order_items(order.pk)
    assert existing is not None
    rules = order_pricing_rules_select(order)
    rows = order_item_rows_statement(order_id=order.pk, items=_ORDER_ITEMS, rules=rules)
    item_pk = sql.column(OrderItem, "pk")
    statement = sql.with_ctes(
        {
            _NEW_SUB_ORDER: sql.insert_one(
                SubOrder,
                {"order_id": order.pk, "shipping_address_id": item.shipping_address_id},
                now=now,
                where=new_sub_order_where,
                returning=["pk"],
            ),
            _NEW_ITEM: sql.insert_one(
                OrderItem,
                values,
                now=now,
                computed={"sub_order_id": sub_order_id},
                where=no_line,
                returning=[field.attname for field in OrderItem._meta.concrete_fields],
            ),
            _ORDER_ITEMS: sql.Statement(
                f"{existing.sql} UNION ALL SELECT * FROM {_NEW_ITEM}", existing.params
            ),
        },
        sql.Statement(
            f"SELECT r.*, r.id IN (SELECT {item_pk} FROM {_NEW_ITEM}) AS added "
            f"FROM ({rows.sql}) r ORDER BY r.id",
            rows.params,
        ),
    )
    found = sql.select_dicts(statement.sql, statement.params)
    for row in found:
        if row.pop("added"):
            item.pk, item.sub_order_id = row["id"], row["sub_order_id"]
            item.created_at = item.updated_at = now
            item._state.adding = False
            # Its address's sub-order, which the statement's read cannot see when it created it.
            row["sub_order__shipping_address_id"] = item.shipping_address_id
    return PricedRows(found, item_rows_rules(found) if rules else None)


@sql.once
def _address_sub_order(order_id: int, address_id: int | None = None) -> sql.Statement | None:
    # Compiled once for each kind of address (config.sql.once; with and without one).
    return sql.subquery(
        SubOrder.objects.filter(order_id=order_id, shipping_address_id=address_id)
        .order_by("pk")
        .values("pk")[:1]
    )


@sql.once
def _order_items(order_id: int) -> sql.Statement | None:
    # Every column, in the order RETURNING lists them for the new item (concrete_fields).
    return sql.select(OrderItem.objects.filter(order_id=order_id).order_by())


@sql.once
def _no_offer_line(order_id: int, offer_id: int) -> sql.Statement | None:
    return sql.exists(
        OrderItem.objects.filter(order_id=order_id, offer_id=offer_id).values("pk"), negated=True
    )


@transaction.atomic
def order_item_quantity_change(*, item_id: int, quantity: Decimal, actor: Actor) -> OrderItem:
    order_id = OrderItem.objects.values_list("order_id", flat=True).get(pk=item_id)
    order = order_lock(order_id=order_id)
    _check_open_to_change(order)
    quantity = _check_quantity(quantity)
    item = OrderItem.objects.get(pk=item_id)
    before = item.quantity
    item.quantity = quantity
    item.total_product = _line_amount(order, quantity, item.unit_price)
    item.updated_at = timezone.now()
    item.save(update_fields=["quantity", "total_product", "updated_at"])
    # A reduction gives the difference back at once; an increase holds more, or raises.
    reservation_resize(order_item_id=item.pk, quantity=quantity, product_name=item.product_name)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.ITEM_CHANGED,
        message=EventText(
            gettext_noop("%(product)s: %(before)s → %(after)s"),
            {"product": item.product_name, "before": before, "after": quantity},
        ),
        data={"item": item.pk, "from": str(before), "to": str(quantity)},
    )
    order_totals_recompute(order=order)
    _after_live_change(order)
    return item


@transaction.atomic
def order_item_remove(*, item_id: int, actor: Actor) -> None:
    item = OrderItem.objects.get(pk=item_id)
    order = order_lock(order_id=item.order_id)
    _check_open_to_change(order)
    reservations_release(order_id=order.pk, item_ids=[item.pk])
    item.delete()
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.ITEM_REMOVED,
        message=EventText(gettext_noop("Removed %(product)s"), {"product": item.product_name}),
        data={"product": item.product_id},
    )
    order_totals_recompute(order=order)
    _after_live_change(order, also_producer_ids=[item.producer_id])


def order_items_change(
    *,
    order: Order,
    actor: Actor,
    items: dict[int, OrderItem] | None = None,
    quantities: dict[int, Decimal] | None = None,
    removals=(),
    additions: Sequence[NewItem] = (),
    reserve_additions: bool | None = None,
    events=(),
    sub_order_id: int | None = None,
    held_reservations: list | None = None,
) -> tuple[list[OrderItem | AddedItem], list[dict]]:
    """Change many items of an order open to change (P, or E under an edit) at once: remove
    `removals`, give `quantities` (item id → quantity) to those items, add `additions`; then
    re-price once. The caller's transaction holds the order row (order_lock, or created the
    order in it); `items` are the order's items as loaded (with product, producer, offer).

    Stock follows in one decision (inventory.services.reservations.reservations_change): what
    removals and reductions give back, increases and additions may take; new items reserve
    under an edit (or when `reserve_additions`), backordered where their offer allows it;
    InsufficientStock lists every short item and the caller's transaction rolls back. Events:
    `events` (the caller's, unsaved, first), then one per removal, change and addition.

    Statements, whatever the number of items: the new items, the reservations (read, locks,
    one write), the removed items' delete, the re-pricing (order_totals_recompute: the item
    rows and the rules in one read, one write with the events), and for a placed order the
    producer orders' refresh request. `held_reservations`: the order's reservations when the
    caller has them (then they are not read). Returns the order's items (kept, as given; then
    added, as AddedItem) and their rows as priced, with each row's `discount` (its coupons and
    discounts, a positive amount)."""
    _check_open_to_change(order)
    items = dict(items or {})
    quantities = {pk: _check_quantity(q) for pk, q in (quantities or {}).items()}
    removed = [items.pop(pk) for pk in removals]
    changed = {pk: q for pk, q in quantities.items() if items[pk].quantity != q}
    now = timezone.now()
    # One event per line: rows, not model instances (a partner's order may have 2,000 lines).
    new_events: list[OrderEvent | dict] = list(events)
    new_events += [
        order_event_row(
            order=order,
            actor=actor,
            kind=OrderEvent.Kind.ITEM_REMOVED,
            message=EventText(gettext_noop("Removed %(product)s"), {"product": item.product_name}),
            data={"product": item.product_id},
            created_at=now,
        )
        for item in removed
    ]
    for pk, quantity in changed.items():
        item = items[pk]
        new_events.append(
            order_event_row(
                order=order,
                actor=actor,
                kind=OrderEvent.Kind.ITEM_CHANGED,
                message=EventText(
                    gettext_noop("%(product)s: %(before)s → %(after)s"),
                    {"product": item.product_name, "before": item.quantity, "after": quantity},
                ),
                data={"item": pk, "from": str(item.quantity), "to": str(quantity)},
                created_at=now,
            )
        )
        item.quantity = quantity
        item.total_product = _line_amount(order, quantity, item.unit_price)
        item.updated_at = now
    if sub_order_id is None:
        sub_order_id = next(
            (
                i.sub_order_id
                for i in items.values()
                if i.shipping_address_id == order.shipping_address_id
            ),
            None,
        )
    # The new items as rows (config.sql.insert_new), with what their stock request reads of
    # the offer: no model instance per line.
    added = [
        _item_values(order, line, sub_order_id=sub_order_id)
        | {
            "offer__stock_limitation": line.offer.stock_limitation if line.offer else None,
            "offer__allows_backorder": line.offer is not None and line.offer.allows_backorder,
        }
        for line in additions
    ]
    if added:
        new_ids = sql.run(sql.insert_new(OrderItem, added, now=now, returning_pk=True))
        for row, (pk,) in zip(added, new_ids, strict=True):
            row["id"] = pk
            row["inventory_status"] = InventoryStatus.NOT_ALLOCATED
            row["inventory_unknown"] = False
            row["updated_at"] = now
            new_events.append(_item_added_row(order, row, actor, now))

    if reserve_additions is None:
        reserve_additions = order.status == OrderStatus.CSR_EDIT
    allocations = reservations_change(
        order_id=order.pk,
        held=held_reservations,
        release_item_ids=[item.pk for item in removed],
        resize=changed,
        requests=[item_stock_request(row) for row in added] if reserve_additions else [],
        product_names={pk: items[pk].product_name for pk in changed},
    )
    if removed:
        # The removed items, their adjustments and the backups' links to them, in one round
        # trip: the statements do not grow with the number of items.
        ids = [item.pk for item in removed]
        sql.run(
            sql.delete_where(ItemAdjustment.objects.filter(item_id__in=ids)),
            sql.update_where(OrderItem.objects.filter(backup_of_id__in=ids), {"backup_of": None}),
            sql.delete_where(OrderItem.objects.filter(pk__in=ids, order_id=order.pk)),
        )

    for row in added:
        if row["id"] in allocations:
            row["inventory_unknown"] = allocations[row["id"]] == Allocation.UNKNOWN
            row["inventory_status"] = _INVENTORY_STATUS.get(
                allocations[row["id"]], InventoryStatus.ALLOCATED
            )
    written = {
        pk: [getattr(item, name) for name in _CHANGED_ITEM_FIELDS] for pk, item in items.items()
    }
    written |= {row["id"]: [row[name] for name in _CHANGED_ITEM_FIELDS] for row in added}
    rows, rules = order_item_rows_priced(order=order)
    for row in rows:
        row.update(zip(_CHANGED_ITEM_FIELDS, written[row["id"]], strict=True))
    # The events are written with the re-pricing, in its one round trip.
    order_totals_recompute(
        order=order,
        items=rows,
        rules=rules,
        item_fields=_CHANGED_ITEM_FIELDS,
        events=new_events,
    )
    if removed or changed or added:
        _after_live_change(order, also_producer_ids=sorted({i.producer_id for i in removed}))
    kept: list[OrderItem | AddedItem] = list(items.values())
    return kept + [
        AddedItem(
            pk=row["id"],
            product=line.product,
            offer_id=row["offer_id"],
            quantity=row["quantity"],
            nominal_quantity=row["nominal_quantity"],
            unit_of_measure=row["unit_of_measure"],
            unit_price=row["unit_price"],
            vat_rate=row["vat_rate"],
            inventory_status=row["inventory_status"],
        )
        for row, line in zip(added, additions, strict=True)
    ], rows


_INVENTORY_STATUS = {
    Allocation.BACKORDERED: InventoryStatus.BACKORDERED,
    Allocation.UNKNOWN: InventoryStatus.NOT_ALLOCATED,
}
_CHANGED_ITEM_FIELDS = (
    "quantity",
    "total_product",
    "updated_at",
    "inventory_status",
    "inventory_unknown",
)
