"""What the order models share: the money field and the order-number sequence."""

from decimal import Decimal

from django.db import models

ORDER_NUMBER_SEQUENCE = "orders_order_number_seq"
ZERO = Decimal("0.00")


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, **kwargs)
