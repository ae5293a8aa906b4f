import { randomUUID } from "node:crypto";
import { db } from "../lib/db";
import { stripe } from "../lib/stripe";
import { sendEmail, renderTemplate } from "../lib/email";
import { logger } from "../lib/logger";
import type { Customer, LineItem, Order, Shipment } from "../types";

/** Input of the checkout workflows in module 4003. */
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
  return `$${(cents / 100).toFixed(2)}`;
}

async function shipExpress4003_0(order: Order, customer: Customer): Promise<Shipment> {
  "use step";
  const label = await db.shipments.create({
    data: { id: randomUUID(), orderId: order.id, address: customer.address, carrier: "express" },
  });
  return label as Shipment;
}

export const notifications4003_0 = {
  async receipt(email: string, amount: string) {
    "use step";
    const html = await renderTemplate("receipt", { amount });
    await sendEmail({ to: email, subject: "Your receipt", html });
  },
  async reminder(email: string, days: number) {
    "use step";
    const html = await renderTemplate("reminder", { days });
    await sendEmail({ to: email, subject: `${days} days left`, html });
  },
  label: "notifications",
};

export class Ledger4003_0 {
  static readonly account = "main";

  static async record(orderId: string, cents: number): Promise<string> {
    "use step";
    const entry = await db.ledger.insert({ account: Ledger4003_0.account, orderId, cents });
    return entry.id;
  }

  async reconcile(day: string) {
    "use step";
    const rows = await db.ledger.findMany({ where: { day } });
    return rows.reduce((total: number, row: { cents: number }) => total + row.cents, 0);
  }

  static async close(day: string, owner: string) {
    "use workflow";
    const ledger = new Ledger4003_0();
    const total = await ledger.reconcile(day);
    await Ledger4003_0.record(`close-${day}`, total);
    return { day, owner, total };
  }
}

export async function dunning4003_0(customerId: string, invoices: string[]) {
  "use workflow";
  const customer = await loadCustomer4003_0(customerId);
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
    await notifications4003_0.reminder(customer.email, MAX_RETRIES - attempt);
    await logger.flush();
  }
  return { customerId, attempts: attempt, unpaid: results.filter((r) => !r.paid).length };
}

export async function loadOrder4003_1(orderId: string): Promise<Order> {
  "use step";
  const row = await db.orders.findUnique({ where: { id: orderId }, include: { items: true } });
  if (!row) {
    throw new Error(`order ${orderId} not found`);
  }
  logger.info("loaded order", { orderId, items: row.items.length });
  return row as Order;
}

export async function loadCustomer4003_1(customerId: string): Promise<Customer> {
  "use step";
  const customer = await db.customers.findUnique({ where: { id: customerId } });
  if (!customer) throw new Error(`customer ${customerId} not found`);
  return customer as Customer;
}

async function chargeCustomer4003_1(customer: Customer, cents: number, idempotencyKey: string) {
  "use step";
  const charge = await stripe.charges.create(
    { amount: cents, currency: "usd", customer: customer.stripeId },
    { idempotencyKey },
  );
  return charge.id;
}

export async function checkout4003_1(input: CheckoutInput): Promise<CheckoutResult> {
  "use workflow";
  const order = await loadOrder4003_1(input.orderId);
  const customer = await loadCustomer4003_1(input.customerId);
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
  const chargeId = await chargeCustomer4003_1(customer, totalCents, `${order.id}-charge`);
  const shipment = input.express ? await shipExpress4003_1(order, customer) : null;
  await notifications4003_1.receipt(customer.email, formatCents(totalCents));
  return { orderId: order.id, chargeId, shipment, totalCents };
}

async function shipExpress4003_1(order: Order, customer: Customer): Promise<Shipment> {
  "use step";
  const label = await db.shipments.create({
    data: { id: randomUUID(), orderId: order.id, address: customer.address, carrier: "express" },
  });
  return label as Shipment;
}

export const notifications4003_1 = {
  async receipt(email: string, amount: string) {
    "use step";
    const html = await renderTemplate("receipt", { amount });
    await sendEmail({ to: email, subject: "Your receipt", html });
  },
  async reminder(email: string, days: number) {
    "use step";
    const html = await renderTemplate("reminder", { days });
    await sendEmail({ to: email, subject: `${days} days left`, html });
  },
  label: "notifications",
};

export class Ledger4003_1 {
  static readonly account = "main";

  static async record(orderId: string, cents: number): Promise<string> {
    "use step";
    const entry = await db.ledger.insert({ account: Ledger4003_1.account, orderId, cents });
    return entry.id;
  }

  async reconcile(day: string) {
    "use step";
    const rows = await db.ledger.findMany({ where: { day } });
    return rows.reduce((total: number, row: { cents: number }) => total + row.cents, 0);
  }

  static async close(day: string, owner: string) {
    "use workflow";
    const ledger = new Ledger4003_1();
    const total = await ledger.reconcile(day);
    await Ledger4003_1.record(`close-${day}`, total);
    return { day, owner, total };
  }
}

export async function dunning4003_1(customerId: string, invoices: string[]) {
  "use workflow";
  const customer = await loadCustomer4003_1(customerId);
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
    await notifications4003_1.reminder(customer.email, MAX_RETRIES - attempt);
    await logger.flush();
  }
  return { customerId, attempts: attempt, unpaid: results.filter((r) => !r.paid).length };
}

