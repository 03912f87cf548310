from django.contrib import admin
from django.urls import include, path

from config.health import healthz

admin.site.site_header = "Larder back office"
admin.site.site_title = "Larder"
admin.site.index_title = "Trading across platforms"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("platforms.urls")),
    path("api/storefront/", include("orders.urls")),
]
