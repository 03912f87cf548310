"""GDPR rights: erasure on request, a retention limit on order notes and IP addresses, and an
export of everything held about a customer.

Erasure keeps the orders, their totals and the producer orders (the trader's books and the
producers' deliveries need them) but replaces every personal value — in the customer, its
addresses, its orders' notes and IP addresses, the order history's messages, its account and
the admin's log — by a pseudonym, and the account can no longer log in.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import JSONField, Q, TextField, Value
from django.db.models.functions import Cast, Replace
from django.utils import timezone
from django.utils.translation import gettext

from config.actors import Actor
from config.exceptions import NotFound
from orders.lock_objects import customer_lock
from orders.models import Address, Consent, Customer, Order, OrderEvent
from orders.statuses import OrderStatus

logger = logging.getLogger(__name__)

# Orders that will not change any more: their notes and IP addresses age out.
CLOSED_STATUSES = (OrderStatus.DEPOSITED, OrderStatus.SHIPPED, OrderStatus.CANCELLED)
ERASED_ADDRESS_LINE = "(erased)"


def customer_pseudonym(customer: Customer) -> str:
    """A stable name for an erased customer that says nothing about the person."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:customer:{customer.pk}".encode()).hexdigest()
    return f"erased-{digest[:12]}"


def _personal_values(customer: Customer, user) -> set[str]:
    values = {customer.name, customer.email, customer.phone}
    for address in Address.objects.filter(customer=customer):
        values |= {address.name, address.line1, address.line2, address.phone, address.postcode}
        values.add(str(address))
    notes_and_ips = Order.objects.filter(customer=customer).values_list(
        "customer_note", "customer_ip"
    )
    for note, ip in notes_and_ips:
        values |= {note, ip or ""}
    if user is not None:
        values |= {user.username, user.email, user.first_name, user.last_name, user.get_full_name()}
        from allauth.account.models import EmailAddress

        values |= set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    # Longest first, so a full address is replaced before the name inside it.
    return {v for v in values if v and len(v.strip()) >= 3}


def _scrub_events(order_ids: list[int], user, values: set[str], pseudonym: str) -> None:
    """Replace each personal value in the history's message, actor label, data and message
    parameters (as JSON text) of the customer's orders and of every event the account wrote,
    in SQL."""
    scope = Q(order_id__in=order_ids)
    if user is not None:
        scope |= Q(actor_id=user.pk)
    data_text = Cast("data", TextField())
    params_text = Cast("message_params", TextField())
    events = OrderEvent.objects.filter(scope).annotate(data_text=data_text, params_text=params_text)
    for value in sorted(values, key=len, reverse=True):
        events.filter(
            Q(message__contains=value)
            | Q(actor_label__contains=value)
            | Q(data_text__contains=value)
            | Q(params_text__contains=value)
        ).update(
            message=Replace("message", Value(value), Value(pseudonym)),
            actor_label=Replace("actor_label", Value(value), Value(pseudonym)),
            data=Cast(Replace(data_text, Value(value), Value(pseudonym)), JSONField()),
            message_params=Cast(Replace(params_text, Value(value), Value(pseudonym)), JSONField()),
        )


def _json_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


@transaction.atomic
def customer_erase(*, customer_id: int, actor: Actor) -> Customer:
    """Erase a customer's personal data (GDPR art. 17), keeping its orders and their totals.

    Guarantees, in one transaction under the customer's row lock: the customer's name becomes
    a pseudonym, its e-mail and phone are emptied; its addresses keep only their country;
    its orders' notes and IP addresses are emptied; every personal value is replaced by the
    pseudonym in the history of its orders and of what its account did, and in the admin's
    log; the account (if any) is deactivated, its password made unusable (open sessions end),
    its e-mail addresses deleted and its name and username replaced; its consents are kept
    (the proof of what was agreed) with the pseudonymous account. Erasing twice changes
    nothing more. Orders, their items, adjustments and the producer orders are kept.
    """
    customer = customer_lock(customer_id=customer_id)
    if customer is None:
        raise NotFound(gettext("Customer %(customer)s does not exist.") % {"customer": customer_id})
    user = customer.user
    pseudonym = customer_pseudonym(customer)
    values = _personal_values(customer, user)
    order_ids = list(Order.objects.filter(customer=customer).values_list("pk", flat=True))
    _scrub_events(order_ids, user, values | {_json_text(v) for v in values}, pseudonym)

    Order.objects.filter(pk__in=order_ids).update(customer_note="", customer_ip=None)
    Address.objects.filter(customer=customer).update(
        name=pseudonym, line1=ERASED_ADDRESS_LINE, line2="", city="", postcode="", phone=""
    )
    customer.name, customer.email, customer.phone = pseudonym, "", ""
    customer.erased_at = customer.erased_at or timezone.now()
    customer.save(update_fields=["name", "email", "phone", "erased_at"])

    _scrub_admin_log(customer, values, pseudonym)
    if user is not None and not Customer.objects.filter(user=user, erased_at__isnull=True).exclude(
        pk=customer.pk
    ):
        _account_erase(user, pseudonym)
    logger.info("customer %s erased", customer.pk)
    return customer


