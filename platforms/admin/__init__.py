"""The platforms app's admin, one module per subject; Django's autodiscovery imports this."""

from platforms.admin import auth, outbox, partner_api, tenancy

__all__ = ["auth", "outbox", "partner_api", "tenancy"]
