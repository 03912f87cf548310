from django.apps import AppConfig


class DiscountsConfig(AppConfig):
    name = "discounts"
    verbose_name = "Pricing: discounts, coupons, shipping and tax"
