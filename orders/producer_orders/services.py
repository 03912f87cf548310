"""Producer orders: one per (sales session, producer), recomputed from live customer orders."""

from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from operator import itemgetter
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from config import sql
from config.models import WorkRequest
from config.money import line_total
from config.work import WorkRequestWrite, work_request_write
from orders.models import ProducerOrder, ProducerOrderLine
from platforms.encryption import ENCRYPTED_FIELDS

GRAM = Decimal("0.001")


def _aggregate_by_weight(session) -> bool:
    if session.aggregate_by_weight is not None:
        return session.aggregate_by_weight
    return session.trader.aggregate_by_weight


def session_for_refresh(session_id: int, *, lock: bool = False):
    """The session with its trader and, in the same statement, the producers that state a
    consolidation wish of their own (few: most leave it to the trader); `lock`: the session
    row FOR UPDATE (the close's lock, so the close reads its session once)."""
    from django.contrib.postgres.expressions import ArraySubquery

    from platforms.models import Enterprise
    from sessions_app.models import SaleSession

    def wishing(value: bool):
        return ArraySubquery(
            Enterprise.objects.filter(producer_consolidation=value).order_by("pk").values("pk")
        )

    sessions = SaleSession.objects.select_related("trader").annotate(
        producers_consolidating=wishing(True), producers_per_order=wishing(False)
    )
    if lock:
        sessions = sessions.select_for_update(of=("self",))
    return sessions.get(pk=session_id)


class _Modes:
    """Each producer's consolidation in a session, by orders.selectors.consolidation_resolve;
    `exceptions` are the producers whose mode differs from the session's default."""

    def __init__(self, session, existing: set) -> None:
        from orders.selectors import consolidation_resolve

        wishes = {pk: True for pk in session.producers_consolidating or ()}
        wishes |= {pk: False for pk in session.producers_per_order or ()}
        self._resolve = lambda producer_setting: (
            consolidation_resolve(
                session_override=session.consolidate_per_producer,
                producer_setting=producer_setting,
                trader_default=session.trader.consolidate_per_producer,
            ).consolidated
        )
        self.default = self._resolve(None)
        self.consolidated = {pk: self._resolve(wish) for pk, wish in wishes.items()}
        if session.state == session.State.CLOSED:
            # A closed session's producer orders are final: no setting changed later switches
            # them (the session's own switch is refused once it is closed).
            self.consolidated |= {pk: order_id is None for pk, order_id in existing}
        self.exceptions = {pk for pk, mode in self.consolidated.items() if mode != self.default}

    def of(self, producer_id: int) -> bool:
        return self.consolidated.get(producer_id, self.default)


# A producer order is known by (producer id, customer order id or None when consolidated).
Key = tuple[int, int | None]


def _live_rows(session_id: int, producers: Q, per_customer_order: bool) -> sql.Statement | None:
    """The GROUP BY of the session's live lines per (producer, product) — or per (producer,
    customer order, product) — as the ORM builds it, unordered (session_live_totals orders
    the joined rows); None when `producers` matches nothing by construction."""
    group = (
        ("producer_id", "order_id", "product_id")
        if per_customer_order
        else ("producer_id", "product_id")
    )
    from orders.selectors import session_live_items

    return sql.select(
        session_live_items(session_id)
        .filter(
            producers,
            # An item that became unavailable (its order in L) is not asked of the producer.
            unavailable_reason="",
        )
        .values(*group)
        .annotate(
            customer_quantity=Sum("quantity"),
            offer_id=Max("offer_id"),
            unit_price=Max("unit_price"),
            # One currency per order, and a session's offers share it: the producer order
            # is in that currency, never a default.
            currency=Max("order__currency"),
        )
        .order_by()
    )


# The GROUP BY of every producer of a session in one mode (the close's, and a whole session's
# refresh), compiled once: building the ORM query took ~2.7 ms a call.
_ALL_PRODUCERS_LIVE_ROWS = {
    per_customer_order: sql.once(
        lambda session_id, per_customer_order=per_customer_order: _live_rows(
            session_id, Q(), per_customer_order
        )
    )
    for per_customer_order in (False, True)
}


