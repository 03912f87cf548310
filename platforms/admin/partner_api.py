"""Admin of the partner API's credentials: issue a token (shown once) and revoke it."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from platforms.models import ApiCredential, ApiScope, Enterprise
from platforms.partner_api.credentials import api_credential_issue, api_credential_revoke


@admin.register(ApiCredential)
class ApiCredentialAdmin(admin.ModelAdmin):
    """Issue a token by adding a credential (the token is shown once, in the success message);
    revoke with the action. Tokens are never stored, so they can never be shown again."""

    list_display = (
        "name",
        "platform",
        "token_prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("platform", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "token_prefix", "platform__name")
    list_select_related = ("platform",)
    fields = (
        "platform",
        "name",
        "scopes",
        "enterprises",
        "requires_if_match",
        "token_prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = ("token_prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    filter_horizontal = ("enterprises",)
    actions = ("revoke",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "scopes" in form.base_fields:
            form.base_fields["scopes"] = forms.MultipleChoiceField(
                choices=ApiScope.choices,
                widget=forms.CheckboxSelectMultiple,
                initial=obj.scopes if obj else [ApiScope.ORDERS_READ, ApiScope.CATALOG_READ],
            )
        return form

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "enterprises":
            kwargs["queryset"] = Enterprise.objects.filter(platform__is_local=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The platform and scopes of an issued token do not change: issue a new one instead.
        if obj is not None:
            return (*self.readonly_fields, "platform", "scopes")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = api_credential_issue(
            platform=form.cleaned_data["platform"],
            name=form.cleaned_data["name"],
            scopes=list(form.cleaned_data["scopes"]),
            created_by=request.user,
            requires_if_match=form.cleaned_data.get("requires_if_match", False),
        )
        obj.pk = issued.credential.pk
        obj._state.adding = False
        obj._state.db = "default"
        for field in (
            "token_prefix",
            "token_hash",
            "scopes",
            "requires_if_match",
            "created_at",
            "created_by_id",
        ):
            setattr(obj, field, getattr(issued.credential, field))
        messages.warning(
            request,
            gettext(
                "New token for %(platform)s: %(token)s — copy it now, it will not be shown again."
            )
            % {"platform": issued.credential.platform, "token": issued.token},
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for credential in queryset.filter(revoked_at__isnull=True):
            api_credential_revoke(credential=credential)
        messages.success(request, gettext("Revoked."))

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead, so the audit trail stays
