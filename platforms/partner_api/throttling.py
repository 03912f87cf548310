"""One request budget per partner platform, whichever of its tokens it uses."""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from platforms.partner_api.permissions import credential_of


class PlatformRateThrottle(SimpleRateThrottle):
    """DRF's sliding-window throttle, keyed by the credential's platform and counted in the
    "api" cache: Redis (no database round trip), or the database cache table where there is
    no Redis, so all the instance's processes share one count either way (a process-local
    cache would let N processes allow N times the rate)."""

    scope = "partner-platform"

    def __init__(self) -> None:
        self.cache = caches["api"]
        super().__init__()

    def get_rate(self) -> str:
        return settings.LARDER_API_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        credential = credential_of(request)
        if credential is None:
            return None
        return f"throttle:platform:{credential.platform_id}"