export async function loadOrder4003_2(orderId: string): Promise<Order> {
  "use step";
  const row = await db.orders.findUnique({ where: { id: orderId }, include: { items: true } });
  if (!row) {
    throw new Error(`order ${orderId} not found`);
  }
  logger.info("loaded order", { orderId, items: row.items.length });
  return row as Order;
}

export async function loadCustomer4003_2(customerId: string): Promise<Customer> {
  "use step";
  const customer = await db.customers.findUnique({ where: { id: customerId } });
  if (!customer) throw new Error(`customer ${customerId} not found`);
  return customer as Customer;
}

async function chargeCustomer4003_2(customer: Customer, cents: number, idempotencyKey: string) {
  "use step";
  const charge = await stripe.charges.create(
    { amount: cents, currency: "usd", customer: customer.stripeId },
    { idempotencyKey },
  );
  return charge.id;
}

export async function checkout4003_2(input: CheckoutInput): Promise<CheckoutResult> {
  "use workflow";
  const order = await loadOrder4003_2(input.orderId);
  const customer = await loadCustomer4003_2(input.customerId);
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
  const chargeId = await chargeCustomer4003_2(customer, totalCents, `${order.id}-charge`);
  const shipment = input.express ? await shipExpress4003_2(order, customer) : null;
  await notifications4003_2.receipt(customer.email, formatCents(totalCents));
  return { orderId: order.id, chargeId, shipment, totalCents };
}

async function shipExpress4003_2(order: Order, customer: Customer): Promise<Shipment> {
  "use step";
  const label = await db.shipments.create({
    data: { id: randomUUID(), orderId: order.id, address: customer.address, carrier: "express" },
  });
  return label as Shipment;
}

export const notifications4003_2 = {
  async receipt(email: string, amount: string) {
    "use step";
    const html = await renderTemplate("receipt", { amount });
    await sendEmail({ to: email, subject: "Your receipt", html });
  },
  async reminder(email: string, days: number) {
    "use step";
    const html = await renderTemplate("reminder", { days });
    await sendEmail({ to: email, subject: `${days} days left`, html });
  },
  label: "notifications",
};

export class Ledger4003_2 {
  static readonly account = "main";

  static async record(orderId: string, cents: number): Promise<string> {
    "use step";
    const entry = await db.ledger.insert({ account: Ledger4003_2.account, orderId, cents });
    return entry.id;
  }

  async reconcile(day: string) {
    "use step";
    const rows = await db.ledger.findMany({ where: { day } });
    return rows.reduce((total: number, row: { cents: number }) => total + row.cents, 0);
  }

  static async close(day: string, owner: string) {
    "use workflow";
    const ledger = new Ledger4003_2();
    const total = await ledger.reconcile(day);
    await Ledger4003_2.record(`close-${day}`, total);
    return { day, owner, total };
  }
}

export async function dunning4003_2(customerId: string, invoices: string[]) {
  "use workflow";
  const customer = await loadCustomer4003_2(customerId);
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
    await notifications4003_2.reminder(customer.email, MAX_RETRIES - attempt);
    await logger.flush();
  }
  return { customerId, attempts: attempt, unpaid: results.filter((r) => !r.paid).length };
}

export async function loadOrder4003_3(orderId: string): Promise<Order> {
  "use step";
  const row = await db.orders.findUnique({ where: { id: orderId }, include: { items: true } });
  if (!row) {
    throw new Error(`order ${orderId} not found`);
  }
  logger.info("loaded order", { orderId, items: row.items.length });
  return row as Order;
}

export async function loadCustomer4003_3(customerId: string): Promise<Customer> {
  "use step";
  const customer = await db.customers.findUnique({ where: { id: customerId } });
  if (!customer) throw new Error(`customer ${customerId} not found`);
  return customer as Customer;
}

async function chargeCustomer4003_3(customer: Customer, cents: number, idempotencyKey: string) {
  "use step";
  const charge = await stripe.charges.create(
    { amount: cents, currency: "usd", customer: customer.stripeId },
    { idempotencyKey },
  );
  return charge.id;
}

export async function checkout4003_3(input: CheckoutInput): Promise<CheckoutResult> {
  "use workflow";
  const order = await loadOrder4003_3(input.orderId);
  const customer = await loadCustomer4003_3(input.customerId);
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
  const chargeId = await chargeCustomer4003_3(customer, totalCents, `${order.id}-charge`);
  const shipment = input.express ? await shipExpress4003_3(order, customer) : null;
  await notifications4003_3.receipt(customer.email, formatCents(totalCents));
  return { orderId: order.id, chargeId, shipment, totalCents };
}

async function shipExpress4003_3(order: Order, customer: Customer): Promise<Shipment> {
  "use step";
  const label = await db.shipments.create({
    data: { id: randomUUID(), orderId: order.id, address: customer.address, carrier: "express" },
  });
  return label as Shipment;
}

export const notifications4003_3 = {
  async receipt(email: string, amount: string) {
    "use step";
    const html = await renderTemplate("receipt", { amount });
    await sendEmail({ to: email, subject: "Your receipt", html });
  },
  async reminder(email: string, days: number) {
    "use step";
    const html = await renderTemplate("reminder", { days });
    await sendEmail({ to: email, subject: `${days} days left`, html });
  },
  label: "notifications",
};
