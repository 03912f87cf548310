"""The trader's storefront API: carts, checkout, payment and cancellation.

Thin views: validate the input, call one service, serialize the order. Customers are Django
users with an orders.Customer row for the session's trader; they see only their own orders
(others are 404). Who may do what is decided in one place, orders.permissions: back-office
users act on a customer's order only with the action's permission and for a trader their
membership covers. Every error is an RFC 9457 problem document.
"""

from datetime import datetime

from django.utils.translation import gettext, gettext_noop
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.actors import Actor
from config.exceptions import NotFound
from inventory.selectors import offer_available
from orders.events import EventText
from orders.models import Customer, Order, OrderItem
from orders.permissions import (
    StorefrontAction,
    storefront_authorizer,
    storefront_customer_for_cart,
    storefront_order_check,
)
from orders.selectors import cart_context, cart_item_rows, cart_item_rows_from
from orders.services.cancellation import order_cancel
from orders.services.checkout import (
    cart_create,
    cart_item_quantity_change,
    cart_item_remove,
    cart_line_add,
    cart_submit_written,
)
from orders.services.items import MAX_ITEM_QUANTITY
from orders.services.payments import order_pay_written, order_payment_review_accept
from sessions_app.models import SaleSession
from sessions_app.selectors import customer_offers_qs


def _order_allowed(request, order_id: int, action: StorefrontAction = StorefrontAction.VIEW):
    storefront_order_check(user=request.user, order_id=order_id, action=action)


def _shopper(request):
    """Who may shop on the order, checked by the service on the order it locked: a customer
    on their own cart costs no query of its own (orders.permissions.storefront_authorizer)."""
    return storefront_authorizer(user=request.user, action=StorefrontAction.SHOP)


class _RowKey(serializers.PrimaryKeyRelatedField):
    """A foreign key of a row read as plain values (orders.selectors.cart_item_rows): its id
    as read, no instance."""

    def use_pk_only_optimization(self) -> bool:
        return False

    def to_representation(self, value):
        return value


# An item as orders.selectors.cart_item_rows reads it (a dict per item): the model's fields
# give the types, labels and schema, the row the values. (Comments, not docstrings: a
# serializer's docstring is its description in the API schema.)
class CartItemOutput(serializers.ModelSerializer):
    serializer_related_field = _RowKey
    producer = serializers.CharField()
    producer_platform = serializers.CharField()
    reserved_quantity = serializers.SerializerMethodField()
    reservation_expires_at = serializers.SerializerMethodField()

    class Meta:
        model = OrderItem
        fields = [
            "id",
            "offer",
            "product",
            "product_name",
            "producer",
            "producer_platform",
            "quantity",
            "unit_price",
            "vat_rate",
            "total_product",
            "total_adjustment",
            "total_tax",
            "status",
            "inventory_status",
            "inventory_unknown",
            "reserved_quantity",
            "reservation_expires_at",
        ]

    def get_reserved_quantity(self, row) -> str | None:
        quantity = row["reserved_quantity"]
        return None if quantity is None else str(quantity)

    def get_reservation_expires_at(self, row) -> datetime | None:
        return row["reservation_expires_at"]


_ORDER_FIELDS = [
    "id",
    "number",
    "status",
    "currency",
    "sales_session",
    "customer",
    "checked_out_at",
    "placed_at",
    "payment_method",
    "payment_status",
    "payment_reference",
    "total_product",
    "total_adjustment",
    "total_shipping",
    "total_tax",
    "total_shipping_tax",
    "grand_total",
    "version",
]


