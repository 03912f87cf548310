"""The partner API, mounted under /api/ by config/urls.py."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from platforms.apis import v1
from platforms.apis.base import api_not_found

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
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/", include(v1_patterns)),
    re_path(r"^v1/", api_not_found),
]
