"""The forms of the order page's customer-service edit panel, one per step.

Each form reads and checks what a person typed (a number is a number, an item is one of this
order's items, an address one of its customer's) and hands the step's service its keyword
arguments (`arguments()`); the business rules (a quantity above zero, enough stock, a reason
for a discount) stay in the services, and a service's refusal is shown on the field it is
about (`refusal_fields`). `EDIT_STEPS` is the table the admin view dispatches on:
{step: (form class, service)}.

HTML forms cannot nest, and the panel sits inside the admin's change form: every widget names
the HTML form it posts with (`form="edit-<step>"`, one per item for the item steps), and the
order page holds those empty forms at its end.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError
from discounts.exceptions import (
    CouponAlreadyUsedByCustomer,
    CouponNeedsCustomer,
    CouponNotFound,
    CouponNotValid,
    CouponUsedUp,
)
from inventory.exceptions import InsufficientStock
from orders.exceptions import (
    AddressNotTheCustomers,
    AmountTooLarge,
    InvalidManualDiscount,
    InvalidQuantity,
    NoteEmpty,
)
from orders.models import Address, Order, OrderItem
from orders.services import edit_changes
from orders.services.notes import order_note_add
from orders.services.notifications import order_customer_notify


class EditStepForm(forms.Form):
    """One step of the edit panel for one order (and, for item steps, one item)."""

    step: ClassVar[str]
    # A service's refusal shown on a field rather than above the form.
    refusal_fields: ClassVar[dict[tuple[type[ApplicationError], ...], str]] = {}
    done: ClassVar[Any] = _("Saved.")

    def __init__(self, data=None, *, order: Order, item: OrderItem | None = None) -> None:
        if item is None and data is not None and "item" in self.base_fields:
            item = _posted_item(order, data)  # a refused item step shows on its item's row
        self.html_id = f"edit-{self.step.replace('_', '-')}" + (f"-{item.pk}" if item else "")
        # Many steps share field names (quantity, shipping_address): ids carry the step.
        super().__init__(data, auto_id=f"{self.html_id}-%s")
        self.order = order
        self.item = item
        for field in self.fields.values():
            field.widget.attrs["form"] = self.html_id
        if "item" in self.fields:
            self.fields["item"].queryset = OrderItem.objects.filter(order_id=order.pk)
            if item is not None:
                self.fields["item"].initial = item.pk

    def arguments(self) -> dict[str, Any]:
        """The step's service's keyword arguments (besides order_id and actor)."""
        return {}

    def refused(self, error: ApplicationError) -> None:
        """Show a service's refusal on its field, or above the form."""
        field = next(
            (name for kinds, name in self.refusal_fields.items() if isinstance(error, kinds)), None
        )
        self.add_error(field if field in self.fields else None, error.message)


# The line rules of orders.services.items (_check_quantity, the amount's bound) and stock.
QUANTITY_REFUSALS = (InvalidQuantity, AmountTooLarge, InsufficientStock)


def _pk(instance) -> int | None:
    return instance.pk if instance is not None else None


def _posted_item(order: Order, data) -> OrderItem | None:
    posted = str(data.get("item", ""))
    if not posted.isdigit():
        return None
    return OrderItem.objects.filter(order_id=order.pk, pk=int(posted)).first()


class _ItemField(forms.ModelChoiceField):
    def __init__(self) -> None:
        super().__init__(
            queryset=OrderItem.objects.none(),
            widget=forms.HiddenInput,
            error_messages={"invalid_choice": _("This item is no longer on the order.")},
        )


class _AddressField(forms.ModelChoiceField):
    """One of the order's customer's addresses; empty is none (pickup, or no billing)."""

    def __init__(self, *, label, empty_label) -> None:
        super().__init__(
            queryset=Address.objects.none(),
            required=False,
            label=label,
            empty_label=empty_label,
            error_messages={"invalid_choice": _("Not one of the customer's addresses.")},
        )


def _customer_addresses(form: EditStepForm) -> None:
    addresses = Address.objects.filter(customer_id=form.order.customer_id).order_by("pk")
    for field in form.fields.values():
        if isinstance(field, _AddressField):
            field.queryset = addresses if form.order.customer_id else Address.objects.none()


def _quantity_field(*, label) -> forms.DecimalField:
    # Only "is it a number" here: the line rules (above zero, the maximum, three decimals)
    # are orders.services.items._check_quantity's, shown on this field when it refuses.
    return forms.DecimalField(
        label=label,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "class": "edit-quantity"}),
    )


