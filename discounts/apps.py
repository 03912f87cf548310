from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscountsConfig(AppConfig):
    name = "discounts"
    verbose_name = _("Pricing: discounts, coupons, shipping and tax")
