"""The one-pass JSON-LD reader (platforms.dfc.jsonld._OnePass) gives the graph pyld's expansion
and flattening give — the same nodes, values in the same order, blank nodes labelled alike, the
same redefinitions and repeated references — for every document in the connectors' form; any
other form goes to pyld. tests/conftest.py checks the same for every document any test reads
(the DFC TypeScript connector's output in tests/interop, OFN's recorded exchanges, the partner
API tests)."""

import copy

import pytest

from platforms.dfc import jsonld
from platforms.dfc.jsonld import read_with_pyld
from platforms.dfc.parse import MAX_LINES, parse_order
from platforms.exceptions import DfcParseError

CONTEXT = "https://www.datafoodconsortium.org"
FARM = "https://larder.example/api/dfc/Enterprises/green-farm"
HUB = "https://ofn.example/api/dfc/enterprises/hub-7"
LEGACY = "http://static.datafoodconsortium.org/ontologies/DFC_BusinessOntology.owl#"


def order(lines: int, **extra) -> dict:
    """The bench's and OFN's form: a flat @graph, relative @ids, dfc-b: terms."""
    nodes = [
        {
            "@id": "#order",
            "@type": "dfc-b:Order",
            "dfc-b:orderedBy": HUB,
            "dfc-b:belongsTo": f"{HUB}/sale_sessions/42",
            "dfc-b:hasOrderStatus": "dfc-v:Held",
            "dfc-b:hasPart": [f"#l{n}" for n in range(lines)],
            **extra,
        },
        {
            "@id": f"{HUB}/sale_sessions/42",
            "@type": "dfc-b:SaleSession",
            "dfc-b:beginDate": "Mon Dec 16 2024 02:30:56 UTC",
            "dfc-b:endDate": {"@value": "2024-12-20T09:00:00Z", "@type": "xsd:dateTime"},
        },
    ]
    nodes += [
        {
            "@id": f"#l{n}",
            "@type": "dfc-b:OrderLine",
            "dfc-b:concerns": {"@id": f"{FARM}/Offers/{n}", "@type": "dfc-b:Offer"},
            "dfc-b:quantity": n % 4 + 1 if n % 2 else f"{n % 4 + 1}.5",
        }
        for n in range(lines)
    ]
    return {"@context": CONTEXT, "@graph": nodes}


def connector_order() -> dict:
    """The TypeScript connector's form: absolute @ids, nested offer and price with blank
    nodes, numbers, a legacy-namespace key and an absolute-IRI key."""
    return {
        "@context": "https://www.datafoodconsortium.org/wp-content/plugins/"
        "wordpress-context-jsonld/context_1.16.0.jsonld",
        "@graph": [
            {
                "@id": f"{HUB}/orders/9",
                "@type": ["dfc-b:Order", "dfc-b:Order"],
                "dfc-b:orderNumber": "9",
                "dfc-b:hasPart": [
                    {"@id": f"{HUB}/orders/9/lines/1"},
                    f"{HUB}/orders/9/lines/2",
                    "_:free",
                ],
                "dfc-b:soldBy": f"{FARM}",
                LEGACY + "discount": 0.0,
            },
            {
                "@id": f"{HUB}/orders/9/lines/1",
                "@type": "dfc-b:OrderLine",
                "dfc-b:quantity": 2,
                "dfc-b:concerns": {
                    "@type": "dfc-b:Offer",
                    "dfc-b:offeredItem": f"{FARM}/SuppliedProducts/3",
                    "dfc-b:hasPrice": {
                        "@type": "dfc-b:Price",
                        "dfc-b:value": 3.5,
                        "dfc-b:VATrate": "5.5",
                        "dfc-b:hasUnit": "dfc-m:Euro",
                    },
                },
            },
            {
                "@id": f"{HUB}/orders/9/lines/2",
                "@type": "dfc-b:OrderLine",
                "https://github.com/datafoodconsortium/ontology/releases/latest/download/"
                "DFC_BusinessOntology.owl#quantity": [1, 1.0],
                "dfc-b:concerns": f"{FARM}/Offers/4",
            },
            {
                "@id": "_:free",
                "@type": "dfc-b:OrderLine",
                "dfc-b:quantity": {"@value": 7},
                "dfc-b:concerns": {"@id": "_:offer"},
            },
            {"@id": "_:offer", "@type": "dfc-b:Offer", "dfc-b:offeredItem": "_:nothing"},
        ],
    }


def single_node() -> dict:
    return {
        "@context": CONTEXT,
        "@id": f"{HUB}/orders/10",
        "@type": "dfc-b:Order",
        "dfc-b:hasPart": {
            "@id": f"{HUB}/orders/10/lines/1",
            "@type": "dfc-b:OrderLine",
            "dfc-b:quantity": 3,
            "dfc-b:concerns": f"{FARM}/Offers/5",
        },
    }


def described_twice() -> dict:
    document = order(2)
    document["@graph"].append({"@id": "#l1", "dfc-b:quantity": 9})  # a line given twice
    document["@graph"][0]["dfc-b:hasPart"].append("#l0")  # and listed twice
    return document


DOCUMENTS = {
    "OFN's and the bench's flat graph": order(3),
    "many lines": order(300),
    "the connector's nested nodes and blank nodes": connector_order(),
    "one node, nested line": single_node(),
    "redefined and repeated": described_twice(),
}


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_the_one_pass_reads_what_pyld_reads(name):
    document = DOCUMENTS[name]
    one_pass = jsonld._read_one_pass(copy.deepcopy(document))

    assert one_pass is not None, "read in one pass"
    by_pyld = read_with_pyld(copy.deepcopy(document))
    assert one_pass.nodes == by_pyld.nodes
    assert one_pass.redefined == by_pyld.redefined
    assert one_pass.repeated == by_pyld.repeated


def test_an_order_parses_alike_both_ways(monkeypatch):
    document = order(40)
    one_pass = parse_order(copy.deepcopy(document))
    monkeypatch.setattr(jsonld, "_read_one_pass", lambda document: None)

    assert parse_order(copy.deepcopy(document)) == one_pass
    assert len(one_pass.lines) == 40


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update({"@context": [CONTEXT, {"hasPart": "dfc-b:hasPart"}]}),  # inline
        lambda d: d["@graph"][0].update({"hasPart": ["#l0"]}),  # a term not in the context
        lambda d: d["@graph"][0].update({"dfc-b:note": None}),  # null
        lambda d: d["@graph"][0].update({"dfc-b:hasPart": []}),  # empty
        lambda d: d["@graph"][1].update({"dfc-b:endDate": {"@value": "x", "@language": "fr"}}),
        lambda d: d["@graph"][0].update({"@reverse": {}}),
        lambda d: d.update({"@id": "#named-graph"}),
    ],
)
def test_other_forms_are_left_to_pyld(change):
    document = order(2)
    change(document)

    assert jsonld._read_one_pass(document) is None


def test_an_order_of_more_lines_than_accepted_is_refused_with_the_limit():
    with pytest.raises(DfcParseError, match=f"at most {MAX_LINES:,} lines"):
        parse_order(order(MAX_LINES + 1))
    assert len(parse_order(order(MAX_LINES)).lines) == MAX_LINES >= 1_000
