"""Platform secrets encrypted at rest (platforms/encryption.py): the columns become text holding
Fernet tokens, and the rows already stored are encrypted with the first key of
LARDER_FIELD_ENCRYPTION_KEYS."""

from django.db import migrations

import platforms.encryption
import platforms.models.tenancy

SECRET_COLUMNS = ("signing_secret", "customer_hash_secret", "outbound_token")


def _rewrite(schema_editor, convert) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(SECRET_COLUMNS)} FROM platforms_platform")
        for pk, *values in cursor.fetchall():
            converted = [convert(value) if value else value for value in values]
            assignments = ", ".join(f"{column} = %s" for column in SECRET_COLUMNS)
            cursor.execute(
                f"UPDATE platforms_platform SET {assignments} WHERE id = %s", [*converted, pk]
            )


def secrets_encrypt(apps, schema_editor) -> None:
    _rewrite(schema_editor, platforms.encryption.encrypt)


def secrets_decrypt(apps, schema_editor) -> None:
    _rewrite(schema_editor, platforms.encryption.decrypt)


class Migration(migrations.Migration):
    dependencies = [("platforms", "0008_producer_consolidation")]

    operations = [
        migrations.AlterField(
            model_name="platform",
            name="signing_secret",
            field=platforms.encryption.EncryptedTextField(
                default=platforms.models.tenancy.new_signing_secret,
                help_text="Signs what Larder sends this platform (Standard Webhooks, "
                "HMAC-SHA256). Stored encrypted.",
            ),
        ),
        migrations.AlterField(
            model_name="platform",
            name="customer_hash_secret",
            field=platforms.encryption.EncryptedTextField(
                default=platforms.models.tenancy.new_hash_secret,
                help_text="Keys the hash that stands for a customer in what this platform "
                "receives. Stored encrypted.",
            ),
        ),
        migrations.AlterField(
            model_name="platform",
            name="outbound_token",
            field=platforms.encryption.EncryptedTextField(
                blank=True,
                help_text="Bearer token this platform gave Larder for calling its API. Stored "
                "encrypted.",
            ),
        ),
        migrations.RunPython(secrets_encrypt, secrets_decrypt),
    ]
