"""Who works in the back office for which enterprise, and in what role."""

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    TRADER_STAFF = "trader_staff", "trader staff"
    CUSTOMER_SERVICE = "customer_service", "customer service"
    PRODUCER_STAFF = "producer_staff", "producer staff"


# The Django group each role's members belong to (created by migration 0002).
ROLE_GROUPS = {
    Role.TRADER_STAFF: "Trader staff",
    Role.CUSTOMER_SERVICE: "Customer service",
    Role.PRODUCER_STAFF: "Producer staff",
}


class Membership(models.Model):
    """A staff user working for one enterprise: a trader's staff or customer-service agent
    sees that trader's data; a producer's staff sees that producer's producer orders."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    enterprise = models.ForeignKey(
        "platforms.Enterprise", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["user", "enterprise"], name="one_role_per_enterprise")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.enterprise}"
