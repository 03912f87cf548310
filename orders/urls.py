"""The trader's storefront API, mounted under /api/storefront/ (config/urls.py)."""

from django.urls import path, re_path

from config.problems import api_not_found
from orders.apis import account, carts, orders, requisition_lists

app_name = "storefront"

urlpatterns = [
    path(
        "sessions/<int:session_id>/offers/",
        carts.SessionOffersApi.as_view(),
        name="session-offers",
    ),
    path("carts/", carts.CartCreateApi.as_view(), name="cart-create"),
    path("carts/<int:order_id>/", carts.CartDetailApi.as_view(), name="cart-detail"),
    path("carts/<int:order_id>/items/", carts.CartItemAddApi.as_view(), name="cart-item-add"),
    path(
        "carts/<int:order_id>/items/<int:item_id>/",
        carts.CartItemApi.as_view(),
        name="cart-item",
    ),
    path("carts/<int:order_id>/submit/", carts.CartSubmitApi.as_view(), name="cart-submit"),
    path("carts/<int:order_id>/pay/", carts.CartPayApi.as_view(), name="cart-pay"),
    path("orders/<int:order_id>/", carts.CartDetailApi.as_view(), name="order-detail"),
    path("orders/<int:order_id>/cancel/", carts.OrderCancelApi.as_view(), name="order-cancel"),
    path(
        "orders/<int:order_id>/payment-review/accept/",
        carts.OrderPaymentReviewAcceptApi.as_view(),
        name="order-payment-review-accept",
    ),
    path(
        "requisition-lists/",
        requisition_lists.RequisitionListsApi.as_view(),
        name="requisition-lists",
    ),
    path(
        "requisition-lists/<int:list_id>/",
        requisition_lists.RequisitionListDetailApi.as_view(),
        name="requisition-list-detail",
    ),
    path(
        "requisition-lists/<int:list_id>/items/",
        requisition_lists.RequisitionListItemsApi.as_view(),
        name="requisition-list-items",
    ),
    path(
        "requisition-lists/<int:list_id>/order/",
        requisition_lists.RequisitionListOrderApi.as_view(),
        name="requisition-list-order",
    ),
]

# Accounts ("my account") and the rest of the storefront (orders/apis/account.py,
# orders/apis/orders.py).
urlpatterns += [
    path("account/", account.AccountApi.as_view(), name="account"),
    path("account/customers/", account.AccountCustomersApi.as_view(), name="account-customers"),
    path("account/addresses/", account.AccountAddressesApi.as_view(), name="account-addresses"),
    path(
        "account/addresses/<int:address_id>/",
        account.AccountAddressApi.as_view(),
        name="account-address",
    ),
    path("account/consents/", account.AccountConsentsApi.as_view(), name="account-consents"),
    path("account/export/", account.AccountExportApi.as_view(), name="account-export"),
    path(
        "account/customers/<int:customer_id>/quick-order-profile/",
        orders.QuickOrderProfileApi.as_view(),
        name="quick-order-profile",
    ),
    path(
        "account/customers/<int:customer_id>/quick-order-profile/cart/",
        orders.QuickOrderCartApi.as_view(),
        name="quick-order-cart",
    ),
    path(
        "sessions/<int:session_id>/fulfilment-options/",
        orders.SessionFulfilmentOptionsApi.as_view(),
        name="session-fulfilment-options",
    ),
    path("orders/", orders.OrderListApi.as_view(), name="order-list"),
    path(
        "orders/<int:order_id>/detail/",
        orders.OrderDetailApi.as_view(),
        name="order-full-detail",
    ),
    path(
        "carts/<int:order_id>/coupons/",
        orders.CartCouponApplyApi.as_view(),
        name="cart-coupons",
    ),
    path(
        "carts/<int:order_id>/coupons/<str:code>/",
        orders.CartCouponApi.as_view(),
        name="cart-coupon",
    ),
    path("carts/<int:order_id>/note/", orders.CartNoteApi.as_view(), name="cart-note"),
    path(
        "carts/<int:order_id>/fulfilment/",
        orders.CartFulfilmentApi.as_view(),
        name="cart-fulfilment",
    ),
]

# Any other path (an id out of range, a typo): a problem document, not Django's HTML page.
urlpatterns += [re_path(r"", api_not_found)]
