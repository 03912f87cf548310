"""Payment providers behind one interface: the whole life of a payment.

A provider answers five calls, each for an amount in the order's currency:
- `authorize(order, amount, details)`: hold the customer's money (card details, or nothing
  for pay-later methods); returns a reference that later calls use (the card on file);
- `reauthorize(order, amount, reference)`: hold `amount` more on the card on file (an edit
  or a backorder allocation raised the total);
- `capture(order, amount, reference)`: take up to what is authorized (at shipment or on
  demand; less than authorized for a reduced order: the rest is released);
- `void(order, reference)`: release an authorization that will never be captured (cancel);
- `refund(order, amount, reference)`: give back captured money.

Built-in providers (LARDER_PAYMENT_PROVIDERS chooses which are offered):
- `pickup` and `invoice`: the customer pays later; the order is submitted, not paid (I), and
  staff record the payment received in the admin (orders.services.payment_operations);
- `test_card`: a card provider for tests and demos; the card decides every answer:
  4242 4242 4242 4242 approves everything; 4000 0000 0000 0127 asks for review;
  4000 0000 0000 0341 authorizes but its capture fails; 4000 0000 0000 9995 authorizes once
  but declines any re-authorization; any other valid number is declined.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from orders.events import EventText
from orders.exceptions import InvalidPaymentDetails, UnknownPaymentMethod
from orders.models import Order


class PaymentOutcome(TextChoices):
    AUTHORIZED = "authorized", _("authorized")
    REVIEW = "review", _("needs review")
    DECLINED = "declined", _("declined")
    DEFERRED = "deferred", _("paid later (pickup, invoice)")
    CAPTURED = "captured", _("captured")
    FAILED = "failed", _("failed")
    VOIDED = "voided", _("voided")
    REFUNDED = "refunded", _("refunded")


@dataclass(frozen=True)
class PaymentResult:
    outcome: PaymentOutcome
    reference: str
    # The provider's words: an EventText for Larder's own providers (translated when shown),
    # the text another provider answered otherwise.
    message: "str | EventText"


class PaymentProvider(Protocol):
    code: str
    label: "str | Promise"
    # False for pay-later methods: money is received by hand, nothing to capture or void.
    holds_funds: bool

    def tokenize(self, *, order: Order, details: dict) -> str: ...

    def authorize(self, *, order: Order, amount: Decimal, details: dict) -> PaymentResult: ...

    def reauthorize(self, *, order: Order, amount: Decimal, reference: str) -> PaymentResult: ...

    def capture(self, *, order: Order, amount: Decimal, reference: str) -> PaymentResult: ...

    def void(self, *, order: Order, reference: str) -> PaymentResult: ...

    def refund(self, *, order: Order, amount: Decimal, reference: str) -> PaymentResult: ...


class PayLaterProvider:
    """Pay at pickup or on invoice: nothing to authorize now; staff record the payment."""

    holds_funds = False

    def __init__(self, code: str, label: "str | Promise") -> None:
        self.code = code
        self.label = label

    def _text(self, msgid: str, amount: Decimal, order: Order) -> EventText:
        return EventText(
            msgid,
            {"method": EventText.of(self.label), "amount": amount, "currency": order.currency},
        )

    def tokenize(self, *, order: Order, details: dict) -> str:
        return f"{self.code}-{order.number}"

    def authorize(self, *, order: Order, amount: Decimal, details: dict) -> PaymentResult:
        return PaymentResult(
            outcome=PaymentOutcome.DEFERRED,
            reference=f"{self.code}-{order.number}",
            message=self._text(
                gettext_noop("%(method)s: %(amount)s %(currency)s due"), amount, order
            ),
        )

    def reauthorize(self, *, order: Order, amount: Decimal, reference: str) -> PaymentResult:
        return PaymentResult(
            PaymentOutcome.DEFERRED,
            reference,
            self._text(gettext_noop("%(method)s: %(amount)s %(currency)s more due"), amount, order),
        )

    def capture(self, *, order: Order, amount: Decimal, reference: str) -> PaymentResult:
        return PaymentResult(
            PaymentOutcome.FAILED,
            reference,
            EventText(
                gettext_noop("%(method)s: record the payment when received"),
                {"method": EventText.of(self.label)},
            ),
        )

    def void(self, *, order: Order, reference: str) -> PaymentResult:
        return PaymentResult(
            PaymentOutcome.VOIDED,
            reference,
            EventText(
                gettext_noop("%(method)s: nothing to void"), {"method": EventText.of(self.label)}
            ),
        )

    def refund(self, *, order: Order, amount: Decimal, reference: str) -> PaymentResult:
        return PaymentResult(
            PaymentOutcome.REFUNDED,
            reference,
            self._text(
                gettext_noop("%(method)s: %(amount)s %(currency)s to give back"), amount, order
            ),
        )


def _luhn_valid(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


class TestCardProvider:
    """A card provider that needs no network: the card number decides every answer. The
    reference keeps the card's last four digits (the card on file) for later calls."""

    code = "test_card"
    label: "str | Promise" = _("Test card")
    holds_funds = True
    APPROVE, REVIEW, CAPTURE_FAILS, NO_MORE = "4242", "0127", "0341", "9995"
    CARDS = {
        "4242424242424242": APPROVE,
        "4000000000000127": REVIEW,
        "4000000000000341": CAPTURE_FAILS,
        "4000000000009995": NO_MORE,
    }

    def _number(self, details: dict) -> str:
        number = str(details.get("card_number", "")).replace(" ", "").replace("-", "")
        if not (number.isdigit() and 12 <= len(number) <= 19 and _luhn_valid(number)):
            raise InvalidPaymentDetails(
                gettext("A card number of 12 to 19 digits (Luhn) is required.")
            )
        return number

    def tokenize(self, *, order: Order, details: dict) -> str:
        """The card on file: validated, kept as a reference with its last four digits."""
        return f"tc-{order.number}-{self._number(details)[-4:]}"

    def authorize(self, *, order: Order, amount: Decimal, details: dict) -> PaymentResult:
        """`details`: a `card_number`, or the `reference` of a card on file (tokenize)."""
        if details.get("reference"):
            reference = details["reference"]
            known = self._last4(reference) in self.CARDS.values()
        else:
            number = self._number(details)
            reference, known = f"tc-{order.number}-{number[-4:]}", number in self.CARDS
        last4 = self._last4(reference)
        if not known:
            outcome = PaymentOutcome.DECLINED
        elif last4 == self.REVIEW:
            outcome = PaymentOutcome.REVIEW
        else:
            outcome = PaymentOutcome.AUTHORIZED
        return PaymentResult(
            outcome=outcome,
            reference=reference,
            message=_card_text(
                gettext_noop("Card ending %(last4)s: %(amount)s %(currency)s %(outcome)s"),
                last4,
                amount,
                order,
                outcome,
            ),
        )

    def _last4(self, reference: str) -> str:
        return reference.rsplit("-", 1)[-1]

    def reauthorize(self, *, order: Order, amount: Decimal, reference: str) -> PaymentResult:
        last4 = self._last4(reference)
        outcome = (
            PaymentOutcome.DECLINED
            if last4 == self.NO_MORE or last4 not in self.CARDS.values()
            else PaymentOutcome.AUTHORIZED
        )
        return PaymentResult(
            outcome,
            reference,
            _card_text(
                gettext_noop("Card ending %(last4)s: %(amount)s %(currency)s more %(outcome)s"),
                last4,
                amount,
                order,
                outcome,
            ),
        )

    def capture(self, *, order: Order, amount: Decimal, reference: str) -> PaymentResult:
        last4 = self._last4(reference)
        outcome = PaymentOutcome.FAILED if last4 == self.CAPTURE_FAILS else PaymentOutcome.CAPTURED
        return PaymentResult(
            outcome,
            reference,
            _card_text(
                gettext_noop("Card ending %(last4)s: %(amount)s %(currency)s %(outcome)s"),
                last4,
                amount,
                order,
                outcome,
            ),
        )

    def void(self, *, order: Order, reference: str) -> PaymentResult:
        return PaymentResult(
            PaymentOutcome.VOIDED,
            reference,
            EventText(
                gettext_noop("Card ending %(last4)s: voided"), {"last4": self._last4(reference)}
            ),
        )

    def refund(self, *, order: Order, amount: Decimal, reference: str) -> PaymentResult:
        return PaymentResult(
            PaymentOutcome.REFUNDED,
            reference,
            EventText(
                gettext_noop("Card ending %(last4)s: %(amount)s %(currency)s refunded"),
                {"last4": self._last4(reference), "amount": amount, "currency": order.currency},
            ),
        )


