// Writes the benchmark inputs under bench/files/: realistic workflow modules of
// roughly 100, 200, 300 and 400 lines (imports, types, several workflows, steps,
// nested steps with closures, object and class members) and the same modules
// with their directives removed, for the pass-through measurement.
// Deterministic: re-running produces identical files. Run: node bench/generate.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), "files");

const header = (n) => `import { randomUUID } from "node:crypto";
import { db } from "../lib/db";
import { stripe } from "../lib/stripe";
import { sendEmail, renderTemplate } from "../lib/email";
import { logger } from "../lib/logger";
import type { Customer, LineItem, Order, Shipment } from "../types";

/** Input of the checkout workflows in module ${n}. */
export interface CheckoutInput {
  orderId: string;
  customerId: string;
  couponCode?: string;
  express: boolean;
}

export type CheckoutResult = {
  orderId: string;
  chargeId: string;
  shipment: Shipment | null;
  totalCents: number;
};

const TAX_RATE = 0.2;
const MAX_RETRIES = 3;

function formatCents(cents: number): string {
  return \`$\${(cents / 100).toFixed(2)}\`;
}
`;

const units = [
  (i) => `
export async function loadOrder${i}(orderId: string): Promise<Order> {
  "use step";
  const row = await db.orders.findUnique({ where: { id: orderId }, include: { items: true } });
  if (!row) {
    throw new Error(\`order \${orderId} not found\`);
  }
  logger.info("loaded order", { orderId, items: row.items.length });
  return row as Order;
}

export async function loadCustomer${i}(customerId: string): Promise<Customer> {
  "use step";
  const customer = await db.customers.findUnique({ where: { id: customerId } });
  if (!customer) throw new Error(\`customer \${customerId} not found\`);
  return customer as Customer;
}

async function chargeCustomer${i}(customer: Customer, cents: number, idempotencyKey: string) {
  "use step";
  const charge = await stripe.charges.create(
    { amount: cents, currency: "usd", customer: customer.stripeId },
    { idempotencyKey },
  );
  return charge.id;
}
`,
  (i) => `
export async function checkout${i}(input: CheckoutInput): Promise<CheckoutResult> {
  "use workflow";
  const order = await loadOrder${i}(input.orderId);
  const customer = await loadCustomer${i}(input.customerId);
  const discount = input.couponCode ? 0.1 : 0;
  const subtotal = order.items.reduce((sum: number, item: LineItem) => sum + item.priceCents * item.qty, 0);

  async function reserveStock(item: LineItem) {
    "use step";
    const reserved = await db.stock.reserve(item.sku, item.qty, order.id);
    if (!reserved) logger.warn("backorder", { sku: item.sku, orderId: order.id });
    return reserved;
  }

  for (const item of order.items) {
    await reserveStock(item);
  }

  const totalCents = Math.round(subtotal * (1 - discount) * (1 + TAX_RATE));
  const chargeId = await chargeCustomer${i}(customer, totalCents, \`\${order.id}-charge\`);
  const shipment = input.express ? await shipExpress${i}(order, customer) : null;
  await notifications${i}.receipt(customer.email, formatCents(totalCents));
  return { orderId: order.id, chargeId, shipment, totalCents };
}
`,
  (i) => `
async function shipExpress${i}(order: Order, customer: Customer): Promise<Shipment> {
  "use step";
  const label = await db.shipments.create({
    data: { id: randomUUID(), orderId: order.id, address: customer.address, carrier: "express" },
  });
  return label as Shipment;
}

export const notifications${i} = {
  async receipt(email: string, amount: string) {
    "use step";
    const html = await renderTemplate("receipt", { amount });
    await sendEmail({ to: email, subject: "Your receipt", html });
  },
  async reminder(email: string, days: number) {
    "use step";
    const html = await renderTemplate("reminder", { days });
    await sendEmail({ to: email, subject: \`\${days} days left\`, html });
  },
  label: "notifications",
};
`,
  (i) => `
export class Ledger${i} {
  static readonly account = "main";

  static async record(orderId: string, cents: number): Promise<string> {
    "use step";
    const entry = await db.ledger.insert({ account: Ledger${i}.account, orderId, cents });
    return entry.id;
  }

  async reconcile(day: string) {
    "use step";
    const rows = await db.ledger.findMany({ where: { day } });
    return rows.reduce((total: number, row: { cents: number }) => total + row.cents, 0);
  }

  static async close(day: string, owner: string) {
    "use workflow";
    const ledger = new Ledger${i}();
    const total = await ledger.reconcile(day);
    await Ledger${i}.record(\`close-\${day}\`, total);
    return { day, owner, total };
  }
}
`,
  (i) => `
export async function dunning${i}(customerId: string, invoices: string[]) {
  "use workflow";
  const customer = await loadCustomer${i}(customerId);
  let attempt = 0;
  const results = await Promise.all(
    invoices.map(async (invoiceId) => {
      "use step";
      const invoice = await db.invoices.findUnique({ where: { id: invoiceId } });
      return { invoiceId, paid: invoice?.status === "paid", customer: customer.id };
    }),
  );
  while (attempt < MAX_RETRIES) {
    attempt++;
    const unpaid = results.filter((r) => !r.paid);
    if (unpaid.length === 0) break;
    await notifications${i}.reminder(customer.email, MAX_RETRIES - attempt);
    await logger.flush();
  }
  return { customerId, attempts: attempt, unpaid: results.filter((r) => !r.paid).length };
}
`,
];

function buildModule(n, targetLines, offset) {
  let code = header(n);
  // Unit by unit, starting at a different unit per variant, until the next one would overshoot.
  for (let u = 0; ; u++) {
    const unit = units[(u + offset) % units.length](`${n}_${Math.floor((u + offset) / units.length)}`);
    const lines = code.split("\n").length + unit.split("\n").length - 1;
    if (lines > targetLines + 8) break;
    code += unit;
  }
  return code;
}

fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });
for (const size of [100, 200, 300, 400]) {
  for (let k = 1; k <= 3; k++) {
    const code = buildModule(`${size}${k}`, size, k - 1);
    fs.writeFileSync(path.join(OUT, `workflows-${size}-${k}.ts`), code);
    const plain = code.replace(/^\s*"use (step|workflow)";\n/gm, "");
    fs.writeFileSync(path.join(OUT, `plain-${size}-${k}.ts`), plain);
  }
}
for (const f of fs.readdirSync(OUT).sort()) {
  console.log(f, fs.readFileSync(path.join(OUT, f), "utf8").split("\n").length, "lines");
}
