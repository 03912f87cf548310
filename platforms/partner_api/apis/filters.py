"""django-filter sets of the /api/v1/ lists: status, session, producer, platform, updated since."""

from datetime import UTC

import django_filters as filters
from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from inventory.models import Product, Stock
from orders.models import Order, OrderItem, ProducerOrder, SubOrder
from orders.statuses import FulfilmentStatus, OrderStatus
from sessions_app.models import SaleSession


class SinceFilter(filters.IsoDateTimeFilter):
    """`updated_since=` and friends: an ISO 8601 instant, compared in UTC (PostgreSQL refuses
    some offsets that ISO 8601 allows, and a date beyond the calendar is invalid input)."""

    def __init__(self, field_name: str, **kwargs) -> None:
        super().__init__(field_name=field_name, lookup_expr="gte", **kwargs)

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except (OverflowError, ValueError) as error:
                raise ValidationError({self.field_name: "Not a representable instant."}) from error
        return super().filter(qs, value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(filters.NumberFilter):
    """A row id: a whole number within PostgreSQL's bigint."""

    field_class = forms.IntegerField

    def __init__(self, field_name: str, **kwargs) -> None:
        super().__init__(field_name=field_name, min_value=1, max_value=2**63 - 1, **kwargs)


class StrictFilterSet(filters.FilterSet):
    """A number, date or choice parameter that is sent must have a value: `?updated_since=`
    is refused (400), not silently ignored as django-filter does."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        empty = [
            name
            for name, declared in self.filters.items()
            if not isinstance(declared, filters.CharFilter)
            and name in self.data
            and "" in self.data.getlist(name)
        ]
        for name in empty:
            self.form.add_error(name, "Give a value, or leave the parameter out.")
        return valid and not empty


class OrderFilter(StrictFilterSet):
    status = filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    session = IdFilter("sales_session_id")
    producer = filters.CharFilter(method="filter_producer", label="Producer slug")
    updated_since = SinceFilter("updated_at")
    placed_since = SinceFilter("placed_at")

    class Meta:
        model = Order
        fields = ("status", "session", "producer", "updated_since", "placed_since")

    def filter_producer(self, queryset, name, value):
        return queryset.filter(
            pk__in=OrderItem.objects.filter(producer__slug=value).values("order_id")
        )


class OrderItemFilter(StrictFilterSet):
    order = IdFilter("order_id")
    status = filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    fulfilment_status = filters.ChoiceFilter(choices=FulfilmentStatus.choices)
    session = IdFilter("order__sales_session_id")
    producer = filters.CharFilter(field_name="producer__slug")
    platform = filters.CharFilter(field_name="producer_platform__slug")
    updated_since = SinceFilter("updated_at")

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


class SubOrderFilter(StrictFilterSet):
    order = IdFilter("order_id")
    session = IdFilter("order__sales_session_id")

    class Meta:
        model = SubOrder
        fields = ("order", "session")


class SaleSessionFilter(StrictFilterSet):
    state = filters.ChoiceFilter(choices=SaleSession.State.choices)
    trader = filters.CharFilter(field_name="trader__slug")
    platform = filters.CharFilter(field_name="trader__platform__slug")
    updated_since = SinceFilter("updated_at")

    class Meta:
        model = SaleSession
        fields = ("state", "trader", "platform", "updated_since")


class ProducerOrderFilter(StrictFilterSet):
    session = IdFilter("sales_session_id")
    producer = filters.CharFilter(field_name="producer__slug")
    status = filters.ChoiceFilter(choices=ProducerOrder.Status.choices)
    order_state = filters.ChoiceFilter(choices=ProducerOrder.OrderState.choices)
    updated_since = SinceFilter("updated_at")

    class Meta:
        model = ProducerOrder
        fields = ("session", "producer", "status", "order_state", "updated_since")


class ProductFilter(StrictFilterSet):
    producer = filters.CharFilter(field_name="producer__slug")
    session = IdFilter("offers__session_id", distinct=True)
    updated_since = SinceFilter("updated_at")

    class Meta:
        model = Product
        fields = ("producer", "session", "updated_since")


class StockFilter(StrictFilterSet):
    producer = filters.CharFilter(field_name="product__producer__slug")
    product = IdFilter("product_id")
    updated_since = SinceFilter("updated_at")

    class Meta:
        model = Stock
        fields = ("producer", "product", "updated_since")