def _card_text(
    msgid: str, last4: str, amount: Decimal, order: Order, outcome: PaymentOutcome
) -> EventText:
    return EventText(
        msgid,
        {
            "last4": last4,
            "amount": amount,
            "currency": order.currency,
            "outcome": EventText.of(outcome.label),
        },
    )


BUILT_IN_PROVIDERS: dict[str, PaymentProvider] = {
    provider.code: provider
    for provider in (
        PayLaterProvider("pickup", _("Pay at pickup")),
        PayLaterProvider("invoice", _("Pay by invoice")),
        TestCardProvider(),
    )
}


def payment_providers() -> dict[str, PaymentProvider]:
    """The providers this instance offers, by code (setting LARDER_PAYMENT_PROVIDERS)."""
    return {code: BUILT_IN_PROVIDERS[code] for code in settings.LARDER_PAYMENT_PROVIDERS}


def payment_provider_get(code: str) -> PaymentProvider:
    provider = payment_providers().get(code)
    if provider is None:
        raise UnknownPaymentMethod(
            gettext("Payment method “%(code)s” is not offered; choose one of %(methods)s.")
            % {"code": code, "methods": ", ".join(payment_providers())}
        )
    return provider


def order_provider(order: Order) -> PaymentProvider:
    """The provider that handled an order's payment, even if no longer offered for new ones."""
    provider = BUILT_IN_PROVIDERS.get(order.payment_method)
    if provider is None:
        raise UnknownPaymentMethod(
            gettext("Order %(number)s has no known payment method.") % {"number": order.number}
        )
    return provider


def order_holds_card(order: Order) -> bool:
    """True when the order's payment method holds funds to capture or void (a card)."""
    provider = BUILT_IN_PROVIDERS.get(order.payment_method)
    return provider is not None and provider.holds_funds
