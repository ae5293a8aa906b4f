// The workflows the browser test drives: one of each kind the UI shows.

export const ORDERS = `
import { getStepMetadata, getWritable, sleep } from "workflow";

async function reserve(orderId: string) {
  "use step";
  return { orderId, items: 3 };
}

async function charge(orderId: string, cents: number) {
  "use step";
  // The first attempt fails, so the timeline shows a retry.
  if (getStepMetadata().attempt === 1) throw new Error("card network timeout");
  return { receipt: \`rcpt-\${orderId}-\${cents}\` };
}

async function progress(writable: WritableStream<string>, line: string) {
  "use step";
  const writer = writable.getWriter();
  await writer.write(line);
  writer.releaseLock();
}

export async function processOrder(orderId: string) {
  "use workflow";
  const out = getWritable<string>();
  const reserved = await reserve(orderId);
  await progress(out, \`reserved \${reserved.items} items\`);
  const paid = await charge(orderId, 4200);
  await progress(out, \`charged: \${paid.receipt}\`);
  await progress(getWritable<string>({ namespace: "audit" }), \`paid \${orderId}\`);
  await sleep("1s");
  return { ...reserved, ...paid };
}
`;

export const APPROVAL = `
import { createHook } from "workflow";

export async function approval(requestId: string) {
  "use workflow";
  const hook = createHook<{ approved: boolean; by: string }>({ metadata: { requestId } });
  const decision = await hook;
  return { requestId, decision };
}
`;

export const PAYMENTS = `
import { createWebhook } from "workflow";

async function record(body: unknown) {
  "use step";
  return { recorded: body };
}

export async function awaitPayment(invoice: string) {
  "use workflow";
  const webhook = createWebhook();
  const request = await webhook;
  return record({ invoice, payment: await request.json() });
}

/** Answers the request itself: the page shows the response sent. */
export async function refund(invoice: string) {
  "use workflow";
  const webhook = createWebhook({ respondWith: "manual" });
  const request = await webhook;
  const body = await request.json();
  await request.respondWith(Response.json({ refunded: invoice, amount: body.amount }, { status: 201 }));
  return body;
}
`;

export const CATALOG = `
import { FatalError, sleep } from "workflow";

async function validate(input: { sku?: string }) {
  "use step";
  if (!input.sku) throw new FatalError("sku is required");
  return input;
}

export async function importCatalog(input: { sku?: string }) {
  "use workflow";
  return validate(input);
}

export async function nightly() {
  "use workflow";
  await sleep("1h");
  return "done";
}
`;

export const FAMILY = `
import { start } from "workflow/api";

async function pack(orderId: string) {
  "use step";
  return \`parcel-\${orderId}\`;
}

export async function shipOrder(orderId: string) {
  "use workflow";
  return await pack(orderId);
}

export async function fulfil(orderId: string) {
  "use workflow";
  const shipping = await start(shipOrder, [orderId]);
  return { parcel: await shipping.returnValue };
}
`;

export const FEED = `
import { createHook, getWritable } from "workflow";

async function say(writable: WritableStream<string>, line: string) {
  "use step";
  const writer = writable.getWriter();
  await writer.write(line);
  writer.releaseLock();
}

/** Writes a line, waits on a hook, writes another: the page must show the second as it arrives. */
export async function feed(id: string) {
  "use workflow";
  const out = getWritable<string>();
  await say(out, \`first line of \${id}\`);
  await createHook<{ go: boolean }>({ token: \`feed:\${id}\` });
  await say(out, \`second line of \${id}\`);
  return id;
}
`;
