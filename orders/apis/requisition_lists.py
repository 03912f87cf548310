"""Requisition lists on the storefront (/api/storefront/requisition-lists/): a customer's
named lists of products and quantities (Y private, Z shareable with the trader's other
customers) and "order from list". Thin views; who may do what is orders.permissions."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.actors import Actor
from orders.apis.carts import _cart_response
from orders.models import Customer, Order, OrderItem
from orders.permissions import (
    StorefrontAction,
    storefront_customer_for_cart,
    storefront_list_check,
    storefront_lists_qs,
)
from orders.services.items import MAX_ITEM_QUANTITY
from orders.services.requisition_lists import (
    requisition_list_create,
    requisition_list_item_set,
    requisition_list_order,
)
from orders.statuses import OrderStatus


class RequisitionListItemOutput(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = ["id", "product", "product_name", "quantity", "unit_of_measure"]


class RequisitionListOutput(serializers.ModelSerializer):
    name = serializers.CharField(source="list_name")
    shareable = serializers.SerializerMethodField()
    items = RequisitionListItemOutput(many=True)

    class Meta:
        model = Order
        fields = ["id", "name", "shareable", "trader", "customer", "updated_at", "items"]

    def get_shareable(self, requisition) -> bool:
        return requisition.status == OrderStatus.SHAREABLE_REQUISITION_LIST


def _list_response(list_id: int, code: int = status.HTTP_200_OK) -> Response:
    requisition = Order.objects.prefetch_related("items").get(pk=list_id)
    return Response(RequisitionListOutput(requisition).data, status=code)


class RequisitionListsApi(APIView):
    @extend_schema_serializer(component_name="RequisitionListCreateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        trader = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
        shareable = serializers.BooleanField(default=False)
        customer = serializers.IntegerField(
            min_value=1,
            max_value=2**63 - 1,
            required=False,
            help_text="Staff only: the customer the list is for.",
        )

    @extend_schema(responses=RequisitionListOutput(many=True))
    def get(self, request):
        lists = (
            storefront_lists_qs(user=request.user, action=StorefrontAction.LIST_USE)
            .prefetch_related("items")
            .order_by("list_name", "pk")
        )
        return Response(RequisitionListOutput(lists, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: RequisitionListOutput})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = storefront_customer_for_cart(
            user=request.user, trader_id=data["trader"], customer_id=data.get("customer")
        )
        requisition = requisition_list_create(
            customer=customer,
            name=data["name"],
            shareable=data["shareable"],
            actor=Actor.for_user(request.user),
        )
        return _list_response(requisition.pk, status.HTTP_201_CREATED)


class RequisitionListDetailApi(APIView):
    @extend_schema(responses=RequisitionListOutput)
    def get(self, request, list_id: int):
        storefront_list_check(user=request.user, list_id=list_id, action=StorefrontAction.LIST_USE)
        return _list_response(list_id)


class RequisitionListItemsApi(APIView):
    @extend_schema_serializer(component_name="RequisitionListItemInput")
    class InputSerializer(serializers.Serializer):
        product = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
        quantity = serializers.DecimalField(
            max_digits=12, decimal_places=3, min_value=0, max_value=MAX_ITEM_QUANTITY
        )

    @extend_schema(request=InputSerializer, responses=RequisitionListOutput)
    def put(self, request, list_id: int):
        storefront_list_check(user=request.user, list_id=list_id, action=StorefrontAction.LIST_EDIT)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        requisition_list_item_set(
            list_id=list_id,
            product_id=serializer.validated_data["product"],
            quantity=serializer.validated_data["quantity"],
            actor=Actor.for_user(request.user),
        )
        return _list_response(list_id)


class RequisitionListOrderApi(APIView):
    @extend_schema_serializer(component_name="RequisitionListOrderInput")
    class InputSerializer(serializers.Serializer):
        session = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
        customer = serializers.IntegerField(
            min_value=1,
            max_value=2**63 - 1,
            required=False,
            help_text="Staff only: whose cart (default: the list's owner).",
        )

    @extend_schema(request=InputSerializer, responses={201: None})
    def post(self, request, list_id: int):
        storefront_list_check(user=request.user, list_id=list_id, action=StorefrontAction.LIST_USE)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        requisition = Order.objects.get(pk=list_id)
        customer_id = data.get("customer")
        if (
            customer_id is None
            and not Customer.objects.filter(
                trader_id=requisition.trader_id, user=request.user
            ).exists()
        ):
            customer_id = requisition.customer_id  # staff order for the list's owner
        customer = storefront_customer_for_cart(
            user=request.user, trader_id=requisition.trader_id, customer_id=customer_id
        )
        cart, unavailable = requisition_list_order(
            list_id=list_id,
            session_id=data["session"],
            customer=customer,
            actor=Actor.for_user(request.user),
        )
        response = _cart_response(cart.pk, status.HTTP_201_CREATED)
        response.data = {**response.data, "unavailable": unavailable}
        return response
