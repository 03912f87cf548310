from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.observability.metrics import metrics

admin.site.site_header = _("Larder back office")
admin.site.site_title = "Larder"
admin.site.index_title = _("Trading across platforms")
admin.site.site_url = None  # no public site to view: the storefront is an API
# Lists, filters and order pages need the width at 1280-1400 px; the home page lists every
# model, and the breadcrumbs lead back to it.
admin.site.enable_nav_sidebar = False

# /healthz and /readyz are answered by config.observability.health.HealthCheckMiddleware.
urlpatterns = [
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", include("platforms.partner_api.urls")),
    path("api/storefront/", include("orders.urls")),
    # Customer accounts: /api/auth/browser/v1/… (session + CSRF) and /api/auth/app/v1/… (token).
    path("api/auth/", include("allauth.headless.urls")),
]
