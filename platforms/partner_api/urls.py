"""The partner API, mounted under /api/ by config/urls.py."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.problems import api_not_found
from platforms.partner_api.apis import dfc, v1

v1_patterns = [
    path("orders/", v1.OrderListApi.as_view(), name="v1-orders"),
    path("orders/<int:pk>/", v1.OrderDetailApi.as_view(), name="v1-order"),
    path("order-items/", v1.OrderItemListApi.as_view(), name="v1-order-items"),
    path("sub-orders/", v1.SubOrderListApi.as_view(), name="v1-sub-orders"),
    path("sessions/", v1.SaleSessionListApi.as_view(), name="v1-sessions"),
    path("sessions/<int:pk>/", v1.SaleSessionDetailApi.as_view(), name="v1-session"),
    path("producer-orders/", v1.ProducerOrderListApi.as_view(), name="v1-producer-orders"),
    path(
        "producer-orders/<int:pk>/", v1.ProducerOrderDetailApi.as_view(), name="v1-producer-order"
    ),
    path("products/", v1.ProductListApi.as_view(), name="v1-products"),
    path("stock/", v1.StockListApi.as_view(), name="v1-stock"),
]

enterprise = "dfc/Enterprises/<slug:slug>"
dfc_patterns = [
    path(f"{enterprise}", dfc.DfcEnterpriseApi.as_view(), name="dfc-enterprise"),
    path(f"{enterprise}/Orders", dfc.DfcOrdersApi.as_view(), name="dfc-orders"),
    path(f"{enterprise}/Orders/<int:order_id>", dfc.DfcOrderApi.as_view(), name="dfc-order"),
    path(
        f"{enterprise}/Orders/<int:order_id>/OrderLines",
        dfc.DfcOrderLinesApi.as_view(),
        name="dfc-order-lines",
    ),
    path(
        f"{enterprise}/Orders/<int:order_id>/OrderLines/<int:line_id>",
        dfc.DfcOrderLineApi.as_view(),
        name="dfc-order-line",
    ),
    path(f"{enterprise}/SuppliedProducts", dfc.DfcSuppliedProductsApi.as_view()),
    path(f"{enterprise}/SuppliedProducts/<int:pk>", dfc.DfcSuppliedProductsApi.as_view()),
    path(f"{enterprise}/CatalogItems", dfc.DfcCatalogItemsApi.as_view()),
    path(f"{enterprise}/CatalogItems/<int:pk>", dfc.DfcCatalogItemsApi.as_view()),
    path(f"{enterprise}/Offers", dfc.DfcOffersApi.as_view()),
    path(f"{enterprise}/Offers/<int:pk>", dfc.DfcOffersApi.as_view()),
    path(f"{enterprise}/SaleSessions", dfc.DfcSaleSessionsApi.as_view()),
    path(f"{enterprise}/SaleSessions/<int:pk>", dfc.DfcSaleSessionsApi.as_view()),
    path(f"{enterprise}/SalesSession", dfc.DfcSalesSessionAliasApi.as_view()),
    path(f"{enterprise}/SalesSession/<int:pk>", dfc.DfcSalesSessionAliasApi.as_view()),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/", include(v1_patterns)),
    *dfc_patterns,
    re_path(r"^(v1|dfc)/", api_not_found),
]