class QuantityForm(EditStepForm):
    step = "quantity"
    refusal_fields = {QUANTITY_REFUSALS: "quantity"}
    done = _("Quantity changed.")
    item = _ItemField()
    quantity = _quantity_field(label=_("New quantity"))

    def __init__(self, data=None, *, order: Order, item: OrderItem | None = None) -> None:
        super().__init__(data, order=order, item=item)
        if item is not None:
            self.fields["quantity"].initial = item.quantity.normalize()
            self.fields["quantity"].widget.attrs["aria-label"] = _(
                "New quantity of %(product)s"
            ) % {"product": item.product_name}

    def arguments(self) -> dict[str, Any]:
        return {"item_id": self.cleaned_data["item"].pk, "quantity": self.cleaned_data["quantity"]}


class RemoveItemForm(EditStepForm):
    step = "remove"
    done = _("Item removed.")
    item = _ItemField()

    def arguments(self) -> dict[str, Any]:
        return {"item_id": self.cleaned_data["item"].pk}


class ShipToForm(EditStepForm):
    step = "ship_to"
    refusal_fields = {(AddressNotTheCustomers,): "shipping_address"}
    done = _("Item's shipping address changed.")
    item = _ItemField()
    shipping_address = _AddressField(label=_("Ship to"), empty_label=_("pickup"))

    def __init__(self, data=None, *, order: Order, item: OrderItem | None = None) -> None:
        super().__init__(data, order=order, item=item)
        _customer_addresses(self)
        if item is not None:
            self.fields["shipping_address"].initial = item.shipping_address_id
            self.fields["shipping_address"].widget.attrs["aria-label"] = _(
                "Ship %(product)s to"
            ) % {"product": item.product_name}

    def arguments(self) -> dict[str, Any]:
        return {
            "item_id": self.cleaned_data["item"].pk,
            "shipping_address_id": _pk(self.cleaned_data["shipping_address"]),
        }


class AddOfferForm(EditStepForm):
    step = "add"
    refusal_fields = {QUANTITY_REFUSALS: "quantity"}
    done = _("Item added.")
    offer = forms.ModelChoiceField(
        queryset=None,
        label=_("Add an item"),
        error_messages={"invalid_choice": _("Not an offer of this order's sales session.")},
    )
    quantity = _quantity_field(label=_("Quantity to add"))

    def __init__(self, data=None, *, order: Order, item: OrderItem | None = None) -> None:
        from sessions_app.models import Offer

        super().__init__(data, order=order, item=item)
        offer_field = self.fields["offer"]
        offer_field.queryset = (
            Offer.objects.filter(session_id=order.sales_session_id)
            .select_related("product")
            .order_by("product__name")
        )
        offer_field.label_from_instance = lambda offer: (
            f"{offer.product.name} · {offer.price} {offer.currency}"
        )
        self.fields["quantity"].initial = 1
        self.fields["quantity"].widget.attrs["aria-label"] = _("Quantity to add")

    def arguments(self) -> dict[str, Any]:
        return {
            "offer_id": self.cleaned_data["offer"].pk,
            "quantity": self.cleaned_data["quantity"],
        }


class AddressesForm(EditStepForm):
    step = "addresses"
    refusal_fields = {(AddressNotTheCustomers,): "billing_address"}
    done = _("Addresses changed.")
    billing_address = _AddressField(label=_("billing"), empty_label="—")
    shipping_address = _AddressField(label=_("shipping"), empty_label=_("pickup (no shipping)"))

    def __init__(self, data=None, *, order: Order, item: OrderItem | None = None) -> None:
        super().__init__(data, order=order, item=item)
        _customer_addresses(self)
        self.fields["billing_address"].initial = order.billing_address_id
        self.fields["shipping_address"].initial = order.shipping_address_id
        self.fields["shipping_address"].widget.attrs["aria-label"] = _("Shipping address")

    def arguments(self) -> dict[str, Any]:
        return {
            "billing_address_id": _pk(self.cleaned_data["billing_address"]),
            "shipping_address_id": _pk(self.cleaned_data["shipping_address"]),
        }


class CouponForm(EditStepForm):
    step = "coupon"
    refusal_fields = {
        (
            CouponNotFound,
            CouponNotValid,
            CouponUsedUp,
            CouponAlreadyUsedByCustomer,
            CouponNeedsCustomer,
        ): "code"
    }
    done = _("Coupon applied.")
    code = forms.CharField(
        label=_("Coupon"),
        max_length=64,
        widget=forms.TextInput(attrs={"size": 12}),
        error_messages={"required": _("Type the coupon's code.")},
    )

    def arguments(self) -> dict[str, Any]:
        return {"code": self.cleaned_data["code"]}


class CouponRemoveForm(EditStepForm):
    step = "coupon_remove"
    done = _("Coupon removed.")
    code = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def arguments(self) -> dict[str, Any]:
        return {"code": self.cleaned_data["code"]}


