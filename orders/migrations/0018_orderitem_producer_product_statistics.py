"""A line's producer is its product's: tell PostgreSQL's planner (extended statistics), so a
GROUP BY producer and product is estimated at the number of products, not producers ×
products.

Without it the producer-order refresh's GROUP BY over a 10,000-order session (1,000 products,
20 producers) was estimated at 22,427 groups, too many to hash in work_mem: PostgreSQL sorted
its 38,885 lines on disk (external merge) before grouping them, 45 ms where the bare GROUP
BY took 24 ms (docs/performance.md, "Sessions at scale"). With it: 3,639 groups estimated, a
hash aggregate in memory.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0017_event_texts_translated_when_shown")]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE STATISTICS orders_orderitem_producer_product (ndistinct, dependencies) "
                "ON producer_id, product_id FROM orders_orderitem;"
                "ANALYZE orders_orderitem;"
            ),
            reverse_sql="DROP STATISTICS IF EXISTS orders_orderitem_producer_product;",
        ),
    ]
