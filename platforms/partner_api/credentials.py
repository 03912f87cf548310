"""Issuing, checking and revoking partner API tokens.

A token is `lrd_` + 40 random URL-safe characters. Larder keeps its first 12 characters (to find
the row) and its SHA-256 hash: the token has 240 bits of entropy, so a fast hash is enough and a
stolen database reveals no usable token. The token itself is returned once, by
`api_credential_issue`, and never stored.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext

from platforms.exceptions import InvalidScopes
from platforms.models import ApiCredential, ApiScope, Platform
from platforms.partner_api.permissions import credential_enterprise_ids_known

TOKEN_PREFIX = "lrd_"
PREFIX_LENGTH = 12
# last_used_at is refreshed at most this often, so a busy partner does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedCredential:
    credential: ApiCredential
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_credential_issue(
    *,
    platform: Platform,
    name: str,
    scopes: list[str],
    created_by=None,
    enterprises=(),
    requires_if_match: bool = False,
) -> IssuedCredential:
    """Create a credential for `platform` and return it with its token (the only time the
    token exists outside the caller's hands)."""
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown or not scopes:
        raise InvalidScopes(
            gettext("Scopes must be among %(scopes)s; got %(given)s.")
            % {"scopes": ", ".join(ApiScope.values), "given": ", ".join(scopes) or "none"}
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(30)
    credential = ApiCredential.objects.create(
        platform=platform,
        name=name,
        token_prefix=token[:PREFIX_LENGTH],
        token_hash=token_hash(token),
        scopes=sorted(set(scopes)),
        created_by=created_by,
        requires_if_match=requires_if_match,
    )
    if enterprises:
        credential.enterprises.set(enterprises)
    return IssuedCredential(credential=credential, token=token)


def api_credential_revoke(*, credential: ApiCredential) -> ApiCredential:
    """Revoke at once: the next request with the token is refused. Idempotent."""
    ApiCredential.objects.filter(pk=credential.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    credential.refresh_from_db(fields=["revoked_at"])
    return credential


def api_credential_authenticate(token: str) -> ApiCredential | None:
    """The active credential a token belongs to, or None. One query (credential, platform and
    the enterprises it is limited to)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) < PREFIX_LENGTH + 8:
        return None
    # The enterprises it may act for come with it (no second query on every call).
    limited_to = ApiCredential.enterprises.through.objects.filter(
        apicredential=OuterRef("pk")
    ).values("enterprise_id")
    credential = (
        ApiCredential.objects.select_related("platform")
        .annotate(enterprise_id_list=ArraySubquery(limited_to))
        .filter(token_prefix=token[:PREFIX_LENGTH], revoked_at__isnull=True)
        .first()
    )
    if credential is None or not hmac.compare_digest(credential.token_hash, token_hash(token)):
        return None
    credential_enterprise_ids_known(credential, credential.enterprise_id_list)
    now = timezone.now()
    if credential.last_used_at is None or now - credential.last_used_at > LAST_USED_RESOLUTION:
        ApiCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
        credential.last_used_at = now
    return credential
