"""Plain JSON shapes of the /api/v1/ endpoints. Read-only; no customer data ever appears."""

from rest_framework import serializers

from inventory.models import Product, Stock
from orders.models import Order, OrderItem, ProducerOrder, ProducerOrderLine, SubOrder
from sessions_app.models import Offer, SaleSession

ORDER_TOTALS = (
    "total_product",
    "total_adjustment",
    "total_shipping",
    "total_tax",
    "total_shipping_tax",
    "grand_total",
)


class OrderItemSerializer(serializers.ModelSerializer):
    producer = serializers.CharField(source="producer.slug", read_only=True)
    producer_platform = serializers.CharField(source="producer_platform.slug", read_only=True)

    class Meta:
        model = OrderItem
        fields = (
            "id",
            "order",
            "sub_order",
            "product",
            "offer",
            "product_name",
            "product_sku",
            "producer",
            "producer_platform",
            "quantity",
            "nominal_quantity",
            "unit_of_measure",
            "actual_quantity",
            "unit_price",
            "vat_rate",
            "total_product",
            "total_adjustment",
            "total_tax",
            "status",
            "inventory_status",
            "inventory_unknown",
            "fulfilment_status",
            "updated_at",
        )
        read_only_fields = fields


class SubOrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubOrder
        fields = (
            "id",
            "order",
            "item_count",
            "quantity_by_unit",
            "total_product",
            "total_adjustment",
            "total_shipping",
            "total_tax",
            "total_shipping_tax",
        )
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    trader = serializers.CharField(source="trader.slug", read_only=True)

    class Meta:
        model = Order
        fields: tuple[str, ...] = (
            "id",
            "number",
            "status",
            "currency",
            "trader",
            "sales_session",
            *ORDER_TOTALS,
            "placed_at",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields: tuple[str, ...] = fields


class OrderDetailSerializer(OrderSerializer):
    items = OrderItemSerializer(many=True, read_only=True)
    sub_orders = SubOrderSerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = (*OrderSerializer.Meta.fields, "sub_orders", "items")
        read_only_fields = fields


class OfferSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)
    producer = serializers.CharField(source="product.producer.slug", read_only=True)

    class Meta:
        model = Offer
        fields = (
            "id",
            "product",
            "product_name",
            "producer",
            "price",
            "currency",
            "vat_rate",
            "stock_limitation",
            "allows_backorder",
        )
        read_only_fields = fields


class SaleSessionSerializer(serializers.ModelSerializer):
    remote_id = serializers.CharField(read_only=True)  # empty when local
    trader = serializers.CharField(source="trader.slug", read_only=True)

    class Meta:
        model = SaleSession
        fields: tuple[str, ...] = (
            "id",
            "name",
            "trader",
            "state",
            "begins_at",
            "ends_at",
            "closed_at",
            "remote_id",
            "updated_at",
        )
        read_only_fields: tuple[str, ...] = fields


class SaleSessionDetailSerializer(SaleSessionSerializer):
    offers = OfferSerializer(many=True, read_only=True)

    class Meta(SaleSessionSerializer.Meta):
        fields = (*SaleSessionSerializer.Meta.fields, "offers")
        read_only_fields = fields


class ProducerOrderLineSerializer(serializers.ModelSerializer):
    remote_id = serializers.CharField(read_only=True)  # empty when local
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = ProducerOrderLine
        fields = (
            "id",
            "product",
            "product_name",
            "offer",
            "customer_quantity",
            "weight_kg",
            "packs",
            "surplus_kg",
            "quantity",
            "unit_price",
            "remote_id",
        )
        read_only_fields = fields


class ProducerOrderSerializer(serializers.ModelSerializer):
    remote_id = serializers.CharField(read_only=True)  # empty when local
    producer = serializers.CharField(source="producer.slug", read_only=True)
    trader = serializers.CharField(source="trader.slug", read_only=True)
    lines = ProducerOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = ProducerOrder
        fields = (
            "id",
            "sales_session",
            "producer",
            "trader",
            "status",
            "order_state",
            "aggregate_by_weight",
            "currency",
            "total_product",
            "version",
            "remote_id",
            "updated_at",
            "finalised_at",
            "lines",
        )
        read_only_fields = fields


class ProductSerializer(serializers.ModelSerializer):
    producer = serializers.CharField(source="producer.slug", read_only=True)

    class Meta:
        model = Product
        fields = (
            "id",
            "producer",
            "name",
            "sku",
            "description",
            "unit_of_measure",
            "nominal_quantity",
            "weight_kg",
            "pack_weight_kg",
            "updated_at",
        )
        read_only_fields = fields


class StockSerializer(serializers.ModelSerializer):
    """What is known of a product's stock; `available` is empty when it is not counted."""

    product = serializers.IntegerField(source="product_id", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    producer = serializers.CharField(source="product.producer.slug", read_only=True)
    available = serializers.DecimalField(
        max_digits=14, decimal_places=3, read_only=True, allow_null=True
    )

    class Meta:
        model = Stock
        fields = (
            "product",
            "product_name",
            "producer",
            "on_hand",
            "reserved",
            "available",
            "is_unlimited",
            "updated_at",
        )
        read_only_fields = fields
