"""Whether a trader's rule holds an order for approval, and putting it there (P → W) when it is
paid for; deciding (approve, deny) is orders/services/approval.py.

The rule (orders.ApprovalRule, one per trader, and two fields on the customer):
- the order's total is above the trader's `order_total_over`;
- the customer is flagged `needs_approval`;
- the customer's live orders in the session plus this one go above their
  `session_spending_limit`.
"""

from decimal import Decimal

from django.db.models import Case, DecimalField, OuterRef, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from config import sql
from config.actors import Actor
from orders.events import EventText, order_event, stored_text, texts_param
from orders.models import ApprovalRule, Customer, Order, OrderEvent, PaymentStatus
from orders.services.status import order_status_move
from orders.statuses import LIVE_ORDER_STATUSES
from orders.statuses import OrderStatus as S


def approval_reasons_for(order: Order) -> list[EventText]:
    """Why the trader's rule holds this order for approval (empty: it does not), as texts
    translated when shown. One query (approval_rule_statement)."""
    statement = approval_rule_statement(order)
    rows = sql.run(statement) if statement is not None else []
    return approval_reasons_from(order, rows[0] if rows else None)


def approval_rule_statement(order: Order) -> sql.Statement | None:
    """What the rule reads, in one row of four columns: the trader's rule, the customer's flags,
    and (only when the customer has a limit) what their other live orders of the session
    already total. None: nothing to read (no customer)."""
    if order.customer_id is None:
        return None
    return _rule_statement(order.sales_session_id, order.pk, order.trader_id, order.customer_id)


def approval_reasons_from(order: Order, row: tuple | None) -> list[EventText]:
    """approval_reasons_for's reasons from approval_rule_statement's row (None, or a row of
    NULLs: no rule holds it)."""
    if row is None:
        return []
    threshold, flagged, limit, spent = row
    reasons = []
    if threshold is not None and order.grand_total > threshold:
        reasons.append(
            EventText(
                gettext_noop("total %(total)s %(currency)s is over %(threshold)s %(currency)s"),
                {"total": order.grand_total, "threshold": threshold, "currency": order.currency},
            )
        )
    if flagged:
        reasons.append(EventText(gettext_noop("the customer's orders need approval")))
    if limit is not None and Decimal(spent) + order.grand_total > limit:
        reasons.append(
            EventText(
                gettext_noop(
                    "the customer's orders in this session would total %(total)s "
                    "%(currency)s, over their limit of %(limit)s %(currency)s"
                ),
                {
                    "total": Decimal(spent) + order.grand_total,
                    "limit": limit,
                    "currency": order.currency,
                },
            )
        )
    return reasons


@sql.once
def _rule_statement(session_id, order_id: int, trader_id: int, customer_id: int):
    # Compiled once (config.sql.once): run by every payment; built on each call the ORM's
    # query took 18.9 ms under load (docs/performance.md, "One SQL mechanism").
    others = (
        Order.objects.filter(
            customer_id=OuterRef("pk"),
            sales_session_id=session_id,
            status__in=sorted(LIVE_ORDER_STATUSES),
        )
        .exclude(pk=order_id)
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("grand_total"))
        .values("total")
    )
    rule = ApprovalRule.objects.filter(trader_id=trader_id, is_active=True)
    return sql.select(
        Customer.objects.filter(pk=customer_id)
        .annotate(
            threshold=Subquery(rule.values("order_total_over")[:1]),
            spent=Case(
                When(session_spending_limit__isnull=True, then=None),
                default=Coalesce(Subquery(others), Decimal(0), output_field=DecimalField()),
                output_field=DecimalField(),
            ),
        )
        .values_list("threshold", "needs_approval", "session_spending_limit", "spent")
    )


def order_approval_wait(
    *, order: Order, method: str, reference: str, reasons: list[EventText], actor: Actor
) -> Order:
    """P → W, in the caller's transaction with the order locked: the payment method and the
    card on file are kept (nothing authorized yet), the reasons recorded on the order (in
    their stored form: shown in the reader's language by orders.events.stored_texts_render)
    and in an `approval` event."""
    stored = [stored_text(reason) for reason in reasons]
    text = EventText(
        gettext_noop("Waiting for approval: %(reasons)s"), {"reasons": texts_param(reasons)}
    )
    order = order_status_move(
        order=order,
        to_status=S.WAITING_APPROVAL,
        actor=actor,
        reason=text,
        also={
            "payment_method": method,
            "payment_reference": reference,
            "payment_status": PaymentStatus.UNPAID,
            "approval_reasons": stored,
        },
    )
    order.approval_reasons = stored
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.APPROVAL,
        message=text,
        data={"action": "wait", "reasons": stored},
    )
    return order
