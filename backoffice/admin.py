from django.contrib import admin, messages

from backoffice.models import Membership
from backoffice.roles import EnterpriseScopedAdmin
from backoffice.services import membership_grant
from config.exceptions import ApplicationError


@admin.register(Membership)
class MembershipAdmin(EnterpriseScopedAdmin):
    """Who works for which enterprise; granting goes through `membership_grant` (groups and
    staff status follow)."""

    scope_trader = "enterprise"
    list_display = ("user", "enterprise", "role", "created_at")
    list_filter = ("role", "enterprise")
    search_fields = ("user__username", "enterprise__name")
    list_select_related = ("user", "enterprise")
    autocomplete_fields = ("user",)

    def save_model(self, request, obj, form, change):
        try:
            membership_grant(user=obj.user, enterprise=obj.enterprise, role=obj.role)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
