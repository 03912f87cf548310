"""The platforms app's models, one module per subject (Zulip's zerver/models/ style); Django and
callers import them from here.

- tenancy: Platform, Enterprise, Role, Membership
- outbox: OutboxMessage, DeliveryAttempt
- partner_api: ApiScope, ApiCredential, IdempotencyRecord, PartnerOrder
"""

from platforms.models.outbox import DeliveryAttempt, OutboxMessage
from platforms.models.partner_api import (
    ApiCredential,
    ApiScope,
    IdempotencyRecord,
    PartnerOrder,
)
from platforms.models.tenancy import (
    ROLE_GROUPS,
    Enterprise,
    Membership,
    Platform,
    Role,
    new_hash_secret,
    new_signing_secret,
)

__all__ = [
    "ROLE_GROUPS",
    "ApiCredential",
    "ApiScope",
    "DeliveryAttempt",
    "Enterprise",
    "IdempotencyRecord",
    "Membership",
    "OutboxMessage",
    "PartnerOrder",
    "Platform",
    "Role",
    "new_hash_secret",
    "new_signing_secret",
]
