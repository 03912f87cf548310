"""factory_boy factories for every model the tests build."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from discounts.models import ShippingMode, TaxCategory
from inventory.models import Product
from orders.models import Address, Customer, Order, OrderItem
from platforms.models import Enterprise, Platform
from sessions_app.models import Offer, SaleSession


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Platform

    name = factory.Sequence(lambda n: f"Platform {n}")
    slug = factory.Sequence(lambda n: f"platform-{n}")
    kind = Platform.Kind.LARDER  # the dialect of tests/platforms/partner.py
    base_url = factory.LazyAttribute(lambda p: f"http://127.0.0.1:9/{p.slug}/api/dfc/")


class LocalPlatformFactory(PlatformFactory):
    class Meta:
        model = Platform
        django_get_or_create = ("is_local",)

    name = "This Larder"
    slug = "larder"
    kind = Platform.Kind.LARDER
    is_local = True
    base_url = ""


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    platform = factory.SubFactory(LocalPlatformFactory)
    kind = Enterprise.Kind.PRODUCER
    name = factory.Sequence(lambda n: f"Enterprise {n}")
    slug = factory.Sequence(lambda n: f"enterprise-{n}")


class TraderFactory(EnterpriseFactory):
    kind = Enterprise.Kind.TRADER
    name = factory.Sequence(lambda n: f"Hub {n}")


class ProducerFactory(EnterpriseFactory):
    kind = Enterprise.Kind.PRODUCER
    name = factory.Sequence(lambda n: f"Farm {n}")


class TaxCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxCategory

    code = factory.Sequence(lambda n: f"tax-{n}")
    name = factory.Sequence(lambda n: f"Tax {n}")
    rate = Decimal("5.50")


class ShippingModeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingMode

    code = factory.Sequence(lambda n: f"mode-{n}")
    name = factory.Sequence(lambda n: f"Mode {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    producer = factory.SubFactory(ProducerFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    unit_of_measure = "piece"
    nominal_quantity = Decimal("1")
    weight_kg = Decimal("0.500")


class SaleSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SaleSession

    trader = factory.SubFactory(TraderFactory)
    name = factory.Sequence(lambda n: f"Session {n}")
    begins_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=6))
    state = SaleSession.State.OPEN


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    session = factory.SubFactory(SaleSessionFactory)
    product = factory.SubFactory(ProductFactory)
    price = Decimal("10.00")
    currency = "EUR"
    vat_rate = Decimal("0")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    trader = factory.SubFactory(TraderFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.org")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    name = factory.LazyAttribute(lambda a: a.customer.name if a.customer else "Someone")
    line1 = factory.Sequence(lambda n: f"{n} High Street")
    city = "Bristol"
    postcode = "BS1 4DJ"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    trader = factory.SubFactory(TraderFactory)
    customer = factory.SubFactory(CustomerFactory, trader=factory.SelfAttribute("..trader"))
    currency = "EUR"
    status = "P"


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    sales_session_id = factory.LazyAttribute(lambda i: i.order.sales_session_id)
    product = factory.SubFactory(ProductFactory)
    product_name = factory.LazyAttribute(lambda i: i.product.name)
    producer = factory.LazyAttribute(lambda i: i.product.producer)
    producer_platform = factory.LazyAttribute(lambda i: i.product.producer.platform)
    quantity = Decimal("1")
    unit_price = Decimal("10.00")
    total_product = factory.LazyAttribute(lambda i: i.quantity * i.unit_price)
    status = factory.LazyAttribute(lambda i: i.order.status)


class ApprovalRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orders.ApprovalRule"

    trader = factory.SubFactory(TraderFactory)
    order_total_over = Decimal("100.00")


# --- Pricing (discounts app) ---------------------------------------------------------------


class CalculationRuleFactory(factory.django.DjangoModelFactory):
    """A 10% order discount by default; pass usage/method/scope/value to change it."""

    class Meta:
        model = "discounts.CalculationRule"

    trader = factory.SubFactory(TraderFactory)
    name = factory.Sequence(lambda n: f"Rule {n}")
    usage = "discount"
    method = "percentage"
    scope = "order"
    value = Decimal("10")
    currency = "EUR"


class ShippingScaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "discounts.ShippingScale"

    trader = factory.SubFactory(TraderFactory)
    name = factory.Sequence(lambda n: f"Scale {n}")
    lookup = "price"


class ShippingScaleBandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "discounts.ShippingScaleBand"

    scale = factory.SubFactory(ShippingScaleFactory)
    from_value = Decimal("0")
    charge = Decimal("5.00")


class CouponFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "discounts.Coupon"

    rule = factory.SubFactory(CalculationRuleFactory, usage="coupon")
    trader = factory.LazyAttribute(lambda c: c.rule.trader)
    code = factory.Sequence(lambda n: f"CODE{n}")


# --- Customer categories and fulfilment centres ------------------------------------------


class CustomerCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sessions_app.CustomerCategory"

    trader = factory.SubFactory(TraderFactory)
    code = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")


class CategoryOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sessions_app.CategoryOffer"

    offer = factory.SubFactory(OfferFactory)
    category = factory.SubFactory(
        CustomerCategoryFactory, trader=factory.SelfAttribute("..offer.session.trader")
    )


class FulfilmentCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "discounts.FulfilmentCentre"

    trader = factory.SubFactory(TraderFactory)
    kind = "pickup"
    code = factory.Sequence(lambda n: f"centre-{n}")
    name = factory.Sequence(lambda n: f"Pickup point {n}")
    shipping_mode = factory.SubFactory(ShippingModeFactory)
    street = "1 Market Square"
    city = "Bristol"
    postcode = "BS1 1AA"


class FulfilmentWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "discounts.FulfilmentWindow"

    centre = factory.SubFactory(FulfilmentCentreFactory)
    sales_session = factory.SubFactory(
        SaleSessionFactory, trader=factory.SelfAttribute("..centre.trader")
    )
    opens_at = factory.LazyAttribute(lambda w: w.sales_session.ends_at + timedelta(hours=1))
    closes_at = factory.LazyAttribute(lambda w: w.opens_at + timedelta(hours=3))
