"""Admin for deliveries to partner platforms: each message with its attempts, and a retry."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from platforms.models import DeliveryAttempt, OutboxMessage
from platforms.outbox.services import outbox_message_retry


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("started_at", "method", "url", "status_code", "error", "outcome", "duration_ms")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "subject_key",
        "platform",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
        "delivered_at",
    )
    list_filter = ("state", "kind", "platform")
    search_fields = ("subject_key", "idempotency_key")
    list_select_related = ("platform",)
    inlines = [DeliveryAttemptInline]
    actions = ["retry_now"]
    readonly_fields = (
        "platform",
        "kind",
        "subject_key",
        "subject_id",
        "state",
        "attempts",
        "next_attempt_at",
        "locked_until",
        "created_at",
        "updated_at",
        "delivered_at",
        "last_error",
        "method",
        "url",
        "idempotency_key",
        "body",
    )

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry the selected deliveries now"))
    def retry_now(self, request, queryset):
        count = 0
        for message_id in queryset.exclude(state=OutboxMessage.State.DELIVERED).values_list(
            "pk", flat=True
        ):
            outbox_message_retry(message_id=message_id)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )
