"""Project-wide rows: work owed after a commit, and the lease that keeps one beat in charge."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkRequest(models.Model):
    """Work owed after a commit (refresh producer orders, allocate backorders, tell a
    customer…), written in the transaction that makes it owed, so the two commit or roll back
    together.

    A Celery task is queued after commit to do it at once; a worker claims the row with a
    lease (`locked_until`), runs the idempotent service and deletes the row. Beat sweeps what
    is still here, so a lost or never-sent Celery message only delays the work (config/work.py).
    """

    class Kind(models.TextChoices):
        PRODUCER_ORDERS_REFRESH = "producer_orders_refresh", _("refresh producer orders")
        BACKORDERS_ALLOCATE = "backorders_allocate", _("allocate backorders")
        CUSTOMER_NOTICE = "customer_notice", _("tell a customer")

    kind = models.CharField(max_length=40, choices=Kind.choices, verbose_name=_("kind"))
    params = models.JSONField(
        default=dict,
        help_text=_("The service's keyword arguments (ids)."),
        verbose_name=_("params"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # When the sweep may queue it (again): a little after it was written or last queued.
    next_attempt_at = models.DateTimeField(verbose_name=_("next attempt at"))
    # A worker doing it holds it until then; a worker that died lets it go when this passes.
    locked_until = models.DateTimeField(null=True, blank=True, verbose_name=_("locked until"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))

    class Meta:
        verbose_name = _("work request")
        verbose_name_plural = _("work requests")
        ordering = ["pk"]
        indexes = [models.Index(fields=["next_attempt_at"], name="config_work_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class SchedulerLease(models.Model):
    """Which beat process sends the periodic tasks (config/beat.py); the others stand by."""

    name = models.CharField(max_length=40, primary_key=True, verbose_name=_("name"))
    holder = models.CharField(max_length=200, verbose_name=_("holder"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("scheduler lease")
        verbose_name_plural = _("scheduler leases")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder} until {self.expires_at:%H:%M:%S}"
