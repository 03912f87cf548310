from django.contrib import admin
from django.urls import include, path

from config.observability.metrics import metrics

admin.site.site_header = "Larder back office"
admin.site.site_title = "Larder"
admin.site.index_title = "Trading across platforms"

# /healthz and /readyz are answered by config.observability.health.HealthCheckMiddleware.
urlpatterns = [
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", include("platforms.urls")),
    path("api/storefront/", include("orders.urls")),
]
