"""The storefront beyond the cart's items: coupons, where and how items are handed over
(shipping address, shipping mode, pickup point or delivery zone with its fee), the
quick-order profile, the order history and one order's detail.

Money is a decimal string (two places) with the order's or the offer's `currency` beside it,
everywhere. Thin views: validate, call one service or selector, serialize.
"""

from django.db.models import Count
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

import orders.schema  # noqa: F401  (the token scheme, registered on import)
from config.actors import Actor
from config.exceptions import NotFound
from config.parsers import DepthLimitedJSONParser
from discounts.models import FulfilmentCentre
from discounts.selectors import session_fulfilment_options
from orders.apis.carts import CartOutput, _cart_response
from orders.models import Address, Order, OrderItem, SubOrder
from orders.permissions import (
    StorefrontAction,
    storefront_order_check,
    storefront_own_customer,
)
from orders.selectors import storefront_order_detail
from orders.services.coupons import order_coupon_apply, order_coupon_remove
from orders.services.handover import cart_fulfilment_choose, cart_note_set
from orders.services.quick_order import (
    cart_from_quick_order_profile,
    quick_order_profile_save_from_order,
)
from orders.statuses import OrderStatus
from sessions_app.models import SaleSession


class StorefrontApi(APIView):
    """A storefront endpoint: JSON in (as documented), JSON or a problem document out."""

    parser_classes = [DepthLimitedJSONParser]