# The cart's own fields: CartOutput without its items.
class CartOrderOutput(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = _ORDER_FIELDS


# What every cart endpoint answers (the schema's): the order, its items last.
class CartOutput(serializers.ModelSerializer):
    items = CartItemOutput(many=True)

    class Meta:
        model = Order
        fields = [*_ORDER_FIELDS, "items"]


# One instance of each, built on first use and shared by every request and thread: a
# ModelSerializer maps its model's fields (with their translated labels) anew for each
# instance, which was most of a cart response's time (docs/performance.md, "Storefront
# checkout"); rendering reads nothing of the instance but its fields.
_ORDER_OUTPUT = CartOrderOutput()
_ITEM_OUTPUT = CartItemOutput()


def cart_representation(order: Order, items: list[dict]) -> dict:
    """The cart as CartOutput shows it, from the order and its item rows."""
    return {
        **_ORDER_OUTPUT.to_representation(order),
        "items": [_ITEM_OUTPUT.to_representation(row) for row in items],
    }


def _cart_response(order_id: int, code: int = status.HTTP_200_OK) -> Response:
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFound(gettext("Order %(order)s does not exist.") % {"order": order_id})
    return _written_cart_response(order, code)


def _written_cart_response(
    order: Order,
    code: int = status.HTTP_200_OK,
    *,
    new: bool = False,
    items: list[dict] | None = None,
    rows: list[dict] | None = None,
) -> Response:
    """The cart as a service that changed it returns it (locked and written in its
    transaction, so it holds what a re-read would), with `items` when the service gives the
    item rows it priced and wrote (no read), or `rows` when it gives them as cart_item_rows
    reads them; else its items are read, in one query, none for a cart just opened."""
    if new:
        rows = []
    elif items is not None:
        rows = cart_item_rows_from(items)
    elif rows is None:
        rows = cart_item_rows(order_id=order.pk)
    return Response(cart_representation(order, rows), status=code)


class SessionOffersApi(APIView):
    class OfferOutput(serializers.Serializer):
        id = serializers.IntegerField()
        product = serializers.IntegerField(source="product_id")
        product_name = serializers.CharField(source="product.name")
        producer = serializers.CharField(source="product.producer.name")
        producer_platform = serializers.CharField(source="product.producer.platform.slug")
        price = serializers.DecimalField(
            max_digits=12,
            decimal_places=2,
            source="category_price",
            help_text="The price made to your customer category, else the offer's.",
        )
        currency = serializers.CharField()
        vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
        allows_backorder = serializers.BooleanField()
        available = serializers.SerializerMethodField()

        def get_available(self, offer) -> str | None:
            available = offer_available(offer)
            return None if available is None else str(available)

    @extend_schema(responses=OfferOutput(many=True))
    def get(self, request, session_id: int):
        if not SaleSession.objects.filter(pk=session_id).exists():
            raise NotFound(
                gettext("Sales session %(session)s does not exist.") % {"session": session_id}
            )
        # The offers made to the user's customer category at this trader (public ones too).
        category_id = (
            Customer.objects.filter(trader__sale_sessions=session_id, user=request.user)
            .values_list("category_id", flat=True)
            .first()
        )
        offers = customer_offers_qs(session_id=session_id, category_id=category_id)
        return Response(self.OfferOutput(offers, many=True).data)


class CartCreateApi(APIView):
    @extend_schema_serializer(component_name="CartCreateInput")
    class InputSerializer(serializers.Serializer):
        session = serializers.IntegerField()
        currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
        customer = serializers.IntegerField(
            required=False,
            help_text="Staff who may shop for the trader's customers: the customer the cart "
            "is for.",
        )

    @extend_schema(request=InputSerializer, responses={201: CartOutput})
    def post(self, request):
        data = self._validated(request)
        # One read: the session, its currencies, the user's customer and their quick-order
        # profile; then cart_create's one write (docs/performance.md, "Storefront checkout").
        context = cart_context(session_id=data["session"], user_id=request.user.pk)
        if context is None:
            raise NotFound(
                gettext("Sales session %(session)s does not exist.") % {"session": data["session"]}
            )
        customer = storefront_customer_for_cart(
            user=request.user,
            trader_id=context.session.trader_id,
            customer_id=data.get("customer"),
            own=context.customer,
        )
        order = cart_create(
            session=context.session,
            customer=customer,
            currency=data.get("currency"),
            actor=Actor.for_user(request.user),
            # The profile read is the user's own customer's; a named one's is read apart.
            profile_defaults=context.profile_defaults if customer is context.customer else None,
        )
        return _written_cart_response(order, status.HTTP_201_CREATED, new=True)

    def _validated(self, request) -> dict:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class CartDetailApi(APIView):
    @extend_schema(responses=CartOutput)
    def get(self, request, order_id: int):
        _order_allowed(request, order_id)
        return _cart_response(order_id)


class CartItemAddApi(APIView):
    @extend_schema_serializer(component_name="CartItemAddInput")
    class InputSerializer(serializers.Serializer):
        offer = serializers.IntegerField()
        quantity = serializers.DecimalField(
            max_digits=12, decimal_places=3, max_value=MAX_ITEM_QUANTITY
        )

    @extend_schema(request=InputSerializer, responses={201: CartOutput})
    def post(self, request, order_id: int):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line = cart_line_add(
            order_id=order_id,
            offer_id=serializer.validated_data["offer"],
            quantity=serializer.validated_data["quantity"],
            actor=Actor.for_user(request.user),
            authorize=_shopper(request),
        )
        return _written_cart_response(line.item.order, status.HTTP_201_CREATED, items=line.items)


class CartItemApi(APIView):
    @extend_schema_serializer(component_name="CartItemInput")
    class InputSerializer(serializers.Serializer):
        quantity = serializers.DecimalField(
            max_digits=12, decimal_places=3, max_value=MAX_ITEM_QUANTITY
        )

    @extend_schema(request=InputSerializer, responses=CartOutput)
    def patch(self, request, order_id: int, item_id: int):
        _order_allowed(request, order_id, StorefrontAction.SHOP)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cart_item_quantity_change(
            order_id=order_id,
            item_id=item_id,
            quantity=serializer.validated_data["quantity"],
            actor=Actor.for_user(request.user),
        )
        return _cart_response(order_id)

    @extend_schema(responses=CartOutput)
    def delete(self, request, order_id: int, item_id: int):
        _order_allowed(request, order_id, StorefrontAction.SHOP)
        cart_item_remove(order_id=order_id, item_id=item_id, actor=Actor.for_user(request.user))
        return _cart_response(order_id)


class CartSubmitApi(APIView):
    @extend_schema(request=None, responses=CartOutput)
    def post(self, request, order_id: int):
        order, items = cart_submit_written(
            order_id=order_id, actor=Actor.for_user(request.user), authorize=_shopper(request)
        )
        return _written_cart_response(order, items=items)


class CartPayApi(APIView):
    @extend_schema_serializer(component_name="CartPayInput")
    class InputSerializer(serializers.Serializer):
        method = serializers.CharField(max_length=40)
        card_number = serializers.CharField(max_length=40, required=False)

    @extend_schema(request=InputSerializer, responses=CartOutput)
    def post(self, request, order_id: int):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        details = {k: v for k, v in serializer.validated_data.items() if k != "method"}
        order, rows = order_pay_written(
            order_id=order_id,
            method=serializer.validated_data["method"],
            details=details,
            actor=Actor.for_user(request.user),
            authorize=_shopper(request),
        )
        return _written_cart_response(order, rows=rows)


class OrderCancelApi(APIView):
    @extend_schema_serializer(component_name="OrderCancelInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=CartOutput)
    def post(self, request, order_id: int):
        _order_allowed(request, order_id, StorefrontAction.CANCEL)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = Actor.for_user(request.user)
        order_cancel(
            order_id=order_id,
            actor=actor,
            reason=serializer.validated_data.get("reason")
            or EventText(gettext_noop("Cancelled by %(who)s"), {"who": actor.label}),
        )
        return _cart_response(order_id)


class OrderPaymentReviewAcceptApi(APIView):
    @extend_schema(request=None, responses=CartOutput)
    def post(self, request, order_id: int):
        _order_allowed(request, order_id, StorefrontAction.PAYMENT_REVIEW)
        order_payment_review_accept(order_id=order_id, actor=Actor.for_user(request.user))
        return _cart_response(order_id)
