"""DFC terms Larder reads and writes, and the contexts real clients send."""

from platforms.dfc.context import CONTEXT_URL, PREFIXES

# What Larder writes as `@context` (platforms.dfc.context explains the choice).
CONTEXT = CONTEXT_URL

ORDER_STATUSES = ("Draft", "Held", "Complete", "Cancelled")
FULFILMENT_STATUSES = ("Held", "Unfulfilled", "Fulfilled", "Cancelled")
PAYMENT_STATUSES = ("Unpaid", "Paid", "Cancelled")

# Currency codes ↔ DFC measures.
CURRENCY_UNITS = {
    "EUR": "dfc-m:Euro",
    "GBP": "dfc-m:PoundSterling",
    "USD": "dfc-m:USDollar",
    "CAD": "dfc-m:CanadianDollar",
    "AUD": "dfc-m:AustralianDollar",
    "CHF": "dfc-m:SwissFranc",
}
UNIT_CURRENCIES = {unit.split(":")[1]: code for code, unit in CURRENCY_UNITS.items()}

# Units of measure ↔ DFC measures.
MEASURE_UNITS = {
    "piece": "dfc-m:Piece",
    "kg": "dfc-m:Kilogram",
    "g": "dfc-m:Gram",
    "l": "dfc-m:Litre",
    "ml": "dfc-m:Millilitre",
}
UNIT_MEASURES = {unit.split(":")[1]: code for code, unit in MEASURE_UNITS.items()}


def local_name(term: str) -> str:
    """'dfc-b:quantity', or a full IRI of a DFC namespace → 'quantity'."""
    if not isinstance(term, str):
        return term
    from platforms.dfc.jsonld import current_iri

    term = current_iri(term)
    for prefix, namespace in PREFIXES.items():
        if term.startswith(prefix + ":"):
            return term[len(prefix) + 1 :]
        if term.startswith(namespace):
            return term[len(namespace) :]
    return term


def vocabulary_term(value: str, allowed: tuple[str, ...]) -> str | None:
    """'dfc-v:Held' / full IRI / {'@id': ...} → 'Held' if it is one of `allowed`."""
    if isinstance(value, dict):
        value = value.get("@id")
    name = local_name(value) if isinstance(value, str) else None
    return name if name in allowed else None
