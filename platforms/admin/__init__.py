"""The platforms app's admin, one module per subject; Django's autodiscovery imports this."""

from platforms.admin import outbox, partner_api, tenancy

__all__ = ["outbox", "partner_api", "tenancy"]
