"""DFC terms Larder reads and writes, and the contexts real clients send."""

import re

# What Larder writes: the 1.16 context, by its w3id URL.
CONTEXT = "https://w3id.org/dfc/ontology/context/context_1.16.0.json"

# What Larder accepts as `@context`: the 1.16 URL (http or https), the site URL the FDC apps and
# OFN send, and the older static/w3id context URLs still in the field.
_ACCEPTED_CONTEXTS = re.compile(
    r"^https?://("
    r"www\.datafoodconsortium\.org/?"
    r"|w3id\.org/dfc/ontology/context/context(_[0-9.]+)?\.json(ld)?"
    r"|static\.datafoodconsortium\.org/(ontologies|data)/context\.json(ld)?"
    r"|github\.com/datafoodconsortium/ontology/releases/(latest/download|download/v[0-9.]+)/context\.json"
    r")$"
)

PREFIXES = {
    "dfc-b": "https://github.com/datafoodconsortium/ontology/releases/latest/download/DFC_BusinessOntology.owl#",
    "dfc-t": "https://github.com/datafoodconsortium/ontology/releases/latest/download/DFC_TechnicalOntology.owl#",
    "dfc-m": "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/measures.rdf#",
    "dfc-v": "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/vocabulary.rdf#",
    "dfc-pt": "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/productTypes.rdf#",
    "dfc-f": "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/facets.rdf#",
}
# Older namespaces whose local names mean the same thing.
_LEGACY_NAMESPACE = re.compile(
    r"^https?://(static\.datafoodconsortium\.org|github\.com/datafoodconsortium)/"
    r"[^#]*#"
)

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


def is_accepted_context(context) -> bool:
    """True when `@context` is (or contains) a DFC context a real client sends."""
    if isinstance(context, str):
        return bool(_ACCEPTED_CONTEXTS.match(context))
    if isinstance(context, list):
        return any(is_accepted_context(item) for item in context)
    if isinstance(context, dict):
        # An inline context: accept when it maps a DFC prefix to the business ontology.
        return any(
            isinstance(value, str) and "DFC_BusinessOntology" in value for value in context.values()
        )
    return False


def local_name(term: str) -> str:
    """'dfc-b:quantity', a full IRI of any DFC namespace, or 'quantity' → 'quantity'."""
    if not isinstance(term, str):
        return term
    for prefix, namespace in PREFIXES.items():
        if term.startswith(prefix + ":"):
            return term[len(prefix) + 1 :]
        if term.startswith(namespace):
            return term[len(namespace) :]
    legacy = _LEGACY_NAMESPACE.match(term)
    if legacy:
        return term[legacy.end() :]
    return term


def vocabulary_term(value: str, allowed: tuple[str, ...]) -> str | None:
    """'dfc-v:Held' / full IRI / {'@id': ...} → 'Held' if it is one of `allowed`."""
    if isinstance(value, dict):
        value = value.get("@id")
    name = local_name(value) if isinstance(value, str) else None
    return name if name in allowed else None
