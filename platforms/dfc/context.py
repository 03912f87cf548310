"""The DFC 1.16 JSON-LD context, written out by Larder, and the context URLs it accepts.

The context maps the DFC prefixes to their namespaces and types every object property of the
business and technical ontologies as `@id` (so `"dfc-b:concerns": "https://…"` is a reference,
not a string). Terms the ontology does not define — `offeredItem`, `offeredTo`, `beginDate`,
which the connectors still write — are not typed, so a JSON-LD processor reads a plain string
there as a literal: Larder writes them as node references (`{"@id": …}`) and reads both.

`tests/interop` checks that this context expands documents exactly as the one shipped inside
the official TypeScript connector does.
"""

import re
from urllib.parse import urlsplit

PREFIXES = {
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dfc": "https://github.com/datafoodconsortium/ontology/releases/latest/download/DFC_FullModel.owl#",
    "dc": "http://purl.org/dc/elements/1.1/#",
    "dfc-b": "https://github.com/datafoodconsortium/ontology/releases/latest/download/DFC_BusinessOntology.owl#",
    "dfc-t": "https://github.com/datafoodconsortium/ontology/releases/latest/download/DFC_TechnicalOntology.owl#",
    "dfc-m": "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/measures.rdf#",
    "dfc-pt": "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/productTypes.rdf#",
    "dfc-f": "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/facets.rdf#",
    "dfc-v": "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/vocabulary.rdf#",
    "ontosec": "http://www.semanticweb.org/ontologies/2008/11/OntologySecurity.owl#",
}

# The object properties of the DFC 1.16 business ontology (their values are resources).
BUSINESS_OBJECT_PROPERTIES = """
DFC_BusinessOntology_ObjectProperty DFC_Interface_Property addressOf affiliatedTo affiliates
allergenCharacteristicOf basedAt belongsTo brandOf certificateOf characteristicOf claimOf
composedOf composes concernedBy concerns constituedBy constitutes consumedBy consumes
containerInformationOf coordinatedBy coordinates definedBy defines deliveredAt endsAt facetOf
from fulfills geographicalOriginOf hasAddress hasAllergenCharacteristic hasAllergenDimension
hasBrand hasCertification hasCharacteristic hasClaim hasContainerInformation hasCountry
hasDimension hasFacet hasFulfilmentStatus hasGeographicalOrigin hasIngredient hasInput
hasLabellingCharacteristic hasLabellingDimension hasMainContact hasNatureOrigin
hasNutrientCharacteristic hasNutrientDimension hasObject hasOffer hasOption hasOrderStatus
hasOutput hasPart hasPartOrigin hasPaymentMethod hasPaymentStatus hasPhoneNumber
hasPhysicalCharacteristic hasPhysicalDimension hasPrice hasProcess hasQuantity hasReference
hasSocialMedia hasStatus hasTemperature hasTransformationType hasType hasUnit hasVariant holds
hostedAt hosts identifiedBy identifies industrializedBy industrializes inputOf isAvailableDuring
isFulfilledBy isIngredientOf isOpenDuring isPriceOf isShippedIn isTemperatureOf isVariantOf
labellingCharacteristicOf listedIn lists localizedBy localizes mainContactOf maintainedBy
maintains managedBy manages natureOriginOf nutrientCharacteristicOf objectOf offeredThrough
offers offersTo optionOf orderedBy orders outputOf ownedBy owns paidWith partOf partOriginOf
phoneNumberOf physicalCharacteristicOf pickedUpAt processOf producedBy produces proposedBy
proposes referenceOf referencedBy references refersTo representedBy represents requestedBy
requests satisfiedBy satisfies selectedBy selects sells ships socialMediaOf soldBy startsAt
storedIn stores suppliedBy supplies suppliesTo to tracedBy traces transformedBy transforms
transportedBy transports typeOf uses
""".split()
TECHNICAL_OBJECT_PROPERTIES = ("represent", "hasPivot", "hostedBy", "owner")


def _context() -> dict:
    context: dict = dict(PREFIXES)
    for name in BUSINESS_OBJECT_PROPERTIES:
        context[f"dfc-b:{name}"] = {"@type": "@id"}
    for name in TECHNICAL_OBJECT_PROPERTIES:
        context[f"dfc-t:{name}"] = {"@type": "@id"}
    return context


DFC_CONTEXT = _context()

# What Larder writes as `@context`: the URL both official connectors resolve without the
# network (the TypeScript connector's default output context, preloaded by its document
# loader; an alias of the preloaded context in the Ruby connector OFN uses).
CONTEXT_URL = (
    "https://www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/"
    "context_1.16.0.jsonld"
)

# Every context URL real clients send, compared without scheme or trailing slash: the DFC
# site (FDC's apps, OFN), its two wordpress files (the TypeScript connector's output, Ruby
# connector aliases), the w3id 1.16 URL, the GitHub release file, and the pre-1.8 static URL.
ACCEPTED_CONTEXT_URLS = (
    "https://www.datafoodconsortium.org",
    CONTEXT_URL,
    "https://www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/context.jsonld",
    "https://w3id.org/dfc/ontology/context/context_1.16.0.json",
    "https://github.com/datafoodconsortium/ontology/releases/latest/download/context.json",
    "https://github.com/datafoodconsortium/ontology/releases/download/v1.16.0/context.json",
    "http://static.datafoodconsortium.org/ontologies/context.json",
)


def _key(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}"


_ACCEPTED_KEYS = frozenset(_key(url) for url in ACCEPTED_CONTEXT_URLS)
# Earlier releases of the same file (their terms are a subset of 1.16's).
_VERSIONED = re.compile(
    r"^(w3id\.org/dfc/ontology/context/context_1\.[0-9]{1,2}\.[0-9]{1,2}\.json"
    r"|github\.com/datafoodconsortium/ontology/releases/download/v1\.[0-9.]{1,8}/context\.json"
    r"|www\.datafoodconsortium\.org/wp-content/plugins/wordpress-context-jsonld/"
    r"context_1\.[0-9]{1,2}\.[0-9]{1,2}\.jsonld)$"
)


def is_accepted_context_url(url: str) -> bool:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return False
    key = _key(url)
    return key in _ACCEPTED_KEYS or bool(_VERSIONED.match(key))
