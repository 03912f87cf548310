"""The one JSON-LD reader for DFC documents that reach Larder: orders partners POST and PUT,
partners' replies to the producer orders Larder sends, and the catalogues the stock mirror reads.

A document in the form the DFC connectors write — an accepted context URL, then one node or a
flat `@graph` of nodes whose keys are compact (`dfc-b:…`) or absolute IRIs, with references,
literals, value objects and nested nodes as values — is read in one pass (`_OnePass`): the
node map JSON-LD flattening would build, in time linear in the document. Any other document
is expanded and flattened by pyld, whose flattening is quadratic in the values of a property
(a 1,000-line order's hasPart: 2.5 s), with a local document loader that serves Larder's own
DFC context (`platforms.dfc.context`) for every accepted context URL and refuses any other:
nothing is fetched over the network. Either way every key, type and reference is then a full
IRI, whatever the partner wrote: any accepted context URL, an inline context, compact IRIs,
`{"@id": …}` objects or plain strings for terms the context types as `@id`, nested nodes or a
flat `@graph`; tests/platforms/test_jsonld_one_pass.py checks that both read every document of
the test suites alike. IRIs of the older DFC namespaces (static.datafoodconsortium.org, w3id)
are rewritten to the current ones.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pyld import jsonld
from pyld.iri_resolver import resolve

from platforms.dfc.context import (
    ACCEPTED_CONTEXT_URLS,
    DFC_CONTEXT,
    PREFIXES,
    is_accepted_context_url,
)
from platforms.exceptions import DfcParseError, NotOnePass, UnknownContext

BUSINESS = PREFIXES["dfc-b"]
# JSON nested deeper than this is not a DFC document (the deepest real one, an order with
# a price inside an offer inside a line inside a graph, is under 10).
MAX_DEPTH = 32

# Older namespaces: the same file names under static.datafoodconsortium.org or w3id.org.
_LEGACY = re.compile(
    r"^https?://(static\.datafoodconsortium\.org|w3id\.org/dfc|github\.com/datafoodconsortium)"
    r"/[^#]*?(?P<file>DFC_[A-Za-z]+\.owl|[a-zA-Z]+\.rdf)#(?P<name>.*)$"
)
_CURRENT = {namespace.rsplit("/", 1)[1][:-1]: namespace for namespace in PREFIXES.values()}


def _accepted_list() -> str:
    return ", ".join(ACCEPTED_CONTEXT_URLS)


def _load_document(url: str, options=None) -> dict:
    if not is_accepted_context_url(url):
        raise UnknownContext(
            f"Unknown @context {url[:200]!r}: send one of {_accepted_list()}.",
            extra={"accepted_contexts": list(ACCEPTED_CONTEXT_URLS)},
        )
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": DFC_CONTEXT}}


def _check_depth(document) -> None:
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise DfcParseError(f"The document is nested deeper than {MAX_DEPTH} levels.")
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def _check_context(document) -> None:
    items = document if isinstance(document, list) else [document]
    if not items or not all(isinstance(item, dict) and "@context" in item for item in items):
        raise UnknownContext(
            f"Missing @context: send one of {_accepted_list()}.",
            extra={"accepted_contexts": list(ACCEPTED_CONTEXT_URLS)},
        )


def current_iri(iri: str) -> str:
    """An IRI of an older DFC namespace → the same name in the current one."""
    match = _LEGACY.match(iri)
    if match and match["file"] in _CURRENT:
        return _CURRENT[match["file"]] + match["name"]
    return iri


def _canonical(value):
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("@id", "@type"):
                out[key] = (
                    [current_iri(t) for t in item] if isinstance(item, list) else current_iri(item)
                )
            elif key.startswith("@"):
                out[key] = item
            else:
                out.setdefault(current_iri(key), []).extend(_canonical(item))
        return out
    return value


def expand_compact(value: str) -> str:
    """'dfc-m:Euro' → its full IRI (for compact IRIs written where the context types none)."""
    prefix, colon, rest = value.partition(":")
    if colon and prefix in PREFIXES and not rest.startswith("//"):
        return PREFIXES[prefix] + rest
    return current_iri(value)


@dataclass
class Graph:
    """A flattened, expanded DFC document: nodes by @id, every key a full IRI."""

    nodes: list[dict]
    # What flattening merges away: per @id (as the document labels it), the properties that
    # two of its node objects both gave; and (subject, property, reference) listed twice.
    redefined: dict[str, set[str]] = field(default_factory=dict)
    repeated: set[tuple[str, str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.by_id = {node["@id"]: node for node in self.nodes if "@id" in node}

    def typed(self, name: str) -> list[dict]:
        iri = BUSINESS + name
        return [node for node in self.nodes if iri in node.get("@type", [])]

    @staticmethod
    def values(node: dict | None, name: str) -> list:
        return (node or {}).get(BUSINESS + name, [])

    @staticmethod
    def ref(value) -> str | None:
        """The IRI a value names: a node reference, or a string literal holding an IRI (a term
        the context does not type as @id, e.g. offeredItem written as a plain string)."""
        if isinstance(value, dict):
            if "@id" in value:
                return value["@id"]
            if isinstance(value.get("@value"), str) and value["@value"]:
                return expand_compact(value["@value"])
        return None

    def refs(self, node: dict | None, name: str) -> list[str]:
        return [ref for ref in (self.ref(v) for v in self.values(node, name)) if ref]

    def first_ref(self, node: dict | None, *names: str) -> str | None:
        for name in names:
            refs = self.refs(node, name)
            if refs:
                return refs[0]
        return None

    def node(self, iri: str | None) -> dict | None:
        return self.by_id.get(iri) if iri else None

    def literals(self, node: dict | None, name: str) -> list:
        return [
            v["@value"] for v in self.values(node, name) if isinstance(v, dict) and "@value" in v
        ]

    def literal(self, node: dict | None, *names: str):
        for name in names:
            values = self.literals(node, name)
            if values:
                return values[0]
        return None


# The terms Larder's context types as @id: a string there is a reference, elsewhere a literal.
_REFERENCE_TERMS = frozenset(
    term for term, definition in DFC_CONTEXT.items() if isinstance(definition, dict)
)
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
_SCALARS = (str, int, float, bool)


def _expand_iri(value, *, relative: bool) -> str:
    """A compact or absolute IRI as JSON-LD expands it against Larder's context; a relative
    one (an @id or reference only, `relative`) against JSON-LD's default base, as pyld does."""
    if not isinstance(value, str) or value.startswith("@"):
        raise NotOnePass
    prefix, colon, suffix = value.partition(":")
    if colon and prefix:
        if prefix == "_" or suffix.startswith("//"):
            return value
        if prefix in PREFIXES:
            return PREFIXES[prefix] + suffix
        if _ABSOLUTE_IRI.match(value):
            return value
    if not relative:
        raise NotOnePass
    return resolve(value, jsonld.DEFAULT_BASE_IRI)


