from django.contrib import admin, messages

from config.actors import Actor
from config.exceptions import ApplicationError
from sessions_app.models import Offer, SaleSession
from sessions_app.services import session_open


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 0
    readonly_fields = ("quantity_reserved",)
    autocomplete_fields = ("product",)


@admin.register(SaleSession)
class SaleSessionAdmin(admin.ModelAdmin):
    list_display = ("name", "trader", "state", "begins_at", "ends_at", "closed_at")
    list_filter = ("state", "trader")
    search_fields = ("name",)
    inlines = [OfferInline]
    actions = ["open_sessions"]

    @admin.action(description="Open the selected sessions for orders")
    def open_sessions(self, request, queryset):
        actor = Actor.for_user(request.user)
        for session in queryset.order_by("pk"):
            try:
                session_open(session_id=session.pk, actor=actor)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = (
        "product",
        "session",
        "price",
        "currency",
        "vat_rate",
        "stock_limitation",
        "quantity_reserved",
        "allows_backorder",
    )
    readonly_fields = ("quantity_reserved",)
    list_filter = ("session",)
    search_fields = ("product__name",)
    list_select_related = ("product", "session")
