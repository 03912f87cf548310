import copy

from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.actors import Actor
from config.csv_files import csv_response
from config.exceptions import ApplicationError
from discounts.models import CalculationRule, CouponRedemption
from orders.admin.forms import (
    EDIT_STEPS,
    ITEM_STEPS,
    PANEL_STEPS,
    EditStepForm,
    errors_not_on_a_field,
)
from orders.events import order_event_text, stored_texts_render
from orders.models import (
    Address,
    ApprovalRule,
    Customer,
    Order,
    OrderAwaitingApproval,
    OrderEvent,
    OrderItem,
    PaymentStatus,
    QuickOrderProfile,
    RequisitionList,
)
from orders.order_exports import orders_csv, orders_xlsx
from orders.selectors import (
    order_detail,
    order_edit_diff,
    order_items_by_sub_order,
    order_list_qs,
)
from orders.services.actions import ORDER_ACTIONS, order_action_run, order_actions_available
from orders.services.partner_resend import order_is_resendable
from orders.services.quick_order import quick_order_profile_save
from orders.services.remote_fulfilment import remote_fulfilment_partners
from orders.status_labels import ORDER_FILTER_STATUSES, badge_for
from orders.statuses import EDITABLE_STATUSES, OrderStatus
from orders.templatetags.order_display import badge
from platforms.tenancy.roles import EnterpriseScopedAdmin, scope_queryset

# Carts, copies, lists, profiles and cancelled orders: nothing to tell the customer about.
NOT_NOTIFIABLE_STATUSES = frozenset(
    {
        OrderStatus.PENDING,
        OrderStatus.TEMPORARY,
        OrderStatus.QUICK_ORDER_PROFILE,
        OrderStatus.PRIVATE_REQUISITION_LIST,
        OrderStatus.SHAREABLE_REQUISITION_LIST,
        OrderStatus.CANCELLED,
    }
)


class PaymentStatusFilter(admin.SimpleListFilter):
    title = _("payment")
    parameter_name = "payment_status__exact"

    def lookups(self, request, model_admin):
        return [(code, badge_for("payment", code).label) for code in PaymentStatus.values]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(payment_status=self.value())
        return queryset


class OrderStatusFilter(admin.SimpleListFilter):
    """The statuses an agent looks for, in words (no backups, lists or profiles)."""

    title = _("status")
    parameter_name = "status__exact"  # the same query as the plain field filter

    def lookups(self, request, model_admin):
        return [(status, badge_for("order", status).label) for status in ORDER_FILTER_STATUSES]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


