"""Secrets kept encrypted at rest: the platforms' signing secrets, customer-hash keys and the
bearer tokens partners gave Larder.

The keys come from LARDER_FIELD_ENCRYPTION_KEYS, a list of Fernet keys: the first encrypts,
every one decrypts (cryptography's MultiFernet). To rotate, put a new key first and keep the
old ones after it, run `manage.py secrets_reencrypt`, then drop the old keys. A database
without the keys holds no usable secret.
"""

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("LARDER_FIELD_ENCRYPTION_KEYS holds no key.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "Each key of LARDER_FIELD_ENCRYPTION_KEYS must be a Fernet key "
            "(`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`)."
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.LARDER_FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with LARDER_FIELD_ENCRYPTION_KEYS: is the key "
            "that encrypted it missing from the list?"
        ) from error


class EncryptedTextField(models.TextField):
    """A string stored as a Fernet token and read back in clear. The empty string stays empty
    (nothing to hide). Not searchable: each encryption of a value differs."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value


# Every encrypted column, as (model label, field names).
ENCRYPTED_FIELDS = {
    "platforms.Platform": (
        "signing_secret",
        "customer_hash_secret",
        "outbound_token",
        "oidc_client_secret",
    ),
}


@transaction.atomic
def encrypted_fields_reencrypt() -> int:
    """Re-encrypt every stored secret with the first key (after a key was added in front);
    returns how many rows were rewritten. Rows are locked in pk order, read with any key of
    the list and written back with the first, so a concurrent change is never lost."""
    from django.apps import apps

    rewritten = 0
    for label, names in ENCRYPTED_FIELDS.items():
        model = apps.get_model(label)
        for row in model.objects.select_for_update().order_by("pk").only("pk", *names):
            model.objects.filter(pk=row.pk).update(**{name: getattr(row, name) for name in names})
            rewritten += 1
    return rewritten
