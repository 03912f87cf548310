"""Errors the pricing services raise on purpose; the API turns them into problem documents."""

from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError, Conflict, NotFound


class CouponNotFound(NotFound):
    code = "coupon-not-found"
    title = _("No such coupon")


class CouponNotValid(ApplicationError):
    code = "coupon-not-valid"
    title = _("The coupon is not valid now")


class CouponUsedUp(Conflict):
    code = "coupon-used-up"
    title = _("The coupon has been used as often as it may be")


class CouponAlreadyUsedByCustomer(Conflict):
    code = "coupon-already-used"
    title = _("The customer has already used this coupon")


class CouponNeedsCustomer(ApplicationError):
    code = "coupon-needs-customer"
    title = _("This coupon is once per customer and the order has no customer")


class CouponNotApplied(NotFound):
    code = "coupon-not-applied"
    title = _("The coupon is not applied to this order")