class ReadOnlyAdmin:
    """Rows written only by services: the admin reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProducerPlatformFilter(admin.SimpleListFilter):
    title = _("producer platform")
    parameter_name = "platform"

    def lookups(self, request, model_admin):
        from platforms.models import Platform

        platform_ids = model_admin.get_queryset(request).values("items__producer_platform_id")
        return [(p.pk, p.name) for p in Platform.objects.filter(pk__in=platform_ids)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(items__producer_platform_id=self.value()).distinct()
        return queryset


class ProducerFilter(admin.SimpleListFilter):
    title = _("producer")
    parameter_name = "producer"

    def lookups(self, request, model_admin):
        from platforms.models import Enterprise

        producer_ids = model_admin.get_queryset(request).values("items__producer_id")
        return [(e.pk, e.name) for e in Enterprise.objects.filter(pk__in=producer_ids)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(items__producer_id=self.value()).distinct()
        return queryset


@admin.register(Order)
class OrderAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
    list_display = (
        "number",
        "status_badge",
        "customer",
        "sales_session",
        "total",
        "payment_badge",
        "placed",
        "locked_by",
    )
    list_display_links = ("number",)
    actions = ["release_selected", "print_packing_slips", "export_csv", "export_xlsx"]
    list_filter = (
        OrderStatusFilter,
        PaymentStatusFilter,
        "trader",
        "sales_session",
        ProducerPlatformFilter,
        ProducerFilter,
        ("locked_by", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = (
        "=number",
        "customer__name",
        "customer__email",
        "customer__phone",
        "payment_reference",
        "items__product_name",
    )
    search_help_text = _("Order number, customer name, e-mail or phone, payment reference, product")
    date_hierarchy = "created_at"
    list_select_related = ("trader", "customer", "sales_session", "locked_by")
    readonly_fields = (
        "number",
        "status",
        "status_before_edit",
        "currency",
        "trader",
        "customer",
        "sales_session",
        "origin_platform",
        "total_product",
        "total_adjustment",
        "total_shipping",
        "total_tax",
        "total_shipping_tax",
        "grand_total",
        "placed_at",
        "created_at",
        "updated_at",
        "version",
        "locked_by",
        "locked_at",
        "backup_of",
        "payment_method",
        "payment_reference",
        "payment_status",
        "amount_authorized",
        "amount_captured",
        "amount_refunded",
        "approval_reasons_text",
        "released_at",
        "shipped_at",
        # Addresses change through the edit panel (a customer-service edit), never here.
        "billing_address",
        "customer_note",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("trader", "sales_session"),
                    ("payment_method", "payment_reference"),
                    "billing_address",
                    "customer_note",
                    "approval_reasons_text",
                    ("placed_at", "released_at", "shipped_at"),
                )
            },
        ),
        (
            _("Technical details"),
            {
                "classes": ("collapse", "developer-fields"),
                "fields": (
                    "number",
                    ("status", "payment_status"),
                    ("amount_authorized", "amount_captured", "amount_refunded"),
                    "origin_platform",
                    "currency",
                    ("version", "updated_at"),
                    ("locked_by", "locked_at"),
                    "status_before_edit",
                    "backup_of",
                ),
            },
        ),
    )
    change_form_template = "admin/orders/order/change_form.html"

    class Media:
        css = {"all": ["orders/order_page.css"]}

    @admin.display(description=_("approval reasons"))
    def approval_reasons_text(self, order):
        """Why the order waits (or waited) for approval, in the agent's language."""
        return stored_texts_render(order.approval_reasons) or None

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, order):
        return badge(order.status, "order")

    @admin.display(description=_("payment"), ordering="payment_status")
    def payment_badge(self, order):
        return badge(order.payment_status, "payment")

    @admin.display(description=_("placed"), ordering="placed_at")
    def placed(self, order):
        if order.placed_at is None:
            return "—"
        return date_format(timezone.localtime(order.placed_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("total"), ordering="grand_total")
    def total(self, order):
        return f"{order.grand_total} {order.currency}"

    @admin.action(description=_("Print packing slips for the selected orders"))
    def print_packing_slips(self, request, queryset):
        orders = list(
            queryset.select_related("customer", "sales_session", "shipping_address")
            .prefetch_related("items__producer")
            .order_by("number")
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Packing slips"),
            "orders": orders,
        }
        return TemplateResponse(request, "admin/orders/order/packing_slips.html", context)

    @admin.action(description=_("Export the selected orders (CSV)"))
    def export_csv(self, request, queryset):
        return csv_response(orders_csv(queryset), filename="orders.csv")

    @admin.action(description=_("Export the selected orders (Excel)"))
    def export_xlsx(self, request, queryset):
        response = HttpResponse(
            orders_xlsx(queryset),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="orders.xlsx"'
        return response

    def get_queryset(self, request):
        # Quick-order profiles are not orders anyone placed: they have their own page.
        queryset = order_list_qs().exclude(status=OrderStatus.QUICK_ORDER_PROFILE)
        return scope_queryset(queryset, request.user, trader=self.scope_trader)

    def has_add_permission(self, request):
        return False  # orders are created by checkout, the partner API or the demo loader

    def has_delete_permission(self, request, obj=None):
        return False  # orders are cancelled (X), never deleted

    def get_urls(self):
        return [
            path(
                "<int:order_id>/action/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="orders_order_action",
            ),
            path(
                "<int:order_id>/edit/<str:step>/",
                self.admin_site.admin_view(self.edit_step_view),
                name="orders_order_edit_step",
            ),
            path(
                "<int:order_id>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="orders_order_cancel",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit() or not (
            self.get_queryset(request).filter(pk=object_id).exists()
        ):
            # Unknown, or another enterprise's: the admin's "does not exist" redirect.
            return super().change_view(request, object_id, form_url, extra_context)
        extra_context = dict(extra_context or {})
        refused = extra_context.pop("edit_refused_form", None)
        order = order_detail(order_id=int(object_id))
        can_change = self.has_change_permission(request, order)
        actions = (
            [
                action
                for action in order_actions_available(order=order, user=request.user)
                if action.code not in self.EDIT_ACTIONS.values()
            ]
            if can_change
            else []
        )
        item_groups = order_items_by_sub_order(order)
        edit_context = self._edit_context(request, order, item_groups, refused)
        extra_context = {
            **extra_context,
            "order": order,
            "item_groups": item_groups,
            # Business actions only (orders.services.actions): never a bare status letter.
            # (The edit panel shows the edit steps and the resend itself; cancelling opens
            # its confirmation page, which asks for the reason.)
            "order_actions": [action for action in actions if action.code != "cancel"],
            "can_cancel": any(action.code == "cancel" for action in actions),
            "can_note": can_change,
            "can_notify": can_change
            and bool(order.customer_id and order.customer.email)
            and order.status not in NOT_NOTIFIABLE_STATUSES,
            "fulfilment_summary": _fulfilment_summary(order),
            "backup_copy": Order.objects.filter(
                backup_of_id=order.pk, status=OrderStatus.TEMPORARY
            ).first()
            if order.status == OrderStatus.CSR_EDIT
            else None,
            # Only the fields of a form are saved by "Save": the order page has none.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
            **edit_context,
            "remote_partners": remote_fulfilment_partners(order.trader_id),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _edit_context(self, request, order, item_groups, refused: EditStepForm | None) -> dict:
        """What the customer-service edit panel offers this user on this order: a form per
        step (the refused one bound, with its errors), and per item its item steps' forms
        (as `item.edit_forms`)."""
        if not self.has_change_permission(request, order):
            return {
                "edit_can_begin": False,
                "edit_is_holder": False,
                "edit_held_by_other": False,
                "edit_errors": errors_not_on_a_field(refused, shown=False),
            }
        under_edit = order.status == OrderStatus.CSR_EDIT
        is_holder = under_edit and order.locked_by_id == request.user.pk

        def form_for(step: str, item=None) -> EditStepForm:
            if refused is not None and refused.step == step and refused.item == item:
                return refused
            return EDIT_STEPS[step][0](order=order, item=item)

        if is_holder:
            for _sub_order, items in item_groups:
                for item in items:
                    item.edit_forms = {step: form_for(step, item) for step in ITEM_STEPS}
        shown = is_holder or (refused is not None and refused.step == "note")
        return {
            "edit_can_begin": order.status in EDITABLE_STATUSES,
            "edit_is_holder": is_holder,
            "edit_held_by_other": under_edit and not is_holder,
            "edit_forms": {step: form_for(step) for step in PANEL_STEPS} if is_holder else {},
            "note_form": form_for("note"),
            "edit_errors": errors_not_on_a_field(refused, shown=shown),
            "edit_has_addresses": is_holder
            and Address.objects.filter(customer_id=order.customer_id).exists(),
            "can_resend": order_is_resendable(order),
            "edit_diff": order_edit_diff(order) if is_holder else None,
            "edit_coupons": CouponRedemption.objects.filter(order_id=order.pk)
            .select_related("coupon")
            .order_by("pk")
            if is_holder
            else [],
            "edit_manual_discounts": CalculationRule.objects.filter(
                order_id=order.pk, is_active=True
            ).order_by("pk")
            if is_holder
            else [],
        }

    # The edit panel's steps that are business actions: through the one action service.
    EDIT_ACTIONS = {
        "begin": "edit_begin",
        "take_over": "edit_take_over",
        "commit": "edit_commit",
        "rollback": "edit_rollback",
        "resend": "resend",
    }

    def edit_step_view(self, request, order_id: int, step: str):
        """One step of a customer-service edit (or the resend): the step's form reads what was
        typed and its service makes the change (orders.admin.forms.EDIT_STEPS). A form that
        does not validate, or a service that refuses, shows the order page again (400) with
        the errors on their fields; nothing is written."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if step in self.EDIT_ACTIONS:
            return self.action_view(request, order_id, self.EDIT_ACTIONS[step])
        order = get_object_or_404(self.get_queryset(request), pk=order_id)
        if step not in EDIT_STEPS or not self.has_change_permission(request, order):
            return HttpResponseRedirect(reverse("admin:orders_order_changelist"))
        form_class, service = EDIT_STEPS[step]
        form = form_class(request.POST, order=order)
        if form.is_valid():
            try:
                service(order_id=order.pk, actor=Actor.for_user(request.user), **form.arguments())
            except ApplicationError as error:
                form.refused(error)
            else:
                self.message_user(request, form.done)
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order_id]))
        page_request = copy.copy(request)
        page_request.method = "GET"  # the order page as shown, not the admin's own save
        response = self.change_view(
            page_request, str(order.pk), extra_context={"edit_refused_form": form}
        )
        response.status_code = 400
        return response

    def action_view(self, request, order_id: int, action: str):
        """Run one business action (POST: `reason`, and the action's own fields) through
        `order_action_run`; no decision is taken here. A raw status letter is no action."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = get_object_or_404(self.get_queryset(request), pk=order_id)
        if not self.has_change_permission(request, order):
            return HttpResponseRedirect(reverse("admin:orders_order_changelist"))
        data = {
            "amount": request.POST.get("amount", ""),
            "reference": request.POST.get("reference", ""),
            "partner": request.POST.get("partner", ""),
            "sub_orders": request.POST.getlist("sub_orders"),
        }
        try:
            outcome = self._run_action(request, order.pk, action, data)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Order %(number)s: %(message)s Now: %(status)s.")
                % {
                    "number": outcome.order.number,
                    "message": outcome.message,
                    "status": badge_for("order", outcome.order.status).label,
                },
            )
            if outcome.warning:
                self.message_user(request, outcome.warning, messages.WARNING)
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order_id]))

    @staticmethod
    def _run_action(request, order_id: int, action: str, data: dict):
        """The business action, with the reason and whether the person asked to e-mail the
        customer about it: both decided by `order_action_run`."""
        return order_action_run(
            order_id=order_id,
            action=action,
            actor=Actor.for_user(request.user),
            reason=request.POST.get("reason", ""),
            data=data,
            notify_customer=bool(request.POST.get("notify_customer")),
        )

    def cancel_view(self, request, order_id: int):
        """Cancelling asks first: a confirmation page with a required reason (kept in the
        history) and whether to tell the customer, then the "cancel" business action."""
        order = get_object_or_404(self.get_queryset(request), pk=order_id)
        if not self.has_change_permission(request, order):
            return HttpResponseRedirect(reverse("admin:orders_order_changelist"))
        error = ""
        if request.method == "POST":
            try:
                outcome = self._run_action(request, order.pk, "cancel", {})
            except ApplicationError as failure:
                error = failure.message
            else:
                self.message_user(
                    request,
                    gettext("Order %(number)s is cancelled: its stock is released.")
                    % {"number": outcome.order.number},
                )
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order_id]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Cancel order %(number)s?") % {"number": order.number},
            "order": order,
            "error": error,
            "reason": request.POST.get("reason", ""),
        }
        return TemplateResponse(
            request,
            "admin/orders/order/cancel_confirmation.html",
            context,
            status=400 if error else 200,
        )

    @admin.action(description=_("Release the selected paid orders to fulfilment"))
    def release_selected(self, request, queryset):
        self._bulk_action(request, queryset, "release")

    def _bulk_action(self, request, queryset, action: str) -> None:
        order_action_bulk(self, request, queryset, action)


