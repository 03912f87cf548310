"""An idempotency record keeps its response body as JSON, zlib-compressed (bytea), not jsonb:
it is never queried, only replayed, and a 1,000-line order's reply (1.2 MB of JSON, 30 KB
compressed) cost PostgreSQL ~10 % of that POST to parse and compress as jsonb. Existing
records are converted."""

import json
import zlib

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models


def _compress(apps, schema_editor):
    records = apps.get_model("platforms", "IdempotencyRecord").objects
    for pk, body in records.exclude(response_body=None).values_list("pk", "response_body"):
        packed = zlib.compress(json.dumps(body, cls=DjangoJSONEncoder).encode(), 1)
        records.filter(pk=pk).update(response_content=packed)


def _decompress(apps, schema_editor):
    records = apps.get_model("platforms", "IdempotencyRecord").objects
    for pk, packed in records.exclude(response_content=None).values_list("pk", "response_content"):
        body = json.loads(zlib.decompress(bytes(packed)))
        records.filter(pk=pk).update(response_body=body)


class Migration(migrations.Migration):
    dependencies = [("platforms", "0013_verbose_names")]

    operations = [
        migrations.AddField(
            model_name="idempotencyrecord",
            name="response_content",
            field=models.BinaryField(blank=True, null=True, verbose_name="response body"),
        ),
        migrations.RunPython(_compress, _decompress),
        migrations.RemoveField(model_name="idempotencyrecord", name="response_body"),
    ]
