"""/api/v1/: plain JSON lists and details for partners, filtered, ordered and paginated.

Thin views: the queryset comes from platforms.partner_api.selectors (already scoped to the calling
platform), django-filter narrows it, the serializer shapes it.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics

from inventory.models import Product, Stock
from orders.models import Order, OrderItem, ProducerOrder, SubOrder
from orders.versions import etag
from platforms.partner_api import selectors
from platforms.partner_api.apis import filters, v1_serializers
from platforms.partner_api.apis.base import COMMON_ERRORS, PartnerApiMixin, PartnerPagination
from sessions_app.models import SaleSession


def _list_schema(serializer, summary: str):
    return extend_schema(summary=summary, responses={200: serializer(many=True), **COMMON_ERRORS})


def _detail_schema(serializer, summary: str):
    return extend_schema(summary=summary, responses={200: serializer, **COMMON_ERRORS})


class PartnerListApi(PartnerApiMixin, generics.ListAPIView):
    pagination_class = PartnerPagination


class PartnerDetailApi(PartnerApiMixin, generics.RetrieveAPIView):
    pass


@extend_schema_view(get=_list_schema(v1_serializers.OrderSerializer, "Orders this platform placed"))
class OrderListApi(PartnerListApi):
    queryset = Order.objects.none()  # the model, for the schema
    serializer_class = v1_serializers.OrderSerializer
    filterset_class = filters.OrderFilter
    ordering_fields = ("number", "updated_at", "placed_at", "grand_total")
    ordering = ("-number",)

    def get_queryset(self):
        return selectors.partner_orders_qs(credential=self.credential)


@extend_schema_view(get=_detail_schema(v1_serializers.OrderDetailSerializer, "One order"))
class OrderDetailApi(PartnerDetailApi):
    queryset = Order.objects.none()  # the model, for the schema
    serializer_class = v1_serializers.OrderDetailSerializer

    def get_queryset(self):
        return selectors.partner_order_detail_qs(credential=self.credential)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag(response.data["version"])
        return response


@extend_schema_view(get=_list_schema(v1_serializers.OrderItemSerializer, "Items of its orders"))
class OrderItemListApi(PartnerListApi):
    queryset = OrderItem.objects.none()  # the model, for the schema
    serializer_class = v1_serializers.OrderItemSerializer
    filterset_class = filters.OrderItemFilter
    ordering_fields = ("id", "updated_at", "quantity")
    ordering = ("id",)

    def get_queryset(self):
        return selectors.partner_order_items_qs(credential=self.credential)


@extend_schema_view(get=_list_schema(v1_serializers.SubOrderSerializer, "Sub-orders"))
class SubOrderListApi(PartnerListApi):
    queryset = SubOrder.objects.none()  # the model, for the schema
    serializer_class = v1_serializers.SubOrderSerializer
    filterset_class = filters.SubOrderFilter
    ordering_fields = ("id", "order")
    ordering = ("id",)

    def get_queryset(self):
        return selectors.partner_sub_orders_qs(credential=self.credential)


@extend_schema_view(get=_list_schema(v1_serializers.SaleSessionSerializer, "Sales sessions"))
class SaleSessionListApi(PartnerListApi):
    queryset = SaleSession.objects.none()  # the model, for the schema
    scope_subject = "catalog"
    serializer_class = v1_serializers.SaleSessionSerializer
    filterset_class = filters.SaleSessionFilter
    ordering_fields = ("begins_at", "ends_at", "updated_at", "id")
    ordering = ("-begins_at", "id")

    def get_queryset(self):
        return selectors.partner_sessions_qs(credential=self.credential)


@extend_schema_view(
    get=_detail_schema(v1_serializers.SaleSessionDetailSerializer, "A session and its offers")
)
class SaleSessionDetailApi(PartnerDetailApi):
    queryset = SaleSession.objects.none()  # the model, for the schema
    scope_subject = "catalog"
    serializer_class = v1_serializers.SaleSessionDetailSerializer

    def get_queryset(self):
        return selectors.partner_session_detail_qs(credential=self.credential)


@extend_schema_view(
    get=_list_schema(
        v1_serializers.ProducerOrderSerializer, "What this Larder orders from its producers"
    )
)
class ProducerOrderListApi(PartnerListApi):
    queryset = ProducerOrder.objects.none()  # the model, for the schema
    serializer_class = v1_serializers.ProducerOrderSerializer
    filterset_class = filters.ProducerOrderFilter
    ordering_fields = ("id", "updated_at")
    ordering = ("id",)

    def get_queryset(self):
        return selectors.partner_producer_orders_qs(credential=self.credential)


@extend_schema_view(
    get=_detail_schema(v1_serializers.ProducerOrderSerializer, "One producer order")
)
class ProducerOrderDetailApi(PartnerDetailApi):
    queryset = ProducerOrder.objects.none()  # the model, for the schema
    serializer_class = v1_serializers.ProducerOrderSerializer

    def get_queryset(self):
        return selectors.partner_producer_orders_qs(credential=self.credential)


@extend_schema_view(get=_list_schema(v1_serializers.ProductSerializer, "Products"))
class ProductListApi(PartnerListApi):
    queryset = Product.objects.none()  # the model, for the schema
    scope_subject = "catalog"
    serializer_class = v1_serializers.ProductSerializer
    filterset_class = filters.ProductFilter
    ordering_fields = ("name", "updated_at", "id")
    ordering = ("name", "id")

    def get_queryset(self):
        return selectors.partner_products_qs(credential=self.credential)


@extend_schema_view(get=_list_schema(v1_serializers.StockSerializer, "Stock of the products"))
class StockListApi(PartnerListApi):
    queryset = Stock.objects.none()  # the model, for the schema
    scope_subject = "catalog"
    serializer_class = v1_serializers.StockSerializer
    filterset_class = filters.StockFilter
    ordering_fields = ("product", "updated_at")
    ordering = ("product",)

    def get_queryset(self):
        return selectors.partner_stock_qs(credential=self.credential)