class DiscountForm(EditStepForm):
    step = "discount"
    refusal_fields = {(InvalidManualDiscount,): "value"}
    done = _("Discount given.")
    AMOUNT, PERCENT = "amount", "percent"
    value = forms.DecimalField(
        label=_("Manual discount"),
        max_digits=12,  # what discounts.CalculationRule.value holds (the service rounds it)
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "class": "edit-discount"}),
    )
    kind = forms.ChoiceField(choices=[(AMOUNT, AMOUNT), (PERCENT, "%")], initial=AMOUNT)
    reason = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"size": 30}),
        error_messages={"required": _("A manual discount needs a reason.")},
    )

    def __init__(self, data=None, *, order: Order, item: OrderItem | None = None) -> None:
        super().__init__(data, order=order, item=item)
        self.fields["kind"].choices = [(self.AMOUNT, order.currency), (self.PERCENT, "%")]
        self.fields["kind"].widget.attrs["aria-label"] = _("Amount or percentage")
        reason = self.fields["reason"].widget.attrs
        reason["placeholder"] = reason["aria-label"] = _("reason (required)")

    def arguments(self) -> dict[str, Any]:
        value: Decimal = self.cleaned_data["value"]
        given = "percent" if self.cleaned_data["kind"] == self.PERCENT else "amount"
        return {"reason": self.cleaned_data["reason"], given: value}


class DiscountRemoveForm(EditStepForm):
    step = "discount_remove"
    done = _("Discount withdrawn.")
    rule = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, data=None, *, order: Order, item: OrderItem | None = None) -> None:
        from discounts.models import CalculationRule

        super().__init__(data, order=order, item=item)
        self.fields["rule"].queryset = CalculationRule.objects.filter(
            order_id=order.pk, is_active=True
        )

    def arguments(self) -> dict[str, Any]:
        return {"rule_id": self.cleaned_data["rule"].pk}


class NoteForm(EditStepForm):
    step = "note"
    refusal_fields = {(NoteEmpty,): "note"}
    done = _("Note added to the history.")
    note = forms.CharField(
        max_length=500,
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "cols": 70,
                "aria-label": _("Staff note"),
                "placeholder": _("A note for the team: what the customer said, what was agreed"),
            }
        ),
        error_messages={"required": _("Write the note before adding it.")},
    )

    def arguments(self) -> dict[str, Any]:
        return {"text": self.cleaned_data["note"]}


class NotifyReadyForm(EditStepForm):
    step = "notify_ready"
    done = _("The customer is e-mailed that the order is ready.")

    def arguments(self) -> dict[str, Any]:
        return {"kind": "ready_for_pickup"}


class NotifyPaymentForm(EditStepForm):
    step = "notify_payment"
    done = _("The customer is e-mailed about the payment problem.")
    note = forms.CharField(max_length=500, required=False)

    def arguments(self) -> dict[str, Any]:
        return {"kind": "payment_problem", "note": self.cleaned_data["note"]}


EDIT_STEPS: dict[str, tuple[type[EditStepForm], Callable[..., Any]]] = {
    "quantity": (QuantityForm, edit_changes.order_edit_item_quantity_change),
    "remove": (RemoveItemForm, edit_changes.order_edit_item_remove),
    "ship_to": (ShipToForm, edit_changes.order_edit_item_ship_to),
    "add": (AddOfferForm, edit_changes.order_edit_offer_add),
    "addresses": (AddressesForm, edit_changes.order_addresses_change),
    "coupon": (CouponForm, edit_changes.order_edit_coupon_apply),
    "coupon_remove": (CouponRemoveForm, edit_changes.order_edit_coupon_remove),
    "discount": (DiscountForm, edit_changes.order_manual_discount_add),
    "discount_remove": (DiscountRemoveForm, edit_changes.order_manual_discount_remove),
    "note": (NoteForm, order_note_add),
    "notify_ready": (NotifyReadyForm, order_customer_notify),
    "notify_payment": (NotifyPaymentForm, order_customer_notify),
}
# The steps of one item, shown on each item's row, and those of the panel itself.
ITEM_STEPS = ("quantity", "ship_to")
PANEL_STEPS = ("add", "addresses", "coupon", "discount")


def errors_not_on_a_field(form: EditStepForm | None, *, shown: bool) -> list[str]:
    """The refused form's errors that no visible field shows: those of the whole form and of
    hidden fields, or all of them when the form's fields are not on the page (`shown`)."""
    if form is None:
        return []
    errors = list(form.non_field_errors())
    for name, field_errors in form.errors.items():
        if name != forms.forms.NON_FIELD_ERRORS and (not shown or form[name].is_hidden):
            errors.extend(field_errors)
    return errors
