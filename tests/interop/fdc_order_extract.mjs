// What the FDC Shopify producer app reads from an order it receives, with the same official
// TypeScript connector: Food-Data-Collaboration/shopify-dfc-producer-app (6305250dc7),
// web/fdc-modules/orders/dfc/dfc-order.js `extract` (exactly one Order, as many OrderLines as
// the order's lines, on POST exactly one SaleSession) and controllers/shopify/orders.js
// `dfcLineToShopifyLine` (the variant is the last path segment of offer.offeredItem; the
// quantity goes to Shopify's integer field). The body comes on stdin; nothing may be fetched
// over the network (a node missing from the graph is an error, as the app's fetch would fail
// for a Larder-only @id). Prints {order, status, lines: [{variant, quantity}], endDate} or
// {error}.
import { Connector, Order, OrderLine, SaleSession } from "@datafoodconsortium/connector";

const requireSaleSession = process.argv[2] === "post";
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const body = Buffer.concat(chunks).toString("utf8");

const connector = new Connector();
connector.setDefaultFetchFunction(async (url) => {
  throw new Error(`fetched ${url}: not in the graph`);
});

function lastSegment(id) {
  return id.toString().substring(id.toString().lastIndexOf("/") + 1);
}

try {
  const objects = await connector.import(body);
  const orders = objects.filter((item) => item instanceof Order);
  const lines = objects.filter((item) => item instanceof OrderLine);
  const sessions = objects.filter((item) => item instanceof SaleSession);
  if (orders.length !== 1) throw new Error("Order missing");
  const order = orders[0];
  const orderLines = await order.getLines();
  if (orderLines.length !== lines.length) throw new Error("Graph is missing OrderLine");
  let endDate = null;
  if (requireSaleSession) {
    if (sessions.length !== 1) throw new Error("Graph must contain single SalesSession");
    endDate = sessions[0].getEndDate();
    if (Number.isNaN(new Date(endDate).getTime())) throw new Error(`endDate ${endDate} unreadable`);
  }
  const read = [];
  for (const line of orderLines) {
    const offer = await line.getOffer();
    if (!offer) throw new Error(`line ${line.getSemanticId()} has no offer in the graph`);
    const product = await offer.getOfferedItem();
    if (!product) throw new Error(`offer ${offer.getSemanticId()} has no offeredItem in the graph`);
    const quantity = line.getQuantity();
    if (!Number.isInteger(quantity)) throw new Error(`quantity ${quantity} is not an integer`);
    read.push({ variant: lastSegment(product.getSemanticId()), quantity });
  }
  const status = connector.getSemantizer().expand(order.getSemanticProperty("dfc-b:hasOrderStatus"));
  console.log(JSON.stringify({ order: order.getSemanticId(), status, endDate, lines: read }));
} catch (error) {
  console.log(JSON.stringify({ error: String(error && error.message ? error.message : error) }));
}