def order_action_bulk(model_admin, request, queryset, action: str) -> None:
    """An admin bulk action: the business action on each selected order, one at a time
    through `order_action_run`; refusals are listed, the others go ahead."""
    actor, done, refused = Actor.for_user(request.user), [], []
    for order in queryset.order_by("pk"):
        try:
            order_action_run(order_id=order.pk, action=action, actor=actor)
        except ApplicationError as error:
            refused.append(f"{order.number}: {error.message}")
        else:
            done.append(str(order.number))
    if done:
        model_admin.message_user(
            request,
            gettext("%(done)s Orders %(numbers)s.")
            % {"done": ORDER_ACTIONS[action].done, "numbers": ", ".join(done)},
        )
    for message in refused:
        model_admin.message_user(request, message, messages.WARNING)


class RequisitionListItemInline(admin.TabularInline):
    model = OrderItem
    fields = ("product_name", "producer", "quantity", "unit_of_measure")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _fulfilment_summary(order) -> list[tuple[str, int]]:
    """How many of the order's items are in each fulfilment state, for the page's header."""
    counts: dict[str, int] = {}
    for item in order.items.all():
        counts[item.fulfilment_status] = counts.get(item.fulfilment_status, 0) + 1
    return sorted(counts.items())


@admin.register(OrderAwaitingApproval)
class ApprovalQueueAdmin(ReadOnlyAdmin, EnterpriseScopedAdmin):
    """The approval queue: orders waiting for approval (W), oldest first, with why. Approve
    or deny on each order's page (a denial needs a reason), or approve several here; only
    users with the `orders.approve_order` permission see the actions."""

    scope_trader = "trader"
    list_display = ("order_link", "customer", "sales_session", "grand_total", "currency", "reasons")
    list_display_links = None
    list_filter = ("sales_session",)
    search_fields = ("=number", "customer__name")
    list_select_related = ("customer", "sales_session")
    ordering = ("placed_at", "pk")
    actions = ["approve_selected"]

    @admin.display(description=_("order"), ordering="number")
    def order_link(self, order):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:orders_order_change", args=[order.pk]),
            order.number,
        )

    @admin.display(description=_("why it waits"))
    def reasons(self, order):
        return stored_texts_render(order.approval_reasons)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("orders.approve_order"):
            actions.pop("approve_selected", None)
        return actions

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": gettext("Orders waiting for approval")}
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Approve the selected orders"))
    def approve_selected(self, request, queryset):
        order_action_bulk(self, request, queryset, "approve")


