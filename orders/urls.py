"""The trader's storefront API, mounted under /api/storefront/ (config/urls.py)."""

from django.urls import path

from orders import apis, requisition_list_apis

app_name = "storefront"

urlpatterns = [
    path(
        "sessions/<int:session_id>/offers/",
        apis.SessionOffersApi.as_view(),
        name="session-offers",
    ),
    path("carts/", apis.CartCreateApi.as_view(), name="cart-create"),
    path("carts/<int:order_id>/", apis.CartDetailApi.as_view(), name="cart-detail"),
    path("carts/<int:order_id>/items/", apis.CartItemAddApi.as_view(), name="cart-item-add"),
    path(
        "carts/<int:order_id>/items/<int:item_id>/",
        apis.CartItemApi.as_view(),
        name="cart-item",
    ),
    path("carts/<int:order_id>/submit/", apis.CartSubmitApi.as_view(), name="cart-submit"),
    path("carts/<int:order_id>/pay/", apis.CartPayApi.as_view(), name="cart-pay"),
    path("orders/<int:order_id>/", apis.CartDetailApi.as_view(), name="order-detail"),
    path("orders/<int:order_id>/cancel/", apis.OrderCancelApi.as_view(), name="order-cancel"),
    path(
        "orders/<int:order_id>/payment-review/accept/",
        apis.OrderPaymentReviewAcceptApi.as_view(),
        name="order-payment-review-accept",
    ),
    path(
        "requisition-lists/",
        requisition_list_apis.RequisitionListsApi.as_view(),
        name="requisition-lists",
    ),
    path(
        "requisition-lists/<int:list_id>/",
        requisition_list_apis.RequisitionListDetailApi.as_view(),
        name="requisition-list-detail",
    ),
    path(
        "requisition-lists/<int:list_id>/items/",
        requisition_list_apis.RequisitionListItemsApi.as_view(),
        name="requisition-list-items",
    ),
    path(
        "requisition-lists/<int:list_id>/order/",
        requisition_list_apis.RequisitionListOrderApi.as_view(),
        name="requisition-list-order",
    ),
]