# Plain SQL around the ORM's GROUP BYs (ADR 0003; docs/performance.md "Session close: the
# products in the GROUP BY's statement"): the (at most 1,000) grouped rows are joined to their
# products, their wholesale products and the session's offer of it (one lookup for its pk and
# price) in the same statement. A second read sending the 1,000 product ids as an array, with
# two correlated sub-selects per product for the offer, cost 5–6 ms of PostgreSQL and ~4 ms
# of Python a close. `{parts}`: one or two GROUP BYs (_LIVE_PART_SQL), UNION ALL; the rows
# come in the order of the parts, then (producer, customer order, product). Each column is
# labelled with the key its row dict carries; `weight` is Σ quantity × the product's unit
# weight (exact in numeric, as Decimal multiplication is).
_LIVE_TOTALS_SQL = """
    SELECT g.producer_id, g.order_id, g.product_id, g.customer_quantity, g.offer_id,
           g.unit_price, g.currency, g.customer_quantity * p.weight_kg AS weight,
           p.weight_kg, p.pack_weight_kg, p.catalog_discount AS discount_per_unit,
           p.wholesale_product_id, p.wholesale_ratio,
           w.weight_kg AS wholesale_product__weight_kg,
           w.catalog_discount AS wholesale_product__catalog_discount,
           wo.id AS wholesale_offer_id, wo.price AS wholesale_price
    FROM ({parts}) g
    JOIN inventory_product p ON p.id = g.product_id
    LEFT JOIN inventory_product w ON w.id = p.wholesale_product_id
    LEFT JOIN LATERAL (
        SELECT o.id, o.price FROM sessions_app_offer o
        WHERE o.session_id = %s AND o.product_id = p.wholesale_product_id
        ORDER BY o.id LIMIT 1
    ) wo ON true
    ORDER BY g.part, g.producer_id, g.order_id, g.product_id
"""
# One GROUP BY's rows; a consolidated one has no customer order (NULL).
_LIVE_PART_SQL = """
    SELECT {part} AS part, producer_id, {order_id} AS order_id, product_id, customer_quantity,
           offer_id, unit_price, currency
    FROM ({grouped}) grouped_{part}
"""


def session_live_totals(
    session_id: int,
    producer_ids,
    *,
    per_customer_order: bool = False,
    other_mode: frozenset[int] | set[int] = frozenset(),
) -> dict[Key, list[dict]]:
    """Σ quantity per (producer, product) — or per (producer, customer order, product) when
    not consolidated — over the session's live orders, each row with its product's figures
    (unit and pack weights, catalog discount, wholesale product and ratio, the wholesale
    product's weight and discount, the session's offer of it: its pk and price): one
    statement, a GROUP BY (two, UNION ALL, when some producers, `other_mode`, take the other
    mode than `per_customer_order`) joined to the products, whatever the number of orders.
    Weight is Σ quantity × the product's unit weight (the same for every line)."""
    scope = Q() if producer_ids is None else Q(producer_id__in=list(producer_ids))
    others = set(other_mode)
    if producer_ids is not None:
        others &= set(producer_ids)
    parts: list[tuple[sql.Statement | None, bool]] = []
    if producer_ids is None and not others:
        parts.append(
            (_ALL_PRODUCERS_LIVE_ROWS[per_customer_order](int(session_id)), per_customer_order)
        )
    elif producer_ids is None or set(producer_ids) - others:
        parts.append(
            (
                _live_rows(
                    session_id, scope & ~Q(producer_id__in=sorted(others)), per_customer_order
                ),
                per_customer_order,
            )
        )
    if others:
        parts.append(
            (
                _live_rows(session_id, Q(producer_id__in=sorted(others)), not per_customer_order),
                not per_customer_order,
            )
        )
    texts: list[str] = []
    params: list[Any] = []
    for part, (grouped, per_order) in enumerate(parts):
        if grouped is None:
            continue
        texts.append(
            _LIVE_PART_SQL.format(
                part=part, order_id="order_id" if per_order else "NULL::bigint", grouped=grouped.sql
            )
        )
        params += grouped.params
    if not texts:
        return {}
    rows = sql.select_dicts(
        _LIVE_TOTALS_SQL.format(parts=" UNION ALL ".join(texts)), (*params, session_id)
    )
    grouped_rows: dict[Key, list[dict]] = {}
    for row in rows:
        key = (row["producer_id"], row["order_id"])
        if key in grouped_rows:
            grouped_rows[key].append(row)
        else:
            grouped_rows[key] = [row]
    return grouped_rows


