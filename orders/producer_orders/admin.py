"""Admin for producer orders: what the trader sends each producer per session, with the pick
list, CSV and PDF exports, and the session's bulk report by weight."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.csv_files import csv_response
from orders.models import ProducerOrder, ProducerOrderLine
from orders.producer_orders.reports import (
    ordered_unit,
    pick_rows_by_fulfilment_centre,
    producer_order_csv,
    producer_order_pdf,
    producer_order_pick_list,
    session_bulk_report,
    session_bulk_report_csv,
)
from orders.status_labels import badge_for
from orders.templatetags.order_display import badge, qty
from platforms.tenancy.roles import EnterpriseScopedAdmin, user_scope


class ProducerOrderLineInline(admin.TabularInline):
    model = ProducerOrderLine
    extra = 0
    can_delete = False
    fields = (
        "product",
        "customers",
        "weight",
        "packs",
        "surplus",
        "ordered",
        "unit_price",
        "discount",
        "partner_discount",
    )
    readonly_fields = fields

    @admin.display(description=_("customers ordered"))
    def customers(self, line):
        return qty(line.customer_quantity)

    @admin.display(description=_("weight"))
    def weight(self, line):
        return qty(line.weight_kg, "kg") if line.weight_kg is not None else "—"

    @admin.display(description=_("surplus"))
    def surplus(self, line):
        return qty(line.surplus_kg, "kg") if line.surplus_kg is not None else "—"

    @admin.display(description=_("ordered from the producer"))
    def ordered(self, line):
        return f"{qty(line.quantity)} × {ordered_unit(line)}"

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # The lines are part of the producer order: whoever may see the order sees them
        # (producer staff have no permission on the line model itself).
        return request.user.has_perm("orders.view_producerorder")


class ProducerOrderStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return [(code, badge_for("producer_order", code).label) for code in ProducerOrder.Status]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


def _trader_sees(user, trader_id: int) -> bool:
    """Whether the user works for the trader (or is a superuser): only they see customers'
    names on pick lists; a producer's staff see order numbers."""
    scope = user_scope(user)
    return scope.everything or trader_id in scope.trader_ids


