"""django-filter sets of the /api/v1/ lists: status, session, producer, platform, updated since."""

import django_filters as filters

from inventory.models import Product
from orders.models import Order, OrderItem, ProducerOrder, SubOrder
from orders.statuses import FulfilmentStatus, OrderStatus
from sessions_app.models import SaleSession


class OrderFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    session = filters.NumberFilter(field_name="sales_session_id")
    producer = filters.CharFilter(method="filter_producer", label="Producer slug")
    updated_since = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    placed_since = filters.IsoDateTimeFilter(field_name="placed_at", lookup_expr="gte")

    class Meta:
        model = Order
        fields = ("status", "session", "producer", "updated_since", "placed_since")

    def filter_producer(self, queryset, name, value):
        return queryset.filter(
            pk__in=OrderItem.objects.filter(producer__slug=value).values("order_id")
        )


class OrderItemFilter(filters.FilterSet):
    order = filters.NumberFilter(field_name="order_id")
    status = filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    fulfilment_status = filters.ChoiceFilter(choices=FulfilmentStatus.choices)
    session = filters.NumberFilter(field_name="order__sales_session_id")
    producer = filters.CharFilter(field_name="producer__slug")
    platform = filters.CharFilter(field_name="producer_platform__slug")
    updated_since = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = OrderItem
        fields = (
            "order",
            "status",
            "fulfilment_status",
            "session",
            "producer",
            "platform",
            "updated_since",
        )


class SubOrderFilter(filters.FilterSet):
    order = filters.NumberFilter(field_name="order_id")
    session = filters.NumberFilter(field_name="order__sales_session_id")

    class Meta:
        model = SubOrder
        fields = ("order", "session")


class SaleSessionFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=SaleSession.State.choices)
    trader = filters.CharFilter(field_name="trader__slug")
    platform = filters.CharFilter(field_name="trader__platform__slug")
    updated_since = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = SaleSession
        fields = ("state", "trader", "platform", "updated_since")


class ProducerOrderFilter(filters.FilterSet):
    session = filters.NumberFilter(field_name="sales_session_id")
    producer = filters.CharFilter(field_name="producer__slug")
    status = filters.ChoiceFilter(choices=ProducerOrder.Status.choices)
    order_state = filters.ChoiceFilter(choices=ProducerOrder.OrderState.choices)
    updated_since = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = ProducerOrder
        fields = ("session", "producer", "status", "order_state", "updated_since")


class ProductFilter(filters.FilterSet):
    producer = filters.CharFilter(field_name="producer__slug")
    session = filters.NumberFilter(field_name="offers__session_id", distinct=True)
    updated_since = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Product
        fields = ("producer", "session", "updated_since")