class StrictCharField(serializers.CharField):
    """A string, as the schema says: a number or a boolean is refused, not coerced."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer, as the schema says: "1", 1.0 or true are refused, not coerced."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def Money(**kwargs) -> serializers.DecimalField:  # noqa: N802 - a field factory
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


class AddressOutput(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "name", "line1", "line2", "city", "postcode", "country", "phone"]


class AdjustmentOutput(serializers.Serializer):
    usage = serializers.CharField()
    description = serializers.CharField()
    coupon = serializers.CharField(source="coupon.code", allow_null=True, default=None)
    amount = Money()


class OrderDetailItemOutput(serializers.ModelSerializer):
    producer = serializers.CharField(source="producer.name")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = Money()
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    total_product = Money()
    total_adjustment = Money()
    total_shipping = Money()
    total_tax = Money()
    total_shipping_tax = Money()
    shipping_mode = serializers.CharField(
        source="shipping_mode.code", allow_null=True, default=None
    )
    fulfilment_centre = serializers.IntegerField(source="fulfilment_centre_id", allow_null=True)
    customer_category = serializers.CharField(
        source="customer_category.code",
        allow_null=True,
        default=None,
        help_text="The customer category whose offer priced the item (null: the public offer).",
    )
    shipping_address = serializers.IntegerField(source="shipping_address_id", allow_null=True)
    sub_order = serializers.IntegerField(source="sub_order_id", allow_null=True)
    adjustments = AdjustmentOutput(many=True)

    class Meta:
        model = OrderItem
        fields = [
            "id",
            "offer",
            "product",
            "product_name",
            "producer",
            "quantity",
            "unit_of_measure",
            "unit_price",
            "vat_rate",
            "total_product",
            "total_adjustment",
            "total_shipping",
            "total_tax",
            "total_shipping_tax",
            "status",
            "inventory_status",
            "fulfilment_status",
            "shipping_mode",
            "fulfilment_centre",
            "customer_category",
            "shipping_address",
            "sub_order",
            "adjustments",
        ]


class SubOrderOutput(serializers.ModelSerializer):
    shipping_address = AddressOutput(allow_null=True)
    total_product = Money()
    total_adjustment = Money()
    total_shipping = Money()
    total_tax = Money()
    total_shipping_tax = Money()
    quantity_by_unit = serializers.DictField(
        child=serializers.CharField(),
        help_text='Actual quantity per unit of measure, as decimal strings: {"kg": "2.5"}.',
    )

    class Meta:
        model = SubOrder
        fields = [
            "id",
            "shipping_address",
            "item_count",
            "quantity_by_unit",
            "total_product",
            "total_adjustment",
            "total_shipping",
            "total_tax",
            "total_shipping_tax",
        ]


class OrderDetailOutput(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    shipping_mode = serializers.CharField(
        source="shipping_mode.code", allow_null=True, default=None
    )
    fulfilment_centre = serializers.IntegerField(source="fulfilment_centre_id", allow_null=True)
    billing_address = AddressOutput(allow_null=True)
    shipping_address = AddressOutput(allow_null=True)
    coupons = serializers.SerializerMethodField()
    total_product = Money()
    total_adjustment = Money()
    total_shipping = Money()
    total_tax = Money()
    total_shipping_tax = Money()
    grand_total = Money()
    adjustments = AdjustmentOutput(many=True)
    sub_orders = SubOrderOutput(many=True)
    items = OrderDetailItemOutput(many=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "currency",
            "sales_session",
            "placed_at",
            "payment_method",
            "payment_status",
            "payment_reference",
            "customer_note",
            "shipping_mode",
            "fulfilment_centre",
            "billing_address",
            "shipping_address",
            "coupons",
            "total_product",
            "total_adjustment",
            "total_shipping",
            "total_tax",
            "total_shipping_tax",
            "grand_total",
            "adjustments",
            "sub_orders",
            "items",
            "version",
        ]

    def get_coupons(self, order) -> list[str]:
        return sorted({r.coupon.code for r in order.coupon_redemptions.all()})


def _detail_response(order_id: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(OrderDetailOutput(storefront_order_detail(order_id=order_id)).data, code)


class OrderListApi(StorefrontApi):
    """The signed-in customer's orders, newest first (carts included; quick-order profiles
    and customer-service backups are not orders)."""

    class OrderSummaryOutput(serializers.ModelSerializer):
        status = serializers.ChoiceField(choices=OrderStatus.choices)
        status_label = serializers.CharField(source="get_status_display")
        trader = serializers.CharField(source="trader.name")
        grand_total = Money()
        item_count = serializers.IntegerField()

        class Meta:
            model = Order
            fields = [
                "id",
                "number",
                "status",
                "status_label",
                "trader",
                "sales_session",
                "currency",
                "grand_total",
                "payment_status",
                "placed_at",
                "item_count",
            ]

    @extend_schema(responses=OrderSummaryOutput(many=True))
    def get(self, request):
        orders = (
            Order.objects.filter(customer__user=request.user)
            .exclude(status__in=[OrderStatus.QUICK_ORDER_PROFILE, OrderStatus.TEMPORARY])
            .select_related("trader")
            .annotate(item_count=Count("items"))
            .order_by("-number")
        )
        return Response(self.OrderSummaryOutput(orders, many=True).data)


class OrderDetailApi(StorefrontApi):
    @extend_schema(responses=OrderDetailOutput)
    def get(self, request, order_id: int):
        storefront_order_check(user=request.user, order_id=order_id, action=StorefrontAction.VIEW)
        return _detail_response(order_id)


class CartCouponApplyApi(StorefrontApi):
    @extend_schema_serializer(component_name="CouponInput")
    class InputSerializer(serializers.Serializer):
        code = StrictCharField(max_length=40)

    @extend_schema(request=InputSerializer, responses={201: OrderDetailOutput})
    def post(self, request, order_id: int):
        """Apply a coupon. A refusal is a problem document whose `code` says why:
        coupon-not-found, coupon-not-valid (not active, not yet or no longer valid),
        coupon-used-up, coupon-already-used (once per customer), currency-mismatch."""
        storefront_order_check(user=request.user, order_id=order_id, action=StorefrontAction.SHOP)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_coupon_apply(
            order_id=order_id,
            code=serializer.validated_data["code"],
            actor=Actor.for_user(request.user),
        )
        return _detail_response(order_id, status.HTTP_201_CREATED)


class CartCouponApi(StorefrontApi):
    @extend_schema(request=None, responses=OrderDetailOutput)
    def delete(self, request, order_id: int, code: str):
        storefront_order_check(user=request.user, order_id=order_id, action=StorefrontAction.SHOP)
        order_coupon_remove(order_id=order_id, code=code, actor=Actor.for_user(request.user))
        return _detail_response(order_id)


class CartFulfilmentApi(StorefrontApi):
    @extend_schema_serializer(component_name="CartFulfilmentInput")
    class InputSerializer(serializers.Serializer):
        items = serializers.ListField(
            child=StrictIntegerField(min_value=1),
            required=False,
            max_length=500,
            help_text="Only these items; else the items of `sub_order`; else the whole cart.",
        )
        sub_order = StrictIntegerField(required=False, min_value=1)
        shipping_address = StrictIntegerField(required=False, allow_null=True, min_value=1)
        shipping_mode = StrictIntegerField(required=False, allow_null=True, min_value=1)
        fulfilment_centre = StrictIntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            help_text="A pickup point or delivery zone of the trader open in the cart's session.",
        )

    @extend_schema(request=InputSerializer, responses=OrderDetailOutput)
    def put(self, request, order_id: int):
        """Choose where and how the items are handed over; the fee follows from the shipping
        rules of the mode (see `total_shipping`)."""
        storefront_order_check(user=request.user, order_id=order_id, action=StorefrontAction.SHOP)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        cart_fulfilment_choose(
            order_id=order_id,
            actor=Actor.for_user(request.user),
            item_ids=data.get("items"),
            sub_order_id=data.get("sub_order"),
            shipping_address_id=data.get("shipping_address"),
            shipping_mode_id=data.get("shipping_mode"),
            fulfilment_centre_id=data.get("fulfilment_centre"),
        )
        return _detail_response(order_id)


class CartNoteApi(StorefrontApi):
    @extend_schema_serializer(component_name="CartNoteInput")
    class InputSerializer(serializers.Serializer):
        note = StrictCharField(max_length=2000, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=OrderDetailOutput)
    def put(self, request, order_id: int):
        """A note for the trader. It is kept with the IP address it came from, both purged
        some time after the order is closed."""
        storefront_order_check(user=request.user, order_id=order_id, action=StorefrontAction.SHOP)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cart_note_set(
            order_id=order_id,
            note=serializer.validated_data["note"],
            ip_address=request.META.get("REMOTE_ADDR") or None,
            actor=Actor.for_user(request.user),
        )
        return _detail_response(order_id)


class FulfilmentWindowOutput(serializers.Serializer):
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()


class FulfilmentBandOutput(serializers.Serializer):
    from_value = serializers.DecimalField(max_digits=14, decimal_places=3)
    charge = Money()


class FulfilmentFeeOutput(serializers.Serializer):
    rule = serializers.CharField()
    method = serializers.CharField()
    value = Money(help_text="Percent for a percentage; else an amount in `currency`.")
    currency = serializers.CharField(allow_blank=True)
    scale_lookup = serializers.CharField(allow_null=True)
    bands = FulfilmentBandOutput(many=True)


class FulfilmentOptionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FulfilmentCentre.Kind.choices)
    code = serializers.CharField()
    name = serializers.CharField()
    shipping_mode = serializers.CharField(source="shipping_mode.code")
    street = serializers.CharField()
    city = serializers.CharField()
    postcode = serializers.CharField()
    country = serializers.CharField()
    delivery_postcodes = serializers.CharField()
    windows = FulfilmentWindowOutput(many=True)
    fees = FulfilmentFeeOutput(many=True)


class SessionFulfilmentOptionsApi(StorefrontApi):
    @extend_schema(responses=FulfilmentOptionOutput(many=True))
    def get(self, request, session_id: int):
        session = SaleSession.objects.filter(pk=session_id).first()
        if session is None:
            raise NotFound(
                gettext("Sales session %(session)s does not exist.") % {"session": session_id}
            )
        return Response(
            FulfilmentOptionOutput(session_fulfilment_options(session=session), many=True).data
        )


class QuickOrderProfileApi(StorefrontApi):
    @extend_schema(responses=OrderDetailOutput)
    def get(self, request, customer_id: int):
        customer = storefront_own_customer(user=request.user, customer_id=customer_id)
        profile = Order.objects.filter(
            customer=customer, status=OrderStatus.QUICK_ORDER_PROFILE
        ).first()
        if profile is None:
            raise NotFound(gettext("You have no quick-order profile yet."))
        return _detail_response(profile.pk)

    @extend_schema_serializer(component_name="QuickOrderProfileSaveInput")
    class InputSerializer(serializers.Serializer):
        order = StrictIntegerField(
            min_value=1, help_text="Save this order's choices (and items) as the profile."
        )

    @extend_schema(request=InputSerializer, responses=OrderDetailOutput)
    def put(self, request, customer_id: int):
        customer = storefront_own_customer(user=request.user, customer_id=customer_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_id = serializer.validated_data["order"]
        if not Order.objects.filter(pk=order_id, customer=customer).exists():
            raise NotFound(gettext("Order %(order)s is not one of yours.") % {"order": order_id})
        profile = quick_order_profile_save_from_order(
            order_id=order_id, actor=Actor.for_user(request.user)
        )
        return _detail_response(profile.pk)


class QuickOrderCartApi(StorefrontApi):
    @extend_schema_serializer(component_name="QuickOrderCartInput")
    class InputSerializer(serializers.Serializer):
        session = StrictIntegerField(min_value=1)

    @extend_schema(request=InputSerializer, responses={201: CartOutput})
    def post(self, request, customer_id: int):
        """Open a cart in the session from the quick-order profile: its defaults and the
        items of the order it was saved from (those the session offers to you)."""
        customer = storefront_own_customer(user=request.user, customer_id=customer_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cart = cart_from_quick_order_profile(
            customer=customer,
            session_id=serializer.validated_data["session"],
            actor=Actor.for_user(request.user),
        )
        return _cart_response(cart.pk, status.HTTP_201_CREATED)