def wholesale_ratio(row: Mapping[str, Any]) -> Decimal | None:
    """How many units of a retail product one unit of its wholesale product holds (`row`: a
    row of session_live_totals, its product's figures): the stated ratio, else the weights'
    quotient; None without a wholesale product or a way to tell."""
    if row["wholesale_product_id"] is None:
        return None
    if row["wholesale_ratio"]:
        return row["wholesale_ratio"]
    retail, wholesale = row["weight_kg"], row["wholesale_product__weight_kg"]
    return wholesale / retail if retail and wholesale else None


def wholesale_rows(rows: list[dict]) -> list[dict]:
    """Aggregation's bulk units (use case 6), as OFN's FdcOfferBroker pairs a retail product
    with its wholesale one: every retail row whose product names a wholesale product becomes
    need = Σ quantity ÷ ratio of that wholesale product, at its session offer's price (or the
    retail price × ratio when the session lists no offer of it); retail products without a
    pair stay as they are (`needs_wholesale` when bulk-bought, for the admin's warning: set
    on the row itself, which is session_live_totals' own)."""
    out: list[dict] = []
    merged: dict[int, dict] = {}
    for row in rows:
        ratio = wholesale_ratio(row)
        if ratio is None:
            # A product with a pack weight is bought in bulk: without its wholesale product
            # named, the order can only ask for retail units (the admin warns).
            row["needs_wholesale"] = row["pack_weight_kg"] is not None
            out.append(row)
            continue
        wholesale_id = row["wholesale_product_id"]
        target = merged.get(wholesale_id)
        if target is None:
            target = merged[wholesale_id] = {
                "product_id": wholesale_id,
                "offer_id": row["wholesale_offer_id"],
                "customer_quantity": Decimal(0),
                "unit_price": row["wholesale_price"]
                if row["wholesale_price"] is not None
                else line_total(row["unit_price"], ratio),
                "weight": Decimal(0),
                "pack_weight_kg": row["wholesale_product__weight_kg"],
                "discount_per_unit": row["wholesale_product__catalog_discount"],
                "wholesale": True,
            }
            out.append(target)
        target["customer_quantity"] += row["customer_quantity"] / ratio
        if target["weight"] is not None and row["weight"] is not None:
            target["weight"] += row["weight"]
        else:
            target["weight"] = None
    return out


def producer_order_line_fields(row: dict, *, packs_by_weight: bool = False) -> dict:
    """A producer order line from a row of session_live_totals (or wholesale_rows): a
    wholesale row orders whole wholesale units, rounded up, the surplus kept; a retail row
    orders what customers ordered. `packs_by_weight` (the bulk report's "what if") rounds a
    retail row's weight up to its pack weight too; a producer order never does: a pack count
    sent against the retail product would under-deliver or over-charge."""
    need = row["customer_quantity"]
    weight = row["weight"]
    pack = row["pack_weight_kg"]
    quantity = need
    packs = surplus = None
    if row.get("wholesale"):
        packs = int(need.to_integral_value(rounding=ROUND_CEILING))
        quantity = Decimal(packs)
        if pack and weight is not None:
            surplus = (packs * pack - weight).quantize(GRAM)
    elif packs_by_weight and pack and weight is not None:
        packs = int((weight / pack).to_integral_value(rounding=ROUND_CEILING))
        surplus = (packs * pack - weight).quantize(GRAM)
    per_unit = row.get("discount_per_unit")
    return {
        "product_id": row["product_id"],
        "offer_id": row["offer_id"],
        "customer_quantity": need.quantize(GRAM, rounding=ROUND_HALF_UP),
        "quantity": quantity,
        "unit_price": row["unit_price"],
        "weight_kg": weight.quantize(GRAM) if weight is not None else None,
        "packs": packs,
        "surplus_kg": surplus,
        "discount": line_total(quantity, per_unit) if per_unit else Decimal("0.00"),
    }


