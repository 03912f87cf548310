"""manage.py secrets_reencrypt: after a new key was put first in LARDER_FIELD_ENCRYPTION_KEYS,
re-encrypt every stored secret with it, so the old keys can be dropped."""

from django.core.management.base import BaseCommand

from platforms.encryption import encrypted_fields_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt the stored secrets with the first key of LARDER_FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        rewritten = encrypted_fields_reencrypt()
        self.stdout.write(f"Re-encrypted the secrets of {rewritten} row(s) with the first key.")
