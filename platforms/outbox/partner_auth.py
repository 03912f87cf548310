"""Credentials for calling a partner's API, as partners issue them.

- A static bearer token (`Platform.outbound_token`, any length), or
- OAuth2 client credentials (RFC 6749 §4.4) at the partner's OIDC token endpoint
  (`Platform.oidc_token_url`, `oidc_client_id`, `oidc_client_secret`, `oidc_scope`): OFN
  accepts RS256 access tokens from its known issuers, the FDC app introspects them at its
  issuer. The client authenticates with HTTP Basic (§2.3.1, the method every server supports).

An access token is kept in this process until shortly before it expires (no database and no
shared cache sees it in clear), and dropped when the partner refuses it (401, or 403 for the
FDC app): the next request gets a new one. Secrets are stored encrypted
(platforms/encryption.py). Nothing here touches the database: the outbox calls it while it
holds no connection.
"""

import base64
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from config.exceptions import OutboundUnreachable
from config.http import http_request
from platforms.exceptions import CredentialsUnavailable

# Renew this long before the partner's expiry (capped to a tenth of the token's life).
EXPIRY_MARGIN_SECONDS = 30


@dataclass
class _Token:
    value: str
    expires_at: float  # time.monotonic()


_tokens: dict[tuple, _Token] = {}
_lock = threading.Lock()


def _cache_key(platform) -> tuple:
    # A changed endpoint, client or scope never reuses the old token.
    return (platform.pk, platform.oidc_token_url, platform.oidc_client_id, platform.oidc_scope)


def uses_client_credentials(platform) -> bool:
    return bool(platform.oidc_token_url)


@sensitive_variables("secret", "basic", "payload")
def token_request(platform) -> tuple[str, int]:
    """Ask the token endpoint for an access token; returns (token, lifetime in seconds)."""
    form = {"grant_type": "client_credentials"}
    if platform.oidc_scope:
        form["scope"] = platform.oidc_scope
    secret = platform.oidc_client_secret
    basic = base64.b64encode(
        f"{urllib.parse.quote(platform.oidc_client_id, safe='')}:"
        f"{urllib.parse.quote(secret, safe='')}".encode()
    ).decode()
    try:
        answer = http_request(
            "POST",
            platform.oidc_token_url,
            headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
            form=form,
            timeout=settings.OUTBOX_REQUEST_TIMEOUT_SECONDS,
        )
    except OutboundUnreachable as error:
        raise CredentialsUnavailable(f"token endpoint unreachable: {error}") from None
    if answer.status >= 400:
        raise CredentialsUnavailable(
            f"token endpoint answered {answer.status}: {_oauth_error(answer.content)}"
        )
    try:
        payload = answer.json()
        token = payload["access_token"]
        lifetime = int(payload.get("expires_in", 300))
    except (ValueError, KeyError, TypeError):
        raise CredentialsUnavailable("token endpoint answered no access_token") from None
    if not isinstance(token, str) or not token:
        raise CredentialsUnavailable("token endpoint answered an empty access_token")
    return token, lifetime


def _oauth_error(raw: bytes) -> str:
    """RFC 6749 §5.2: error and error_description, in the partner's words."""
    try:
        payload = json.loads(raw)
    except ValueError:
        return "no explanation"
    if not isinstance(payload, dict):
        return "no explanation"
    words = " — ".join(
        str(payload[name])[:200] for name in ("error", "error_description") if payload.get(name)
    )
    return words or "no explanation"


def access_token(platform, *, renew: bool = False) -> str | None:
    """The bearer token to send `platform`: its static token, or a client-credentials access
    token (cached until shortly before it expires; `renew` asks for a fresh one). Raises
    CredentialsUnavailable."""
    if not uses_client_credentials(platform):
        return platform.outbound_token or None
    key = _cache_key(platform)
    with _lock:
        cached = _tokens.get(key)
        if cached and not renew and cached.expires_at > time.monotonic():
            return cached.value
        token, lifetime = token_request(platform)
        margin = min(EXPIRY_MARGIN_SECONDS, lifetime / 10)
        _tokens[key] = _Token(token, time.monotonic() + lifetime - margin)
        return token


def access_token_forget(platform) -> None:
    with _lock:
        _tokens.pop(_cache_key(platform), None)


def reauthenticate_statuses(platform) -> frozenset:
    """The statuses by which this platform's kind says the token is refused."""
    from platforms.outbox.delivery_adapters import delivery_adapter

    return delivery_adapter(platform).reauthenticate_statuses


@dataclass
class ConnectionReport:
    ok: bool
    text: str


def platform_connection_test(*, platform, url: str) -> ConnectionReport:
    """Try the platform's credentials: get an access token (client credentials) and GET `url`
    (one of its producers) with it. Reports, in words, what the token endpoint and the partner
    answered; changes nothing anywhere."""
    steps = []
    try:
        if uses_client_credentials(platform):
            access_token(platform, renew=True)
            steps.append("token endpoint issued an access token")
        token = access_token(platform)
    except CredentialsUnavailable as error:
        return ConnectionReport(False, str(error))
    if not token:
        steps.append("no credentials set (requests go without Authorization)")
    headers = {"Accept": "application/ld+json, application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        answer = http_request(
            "GET", url, headers=headers, timeout=settings.OUTBOX_REQUEST_TIMEOUT_SECONDS
        )
    except OutboundUnreachable as error:
        steps.append(f"GET {url} failed: {error}")
        return ConnectionReport(False, "; ".join(steps))
    said = f"GET {url} answered {answer.status}"
    if answer.status >= 400:
        said += f": {_partner_words(answer.content)}"
    steps.append(said)
    return ConnectionReport(answer.ok, "; ".join(steps))


def _partner_words(raw: bytes) -> str:
    try:
        payload = json.loads(raw)
    except ValueError:
        text = raw.decode("utf-8", "replace").strip()
        return text[:200] or "no explanation"
    if isinstance(payload, dict):
        for name in ("detail", "error_description", "error", "message", "title"):
            if isinstance(payload.get(name), str) and payload[name].strip():
                return payload[name].strip()[:200]
    return "no explanation"


def platform_probe_url(*, platform) -> str:
    """What "test connection" reads at a partner: one of its producers' @id (an enterprise
    every kind serves to an authorised caller), else the platform's DFC root."""
    producer = (
        platform.enterprises.exclude(remote_id="").order_by("pk").only("remote_id").first()
        if platform.pk
        else None
    )
    return producer.remote_id if producer else platform.base_url
