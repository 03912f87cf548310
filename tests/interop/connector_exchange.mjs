// A DFC hub built on the official TypeScript connector (@datafoodconsortium/connector, pinned in
// package.json) trading with a live Larder: it imports the catalogue and walks product → catalog
// item → offer → price, builds an Order with the connector's own objects, exports it with the
// connector's default context, POSTs it, PUTs an amendment and a Complete without If-Match, and
// imports every reply. It prints what it read as one JSON object; tests/interop asserts on it.
//
// Environment: LARDER_ENTERPRISE (…/api/dfc/Enterprises/<slug>), LARDER_TOKEN, HUB (an IRI).
import {
  Connector,
  SKOSConcept,
} from "@datafoodconsortium/connector";

const enterprise = process.env.LARDER_ENTERPRISE;
const token = process.env.LARDER_TOKEN;
const hub = process.env.HUB;
const VOCABULARY = "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/vocabulary.rdf#";

const connector = new Connector();
const headers = { Authorization: `Bearer ${token}`, Accept: "application/ld+json" };
// Objects the catalogue does not embed are fetched with the hub's token.
connector.setDefaultFetchFunction((url) => fetch(url, { headers }));

async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { ...headers, "Content-Type": "application/ld+json" },
    body,
  });
  const text = await response.text();
  return { status: response.status, location: response.headers.get("Location"), text };
}

function unitOf(price) {
  return connector.getSemantizer().expand(price.getSemanticProperty("dfc-b:hasUnit"));
}

async function readOrder(text) {
  const objects = await connector.import(text);
  const order = objects.find((o) => o.isSemanticTypeOf("dfc-b:Order"));
  const lines = [];
  for (const line of await order.getLines()) {
    const offer = await line.getOffer();
    const item = await offer.getOfferedItem();
    const price = line.getPrice();
    lines.push({
      id: line.getSemanticId(),
      quantity: line.getQuantity(),
      offer: offer.getSemanticId(),
      product: item.getSemanticId(),
      productName: item.getName(),
      price: price.getQuantityValue(),
      currency: unitOf(price),
    });
  }
  lines.sort((a, b) => a.product.localeCompare(b.product));
  // The status and currency are SKOS concepts the connector would fetch from the DFC's
  // taxonomies on GitHub: read the IRIs the document gave instead (no network here).
  const status = connector.getSemantizer().expand(order.getSemanticProperty("dfc-b:hasOrderStatus"));
  return { id: order.getSemanticId(), status, lines };
}

const result = {};

// 1. The catalogue: SuppliedProduct → CatalogItem → Offer → Price.
const catalogue = await fetch(`${enterprise}/SuppliedProducts`, { headers });
const imported = await connector.import(await catalogue.text());
const products = imported.filter((o) => o.isSemanticTypeOf("dfc-b:SuppliedProduct"));
const offers = {};
result.catalogue = [];
for (const product of products) {
  for (const item of await product.getCatalogItems()) {
    for (const offer of await item.getOfferers()) {
      const price = offer.getPrice();
      offers[product.getName()] = offer;
      result.catalogue.push({
        product: product.getSemanticId(),
        name: product.getName(),
        catalogItem: item.getSemanticId(),
        stock: item.getStockLimitation(),
        offer: offer.getSemanticId(),
        offerStock: offer.getStockLimitation(),
        price: price.getQuantityValue(),
        vatRate: price.getVatRate(),
        currency: unitOf(price),
      });
    }
  }
}
result.catalogue.sort((a, b) => a.name.localeCompare(b.name));

// 2. An order built with the connector's objects, exported with its default context.
const status = (name) => new SKOSConcept({ connector, semanticId: VOCABULARY + name });
const session = connector.createSaleSession({
  semanticId: `${hub}/sale-sessions/1`,
  beginDate: "2026-11-01T08:00:00Z",
  endDate: "2099-12-31T18:00:00Z",
});
const order = connector.createOrder({ semanticId: `${hub}/orders/1`, number: "HUB-1" });
order.setClient(connector.createEnterprise({ semanticId: hub }));
order.setSaleSession(session);
order.setOrderStatus(status("Held"));
const names = Object.keys(offers).sort();
const lines = names.slice(0, 2).map((name, n) =>
  connector.createOrderLine({
    semanticId: `${hub}/orders/1/lines/${n + 1}`,
    offer: offers[name],
    quantity: n + 2,
  }),
);
lines.forEach((line) => order.addLine(line));
const exported = await connector.export([order, ...lines, session]);
result.exportedContext = JSON.parse(exported)["@context"];

const created = await call("POST", `${enterprise}/Orders`, exported);
result.created = { status: created.status, location: created.location };
result.created.order = await readOrder(created.text);

// 3. An amendment (first line raised, second removed), without If-Match.
const placed = result.created.order;
lines[0].setQuantity(5);
const amendment = connector.createOrder({ semanticId: placed.id, number: "HUB-1" });
amendment.setClient(connector.createEnterprise({ semanticId: hub }));
amendment.setSaleSession(session);
amendment.setOrderStatus(status("Held"));
amendment.addLine(lines[0]);
const amended = await call("PUT", placed.id, await connector.export([amendment, lines[0], session]));
result.amended = { status: amended.status, order: await readOrder(amended.text) };

// 4. Complete, without If-Match.
amendment.setOrderStatus(status("Complete"));
const completed = await call("PUT", placed.id, await connector.export([amendment, lines[0], session]));
result.completed = { status: completed.status, order: await readOrder(completed.text) };

process.stdout.write(JSON.stringify(result));