@transaction.atomic
def account_erase(*, user, actor: Actor) -> None:
    """Erase an account and every customer record it has (customer_erase for each, in pk
    order); an account with no customer record is erased alone. Afterwards it cannot log in."""
    for customer_id in (
        Customer.objects.filter(user=user).order_by("pk").values_list("pk", flat=True)
    ):
        customer_erase(customer_id=customer_id, actor=actor)
    user.refresh_from_db()
    if user.is_active:
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:user:{user.pk}".encode()).hexdigest()
        _account_erase(user, f"erased-{digest[:12]}")


def _scrub_admin_log(customer: Customer, values: set[str], pseudonym: str) -> None:
    types = ContentType.objects.get_for_models(Customer, Address, get_user_model())
    entries = LogEntry.objects.filter(content_type__in=types.values())
    for entry in entries.filter(object_id__in=_log_object_ids(customer)):
        entry.object_repr = pseudonym
        message = entry.change_message
        for value in sorted(values, key=len, reverse=True):
            message = message.replace(value, pseudonym)
        entry.change_message = message
        entry.save(update_fields=["object_repr", "change_message"])


def _log_object_ids(customer: Customer) -> list[str]:
    ids = [str(customer.pk)] + [
        str(pk) for pk in Address.objects.filter(customer=customer).values_list("pk", flat=True)
    ]
    if customer.user_id:
        ids.append(str(customer.user_id))
    return ids


def _account_erase(user, pseudonym: str) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).delete()
    user.username = pseudonym
    user.email = ""
    user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


def orders_personal_data_purge(*, now=None, days: int | None = None) -> int:
    """Empty the customer note and IP address of orders closed (shipped, deposited or
    cancelled) more than `days` (LARDER_PERSONAL_DATA_RETENTION_DAYS) ago: one UPDATE.
    Returns how many orders were purged; running it again purges nothing more."""
    now = now or timezone.now()
    days = settings.LARDER_PERSONAL_DATA_RETENTION_DAYS if days is None else days
    purged = (
        Order.objects.filter(status__in=CLOSED_STATUSES, updated_at__lt=now - timedelta(days=days))
        .exclude(customer_note="", customer_ip__isnull=True)
        .update(customer_note="", customer_ip=None)
    )
    logger.info("personal data purged from %s closed order(s)", purged)
    return purged


def customer_data_export(*, customer_ids: list[int], user=None) -> dict:
    """Everything held about a person (GDPR art. 15 and 20), as JSON-ready data: the account,
    its consents, and per customer record its profile, addresses and orders with items,
    adjustments, payment and history."""
    customers = (
        Customer.objects.filter(pk__in=customer_ids)
        .select_related("trader", "category")
        .prefetch_related("addresses")
        .order_by("pk")
    )
    data: dict = {"exported_at": timezone.now().isoformat(), "account": None, "customers": []}
    if user is not None:
        from allauth.account.models import EmailAddress

        data["account"] = {
            "username": user.username,
            "name": user.get_full_name(),
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user)
            ],
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "consents": [
                {
                    "purpose": c.purpose,
                    "granted": c.granted,
                    "policy_version": c.policy_version,
                    "source": c.source,
                    "recorded_at": c.recorded_at.isoformat(),
                }
                for c in Consent.objects.filter(user=user)
            ],
        }
    for customer in customers:
        data["customers"].append(_customer_export(customer))
    return data


def _money(value) -> str:
    return f"{value:.2f}"


def _customer_export(customer: Customer) -> dict:
    orders = (
        Order.objects.filter(customer=customer)
        .exclude(status=OrderStatus.TEMPORARY)
        .prefetch_related("items", "adjustments", "events")
        .order_by("pk")
    )
    return {
        "id": customer.pk,
        "trader": customer.trader.name,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "category": customer.category.name if customer.category else None,
        "created_at": customer.created_at.isoformat(),
        "erased_at": customer.erased_at.isoformat() if customer.erased_at else None,
        "addresses": [
            {
                "id": a.pk,
                "name": a.name,
                "line1": a.line1,
                "line2": a.line2,
                "city": a.city,
                "postcode": a.postcode,
                "country": a.country,
                "phone": a.phone,
            }
            for a in customer.addresses.all()
        ],
        "orders": [
            {
                "number": o.number,
                "status": o.status,
                "currency": o.currency,
                "placed_at": o.placed_at.isoformat() if o.placed_at else None,
                "customer_note": o.customer_note,
                "customer_ip": o.customer_ip,
                "payment_method": o.payment_method,
                "payment_status": o.payment_status,
                "billing_address": o.billing_address_id,
                "shipping_address": o.shipping_address_id,
                "grand_total": _money(o.grand_total),
                "items": [
                    {
                        "product": i.product_name,
                        "quantity": str(i.quantity),
                        "unit_price": _money(i.unit_price),
                        "total_product": _money(i.total_product),
                        "shipping_address": i.shipping_address_id,
                    }
                    for i in o.items.all()
                ],
                "adjustments": [
                    {"description": a.description, "usage": a.usage, "amount": _money(a.amount)}
                    for a in o.adjustments.all()
                ],
                "history": [
                    {"at": e.created_at.isoformat(), "kind": e.kind, "message": e.message}
                    for e in o.events.all()
                ],
            }
            for o in orders
        ],
    }
