from django.contrib import admin, messages
from django.db import models
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.actors import Actor
from config.exceptions import ApplicationError
from platforms.tenancy.roles import EnterpriseScopedAdmin
from sessions_app.models import CategoryOffer, CustomerCategory, Offer, SaleSession
from sessions_app.services import session_open


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 0
    readonly_fields = ("quantity_reserved",)
    autocomplete_fields = ("product",)


@admin.register(SaleSession)
class SaleSessionAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
    list_display = ("name", "trader", "state", "begins_at", "ends_at", "closed_at", "dashboard")
    list_filter = ("state", "trader")
    search_fields = ("name",)
    inlines = [OfferInline]
    # The state moves only through its services: "Open" (session_open) and "Close session
    # now" (orders.services.session_close, the one beat runs).
    readonly_fields = ("state", "closed_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["open_sessions"]
    change_form_template = "admin/sessions_app/salesession/change_form.html"

    @admin.display(description=_("dashboard"))
    def dashboard(self, session):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:sessions_app_salesession_dashboard", args=[session.pk]),
            gettext("dashboard"),
        )

    def get_readonly_fields(self, request, obj=None):
        # Switched through the consolidation page, which shows the effect first.
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "consolidate_per_producer") if obj is not None else readonly

    def get_urls(self):
        from orders.admin.consolidation import consolidation_switch_view
        from sessions_app.close import session_close_view
        from sessions_app.dashboard import session_dashboard_view
        from sessions_app.handover import session_handover_view

        return [
            path(
                "<int:session_id>/consolidation/",
                self.admin_site.admin_view(
                    lambda request, session_id: consolidation_switch_view(self, request, session_id)
                ),
                name="sessions_app_salesession_consolidation",
            ),
            path(
                "<int:session_id>/dashboard/",
                self.admin_site.admin_view(
                    lambda request, session_id: session_dashboard_view(self, request, session_id)
                ),
                name="sessions_app_salesession_dashboard",
            ),
            path(
                "<int:session_id>/handover/",
                self.admin_site.admin_view(
                    lambda request, session_id: session_handover_view(self, request, session_id)
                ),
                name="sessions_app_salesession_handover",
            ),
            path(
                "<int:session_id>/close/",
                self.admin_site.admin_view(
                    lambda request, session_id: session_close_view(self, request, session_id)
                ),
                name="sessions_app_salesession_close",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from orders.services.session_close import session_needs_close

        session = (
            self.get_queryset(request).filter(pk=object_id).first()
            if str(object_id).isdigit()
            else None
        )
        can_close = bool(
            session
            and self.has_change_permission(request, session)
            and session_needs_close(session)
        )
        extra_context = {**(extra_context or {}), "can_close": can_close}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Open the selected sessions for orders"))
    def open_sessions(self, request, queryset):
        actor = Actor.for_user(request.user)
        for session in queryset.order_by("pk"):
            try:
                session_open(session_id=session.pk, actor=actor)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)


class CategoryOfferInline(admin.TabularInline):
    """The offer as made to each customer category: its price and availability."""

    model = CategoryOffer
    extra = 1


@admin.register(CustomerCategory)
class CustomerCategoryAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
    list_display = ("name", "code", "trader")
    list_filter = ("trader",)
    search_fields = ("name", "code")


@admin.register(Offer)
class OfferAdmin(EnterpriseScopedAdmin):
    scope_trader = "session__trader"
    inlines = [CategoryOfferInline]
    list_display = (
        "product",
        "session",
        "price",
        "currency",
        "vat_rate",
        "stock_limitation",
        "quantity_reserved",
        "allows_backorder",
        "is_public",
    )
    readonly_fields = ("quantity_reserved",)
    list_filter = ("session",)
    search_fields = ("product__name",)
    list_select_related = ("product", "session")
