"""Row locks on orders, always taken in primary-key order so two transactions never deadlock."""

from django.db.models import QuerySet

from orders.models import Order, OrderItem


def order_qs_select_for_update() -> QuerySet[Order]:
    return Order.objects.select_for_update(of=("self",)).order_by("pk")


def order_items_qs_select_for_update(order_id: int) -> QuerySet[OrderItem]:
    return (
        OrderItem.objects.select_for_update(of=("self",)).filter(order_id=order_id).order_by("pk")
    )


def customer_lock(*, customer_id: int):
    """The customer row, locked FOR UPDATE (None when it does not exist)."""
    from orders.models import Customer

    return Customer.objects.select_for_update(of=("self",)).filter(pk=customer_id).first()
