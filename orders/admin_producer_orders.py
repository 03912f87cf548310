"""Admin for producer orders: what the trader sends each producer per session, with the pick
list, CSV and PDF exports, and the session's bulk report by weight."""

import csv
import io

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from orders.models import ProducerOrder, ProducerOrderLine
from orders.producer_order_reports import (
    producer_order_csv,
    producer_order_pdf,
    producer_order_pick_list,
    session_bulk_report,
)
from platforms.roles import EnterpriseScopedAdmin, scope_queryset


class ProducerOrderLineInline(admin.TabularInline):
    model = ProducerOrderLine
    extra = 0
    can_delete = False
    fields = (
        "product",
        "customer_quantity",
        "weight_kg",
        "packs",
        "surplus_kg",
        "quantity",
        "unit_price",
        "discount",
        "partner_discount",
        "remote_id",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProducerOrder)
class ProducerOrderAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
    scope_producer = "producer"
    list_display = (
        "__str__",
        "producer",
        "sales_session",
        "status",
        "order_state",
        "aggregate_by_weight",
        "total_product",
        "total_discount",
        "discount_check",
        "partner_answer",
        "version",
        "updated_at",
        "exports",
    )
    list_filter = (
        "status",
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
    change_form_template = "admin/orders/producerorder/change_form.html"

    def has_add_permission(self, request):
        return False  # recomputed from customer orders, never typed in

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="partner's answer", ordering="partner_state")
    def partner_answer(self, obj):
        """Sent but not answered yet, accepted (with the partner's @id), refused (in the
        partner's words), completed, cancelled."""
        if not obj.partner_state:
            return (
                "sent, no answer yet"
                if obj.status == obj.Status.READY_FOR_REMOTE_FULFILMENT
                else "—"
            )
        if obj.partner_state == obj.PartnerState.REFUSED:
            return format_html("<strong>refused</strong>: {}", obj.partner_message)
        if obj.partner_state == obj.PartnerState.ACCEPTED and obj.remote_id:
            return f"accepted as {obj.remote_id}"
        return obj.get_partner_state_display()

    @admin.display(description="discount check")
    def discount_check(self, obj):
        if not obj.discount_disagrees:
            return "—" if obj.partner_discount is None else "agrees"
        return format_html(
            '<strong class="discount-disagrees">⚠ producer says {}, expected {}</strong>',
            obj.partner_discount,
            obj.total_discount,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from orders.selectors import producer_order_warnings

        producer_order = self.get_queryset(request).filter(pk=object_id).first()
        if producer_order is not None and request.method == "GET":
            for warning in producer_order_warnings(producer_order=producer_order):
                self.message_user(request, warning, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="consolidation (effective, and which setting decides it)")
    def consolidation(self, obj):
        from orders.selectors import producer_consolidation

        return str(producer_consolidation(session=obj.sales_session, producer=obj.producer))

    @admin.display(description="exports")
    def exports(self, obj):
        return format_html(
            '<a href="{}">pick list</a> · <a href="{}">CSV</a> · <a href="{}">PDF</a> · '
            '<a href="{}">bulk report</a>',
            reverse("admin:orders_producerorder_pick_list", args=[obj.pk]),
            reverse("admin:orders_producerorder_csv", args=[obj.pk]),
            reverse("admin:orders_producerorder_pdf", args=[obj.pk]),
            reverse("admin:orders_producerorder_bulk_report", args=[obj.sales_session_id]),
        )

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
            "title": f"Pick list · {producer_order}",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/producerorder/pick_list.html", context)

    def csv_view(self, request, pk: int):
        producer_order = self._allowed(request, pk)
        response = HttpResponse(producer_order_csv(producer_order_id=pk), content_type="text/csv")
        response["Content-Disposition"] = (
            f'attachment; filename="producer-order-{producer_order.pk}.csv"'
        )
        return response

    def pdf_view(self, request, pk: int):
        producer_order = self._allowed(request, pk)
        response = HttpResponse(
            producer_order_pdf(producer_order_id=pk), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'inline; filename="producer-order-{producer_order.pk}.pdf"'
        )
        return response

    def bulk_report_view(self, request, session_id: int):
        from sessions_app.models import SaleSession

        if not self.has_view_permission(request):
            raise PermissionDenied
        # The bulk report covers every producer of the session: the trader's people only.
        session = get_object_or_404(
            scope_queryset(SaleSession.objects.all(), request.user, trader="trader"),
            pk=session_id,
        )
        rows = session_bulk_report(session_id=session_id)
        if request.GET.get("format") == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(
                [
                    "producer",
                    "product",
                    "customer quantity",
                    "weight kg",
                    "pack kg",
                    "packs",
                    "packed kg",
                    "surplus kg",
                ]
            )
            for row in rows:
                writer.writerow(
                    [
                        row.producer_name,
                        row.product_name,
                        row.customer_quantity,
                        row.weight_kg,
                        row.pack_weight_kg,
                        row.packs,
                        row.packed_kg,
                        row.surplus_kg,
                    ]
                )
            response = HttpResponse(out.getvalue(), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="bulk-report-{session_id}.csv"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "session": session,
            "rows": rows,
            "title": f"Bulk report by weight · {session}",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/producerorder/bulk_report.html", context)
