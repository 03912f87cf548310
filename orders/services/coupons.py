"""Applying and removing coupon codes on an order.

A coupon's use is counted when it is applied (not when the order is placed): the count is
taken with one conditional UPDATE (`times_used = times_used + 1 WHERE times_used < limit`), so
two checkouts racing for the last use cannot both get it, and a CHECK constraint backs it up.
Removing the coupon from an order still open to change gives the use back. Once per customer
is a partial UNIQUE constraint on (coupon, customer).
"""

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from config.exceptions import CurrencyMismatch
from discounts.exceptions import (
    CouponAlreadyUsedByCustomer,
    CouponNeedsCustomer,
    CouponNotApplied,
    CouponNotFound,
    CouponNotValid,
    CouponUsedUp,
)
from discounts.models import Coupon, CouponRedemption
from orders.events import EventText, order_event
from orders.exceptions import OrderNotEditable
from orders.models import Order, OrderEvent
from orders.services.status import order_lock
from orders.services.totals import PRICING_STATUSES, order_totals_recompute
from orders.status_labels import order_status_quoted, order_statuses_in_words


def _lock_open_order(order_id: int) -> Order:
    order = order_lock(order_id=order_id)
    if order.status not in PRICING_STATUSES:
        raise OrderNotEditable(
            gettext("Order %(number)s is in %(status)s: coupons change only in %(statuses)s.")
            % {
                "number": order.number,
                "status": order_status_quoted(order.status),
                "statuses": order_statuses_in_words(PRICING_STATUSES),
            }
        )
    return order


def _coupon_for(order: Order, code: str) -> Coupon:
    coupon = (
        Coupon.objects.select_related("rule")
        .filter(trader_id=order.trader_id, code__iexact=(code or "").strip())
        .first()
    )
    if coupon is None:
        raise CouponNotFound(
            gettext("No coupon “%(code)s” at this trader.") % {"code": code}, extra={"coupon": code}
        )
    return coupon


def _check_valid(coupon: Coupon, order: Order) -> None:
    now = timezone.now()
    rule = coupon.rule
    extra = {"coupon": coupon.code}
    if not (coupon.is_active and rule.is_active):
        raise CouponNotValid(
            gettext("Coupon %(code)s is not active.") % {"code": coupon.code}, extra=extra
        )
    for starts, ends in (
        (coupon.valid_from, coupon.valid_until),
        (rule.valid_from, rule.valid_until),
    ):
        if starts and now < starts:
            raise CouponNotValid(
                gettext("Coupon %(code)s is valid from %(starts)s.")
                % {"code": coupon.code, "starts": starts},
                extra=extra,
            )
        if ends and now >= ends:
            raise CouponNotValid(
                gettext("Coupon %(code)s expired on %(ends)s.")
                % {"code": coupon.code, "ends": ends},
                extra=extra,
            )
    if rule.currency and rule.currency != order.currency:
        raise CurrencyMismatch(
            gettext(
                "Coupon %(code)s is in %(currency)s; order %(number)s is in %(order_currency)s."
            )
            % {
                "code": coupon.code,
                "currency": rule.currency,
                "number": order.number,
                "order_currency": order.currency,
            },
            extra=extra,
        )
    if coupon.once_per_customer and order.customer_id is None:
        raise CouponNeedsCustomer(
            gettext("Coupon %(code)s is once per customer; order %(number)s has no customer.")
            % {"code": coupon.code, "number": order.number},
            extra=extra,
        )


def _coupon_changed(order: Order, coupon: Coupon, actor: Actor, what: str) -> None:
    """`what`: the event's message id (marked with gettext_noop), with the coupon's %(code)s."""
    """Record the change as a `priced` event and re-price the order."""
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.PRICED,
        message=EventText(what, {"code": coupon.code}),
        data={"coupon": coupon.code, "rule": coupon.rule_id},
    )
    order_totals_recompute(order=order)


@transaction.atomic
def order_coupon_apply(*, order_id: int, code: str, actor: Actor) -> CouponRedemption:
    """Apply a coupon code to an order in P or E and re-price the order.

    Guarantees: the order row is locked; the coupon is the order's trader's, active, inside its
    validity window and in the order's currency; its use is counted with a conditional UPDATE
    (CouponUsedUp when none is left, even under a race); a once-per-customer coupon is refused
    for a customer who already has it (CouponAlreadyUsedByCustomer, from the database's unique
    constraint). On any error nothing is written. Applying a coupon the order already has
    changes nothing and returns its redemption. Writes a `priced` event.
    """
    order = _lock_open_order(order_id)
    coupon = _coupon_for(order, code)
    existing = CouponRedemption.objects.filter(coupon=coupon, order=order).first()
    if existing is not None:
        return existing
    _check_valid(coupon, order)

    counted = (
        Coupon.objects.filter(pk=coupon.pk)
        .filter(Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
        .update(times_used=F("times_used") + 1)
    )
    if not counted:
        raise CouponUsedUp(
            gettext("Coupon %(code)s has been used %(limit)s times, its limit.")
            % {"code": coupon.code, "limit": coupon.usage_limit},
            extra={"coupon": coupon.code},
        )
    try:
        with transaction.atomic():
            redemption = CouponRedemption.objects.create(
                coupon=coupon,
                order=order,
                customer_id=order.customer_id,
                once_per_customer=coupon.once_per_customer,
            )
    except IntegrityError as error:
        # The outer transaction rolls back the count taken above.
        raise CouponAlreadyUsedByCustomer(
            gettext("Coupon %(code)s is once per customer and this customer already used it.")
            % {"code": coupon.code},
            extra={"coupon": coupon.code},
        ) from error
    _coupon_changed(order, coupon, actor, gettext_noop("Coupon %(code)s applied"))
    return redemption


@transaction.atomic
def order_coupon_remove(*, order_id: int, code: str, actor: Actor) -> None:
    """Remove a coupon from an order in P or E, give its use back and re-price the order."""
    order = _lock_open_order(order_id)
    coupon = _coupon_for(order, code)
    deleted, _ = CouponRedemption.objects.filter(coupon=coupon, order=order).delete()
    if not deleted:
        raise CouponNotApplied(
            gettext("Coupon %(code)s is not applied to order %(number)s.")
            % {"code": coupon.code, "number": order.number},
            extra={"coupon": coupon.code},
        )
    Coupon.objects.filter(pk=coupon.pk, times_used__gt=0).update(times_used=F("times_used") - 1)
    _coupon_changed(order, coupon, actor, gettext_noop("Coupon %(code)s removed"))


def order_coupons_release(*, order: Order) -> list[str]:
    """Give back the coupon uses of a cancelled order, in the caller's transaction (the order
    row is locked by the cancellation). The redemptions are deleted, so a once-per-customer
    coupon may be used again; prices stay frozen. Returns the codes released."""
    redemptions = list(
        CouponRedemption.objects.filter(order=order).select_related("coupon").order_by("coupon_id")
    )
    if not redemptions:
        return []
    CouponRedemption.objects.filter(pk__in=[r.pk for r in redemptions]).delete()
    for redemption in redemptions:
        Coupon.objects.filter(pk=redemption.coupon_id, times_used__gt=0).update(
            times_used=F("times_used") - 1
        )
    return [r.coupon.code for r in redemptions]