@transaction.atomic
def producer_orders_refresh(*, session_id: int, producer_ids: list[int] | None = None) -> list[int]:
    """Recompute the producer orders of a session (all producers, or only `producer_ids`).

    Guarantees: one live producer order per (session, producer) — or, for a producer whose
    orders are not consolidated (orders.selectors.consolidation_resolve), per (session,
    producer, customer order) — by unique constraints and an insert that ignores conflicts;
    the producer orders are locked in pk order before their lines are rewritten, so
    concurrent refreshes serialise and the last one wins with the same figures; lines equal
    Σ live customer quantities per product (rounded up to whole packs when aggregating by
    weight); a producer order of the other mode than its producer's (the option was switched)
    is cancelled, never emptied, and owed to its partner as Cancelled; a producer order whose
    lines or state changed gets its version bumped and status F. Returns the ids of the
    producer orders that changed.
    """
    changed, _ = producer_orders_recompute(
        session=session_for_refresh(session_id), producer_ids=producer_ids
    )
    return [producer_order.pk for producer_order in changed]


def producer_orders_recompute(
    *, session, producer_ids: list[int] | None = None
) -> tuple[list[ProducerOrder], list[ProducerOrder]]:
    """`producer_orders_refresh`'s work, in the caller's transaction, for a session read by
    `session_for_refresh`: the producer orders that changed (written and owed to their
    producers) and every producer order it locked, in pk order, as they are now (the
    session close completes those: it need not lock and read them again)."""
    session_id = session.pk
    by_weight = _aggregate_by_weight(session)
    scope = ProducerOrder.objects.filter(sales_session_id=session_id).exclude(
        order_state=ProducerOrder.OrderState.CANCELLED
    )
    if producer_ids is not None:
        scope = scope.filter(producer_id__in=producer_ids)
    # Every existing producer order in scope is recomputed: one whose lines all went away
    # keeps its order, now empty. Producers with no live lines and no producer order yet
    # need none.
    existing = set(scope.values_list("producer_id", "customer_order_id"))
    modes = _Modes(session, existing)
    totals = session_live_totals(
        session_id,
        producer_ids,
        per_customer_order=not modes.default,
        other_mode=modes.exceptions,
    )
    ProducerOrder.objects.bulk_create(
        [
            ProducerOrder(
                sales_session_id=session_id,
                producer_id=producer_id,
                customer_order_id=customer_order_id,
                trader_id=session.trader_id,
                aggregate_by_weight=by_weight,
                currency=_currency_of(totals[(producer_id, customer_order_id)], "EUR"),
            )
            for producer_id, customer_order_id in sorted(
                set(totals) - existing, key=lambda key: (key[0], key[1] or 0)
            )
        ],
        ignore_conflicts=True,
    )
    producer_orders = list(
        scope.select_for_update(of=("self",))
        .select_related("producer__platform")
        # The platforms' secrets are decrypted as they load (~50 µs each, two or more per
        # producer): nothing here reads them.
        .defer(*_PLATFORM_SECRETS)
        .filter(producer_id__in={producer_id for producer_id, _ in set(totals) | existing})
        .order_by("pk")
    )
    # The lines as they stand, as values to compare (not a model instance per line: a close
    # compares every line of the session, docs/performance.md "Sessions at scale").
    current: dict[int, dict[int, tuple]] = {}
    # Unordered: the model's ordering (producer order, product name) joined the products
    # and sorted 1,000 lines by name for a dict (docs/performance.md, "Session close").
    # Read as the driver gives them (psycopg: Decimal for numeric, int for integer), without
    # the ORM's iterator: Django has no converter for these columns.
    for line in sql.run(
        sql.select(
            ProducerOrderLine.objects.filter(producer_order__in=producer_orders)
            .order_by()
            .values_list("producer_order_id", "product_id", *_COMPARED_LINE_FIELDS)
        )
    ):
        current.setdefault(line[0], {})[line[1]] = line[2:]

    now = timezone.now()
    changed: list[ProducerOrder] = []
    stale_lines = Q(pk__in=[])
    upserts: list[ProducerOrderLine] = []
    for producer_order in producer_orders:
        key = (producer_order.producer_id, producer_order.customer_order_id)
        if modes.of(producer_order.producer_id) != (producer_order.customer_order_id is None):
            # Obsolete after a switch: cancelled with its lines as they were (the partner is
            # told Cancelled); the producer's orders of the new mode replace it.
            producer_order.order_state = ProducerOrder.OrderState.CANCELLED
            producer_order.cancelled_at = now
        else:
            rows = totals.get(key, [])
            target = {
                row["product_id"]: producer_order_line_fields(row)
                for row in (wholesale_rows(rows) if by_weight else rows)
            }
            before = current.get(producer_order.pk, {})
            currency = _currency_of(rows, producer_order.currency)
            if (
                _same_lines(before, target)
                and producer_order.aggregate_by_weight == by_weight
                and producer_order.currency == currency
            ):
                continue
            producer_order.currency = currency
            stale_lines |= Q(producer_order=producer_order) & ~Q(product_id__in=list(target))
            upserts += [
                ProducerOrderLine(producer_order=producer_order, **fields)
                for fields in target.values()
            ]
            producer_order.aggregate_by_weight = by_weight
            producer_order.total_product = sum(
                (line_total(f["quantity"], f["unit_price"]) for f in target.values()),
                Decimal("0.00"),
            )
            producer_order.total_discount = sum(
                (f["discount"] for f in target.values()), Decimal("0.00")
            )
        producer_order.version += 1
        # A producer on this platform reads its order in the admin: it holds the latest (G).
        producer_order.status = (
            ProducerOrder.Status.WAITING_REMOTE_FULFILMENT
            if producer_order.producer.platform.is_local
            else ProducerOrder.Status.READY_FOR_REMOTE_FULFILMENT
        )
        producer_order.computed_at = now
        producer_order.updated_at = now
        changed.append(producer_order)
    if not changed:
        return [], producer_orders
    # A constant number of statements, however many producers and lines.
    ProducerOrderLine.objects.filter(stale_lines).delete()
    ProducerOrderLine.objects.bulk_create(
        upserts,
        update_conflicts=True,
        unique_fields=["producer_order", "product"],
        update_fields=[
            "offer",
            "customer_quantity",
            "quantity",
            "unit_price",
            "weight_kg",
            "packs",
            "surplus_kg",
            "discount",
        ],
    )
    _producer_orders_update(changed, now)
    producer_orders_deliver(producer_orders=changed)
    return changed, producer_orders


