"""What a partner credential may do: its scopes, and the enterprises it may act for."""

from collections.abc import Iterable

from rest_framework.permissions import SAFE_METHODS, BasePermission

from platforms.models import ApiCredential


def credential_of(request) -> ApiCredential | None:
    return request.auth if isinstance(request.auth, ApiCredential) else None


class HasPartnerScope(BasePermission):
    """The view names its subject (`scope_subject = "orders"` or `"catalog"`); safe methods need
    `<subject>:read` (a write scope implies read), others `<subject>:write`."""

    message = "This token does not have the scope this request needs."

    def has_permission(self, request, view) -> bool:
        credential = credential_of(request)
        if credential is None:
            return False
        subject = view.scope_subject
        if request.method in SAFE_METHODS:
            return credential.has_scope(f"{subject}:read") or credential.has_scope(
                f"{subject}:write"
            )
        return credential.has_scope(f"{subject}:write")


def credential_enterprise_ids(credential: ApiCredential) -> set[int] | None:
    """The enterprises a credential is limited to, or None when it may act for all local ones.
    Cached on the credential for the request."""
    if not hasattr(credential, "_enterprise_ids"):
        credential_enterprise_ids_known(
            credential, credential.enterprises.values_list("pk", flat=True)
        )
    return credential._enterprise_ids  # type: ignore[attr-defined] # a per-request cache


def credential_enterprise_ids_known(credential: ApiCredential, ids: Iterable[int]) -> None:
    """Cache the enterprises a credential is limited to, read with it (empty: all)."""
    credential._enterprise_ids = set(ids) or None  # type: ignore[attr-defined]
