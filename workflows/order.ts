// workflows/order.ts
import { createWebhook, sleep, waitForWebhook } from "workflow";

async function charge(orderId: string, cents: number) {
  "use step"; // runs as ordinary Node code, retried on failure
  return { receipt: `rcpt-${orderId}-${cents}` };
}

export async function processOrder(orderId: string) {
  "use workflow"; // deterministic, replayed from its event log
  const webhook = createWebhook(); // webhook.url: hand it to a third party
  const paid = await waitForWebhook(webhook, "1d");
  if (paid.timeout) return { orderId, status: "expired" };
  await sleep("2s"); // a durable timer: a restart does not reset it
  return charge(orderId, (await paid.request.json()).cents);
}