class _OnePass:
    """The node map of a document, built as pyld's flattening builds it (same nodes, values in
    the same order, blank nodes relabelled _:b0, _:b1… in the same order, values deduplicated),
    with sets instead of list scans; and the redefinitions and repeated references of the
    document as `read` reports them."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict] = {}
        self._values: dict[tuple[str, str], set] = {}
        self._blank: dict[str, str] = {}
        self._issued = 0
        self._given: dict[str, set[str]] = {}
        self.redefined: dict[str, set[str]] = {}
        self.repeated: set[tuple[str, str, str]] = set()

    def _label(self, iri: str | None) -> str:
        """A blank node's new label, issued in order (the same for the same old one)."""
        if iri is not None and iri in self._blank:
            return self._blank[iri]
        label = f"_:b{self._issued}"
        self._issued += 1
        if iri is not None:
            self._blank[iri] = label
        return label

    def _add(self, node: dict, name: str, value: dict, key) -> None:
        seen = self._values.setdefault((node["@id"], name), set())
        if key not in seen:
            seen.add(key)
            node.setdefault(name, []).append(value)

    def node(self, element) -> str:
        """Read a node object (and the nodes nested in it); its @id in the node map."""
        if not isinstance(element, dict):
            raise NotOnePass
        given = element.get("@id")
        expanded = None if given is None else _expand_iri(given, relative=True)
        node_id = expanded if expanded and not expanded.startswith("_:") else self._label(expanded)
        node = self.nodes.setdefault(node_id, {"@id": node_id})
        properties: dict[str, tuple[bool, object]] = {}
        for key, value in element.items():
            if key in ("@id", "@type"):
                continue
            if key.startswith("@"):
                raise NotOnePass
            iri = _expand_iri(key, relative=False)
            if iri in properties:
                raise NotOnePass  # two keys naming one property: pyld merges them
            properties[iri] = (key in _REFERENCE_TERMS, value)
        if expanded is not None:
            names = {current_iri(iri) for iri in properties}
            twice = self._given.setdefault(expanded, set()) & names
            if twice:
                self.redefined.setdefault(expanded, set()).update(twice)
            self._given[expanded] |= names
        if "@type" in element:
            types = element["@type"]
            if types == []:
                raise NotOnePass
            for type_ in types if isinstance(types, list) else [types]:
                iri = _expand_iri(type_, relative=False)
                if iri.startswith("_:"):
                    raise NotOnePass
                self._add(node, "@type", iri, iri)
        for iri in sorted(properties):
            reference, value = properties[iri]
            values = value if isinstance(value, list) else [value]
            if not values:
                raise NotOnePass
            referenced: set[str] = set()
            for item in values:
                self._value(node, iri, reference, item, referenced, expanded)
        return node_id

    def _value(self, node, iri, reference: bool, item, referenced: set, subject) -> None:
        if isinstance(item, str) and reference or isinstance(item, dict) and set(item) == {"@id"}:
            target = _expand_iri(item if isinstance(item, str) else item["@id"], relative=True)
            if target in referenced:
                self.repeated.add((subject or "", current_iri(iri), target))
            referenced.add(target)
            label = target if not target.startswith("_:") else self._label(target)
            self.nodes.setdefault(label, {"@id": label})
            self._add(node, iri, {"@id": label}, ("@id", label))
        elif isinstance(item, _SCALARS):
            self._add(node, iri, {"@value": item}, ("@value", None, item))
        elif isinstance(item, dict) and "@value" in item:
            if not set(item) <= {"@value", "@type"} or not isinstance(item["@value"], _SCALARS):
                raise NotOnePass
            value = {"@value": item["@value"]}
            if "@type" in item:
                value["@type"] = _expand_iri(item["@type"], relative=False)
            self._add(node, iri, value, ("@value", value.get("@type"), item["@value"]))
        elif isinstance(item, dict):
            label = self.node(item)
            self._add(node, iri, {"@id": label}, ("@id", label))
        else:
            raise NotOnePass  # null, a list in a list

    def graph(self) -> "Graph":
        nodes = [self.nodes[key] for key in sorted(self.nodes) if len(self.nodes[key]) > 1]
        return Graph(
            [_canonical(node) for node in nodes],
            redefined=self.redefined,
            repeated=self.repeated,
        )