@admin.register(RequisitionList)
class RequisitionListAdmin(ReadOnlyAdmin, EnterpriseScopedAdmin):
    """Customers' requisition lists (Y private, Z shareable), read here; customers keep them
    through the storefront (orders/apis/requisition_lists.py)."""

    scope_trader = "trader"
    list_display = ("list_name", "customer", "trader", "status", "item_count", "updated_at")
    list_filter = ("status", "trader")
    search_fields = ("list_name", "customer__name")
    list_select_related = ("customer", "trader")
    fields = ("list_name", "status", "customer", "trader", "updated_at")
    readonly_fields = fields
    inlines = [RequisitionListItemInline]

    @admin.display(description=_("items"))
    def item_count(self, requisition):
        return requisition.items.count()


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
    list_display = ("trader", "is_active", "order_total_over", "updated_at")
    list_filter = ("is_active",)


@admin.register(OrderItem)
class OrderItemAdmin(ReadOnlyAdmin, EnterpriseScopedAdmin):
    scope_trader = "order__trader"
    list_display = (
        "order",
        "product_name",
        "producer",
        "producer_platform",
        "quantity",
        "unit_price",
        "total_product",
        "status",
        "inventory_status",
        "inventory_unknown",
    )
    list_filter = ("status", "inventory_status", "inventory_unknown", "producer_platform")
    search_fields = ("product_name", "=order__number")
    list_select_related = ("order", "producer", "producer_platform")


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin, EnterpriseScopedAdmin):
    scope_trader = "order__trader"
    list_display = (
        "created_at",
        "order",
        "kind",
        "actor_label",
        "from_status",
        "to_status",
        "text",
    )
    list_filter = ("kind",)
    search_fields = ("=order__number", "actor_label")
    list_select_related = ("order",)

    @admin.display(description=_("message"))
    def text(self, event: OrderEvent) -> str:
        return order_event_text(event)


