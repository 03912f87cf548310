"""More room on each page of orders_order for the new versions of the rows it holds.

A storefront checkout updates its order five times (three adds, the submit, the pay); the first
four can be HOT (heap-only: no new index entries), the pay's status move cannot (status is
indexed), so 80 % is the most a checkout can reach. With a fill factor of 85
(0013_order_updates_hot) a page had room for about two new versions of a row before pruning
freed its dead ones, and under 8 concurrent checkouts an update now and then found its page
full and was written elsewhere, non-HOT: 79.8 % in `make bench BENCH=http` (12:33 UTC on
2026-11-30). 70 leaves room for four or five (docs/performance.md, "HOT updates"). It applies
to pages filled from now on; `VACUUM FULL orders_order` rewrites the existing ones.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0020_payment_messages_translated_when_shown"),
    ]

    operations = [
        migrations.RunSQL(
            sql="ALTER TABLE orders_order SET (fillfactor = 70)",
            reverse_sql="ALTER TABLE orders_order SET (fillfactor = 85)",
        ),
    ]