_PLATFORM_SECRETS = tuple(
    f"producer__platform__{name}" for name in ENCRYPTED_FIELDS["platforms.Platform"]
)


def _currency_of(rows: list[dict], default: str) -> str:
    return next((row["currency"] for row in rows if row.get("currency")), default)


_REFRESHED_FIELDS = (
    "aggregate_by_weight",
    "total_product",
    "total_discount",
    "version",
    "status",
    "order_state",
    "cancelled_at",
    "currency",
)


def _producer_orders_update(producer_orders: list[ProducerOrder], now) -> None:
    """One UPDATE … FROM unnest(…) for every changed producer order (config.sql): Django's
    bulk_update builds a CASE per field and row, which cost more than the rest of a refresh."""
    rows = [
        {"id": p.pk, **{name: getattr(p, name) for name in _REFRESHED_FIELDS}}
        for p in producer_orders
    ]
    sql.run(
        sql.update_rows(
            ProducerOrder, rows, _REFRESHED_FIELDS, also={"computed_at": now, "updated_at": now}
        )
    )


def producer_orders_deliver(*, producer_orders: list[ProducerOrder]) -> None:
    """Owe each producer the latest state of its order, in the caller's transaction.

    Producers on other platforms get it through the outbox (POST, then PUT). A producer on this
    platform reads it in the admin: it already holds the latest state (G).
    """
    from platforms.models import OutboxMessage
    from platforms.outbox.services import outbox_enqueue_many

    local = [
        p
        for p in producer_orders
        if p.producer.platform.is_local
        and p.status != ProducerOrder.Status.WAITING_REMOTE_FULFILMENT
    ]
    if local:
        ProducerOrder.objects.filter(pk__in=[p.pk for p in local]).update(
            status=ProducerOrder.Status.WAITING_REMOTE_FULFILMENT
        )
        for producer_order in local:
            producer_order.status = ProducerOrder.Status.WAITING_REMOTE_FULFILMENT
    remote = [p for p in producer_orders if not p.producer.platform.is_local]
    if remote:
        outbox_enqueue_many(
            kind=OutboxMessage.Kind.PRODUCER_ORDER,
            subjects=[(p.producer.platform, f"producer-order:{p.pk}", p.pk) for p in remote],
        )


