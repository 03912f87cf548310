from django.contrib import admin

from platforms.models import Enterprise, Platform


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "is_local", "base_url")
    list_filter = ("kind", "is_local")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "platform", "consolidate_per_producer", "aggregate_by_weight")
    list_filter = ("kind", "platform")
    search_fields = ("name", "slug")
    list_select_related = ("platform",)
    prepopulated_fields = {"slug": ("name",)}
