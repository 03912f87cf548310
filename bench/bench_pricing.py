"""Re-pricing an order of 200 lines under 10 calculation rules.

Builds, in the bench database, a trader with ten rules of every usage (coupon, discounts at
order, item, product and producer scope, shipping by a weight scale and by percentage, a sales
tax and a shipping tax rule, a surcharge), one coupon applied, and two carts of 1 and 200
lines. Measures `order_totals_recompute` (the engine plus writing every adjustment, the items,
sub-orders and order): its queries for 1 and 200 lines, and its median time over 21 runs.
"""

import statistics
import time
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

LINES = 200
RUNS = 21
QUERY_TARGET = 15  # fewer than this
TIME_TARGET_MS = 250  # the order row stays locked meanwhile; a quarter second at most


def _world(tag: str):
    from discounts.models import (
        CalculationRule,
        Coupon,
        ShippingMode,
        ShippingScale,
        ShippingScaleBand,
        TaxCategory,
    )
    from inventory.models import Product
    from platforms.models import Enterprise, Platform

    platform, _ = Platform.objects.get_or_create(
        is_local=True, defaults={"name": "Bench Larder", "slug": "bench-larder"}
    )
    trader = Enterprise.objects.create(
        platform=platform, kind="trader", name=f"Hub {tag}", slug=f"bench-pricing-hub-{tag}"
    )
    producers = [
        Enterprise.objects.create(
            platform=platform, kind="producer", name=f"Farm {tag}-{n}", slug=f"bp-farm-{tag}-{n}"
        )
        for n in range(3)
    ]
    vat = TaxCategory.objects.create(code=f"vat-{tag}", name="VAT", rate=Decimal("20"))
    food = TaxCategory.objects.create(code=f"food-{tag}", name="Food", rate=Decimal("5.50"))
    mode = ShippingMode.objects.create(code=f"van-{tag}", name="Van", tax_category=vat)
    products = Product.objects.bulk_create(
        Product(
            producer=producers[n % 3],
            name=f"Product {tag}-{n}",
            weight_kg=Decimal("0.750"),
            tax_category=(food, vat, None)[n % 3],
        )
        for n in range(20)
    )
    scale = ShippingScale.objects.create(trader=trader, name="By weight", lookup="weight")
    ShippingScaleBand.objects.bulk_create(
        ShippingScaleBand(scale=scale, from_value=Decimal(start), charge=Decimal(charge))
        for start, charge in (("0", "4.00"), ("20", "8.00"), ("100", "15.00"))
    )
    common = {"trader": trader, "currency": "EUR"}
    rules = [
        dict(name="Coupon 5%", usage="coupon", method="percentage", value=5),
        dict(name="5% over 100", usage="discount", method="percentage", value=5,
             minimum_order_total=Decimal("100"), priority=1),
        dict(name="Bulk 10%", usage="discount", method="percentage", scope="item", value=10,
             minimum_quantity=Decimal("3"), priority=2),
        dict(name="Bread at 2.00", usage="discount", method="fixed_price", scope="product",
             product=products[0], value=Decimal("2.00"), priority=3),
        dict(name="Farm 0.10 off", usage="discount", method="fixed_amount", scope="producer",
             producer=producers[1], value=Decimal("0.10"), priority=4),
        dict(name="Van by weight", usage="shipping", method="fixed_amount", shipping_mode=mode,
             shipping_scale=scale),
        dict(name="Van handling 1%", usage="shipping", method="percentage", scope="item",
             shipping_mode=mode, value=1, price_basis="non_discounted"),
        dict(name="Reduced rate", usage="sales_tax", method="percentage", scope="product",
             product=products[1], value=Decimal("10")),
        dict(name="Shipping VAT", usage="shipping_tax", method="percentage", value=20),
        dict(name="Packaging", usage="surcharge", method="fixed_amount", value=Decimal("0.50")),
    ]  # fmt: skip
    created = [CalculationRule.objects.create(**common, **fields) for fields in rules]
    created[1].exempt_tax_categories.add(food)
    coupon = Coupon.objects.create(trader=trader, code=f"BENCH{tag}", rule=created[0])
    return trader, products, mode, coupon


def _cart(trader, products, mode, coupon, lines: int):
    from config.actors import Actor
    from config.money import line_total
    from orders.models import OrderItem
    from orders.services.coupons import order_coupon_apply
    from orders.services.items import order_create

    actor = Actor.system("bench")
    order = order_create(trader=trader, currency="EUR", actor=actor)
    items = []
    for n in range(lines):
        product = products[n % len(products)]
        quantity, price = Decimal(1 + n % 5), Decimal("2.40") + Decimal(n % 7) / 10
        items.append(
            OrderItem(
                order=order,
                product=product,
                product_name=product.name,
                producer_id=product.producer_id,
                producer_platform_id=trader.platform_id,
                quantity=quantity,
                unit_price=price,
                total_product=line_total(quantity, price),
                shipping_mode=mode if n % 2 else None,
            )
        )
    OrderItem.objects.bulk_create(items)
    order_coupon_apply(order_id=order.pk, code=coupon.code, actor=actor)  # prices it once
    return order


def _recompute_measured(order_id: int) -> tuple[float, int, Decimal]:
    from orders.services.status import order_lock
    from orders.services.totals import order_totals_recompute

    # Timed: the whole transaction, lock and commit included (the deferred foreign-key checks
    # of the new adjustment rows run at commit). Counted: order_totals_recompute's queries.
    started = time.perf_counter()
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        with CaptureQueriesContext(connection) as queries:
            order_totals_recompute(order=order)
    elapsed = time.perf_counter() - started
    return elapsed, len(queries), order.grand_total


def run() -> list[dict]:
    tag = timezone.now().strftime("%H%M%S%f")
    world = _world(tag)
    small = _cart(*world, lines=1)
    big = _cart(*world, lines=LINES)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE discounts_itemadjustment; ANALYZE orders_orderitem")

    _, small_queries, _ = _recompute_measured(small.pk)
    _recompute_measured(big.pk)  # warm-up
    runs = [_recompute_measured(big.pk) for _ in range(RUNS)]
    median_ms = statistics.median(r[0] for r in runs) * 1000
    big_queries = runs[0][1]
    grand_totals = {r[2] for r in runs}
    adjustments = big.item_adjustments.count()
    return [
        {"name": "queries, re-pricing 1 line under 10 rules", "value": small_queries},
        {
            "name": f"queries, re-pricing {LINES} lines under 10 rules",
            "value": big_queries,
            "target": f"< {QUERY_TARGET}, same as 1 line",
            "ok": big_queries < QUERY_TARGET and big_queries == small_queries,
        },
        {
            "name": f"re-pricing {LINES} lines under 10 rules (median of {RUNS})",
            "value": f"{median_ms:.1f}",
            "unit": "ms",
            "target": f"< {TIME_TARGET_MS}",
            "ok": median_ms < TIME_TARGET_MS,
        },
        {"name": f"item adjustments written per run ({LINES} lines)", "value": adjustments},
        {
            "name": f"grand total of the {LINES}-line order, every run",
            "value": " / ".join(f"{total} EUR" for total in sorted(grand_totals)),
            "target": "one figure (idempotent)",
            "ok": len(grand_totals) == 1,
        },
    ]