@admin.register(Customer)
class CustomerAdmin(EnterpriseScopedAdmin):
    scope_trader = "trader"
    list_display = (
        "name",
        "email",
        "phone",
        "trader",
        "category",
        "needs_approval",
        "session_spending_limit",
        "erased_at",
    )
    search_fields = ("name", "email", "phone")
    list_filter = ("trader", "category")
    readonly_fields = ("user", "erased_at")
    actions = ["erase_personal_data", "export_personal_data"]
    change_form_template = "admin/orders/customer/change_form.html"

    def save_model(self, request, obj, form, change):
        if change and "category" in form.changed_data:
            from orders.services.accounts import customer_category_assign

            customer_category_assign(
                customer_id=obj.pk, category_id=obj.category_id, actor=Actor.for_user(request.user)
            )
            form.changed_data.remove("category")
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Erase personal data (GDPR: orders and totals are kept)"))
    def erase_personal_data(self, request, queryset):
        from orders.services.gdpr import customer_erase

        actor = Actor.for_user(request.user)
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            customer_erase(customer_id=pk, actor=actor)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "Erased the personal data of %(count)d customer.",
                "Erased the personal data of %(count)d customers.",
                count,
            )
            % {"count": count},
        )

    @admin.action(description=_("Export personal data (GDPR: JSON)"))
    def export_personal_data(self, request, queryset):
        import json

        from django.http import HttpResponse

        from orders.services.gdpr import customer_data_export

        data = customer_data_export(customer_ids=list(queryset.values_list("pk", flat=True)))
        response = HttpResponse(
            json.dumps(data, indent=2, default=str), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="customers-personal-data.json"'
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The customer's page with their order history (newest first, no backups or
        profiles), each order with its status in words and its total."""
        history = (
            Order.objects.filter(customer_id=object_id)
            .exclude(status__in=[OrderStatus.TEMPORARY, OrderStatus.QUICK_ORDER_PROFILE])
            .select_related("sales_session")
            .order_by("-created_at")[:100]
            if str(object_id).isdigit() and self.get_queryset(request).filter(pk=object_id).exists()
            else []
        )
        extra_context = {**(extra_context or {}), "order_history": history}
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Address)
class AddressAdmin(EnterpriseScopedAdmin):
    scope_trader = "customer__trader"
    list_display = ("name", "line1", "postcode", "city", "country", "customer")
    search_fields = ("name", "postcode", "city")


@admin.register(QuickOrderProfile)
class QuickOrderProfileAdmin(EnterpriseScopedAdmin):
    """A customer's defaults for new carts (status Q); saved through quick_order_profile_save."""

    scope_trader = "trader"
    list_display = (
        "customer",
        "trader",
        "payment_method",
        "shipping_mode",
        "billing_address",
        "shipping_address",
        "updated_at",
    )
    list_filter = ("trader", "payment_method", "shipping_mode")
    search_fields = ("customer__name", "customer__email")
    list_select_related = (
        "customer",
        "trader",
        "shipping_mode",
        "billing_address",
        "shipping_address",
    )
    fields = ("customer", "payment_method", "shipping_mode", "billing_address", "shipping_address")
    autocomplete_fields = ("customer",)

    def get_readonly_fields(self, request, obj=None):
        return ("customer",) if obj is not None else ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "payment_method":
            from django import forms

            from orders.services.payments import payment_providers

            choices = [("", "—")] + [(code, p.label) for code, p in payment_providers().items()]
            return forms.ChoiceField(choices=choices, required=False, label=_("Payment method"))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            profile = quick_order_profile_save(
                customer=obj.customer,
                actor=Actor.for_user(request.user),
                payment_method=obj.payment_method,
                shipping_mode=obj.shipping_mode,
                billing_address=obj.billing_address,
                shipping_address=obj.shipping_address,
            )
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            obj.pk = profile.pk
