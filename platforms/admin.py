from django import forms
from django.contrib import admin, messages
from django.db import models

from platforms.credentials import api_credential_issue, api_credential_revoke
from platforms.encryption import ENCRYPTED_FIELDS
from platforms.models import ApiCredential, ApiScope, Enterprise, Platform
from platforms.partner_auth import platform_connection_test
from platforms.selectors import platform_probe_url
from platforms.signing import signing_secret_is_valid

SECRET_FIELDS = ENCRYPTED_FIELDS["platforms.Platform"]
MAX_TOKEN_LENGTH = 16384


class PlatformForm(forms.ModelForm):
    """The platform's secrets are write-only: the form never shows them back. A value typed in
    replaces the stored one; an empty field keeps it (a new platform gets fresh random
    secrets)."""

    base_url = forms.URLField(
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=Platform._meta.get_field("base_url").help_text,
    )
    new_signing_secret = forms.CharField(
        required=False,
        max_length=80,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        label="New signing secret",
        help_text="whsec_ and base64; empty keeps the current one.",
    )
    new_customer_hash_secret = forms.CharField(
        required=False,
        min_length=32,
        max_length=64,
        widget=forms.PasswordInput(render_value=False),
        label="New customer-hash key",
        help_text="Empty keeps the current one. Changing it changes every customer reference "
        "this platform receives.",
    )
    oidc_token_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        label="OIDC token URL",
        help_text=Platform._meta.get_field("oidc_token_url").help_text,
    )
    new_outbound_token = forms.CharField(
        required=False,
        # Real access tokens (JWTs with their claims) run to kilobytes; this only bounds input.
        max_length=MAX_TOKEN_LENGTH,
        widget=forms.PasswordInput(render_value=False),
        label="New bearer token for its API",
        help_text="A static token the partner issued, any length. Empty keeps the current one.",
    )
    new_oidc_client_secret = forms.CharField(
        required=False,
        max_length=MAX_TOKEN_LENGTH,
        widget=forms.PasswordInput(render_value=False),
        label="New OIDC client secret",
        help_text="With a token URL and client id. Empty keeps the current one.",
    )

    class Meta:
        model = Platform
        fields = (
            "name",
            "slug",
            "kind",
            "is_local",
            "base_url",
            "oidc_token_url",
            "oidc_client_id",
            "oidc_scope",
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("oidc_token_url"):
            secret = cleaned.get("new_oidc_client_secret") or self.instance.oidc_client_secret
            if not (cleaned.get("oidc_client_id") and secret):
                raise forms.ValidationError(
                    "A token URL needs a client id and a client secret (client credentials)."
                )
        return cleaned

    def clean_new_signing_secret(self) -> str:
        secret = self.cleaned_data["new_signing_secret"]
        if secret and not signing_secret_is_valid(secret):
            raise forms.ValidationError("A signing secret is whsec_ and 24 to 64 base64 bytes.")
        return secret

    def save(self, commit=True):
        for name in SECRET_FIELDS:
            value = self.cleaned_data.get(f"new_{name}")
            if value:
                setattr(self.instance, name, value)
        return super().save(commit)


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    form = PlatformForm
    list_display = ("name", "slug", "kind", "is_local", "base_url")
    list_filter = ("kind", "is_local")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    actions = ("test_connection",)

    @admin.action(description="Test the connection (credentials and the partner's answer)")
    def test_connection(self, request, queryset):
        for platform in queryset.filter(is_local=False):
            report = platform_connection_test(
                platform=platform, url=platform_probe_url(platform=platform)
            )
            level = messages.SUCCESS if report.ok else messages.ERROR
            self.message_user(request, f"{platform.name}: {report.text}", level)


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    change_form_template = "admin/platforms/enterprise/change_form.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "name",
        "kind",
        "platform",
        "consolidate_per_producer",
        "producer_consolidation",
        "aggregate_by_weight",
    )
    list_filter = ("kind", "platform")
    search_fields = ("name", "slug")
    list_select_related = ("platform",)
    prepopulated_fields = {"slug": ("name",)}

    def get_readonly_fields(self, request, obj=None):
        # Switched through the consolidation page, which shows the effect first.
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        return (*readonly, "consolidate_per_producer", "producer_consolidation")

    def get_urls(self):
        from django.urls import path

        from orders.admin_consolidation import enterprise_consolidation_view

        return [
            path(
                "<int:enterprise_id>/consolidation/",
                self.admin_site.admin_view(
                    lambda request, enterprise_id: enterprise_consolidation_view(
                        self, request, enterprise_id
                    )
                ),
                name="platforms_enterprise_consolidation",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from django.urls import reverse

        extra_context = {
            **(extra_context or {}),
            "consolidation_url": reverse(
                "admin:platforms_enterprise_consolidation", args=[object_id]
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)


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
            f"New token for {issued.credential.platform}: {issued.token} — copy it now, "
            "it will not be shown again.",
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for credential in queryset.filter(revoked_at__isnull=True):
            api_credential_revoke(credential=credential)
        messages.success(request, "Revoked.")

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead, so the audit trail stays


# --- Back-office roles -------------------------------------------------------------------
from config.exceptions import ApplicationError  # noqa: E402
from platforms import admin_outbox  # noqa: E402,F401 - registers the outbox admin
from platforms.memberships import membership_grant  # noqa: E402
from platforms.models import Membership  # noqa: E402
from platforms.roles import EnterpriseScopedAdmin  # noqa: E402


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
