"""Standard Webhooks signatures (https://www.standardwebhooks.com/): HMAC-SHA256 over
`{id}.{timestamp}.{body}` with the partner's secret, sent as `webhook-signature: v1,<base64>`."""

import base64
import binascii
import hashlib
import hmac

from django.views.decorators.debug import sensitive_variables

# Secrets never show in production error reports (error e-mails): each function holding one
# in a local is marked with sensitive_variables.


@sensitive_variables("secret", "key")
def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"))
    except (binascii.Error, ValueError):
        # `from None`: the decoder's frame, which holds the secret, stays out of reports.
        raise ValueError("The signing secret is not whsec_ and base64.") from None


@sensitive_variables("secret", "key")
def signing_secret_is_valid(secret: str) -> bool:
    """`whsec_` and the base64 of 24 to 64 random bytes, as Standard Webhooks secrets are."""
    if not secret.startswith("whsec_"):
        return False
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return False
    return 24 <= len(key) <= 64


@sensitive_variables("secret", "key")
def sign(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@sensitive_variables("secret", "key")
def signature_headers(*, secret: str, message_id: str, timestamp: int, body: bytes) -> dict:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            secret=secret, message_id=message_id, timestamp=timestamp, body=body
        ),
    }


@sensitive_variables("secret", "key")
def verify(*, secret: str, headers, body: bytes, tolerance_seconds: int = 300, now: int) -> bool:
    """Check a request signed by `signature_headers` (what a receiving Larder does)."""
    headers = {name.lower(): value for name, value in headers.items()}
    try:
        message_id = headers["webhook-id"]
        timestamp = int(headers["webhook-timestamp"])
        signatures = headers["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret=secret, message_id=message_id, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