_COMPARED_LINE_FIELDS = (
    "customer_quantity",
    "quantity",
    "unit_price",
    "packs",
    "surplus_kg",
    "discount",
)
_compared = itemgetter(*_COMPARED_LINE_FIELDS)


def _same_lines(before: dict[int, tuple], target: dict[int, dict]) -> bool:
    """Whether the lines as they stand (values of _COMPARED_LINE_FIELDS by product) are the
    lines computed."""
    if before.keys() != target.keys():
        return False
    return all(before[product_id] == _compared(fields) for product_id, fields in target.items())


def producer_orders_request_refresh(*, order, also_producer_ids=()) -> None:
    """Owe a refresh of the producer orders an order touches, in the caller's transaction.

    Call this from any service that places, changes or cancels a customer order in a session.
    A WorkRequest row (config/work.py) commits with the change; a worker runs
    `producer_orders_refresh_for_order` after commit, and beat sweeps a request whose Celery
    message was lost. The recompute is idempotent, so a repeated request changes nothing.
    """
    write = producer_orders_refresh_write(order=order, also_producer_ids=also_producer_ids)
    if write is not None:
        write.save()


def producer_orders_refresh_write(*, order, also_producer_ids=()) -> WorkRequestWrite | None:
    """producer_orders_request_refresh's work request as a statement, for a hot path to run
    with its other writes (config.work.work_request_write: the caller queues it with the id
    the statement returns); None for an order outside any session (nothing owed)."""
    if order.sales_session_id is None:
        return None
    # `also_producer_ids`: producers whose lines the change removed from the order.
    return work_request_write(
        kind=WorkRequest.Kind.PRODUCER_ORDERS_REFRESH,
        order_id=order.pk,
        also_producer_ids=sorted(set(also_producer_ids)),
    )


def producer_orders_refresh_for_order(*, order_id: int, also_producer_ids=()) -> list[int]:
    """Refresh the producer orders of an order's session for the producers of its items (as
    they are now) and `also_producer_ids`. Returns the ids of the producer orders that changed."""
    from orders.models import Order

    order = Order.objects.filter(pk=order_id).only("pk", "sales_session_id").first()
    if order is None or order.sales_session_id is None:
        return []
    producer_ids = sorted(
        set(order.items.values_list("producer_id", flat=True)) | set(also_producer_ids)
    )
    return producer_orders_refresh(session_id=order.sales_session_id, producer_ids=producer_ids)
