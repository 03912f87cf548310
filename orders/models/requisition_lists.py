"""Requisition lists: a customer's named lists of products and quantities (orders in Y or Z)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models.orders import Order
from orders.statuses import (
    OrderStatus,
)


class RequisitionListManager(models.Manager):
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(
                status__in=[
                    OrderStatus.PRIVATE_REQUISITION_LIST,
                    OrderStatus.SHAREABLE_REQUISITION_LIST,
                ]
            )
        )


class RequisitionList(Order):
    """A customer's requisition list (Y private, Z shareable): orders/services/
    requisition_lists.py."""

    objects = RequisitionListManager()

    class Meta:
        proxy = True
        verbose_name = _("requisition list")
        verbose_name_plural = _("requisition lists")
