"""Business actions on an order, and the one service that runs the one a person asked for.

Screens and endpoints never set a status letter: they offer the actions available for an
order and a user (order_actions_available), each with a human label,
whether it needs a reason, a confirmation question and the extra inputs it takes, and post
the chosen action's code to `order_action_run`. Each action is one service that moves the
order through `order_status_change` *and* does the work (stock, payment, producer orders,
events). An action unknown, not allowed to the user, or not available in the order's
current state is refused before anything is written.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.actors import Actor
from orders.exceptions import (
    InvalidActionInput,
    OrderActionForbidden,
    OrderActionNotAvailable,
    ReasonRequired,
    UnknownOrderAction,
)
from orders.models import Order, PaymentStatus
from orders.services import (
    approval,
    backorders,
    cancellation,
    edit_changes,
    editing,
    fulfilment,
    low_inventory,
    payment_operations,
    payments,
    remote_fulfilment,
)
from orders.services.notifications import customer_notification_queue
from orders.services.partner_resend import order_is_resendable, order_resend_to_partners
from orders.services.payment_providers import order_holds_card
from orders.services.status import order_lock
from orders.status_labels import order_status_label
from orders.statuses import CANCELLABLE_STATUSES, EDITABLE_STATUSES
from orders.statuses import OrderStatus as S

# A runner returns the order when its service does (anything else: order_action re-reads it).
Runner = Callable[[int, Actor, str, dict], object]
Predicate = Callable[[Order, object], bool]


@dataclass(frozen=True)
class OrderAction:
    """One business action. `statuses`: where it is offered; `when`: a further condition on
    the order and the user; `fields`: extra inputs (`amount`, `sub_orders`, `reference`)."""

    code: str
    label: str | Promise
    statuses: frozenset
    run: Runner
    needs_reason: bool = False
    permission: str = "orders.change_order"
    confirm: str | Promise = ""
    done: str | Promise = ""
    style: str = "default"  # default, primary, danger: for the screen's button
    fields: tuple[str, ...] = ()
    when: Predicate = field(default=lambda order, user: True)

    def is_available(self, order: Order, user) -> bool:
        return order.status in self.statuses and self.when(order, user)


def _pay_later_open(order: Order, user) -> bool:
    return not order_holds_card(order) and order.payment_status in (
        PaymentStatus.DEFERRED,
        PaymentStatus.DUE,
    )


def _payment_due(order: Order, user) -> bool:
    return order_holds_card(order) and order.payment_status == PaymentStatus.DUE


def _capturable(order: Order, user) -> bool:
    return order_holds_card(order) and order.payment_status in (
        PaymentStatus.AUTHORIZED,
        PaymentStatus.CAPTURE_FAILED,
    )


def _refundable(order: Order, user) -> bool:
    return order.amount_captured > order.amount_refunded


def _edit_holder(order: Order, user) -> bool:
    return order.locked_by_id is not None and order.locked_by_id == getattr(user, "pk", None)


def _edit_other(order: Order, user) -> bool:
    return not _edit_holder(order, user)


def _amount(data: dict) -> Decimal:
    try:
        amount = Decimal(str(data.get("amount", "")).strip())
    except InvalidOperation as error:
        raise InvalidActionInput(gettext("The amount must be a number, e.g. 12.50.")) from error
    exponent = amount.as_tuple().exponent  # an int for a finite number
    if not isinstance(exponent, int) or exponent < -2:
        raise InvalidActionInput(gettext("The amount must be a number with at most two decimals."))
    return amount


def _sub_orders(data: dict) -> list[int] | None:
    raw = data.get("sub_orders")
    if not raw:
        return None
    try:
        return [int(value) for value in raw]
    except (TypeError, ValueError) as error:
        raise InvalidActionInput(gettext("Sub-orders are given by their numbers.")) from error


def _partner(data: dict) -> int:
    try:
        return int(data.get("partner", ""))
    except (TypeError, ValueError) as error:
        raise InvalidActionInput(gettext("Choose the partner that fulfils the order.")) from error


ACTIONS: tuple[OrderAction, ...] = (
    OrderAction(
        code="approve",
        label=_("Approve order"),
        statuses=frozenset({S.WAITING_APPROVAL}),
        permission="orders.approve_order",
        run=lambda pk, actor, reason, data: approval.order_approve(
            order_id=pk, actor=actor, note=reason
        ),
        done=_("Approved: the payment is authorized and processing goes on."),
        style="primary",
    ),
    OrderAction(
        code="deny",
        label=_("Deny order"),
        statuses=frozenset({S.WAITING_APPROVAL}),
        permission="orders.approve_order",
        needs_reason=True,
        confirm=_("Deny this order? Its stock is released and the customer is told."),
        run=lambda pk, actor, reason, data: approval.order_deny(
            order_id=pk, actor=actor, reason=reason
        ),
        done=_("Denied: stock released, the customer is told."),
        style="danger",
    ),
    OrderAction(
        code="review_accept",
        label=_("Accept payment"),
        statuses=frozenset({S.PAYMENT_REVIEW}),
        run=lambda pk, actor, reason, data: payments.order_payment_review_accept(
            order_id=pk, actor=actor
        ),
        done=_("Payment accepted: it counts as authorized."),
        style="primary",
    ),
    OrderAction(
        code="review_decline",
        label=_("Decline payment and cancel"),
        statuses=frozenset({S.PAYMENT_REVIEW}),
        needs_reason=True,
        confirm=_("Decline this payment? The order is cancelled and its stock released."),
        run=lambda pk, actor, reason, data: payments.order_payment_review_decline(
            order_id=pk, actor=actor, reason=reason
        ),
        done=_("Payment declined: the order is cancelled."),
        style="danger",
    ),
    OrderAction(
        code="confirm_pay_later",
        label=_("Confirm order (payment at pickup / on invoice)"),
        statuses=frozenset({S.SUBMITTED}),
        when=_pay_later_open,
        run=lambda pk, actor, reason, data: payment_operations.order_pay_later_confirm(
            order_id=pk, actor=actor
        ),
        done=_("Confirmed for fulfilment; the payment is still to collect."),
    ),
    OrderAction(
        code="record_payment",
        label=_("Record payment received"),
        statuses=frozenset({S.SUBMITTED, S.COMPLETE, S.RELEASED, S.SHIPPED}),
        when=_pay_later_open,
        fields=("reference",),
        run=lambda pk, actor, reason, data: payment_operations.order_payment_receive(
            order_id=pk, actor=actor, reference=str(data.get("reference", ""))[:120], note=reason
        ),
        done=_("Payment recorded as received."),
        style="primary",
    ),
    OrderAction(
        code="reauthorize",
        label=_("Re-authorize payment"),
        statuses=frozenset({S.PAYMENT_INITIATED, S.COMPLETE}),
        when=_payment_due,
        run=lambda pk, actor, reason, data: payment_operations.order_payment_reauthorize(
            order_id=pk, actor=actor
        ),
        done=_("Re-authorization requested."),
    ),
    OrderAction(
        code="allocate_backorders",
        label=_("Allocate backorders now"),
        statuses=frozenset({S.BACKORDERED}),
        run=lambda pk, actor, reason, data: backorders.order_backorders_allocate_now(
            order_id=pk, actor=actor
        ),
        done=_("Backorders allocated."),
    ),
    OrderAction(
        code="retry_allocation",
        label=_("Allocate short items again"),
        statuses=frozenset({S.LOW_INVENTORY}),
        run=lambda pk, actor, reason, data: low_inventory.order_low_inventory_retry(
            order_id=pk, actor=actor
        ),
        done=_("Short items allocated again."),
    ),
    OrderAction(
        code="remove_unavailable",
        label=_("Remove the unavailable items"),
        statuses=frozenset({S.LOW_INVENTORY}),
        confirm=_("Remove the unavailable items from this order? It is re-priced."),
        run=lambda pk, actor, reason, data: edit_changes.order_unavailable_items_remove(
            order_id=pk, actor=actor
        ),
        done=_("Unavailable items removed; the order is re-priced."),
    ),
    OrderAction(
        code="release",
        label=_("Release to fulfilment"),
        statuses=frozenset({S.COMPLETE}),
        run=lambda pk, actor, reason, data: fulfilment.order_release(order_id=pk, actor=actor),
        done=_("Released to fulfilment: the pick list is written."),
        style="primary",
    ),
    OrderAction(
        code="hand_to_remote",
        label=_("Hand to remote fulfilment"),
        statuses=frozenset({S.COMPLETE}),
        when=lambda order, user: (
            order.payment_status != PaymentStatus.DUE
            and remote_fulfilment.remote_fulfilment_partners(order.trader_id).exists()
        ),
        fields=("partner",),
        confirm=_("Hand this order to the chosen partner for fulfilment?"),
        run=lambda pk, actor, reason, data: remote_fulfilment.order_remote_fulfilment_hand_over(
            order_id=pk, actor=actor, partner_id=_partner(data)
        ),
        done=_("Handed to the partner for remote fulfilment."),
    ),
    OrderAction(
        code="ship",
        label=_("Mark shipped"),
        statuses=frozenset({S.RELEASED}),
        fields=("sub_orders",),
        run=lambda pk, actor, reason, data: fulfilment.order_ship(
            order_id=pk, actor=actor, sub_order_ids=_sub_orders(data)
        ),
        done=_("Shipped."),
        style="primary",
    ),
    OrderAction(
        code="capture",
        label=_("Capture payment"),
        statuses=frozenset({S.SHIPPED}),
        when=_capturable,
        run=lambda pk, actor, reason, data: payment_operations.order_payment_capture(
            order_id=pk, actor=actor
        ),
        done=_("Payment captured."),
        style="primary",
    ),
    OrderAction(
        code="refund",
        label=_("Refund"),
        statuses=frozenset({S.DEPOSITED, S.SHIPPED}),
        when=_refundable,
        needs_reason=True,
        fields=("amount",),
        confirm=_("Refund this amount to the customer?"),
        run=lambda pk, actor, reason, data: payment_operations.order_refund(
            order_id=pk, actor=actor, amount=_amount(data), reason=reason
        ),
        done=_("Refund recorded."),
        style="danger",
    ),
    OrderAction(
        code="edit_begin",
        label=_("Begin customer-service edit"),
        statuses=frozenset(EDITABLE_STATUSES),
        run=lambda pk, actor, reason, data: editing.order_edit_begin(order_id=pk, actor=actor),
        done=_("Edit begun: the order is locked to you and a backup copy is saved."),
    ),
    OrderAction(
        code="edit_commit",
        label=_("Commit edit"),
        statuses=frozenset({S.CSR_EDIT}),
        when=_edit_holder,
        run=lambda pk, actor, reason, data: editing.order_edit_commit(order_id=pk, actor=actor),
        done=_(
            "Edit committed: the order is re-priced, its stock reserved and its status restored."
        ),
        style="primary",
    ),
    OrderAction(
        code="edit_rollback",
        label=_("Roll back edit"),
        statuses=frozenset({S.CSR_EDIT}),
        when=_edit_holder,
        confirm=_("Roll back every change of this edit?"),
        run=lambda pk, actor, reason, data: editing.order_edit_rollback(order_id=pk, actor=actor),
        done=_("Edit rolled back: the order is restored from its backup copy."),
    ),
    OrderAction(
        code="edit_take_over",
        label=_("Take over the edit"),
        statuses=frozenset({S.CSR_EDIT}),
        when=_edit_other,
        confirm=_("Take this edit over from the agent holding it?"),
        run=lambda pk, actor, reason, data: editing.order_edit_begin(
            order_id=pk, actor=actor, take_over=True
        ),
        done=_("You took the edit over."),
    ),
    OrderAction(
        code="resend",
        label=_("Resend to partners"),
        statuses=frozenset(S),
        when=lambda order, user: order_is_resendable(order),
        run=lambda pk, actor, reason, data: order_resend_to_partners(order_id=pk, actor=actor),
        done=_("The order's producer orders are queued to be sent again."),
    ),
    OrderAction(
        code="cancel",
        label=_("Cancel order"),
        statuses=frozenset(CANCELLABLE_STATUSES - {S.PAYMENT_REVIEW}),
        needs_reason=True,
        confirm=_(
            "Cancel this order? Its stock is released, its payment voided and its "
            "producer orders updated."
        ),
        run=lambda pk, actor, reason, data: cancellation.order_cancel(
            order_id=pk, actor=actor, reason=reason
        ),
        done=_("Cancelled."),
        style="danger",
    ),
)
ORDER_ACTIONS: dict[str, OrderAction] = {action.code: action for action in ACTIONS}


def user_may(user, action: OrderAction) -> bool:
    return user is None or user.has_perm(action.permission)


@dataclass(frozen=True)
class ActionOutcome:
    order: Order
    action: OrderAction
    message: str | Promise
    warning: str = ""


def _warning(order: Order) -> str:
    order.refresh_from_db()
    if order.payment_status == PaymentStatus.DUE:
        return gettext(
            "Payment due: the order totals %(total)s %(currency)s, %(authorized)s %(currency)s "
            "is authorized."
        ) % {
            "total": order.grand_total,
            "authorized": order.amount_authorized,
            "currency": order.currency,
        }
    if order.payment_status == PaymentStatus.CAPTURE_FAILED:
        return gettext("The payment capture failed: try again or contact the customer.")
    return ""


# Business actions after which the customer may be e-mailed, when the person asks for it.
NOTIFY_AFTER_ACTION = {"edit_commit": "changed", "cancel": "cancelled"}


@transaction.atomic
def order_action_run(
    *,
    order_id: int,
    action: str,
    actor: Actor,
    reason: str = "",
    data: dict | None = None,
    notify_customer: bool = False,
) -> ActionOutcome:
    """Run the business action `action` (a code of ORDER_ACTIONS) on an order: the one door
    for every action a person asks for in the admin or through an API.

    Guarantees: an unknown code raises UnknownOrderAction (404); a user without the
    action's permission OrderActionForbidden (403); the order row is locked and an action
    not available in its current state (status, payment, edit holder) raises
    OrderActionNotAvailable (409); an action that needs a reason and has none
    ReasonRequired (422); each before anything is written. Then the action's own service
    runs in this transaction, and, with `notify_customer`, after an action the customer is
    told about (NOTIFY_AFTER_ACTION: a changed or cancelled order), their e-mail is queued in
    it too (customer_notification_queue: sent after commit, nothing when they have no
    address). The outcome carries the order, a message to show, and a warning when the
    payment is now due or its capture failed."""
    chosen = ORDER_ACTIONS.get(action)
    if chosen is None:
        raise UnknownOrderAction(gettext("There is no order action %r.") % action)
    if not user_may(actor.user, chosen):
        raise OrderActionForbidden(
            gettext("You may not take the action “%(action)s”.") % {"action": chosen.label}
        )
    order = order_lock(order_id=order_id)
    if not chosen.is_available(order, actor.user):
        raise OrderActionNotAvailable(
            gettext(
                "“%(action)s” is not available for order %(number)s (%(status)s, payment "
                "%(payment)s)."
            )
            % {
                "action": chosen.label,
                "number": order.number,
                "status": order_status_label(order.status),
                "payment": order.get_payment_status_display(),
            }
            + (
                " "
                + gettext("It is being edited by %(agent)s.")
                % {"agent": order.locked_by.get_username()}
                if order.status == S.CSR_EDIT and order.locked_by
                else ""
            ),
            extra={"action": chosen.code, "status": order.status},
        )
    reason = (reason or "").strip()[:500]
    if chosen.needs_reason and not reason:
        raise ReasonRequired(gettext("“%(action)s” needs a reason.") % {"action": chosen.label})
    result = chosen.run(order.pk, actor, reason, data or {})
    order = result if isinstance(result, Order) else Order.objects.get(pk=order.pk)
    if notify_customer and chosen.code in NOTIFY_AFTER_ACTION:
        customer_notification_queue(
            order=order, kind=NOTIFY_AFTER_ACTION[chosen.code], actor=actor, note=reason
        )
    return ActionOutcome(order=order, action=chosen, message=chosen.done, warning=_warning(order))


def order_actions_available(*, order: Order, user) -> list:
    """The business actions this user may take on this order now, in display order: each an
    `OrderAction` with `code`, `label`, `needs_reason`, `confirm`,
    `style` and `fields`. The screens offer these, and only these (never a status letter);
    posting one goes through `order_action_run`."""
    return [
        action for action in ACTIONS if user_may(user, action) and action.is_available(order, user)
    ]
