"""Admin of tenancy: platforms (with their secrets, write-only, and a connection test),
enterprises (with their consolidation page) and back-office memberships."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError
from platforms.encryption import ENCRYPTED_FIELDS
from platforms.models import Enterprise, Membership, Platform
from platforms.outbox.partner_auth import platform_connection_test, platform_probe_url
from platforms.outbox.signing import signing_secret_is_valid
from platforms.tenancy.memberships import membership_grant
from platforms.tenancy.roles import EnterpriseScopedAdmin

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
        label=_("New signing secret"),
        help_text=_("whsec_ and base64; empty keeps the current one."),
    )
    new_customer_hash_secret = forms.CharField(
        required=False,
        min_length=32,
        max_length=64,
        widget=forms.PasswordInput(render_value=False),
        label=_("New customer-hash key"),
        help_text=_(
            "Empty keeps the current one. Changing it changes every customer reference "
            "this platform receives."
        ),
    )
    oidc_token_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        label=_("OIDC token URL"),
        help_text=Platform._meta.get_field("oidc_token_url").help_text,
    )
    new_outbound_token = forms.CharField(
        required=False,
        # Real access tokens (JWTs with their claims) run to kilobytes; this only bounds input.
        max_length=MAX_TOKEN_LENGTH,
        widget=forms.PasswordInput(render_value=False),
        label=_("New bearer token for its API"),
        help_text=_("A static token the partner issued, any length. Empty keeps the current one."),
    )
    new_oidc_client_secret = forms.CharField(
        required=False,
        max_length=MAX_TOKEN_LENGTH,
        widget=forms.PasswordInput(render_value=False),
        label=_("New OIDC client secret"),
        help_text=_("With a token URL and client id. Empty keeps the current one."),
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
                    _("A token URL needs a client id and a client secret (client credentials).")
                )
        return cleaned

    def clean_new_signing_secret(self) -> str:
        secret = self.cleaned_data["new_signing_secret"]
        if secret and not signing_secret_is_valid(secret):
            raise forms.ValidationError(_("A signing secret is whsec_ and 24 to 64 base64 bytes."))
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

    @admin.action(description=_("Test the connection (credentials and the partner's answer)"))
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

        from orders.admin.consolidation import enterprise_consolidation_view

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
