"""Customer accounts on the storefront: a user account (django-allauth) becomes a customer of
a trader, keeps a profile, its addresses and a record of its consents.

Sign-up, e-mail verification, login, logout and password reset are allauth's headless API
(/api/auth/); what Larder adds is the link from the account to `orders.Customer` (one per
trader and user, a partial unique constraint) and the "my account" writes below.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from config.actors import Actor
from config.exceptions import NotFound
from orders.exceptions import AlreadyACustomer, CategoryOfAnotherTrader, CustomerErased
from orders.models import Address, Consent, Customer
from platforms.models import Enterprise


def _user_email(user) -> str:
    from allauth.account.models import EmailAddress

    primary = EmailAddress.objects.filter(user=user, primary=True).first()
    return primary.email if primary else user.email


@transaction.atomic
def customer_register(
    *, user, trader_id: int, name: str, phone: str = "", actor: Actor
) -> Customer:
    """Make the account a customer of a trader, with the account's e-mail address.

    Guarantees: at most one customer per (trader, user), by the database's partial unique
    constraint (AlreadyACustomer, nothing written, when there is one); the trader must be a
    local trader (NotFound otherwise)."""
    trader = Enterprise.objects.filter(pk=trader_id, kind=Enterprise.Kind.TRADER).first()
    if trader is None or not trader.platform.is_local:
        raise NotFound(gettext("Trader %(trader)s does not exist.") % {"trader": trader_id})
    try:
        with transaction.atomic():
            return Customer.objects.create(
                trader=trader, user=user, name=name, phone=phone, email=_user_email(user)
            )
    except IntegrityError as error:
        raise AlreadyACustomer(
            gettext("You are already a customer of %(trader)s.") % {"trader": trader}
        ) from error


@transaction.atomic
def account_profile_update(*, user, name: str | None = None, phone: str | None = None) -> None:
    """Change the account holder's name and phone on the account and on every customer record
    it has (one per trader). Erased customers are left as they are."""
    customers = Customer.objects.filter(user=user, erased_at__isnull=True)
    changes = {k: v for k, v in (("name", name), ("phone", phone)) if v is not None}
    if "name" in changes:
        user.first_name = changes["name"][:150]
        user.save(update_fields=["first_name"])
    if changes:
        customers.update(**changes)


def _own_customer(user, customer_id: int) -> Customer:
    customer = Customer.objects.filter(pk=customer_id, user=user).first()
    if customer is None:
        raise NotFound(
            gettext("Customer %(customer)s is not one of your customer records.")
            % {"customer": customer_id}
        )
    if customer.erased_at is not None:
        raise CustomerErased(
            gettext("Customer %(customer)s was erased.") % {"customer": customer_id}
        )
    return customer


ADDRESS_FIELDS = ("name", "line1", "line2", "city", "postcode", "country", "phone")


@transaction.atomic
def account_address_create(*, user, customer_id: int, **fields) -> Address:
    """Add an address to one of the account's customer records (NotFound if not its own)."""
    customer = _own_customer(user, customer_id)
    return Address.objects.create(
        customer=customer, **{k: v for k, v in fields.items() if k in ADDRESS_FIELDS}
    )


def _own_address(user, address_id: int) -> Address:
    address = Address.objects.filter(
        pk=address_id, customer__user=user, customer__erased_at__isnull=True
    ).first()
    if address is None:
        raise NotFound(
            gettext("Address %(address)s is not one of your addresses.") % {"address": address_id}
        )
    return address


@transaction.atomic
def account_address_update(*, user, address_id: int, **fields) -> Address:
    """Change one of the account's addresses. Orders keep pointing at the same row, so an
    order not yet shipped ships to the corrected address."""
    address = _own_address(user, address_id)
    changed = [k for k in fields if k in ADDRESS_FIELDS]
    for name in changed:
        setattr(address, name, fields[name])
    address.save(update_fields=changed or None)
    return address


@transaction.atomic
def account_address_remove(*, user, address_id: int) -> None:
    """Take an address out of the account's book. Orders that ship or bill to it keep it: the
    row is only detached from the customer; an unused one is deleted."""
    address = _own_address(user, address_id)
    address.customer = None
    address.save(update_fields=["customer"])
    try:
        with transaction.atomic():
            address.delete()
    except IntegrityError:
        pass  # still referenced by an order (PROTECT): kept, detached


@transaction.atomic
def consent_record(
    *, user, purpose: str, granted: bool, policy_version: str = "", source: str = "account"
) -> Consent:
    """Append a consent given or withdrawn; earlier records are kept (the history is the
    proof). The latest record per purpose is the one in force."""
    return Consent.objects.create(
        user=user, purpose=purpose, granted=granted, policy_version=policy_version, source=source
    )


def consents_in_force(*, user) -> dict[str, Consent]:
    """The latest record per purpose."""
    latest: dict[str, Consent] = {}
    for consent in Consent.objects.filter(user=user).order_by("recorded_at", "pk"):
        latest[consent.purpose] = consent
    return latest


@transaction.atomic
def customer_category_assign(*, customer_id: int, category_id: int | None, actor: Actor):
    """Put a customer under one of its trader's categories (None: none). The offers made to
    that category price the customer's next cart items; items already in carts keep theirs."""
    from sessions_app.models import CustomerCategory

    customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(gettext("Customer %(customer)s does not exist.") % {"customer": customer_id})
    if (
        category_id is not None
        and not CustomerCategory.objects.filter(
            pk=category_id, trader_id=customer.trader_id
        ).exists()
    ):
        raise CategoryOfAnotherTrader(
            gettext("Category %(category)s is not %(trader)s's.")
            % {"category": category_id, "trader": customer.trader}
        )
    customer.category_id = category_id
    customer.save(update_fields=["category"])
    return customer
