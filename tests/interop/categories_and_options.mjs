// A DFC hub built on the official TypeScript connector (@datafoodconsortium/connector, pinned in
// package.json) reads what a live Larder publishes about its customers' contracts and hand-over:
// from the catalogue, every Offer with its price and the CustomerCategory it is offered to; from
// the sale sessions, every PickupOption / DeliveryOption with its dates, fee, session and
// PhysicalPlace (and that place's Address). It prints what it read as one JSON object;
// tests/interop/test_categories_and_options.py asserts on it.
//
// Environment: LARDER_ENTERPRISE (…/api/dfc/Enterprises/<slug>), LARDER_TOKEN.
import { Connector } from "@datafoodconsortium/connector";

const enterprise = process.env.LARDER_ENTERPRISE;
const headers = { Authorization: `Bearer ${process.env.LARDER_TOKEN}`, Accept: "application/ld+json" };
const connector = new Connector();
// Objects a document does not embed are fetched with the hub's token.
connector.setDefaultFetchFunction((url) => fetch(url, { headers }));

async function imported(path) {
  const response = await fetch(`${enterprise}/${path}`, { headers });
  if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
  return connector.import(await response.text());
}

const result = { offers: [], options: [], sessions: [] };

// 1. The catalogue: SuppliedProduct → CatalogItem → Offer → Price and CustomerCategory.
for (const product of (await imported("SuppliedProducts")).filter((o) =>
  o.isSemanticTypeOf("dfc-b:SuppliedProduct"),
)) {
  for (const item of await product.getCatalogItems()) {
    for (const offer of await item.getOfferers()) {
      const category = await offer.getCustomerCategory();
      const isCategory = Boolean(category && category.isSemanticTypeOf("dfc-b:CustomerCategory"));
      result.offers.push({
        product: product.getName(),
        offer: offer.getSemanticId(),
        price: offer.getPrice().getQuantityValue(),
        stock: offer.getStockLimitation(),
        category: isCategory
          ? { id: category.getSemanticId(), name: category.getName(), description: category.getDescription() }
          : null,
      });
    }
  }
}
result.offers.sort((a, b) => a.offer.localeCompare(b.offer));

// 2. The sale sessions and their pickup and delivery options, each at its place.
const objects = await imported("SaleSessions");
for (const session of objects.filter((o) => o.isSemanticTypeOf("dfc-b:SaleSession"))) {
  result.sessions.push({
    id: session.getSemanticId(),
    offers: (await session.getOffers()).map((offer) => offer.getSemanticId()).sort(),
  });
}
for (const option of objects.filter(
  (o) => o.isSemanticTypeOf("dfc-b:PickupOption") || o.isSemanticTypeOf("dfc-b:DeliveryOption"),
)) {
  const pickup = option.isSemanticTypeOf("dfc-b:PickupOption");
  const place = pickup ? await option.getPickedUpPlace() : await option.getDeliveredPlace();
  const address = await place.getAddress();
  const fee = option.getSemanticProperty("dfc-b:fee");
  result.options.push({
    id: option.getSemanticId(),
    kind: pickup ? "PickupOption" : "DeliveryOption",
    name: option.getName(),
    begins: option.getBeginDate(),
    ends: option.getEndDate(),
    fee: fee === undefined ? null : option.getFee(),
    constraint: pickup ? null : (option.getDeliveryConstraint() ?? null),
    session: (await option.getSaleSession()).getSemanticId(),
    place: {
      id: place.getSemanticId(),
      isPhysicalPlace: place.isSemanticTypeOf("dfc-b:PhysicalPlace"),
      name: place.getName(),
      street: address.getStreet(),
      postcode: address.getPostalCode(),
      city: address.getCity(),
    },
  });
}
result.options.sort((a, b) => a.id.localeCompare(b.id));

console.log(JSON.stringify(result));
