import re

import pytest
from django.template import Context, Template
from django.utils import translation

from orders.models import PaymentStatus, ProducerOrder
from orders.status_labels import (
    DELIVERY_STATE_BADGES,
    FULFILMENT_STATUS_BADGES,
    INVENTORY_STATUS_BADGES,
    ORDER_FILTER_STATUSES,
    ORDER_STATUS_BADGES,
    PAYMENT_STATUS_BADGES,
    PRODUCER_ORDER_STATUS_BADGES,
    TONES,
)
from orders.statuses import FulfilmentStatus, InventoryStatus, OrderStatus


@pytest.mark.parametrize(
    ("choices", "badges"),
    [
        (OrderStatus, ORDER_STATUS_BADGES),
        (InventoryStatus, INVENTORY_STATUS_BADGES),
        (FulfilmentStatus, FULFILMENT_STATUS_BADGES),
        (PaymentStatus, PAYMENT_STATUS_BADGES),
        (ProducerOrder.Status, PRODUCER_ORDER_STATUS_BADGES),
    ],
)
def test_every_status_has_a_label_in_words_and_a_badge_colour(choices, badges):
    assert set(badges) == set(choices.values)
    for code, badge in badges.items():
        label = str(badge.label)
        assert len(label) > 3, code
        assert label != code
        assert badge.tone in TONES, code


def test_every_delivery_state_shown_has_a_badge():
    assert set(DELIVERY_STATE_BADGES) == {
        "none",
        "local",
        "pending",
        "failing",
        "delivered",
        "dead",
    }


def test_labels_are_unique_so_no_two_statuses_read_the_same():
    labels = [str(badge.label) for badge in ORDER_STATUS_BADGES.values()]
    assert len(labels) == len(set(labels))


def test_the_order_filter_offers_no_backup_list_or_profile():
    assert not {"T", "Y", "Z", "Q"} & set(ORDER_FILTER_STATUSES)
    assert set(ORDER_FILTER_STATUSES) == set(OrderStatus.values) - {"T", "Y", "Z", "Q"}


def test_badge_filter_shows_words_with_the_letter_as_a_secondary_mark():
    html = Template('{% load order_display %}{{ "C"|badge:"order" }}').render(Context())
    assert "Paid — ready to release" in html
    assert '<small class="badge-code">C</small>' in html
    assert "badge-success" in html


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        ("47.000", "piece", "47"),
        ("2.500", "kg", "2.5 kg"),
        ("6.000", "l", "6 l"),
        ("0.250", "g", "0.25 g"),
        ("3", "", "3"),
        (None, "kg", "—"),
    ],
)
def test_quantities_are_shown_by_unit_without_trailing_zeros(value, unit, shown):
    from orders.templatetags.order_display import qty

    assert qty(value, unit) == shown


# A list of status letters in a sentence ("from I, W, N, M, C, B or L", "in P or E"), a letter in
# brackets ("backup copy (T)") or a letter as a state ("not in L", "moved to L").
STATUS_LETTER = "[PIWNMABLECRSDXTFGYZQ]"
LETTERS_IN_A_SENTENCE = re.compile(
    rf"\b{STATUS_LETTER}(?:, {STATUS_LETTER})*(?:,? or |, |/){STATUS_LETTER}\b"
    rf"|\({STATUS_LETTER}(?:, {STATUS_LETTER})*\)"
    rf"|\b(?:in|from|to|into|not) {STATUS_LETTER}\b(?! ·)"
)


def _catalogue_msgids() -> list[str]:
    from tests.config.test_translations import _entries

    return [entry["msgid"] for entry in _entries("fr")]


def test_no_message_shown_to_people_names_statuses_by_letter():
    """Every message a person reads is in the catalogue (tests/config/test_translations.py
    keeps it complete): none lists bare status letters; refusals name statuses in words,
    from the table (order_statuses_in_words)."""
    msgids = _catalogue_msgids()
    assert len(msgids) > 900
    assert [m for m in msgids if LETTERS_IN_A_SENTENCE.search(m)] == []


def test_the_pattern_catches_the_old_hints():
    for old in (
        "a customer-service edit begins only from I, W, N, M, C, B or L.",
        "items change only in P or under a customer-service edit (E).",
        "Order %(number)s is %(status)s, not in L.",
        "Order created in P",
    ):
        assert LETTERS_IN_A_SENTENCE.search(old), old
    assert not LETTERS_IN_A_SENTENCE.search("C · complete (payment authorized)")


def test_refusals_name_the_statuses_in_the_agents_language():
    from orders.exceptions import InvalidTransition
    from orders.status_labels import order_statuses_in_words
    from orders.statuses import EDITABLE_STATUSES

    refused = InvalidTransition(order_number=12, from_status="C", to_status="S")
    assert refused.message == "Order 12 cannot go from “Paid — ready to release” to “Shipped”."
    with translation.override("fr"):
        words = order_statuses_in_words(EDITABLE_STATUSES)
        refused = InvalidTransition(order_number=12, from_status="C", to_status="S")
    assert words.startswith("« Validée — paiement plus tard », ")
    assert " ou « Payée — prête à préparer »" in words
    assert "Payée — prête à préparer" in refused.message
    assert not LETTERS_IN_A_SENTENCE.search(refused.message)
