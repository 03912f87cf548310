"""What every DFC document Larder writes must be, read by a JSON-LD processor (pyld): every
reference an IRI (never a string literal), every type one the DFC connectors know."""

from urllib.parse import urlsplit

from pyld import jsonld

from platforms.dfc.context import BUSINESS_OBJECT_PROPERTIES, DFC_CONTEXT, PREFIXES

BUSINESS = PREFIXES["dfc-b"]
# Object properties, and the two terms the connectors use that the 1.16 ontology lacks.
REFERENCE_TERMS = {BUSINESS + name for name in BUSINESS_OBJECT_PROPERTIES} | {
    BUSINESS + "offeredItem",
    BUSINESS + "offeredTo",
}
# The classes both connectors map to objects (TypeScript: lib/*.js `…_SEM_TYPE`; Ruby:
# lib/datafoodconsortium/connector/*.rb SEMANTIC_TYPE) that Larder writes.
KNOWN_TYPES = {
    BUSINESS + name
    for name in (
        "Order",
        "OrderLine",
        "Offer",
        "Price",
        "SuppliedProduct",
        "CatalogItem",
        "SaleSession",
        "Enterprise",
        "QuantitativeValue",
        "CustomerCategory",
        "PickupOption",
        "DeliveryOption",
        "PhysicalPlace",
        "Address",
    )
}


def _loader(url, options=None):
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": DFC_CONTEXT}}


def _is_iri(value: str) -> bool:
    parts = urlsplit(value)
    return value.startswith("_:") or (parts.scheme in ("http", "https") and bool(parts.netloc))


def problems(document) -> list[str]:
    """Every way `document` breaks the rules above (an empty list when it keeps them)."""
    found = []
    stack = list(jsonld.expand(document, {"documentLoader": _loader}))
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        for kind in node.get("@type", []):
            if kind not in KNOWN_TYPES:
                found.append(f"{node.get('@id')}: unknown type {kind}")
        if "@id" in node and not _is_iri(node["@id"]):
            found.append(f"not an IRI: {node['@id']}")
        for key, values in node.items():
            if key.startswith("@"):
                continue
            for value in values:
                if key in REFERENCE_TERMS:
                    if "@value" in value:
                        found.append(f"{node.get('@id')}: {key} is a literal {value}")
                    elif "@id" in value and not _is_iri(value["@id"]):
                        found.append(f"{node.get('@id')}: {key} → {value['@id']} is no IRI")
                elif isinstance(value.get("@value"), str) and value["@value"].startswith(
                    ("http://", "https://", "dfc-")
                ):
                    found.append(f"{node.get('@id')}: {key} holds an IRI as a string")
                stack.append(value)
    return found