@admin.register(ProducerOrder)
class ProducerOrderAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
    scope_producer = "producer"
    list_display = (
        "producer",
        "sales_session",
        "status_badge",
        "order_state",
        "total",
        "discount_check",
        "partner_answer",
        "exports",
    )
    list_display_links = ("producer",)
    list_filter = (
        ProducerOrderStatusFilter,
        "order_state",
        "partner_state",
        "discount_disagrees",
        "sales_session",
        "producer__platform",
        "producer",
    )
    search_fields = ("producer__name", "sales_session__name")
    list_select_related = ("producer", "sales_session")
    inlines = [ProducerOrderLineInline]
    readonly_fields = (
        "sales_session",
        "producer",
        "trader",
        "customer_order",
        "status",
        "order_state",
        "aggregate_by_weight",
        "currency",
        "total_product",
        "total_discount",
        "partner_discount",
        "discount_disagrees",
        "version",
        "remote_id",
        "partner_state",
        "partner_message",
        "created_at",
        "updated_at",
        "computed_at",
        "finalised_at",
        "cancelled_at",
        "consolidation",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("sales_session", "producer", "trader"),
                    "customer_order",
                    "consolidation",
                    ("total_discount", "partner_discount", "discount_disagrees"),
                )
            },
        ),
        (
            _("Technical details"),
            {
                "classes": ("collapse",),
                "fields": (
                    ("status", "order_state"),
                    ("aggregate_by_weight", "currency", "total_product"),
                    ("version", "remote_id"),
                    ("created_at", "updated_at"),
                    ("computed_at", "finalised_at", "cancelled_at"),
                ),
            },
        ),
    )
    change_form_template = "admin/orders/producerorder/change_form.html"

    def has_add_permission(self, request):
        return False  # recomputed from customer orders, never typed in

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("partner's answer"), ordering="partner_state")
    def partner_answer(self, obj):
        """Sent but not answered yet, accepted (with the partner's @id), refused (in the
        partner's words), completed, cancelled."""
        if not obj.partner_state:
            return (
                gettext("sent, no answer yet")
                if obj.status == obj.Status.READY_FOR_REMOTE_FULFILMENT
                else "—"
            )
        if obj.partner_state == obj.PartnerState.REFUSED:
            return format_html("<strong>{}</strong>: {}", gettext("refused"), obj.partner_message)
        if obj.partner_state == obj.PartnerState.ACCEPTED and obj.remote_id:
            return gettext("accepted as %(remote_id)s") % {"remote_id": obj.remote_id}
        return obj.get_partner_state_display()

    @admin.display(description=_("discount check"))
    def discount_check(self, obj):
        if not obj.discount_disagrees:
            return "—" if obj.partner_discount is None else gettext("agrees")
        return format_html(
            '<strong class="discount-disagrees">⚠ {}</strong>',
            gettext("producer says %(partner)s, expected %(expected)s")
            % {"partner": obj.partner_discount, "expected": obj.total_discount},
        )

    @admin.display(description=_("consolidation (effective, and which setting decides it)"))
    def consolidation(self, obj):
        from orders.selectors import producer_consolidation

        return str(producer_consolidation(session=obj.sales_session, producer=obj.producer))

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return badge(obj.status, "producer_order")

    @admin.display(description=_("total"), ordering="total_product")
    def total(self, obj):
        return f"{obj.total_product} {obj.currency}"

    @admin.display(description=_("exports"))
    def exports(self, obj):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">CSV</a> · <a href="{}">PDF</a> · '
            '<a href="{}">{}</a>',
            reverse("admin:orders_producerorder_pick_list", args=[obj.pk]),
            gettext("pick list"),
            reverse("admin:orders_producerorder_csv", args=[obj.pk]),
            reverse("admin:orders_producerorder_pdf", args=[obj.pk]),
            reverse("admin:orders_producerorder_bulk_report", args=[obj.sales_session_id]),
            gettext("bulk report"),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The page leads with status, total and the delivery to the producer's platform in
        words; discount disagreements are flagged as warnings."""
        from orders.producer_orders.selectors import producer_orders_attach_deliveries
        from orders.selectors import producer_order_warnings

        found = (
            self.get_queryset(request)
            .select_related("producer__platform")
            .filter(pk=object_id)
            .first()
        )
        if found is not None:
            if request.method == "GET":
                for warning in producer_order_warnings(producer_order=found):
                    self.message_user(request, warning, messages.WARNING)
            producer_orders_attach_deliveries([found])
            extra_context = {**(extra_context or {}), "delivery": found}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/pick-list/",
                view(self.pick_list_view),
                name="orders_producerorder_pick_list",
            ),
            path("<int:pk>/export.csv", view(self.csv_view), name="orders_producerorder_csv"),
            path("<int:pk>/export.pdf", view(self.pdf_view), name="orders_producerorder_pdf"),
            path(
                "session/<int:session_id>/bulk-report/",
                view(self.bulk_report_view),
                name="orders_producerorder_bulk_report",
            ),
            *super().get_urls(),
        ]

    def _allowed(self, request, pk: int) -> ProducerOrder:
        """The producer order if this user may see it (the admin queryset is role-scoped)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def pick_list_view(self, request, pk: int):
        self._allowed(request, pk)
        producer_order, rows = producer_order_pick_list(producer_order_id=pk)
        context = {
            **self.admin_site.each_context(request),
            "producer_order": producer_order,
            "rows": rows,
            "show_customers": _trader_sees(request.user, producer_order.trader_id),
            "title": gettext("Pick list · %(order)s") % {"order": producer_order},
            "by_centre": pick_rows_by_fulfilment_centre(rows),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/producerorder/pick_list.html", context)

    def csv_view(self, request, pk: int):
        producer_order = self._allowed(request, pk)
        return csv_response(
            producer_order_csv(producer_order_id=pk),
            filename=f"producer-order-{producer_order.pk}.csv",
        )

    def pdf_view(self, request, pk: int):
        producer_order = self._allowed(request, pk)
        response = HttpResponse(
            producer_order_pdf(
                producer_order_id=pk,
                show_customers=_trader_sees(request.user, producer_order.trader_id),
            ),
            content_type="application/pdf",
        )
        response["Content-Disposition"] = (
            f'inline; filename="producer-order-{producer_order.pk}.pdf"'
        )
        return response

    def bulk_report_view(self, request, session_id: int):
        from sessions_app.models import SaleSession

        if not self.has_view_permission(request):
            raise PermissionDenied
        # The trader's people see every producer of the session; a producer's staff see
        # their own producers' part, in sessions where they have a producer order.
        scope = user_scope(request.user)
        sessions = SaleSession.objects.filter(
            Q(trader_id__in=scope.trader_ids)
            | Q(producer_orders__producer_id__in=scope.producer_ids)
        ).distinct()
        session = get_object_or_404(
            SaleSession.objects.all() if scope.everything else sessions, pk=session_id
        )
        whole = _trader_sees(request.user, session.trader_id)
        rows = session_bulk_report(
            session_id=session_id, producer_ids=None if whole else sorted(scope.producer_ids)
        )
        if request.GET.get("format") == "csv":
            return csv_response(
                session_bulk_report_csv(rows), filename=f"bulk-report-{session_id}.csv"
            )
        context = {
            **self.admin_site.each_context(request),
            "session": session,
            "rows": rows,
            "title": gettext("Bulk report by weight · %(session)s") % {"session": session},
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/producerorder/bulk_report.html", context)
