"""Admin for the work owed after commits (config/work.py): what is waiting, how often it
failed and why, and a button to run it again now. Read-only otherwise: a request is written
by the service that makes the work owed and deleted by the worker that did it."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.models import WorkRequest
from config.work import work_requests_retry


class WorkStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("failing", _("failed at least once")), ("waiting", _("not tried yet")))

    def queryset(self, request, queryset):
        if self.value() == "failing":
            return queryset.exclude(last_error="")
        if self.value() == "waiting":
            return queryset.filter(attempts=0)
        return queryset


@admin.register(WorkRequest)
class WorkRequestAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "params",
        "attempts",
        "next_attempt_at",
        "locked_until",
        "last_error",
        "created_at",
    )
    list_filter = ("kind", WorkStateFilter)
    readonly_fields = list_display
    fields = list_display
    actions = ["run_again_now"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_run_permission(self, request) -> bool:
        return request.user.has_perm("config.change_workrequest")

    @admin.action(description=_("Run the selected work again now"), permissions=["run"])
    def run_again_now(self, request, queryset):
        count = work_requests_retry(request_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d piece of work queued again.",
                "%(count)d pieces of work queued again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