def _read_one_pass(document) -> "Graph | None":
    """The graph of a document in the connectors' form, or None for pyld to read."""
    if not isinstance(document, dict) or not is_accepted_context_url(document.get("@context")):
        return None
    if "@graph" in document:
        if set(document) != {"@context", "@graph"} or not isinstance(document["@graph"], list):
            return None
        tops = document["@graph"]
    else:
        tops = [{key: value for key, value in document.items() if key != "@context"}]
    reader = _OnePass()
    try:
        for top in tops:
            reader.node(top)
    except NotOnePass:
        return None
    return reader.graph()


def read(document) -> Graph:
    """Expand and flatten a DFC JSON-LD document (400 problem when it cannot be read)."""
    _check_depth(document)
    _check_context(document)
    return _read_one_pass(document) or _read_pyld(document)


def read_with_pyld(document) -> Graph:
    """`read` by pyld's expansion and flattening, whatever the document's form (what the one
    pass is checked against)."""
    _check_depth(document)
    _check_context(document)
    return _read_pyld(document)


def _read_pyld(document) -> Graph:
    options = {"documentLoader": _load_document}
    try:
        expanded = jsonld.expand(document, options)
        flattened = jsonld.flatten(expanded, None, options)
    except UnknownContext:
        raise
    except jsonld.JsonLdError as error:
        cause = error
        while cause is not None:
            if isinstance(cause, UnknownContext):
                raise cause from error
            cause = getattr(cause, "cause", None) or cause.__cause__
        raise DfcParseError(f"Not a valid JSON-LD document ({error.type or 'error'}).") from error
    except (TypeError, ValueError, RecursionError) as error:
        raise DfcParseError("Not a valid JSON-LD document.") from error
    given: dict[str, set[str]] = {}
    redefined: dict[str, set[str]] = {}
    repeated: set[tuple[str, str, str]] = set()
    stack = list(expanded)
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("@id"), str):
            properties = {current_iri(k) for k in node if not k.startswith("@")}
            twice = given.setdefault(node["@id"], set()) & properties
            if twice:
                redefined.setdefault(node["@id"], set()).update(twice)
            given[node["@id"]] |= properties
        for key, values in node.items():
            if key.startswith("@") and key not in ("@graph", "@list"):
                continue
            values = values if isinstance(values, list) else [values]
            seen = set()
            for value in values:
                ref = value.get("@id") if isinstance(value, dict) and len(value) == 1 else None
                if ref is not None and ref in seen:
                    repeated.add((node.get("@id", ""), current_iri(key), ref))
                seen.add(ref)
                stack.append(value)
    return Graph([_canonical(node) for node in flattened], redefined=redefined, repeated=repeated)


def decimal_value(value, what: str) -> Decimal | None:
    """A JSON-LD literal (number or numeric string) as a finite Decimal; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DfcParseError(f"{what} must be a number, got {str(value)[:40]!r}.")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as error:
        raise DfcParseError(f"{what} must be a number, got {str(value)[:40]!r}.") from error
    if not number.is_finite():
        raise DfcParseError(f"{what} must be a finite number, got {str(value)[:40]!r}.")
    return number
