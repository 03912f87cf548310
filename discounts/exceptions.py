"""Errors the pricing services raise on purpose; the API turns them into problem documents."""

from config.exceptions import ApplicationError, Conflict, NotFound


class CouponNotFound(NotFound):
    code = "coupon-not-found"
    title = "No such coupon"


class CouponNotValid(ApplicationError):
    code = "coupon-not-valid"
    title = "The coupon is not valid now"


class CouponUsedUp(Conflict):
    code = "coupon-used-up"
    title = "The coupon has been used as often as it may be"


class CouponAlreadyUsedByCustomer(Conflict):
    code = "coupon-already-used"
    title = "The customer has already used this coupon"


class CouponNeedsCustomer(ApplicationError):
    code = "coupon-needs-customer"
    title = "This coupon is once per customer and the order has no customer"


class CouponNotApplied(NotFound):
    code = "coupon-not-applied"
    title = "The coupon is not applied to this order"
