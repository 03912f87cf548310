"""Money, rounded in one place.

Every amount Larder computes is a `Decimal` rounded here, half up (away from zero) to the minor
unit of its currency: 0.5 × 2.25 = 1.125 is 1.13 on a customer's line, on the producer order, in
the pick list's exports and on a manual discount alike. Pure functions: no Django import, so the
pricing engine can use them too.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# Amounts are stored as numeric(14, 2): every stored amount stays below this (orders refuse
# a change that would reach it rather than overflow the column).
AMOUNT_LIMIT = Decimal("1000000000000")

# ISO 4217 currencies whose minor unit is not the cent; every other currency has two decimals.
_MINOR_UNIT_EXPONENTS = {
    "BHD": Decimal("0.001"),
    "CLP": Decimal("1"),
    "ISK": Decimal("1"),
    "JOD": Decimal("0.001"),
    "JPY": Decimal("1"),
    "KRW": Decimal("1"),
    "KWD": Decimal("0.001"),
    "OMR": Decimal("0.001"),
    "TND": Decimal("0.001"),
}


def minor_unit(currency: str | None = None) -> Decimal:
    """The smallest amount of `currency` (0.01 for EUR and GBP; the cent when unknown)."""
    return _MINOR_UNIT_EXPONENTS.get((currency or "").upper(), CENT)


def money(amount: Decimal | int | str, currency: str | None = None) -> Decimal:
    """`amount` rounded half up to the minor unit of `currency`."""
    return Decimal(amount).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def line_total(
    quantity: Decimal | int | str, unit_price: Decimal | int | str, currency: str | None = None
) -> Decimal:
    """A line's amount: quantity × unit price, rounded once."""
    return money(Decimal(quantity) * Decimal(unit_price), currency)
