"""The trader's storefront API, mounted under /api/storefront/ (config/urls.py)."""

from django.urls import path, re_path

from orders import apis, apis_account, apis_orders, requisition_list_apis
from platforms.partner_api.apis.base import api_not_found

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

# Accounts ("my account") and the rest of the storefront (orders/apis_account.py,
# orders/apis_orders.py).
urlpatterns += [
    path("account/", apis_account.AccountApi.as_view(), name="account"),
    path(
        "account/customers/", apis_account.AccountCustomersApi.as_view(), name="account-customers"
    ),
    path(
        "account/addresses/", apis_account.AccountAddressesApi.as_view(), name="account-addresses"
    ),
    path(
        "account/addresses/<int:address_id>/",
        apis_account.AccountAddressApi.as_view(),
        name="account-address",
    ),
    path("account/consents/", apis_account.AccountConsentsApi.as_view(), name="account-consents"),
    path("account/export/", apis_account.AccountExportApi.as_view(), name="account-export"),
    path(
        "account/customers/<int:customer_id>/quick-order-profile/",
        apis_orders.QuickOrderProfileApi.as_view(),
        name="quick-order-profile",
    ),
    path(
        "account/customers/<int:customer_id>/quick-order-profile/cart/",
        apis_orders.QuickOrderCartApi.as_view(),
        name="quick-order-cart",
    ),
    path(
        "sessions/<int:session_id>/fulfilment-options/",
        apis_orders.SessionFulfilmentOptionsApi.as_view(),
        name="session-fulfilment-options",
    ),
    path("orders/", apis_orders.OrderListApi.as_view(), name="order-list"),
    path(
        "orders/<int:order_id>/detail/",
        apis_orders.OrderDetailApi.as_view(),
        name="order-full-detail",
    ),
    path(
        "carts/<int:order_id>/coupons/",
        apis_orders.CartCouponApplyApi.as_view(),
        name="cart-coupons",
    ),
    path(
        "carts/<int:order_id>/coupons/<str:code>/",
        apis_orders.CartCouponApi.as_view(),
        name="cart-coupon",
    ),
    path("carts/<int:order_id>/note/", apis_orders.CartNoteApi.as_view(), name="cart-note"),
    path(
        "carts/<int:order_id>/fulfilment/",
        apis_orders.CartFulfilmentApi.as_view(),
        name="cart-fulfilment",
    ),
]

# Any other path (an id out of range, a typo): a problem document, not Django's HTML page.
urlpatterns += [re_path(r"", api_not_found)]
