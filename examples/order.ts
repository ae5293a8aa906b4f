// An example workflow: `npm run example` runs it to the end on the embedded world.
import { FatalError, getStepMetadata, sleep } from "workflow";

interface Order {
  id: string;
  items: { sku: string; qty: number; price: number }[];
}

async function loadOrder(id: string): Promise<Order> {
  "use step";
  return {
    id,
    items: [
      { sku: "book", qty: 2, price: 12.5 },
      { sku: "pen", qty: 10, price: 1.2 },
    ],
  };
}

async function reserveStock(sku: string, qty: number): Promise<string> {
  "use step";
  return `${sku}x${qty}`;
}

let chargeAttempts = 0;
async function chargeCard(orderId: string, amount: number): Promise<{ receipt: string; attempts: number }> {
  "use step";
  const { attempt } = getStepMetadata();
  chargeAttempts++;
  // The payment gateway is flaky the first time: the runtime retries the step.
  if (attempt === 1) throw new Error("gateway timeout");
  if (amount <= 0) throw new FatalError("nothing to charge");
  return { receipt: `rcpt-${orderId}-${Math.round(amount * 100)}`, attempts: chargeAttempts };
}
chargeCard.maxRetries = 2;

export async function processOrder(orderId: string) {
  "use workflow";
  const order = await loadOrder(orderId);
  const reserved = await Promise.all(order.items.map((item) => reserveStock(item.sku, item.qty)));
  const total = order.items.reduce((sum, item) => sum + item.qty * item.price, 0);
  await sleep("1s");
  const { receipt, attempts } = await chargeCard(order.id, total);
  return { orderId, reserved, total, receipt, chargeAttempts: attempts };
}
