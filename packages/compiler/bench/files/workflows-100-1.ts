import { randomUUID } from "node:crypto";
import { db } from "../lib/db";
import { stripe } from "../lib/stripe";
import { sendEmail, renderTemplate } from "../lib/email";
import { logger } from "../lib/logger";
import type { Customer, LineItem, Order, Shipment } from "../types";

/** Input of the checkout workflows in module 1001. */
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

export async function loadOrder1001_0(orderId: string): Promise<Order> {
  "use step";
  const row = await db.orders.findUnique({ where: { id: orderId }, include: { items: true } });
  if (!row) {
    throw new Error(`order ${orderId} not found`);
  }
  logger.info("loaded order", { orderId, items: row.items.length });
  return row as Order;
}

export async function loadCustomer1001_0(customerId: string): Promise<Customer> {
  "use step";
  const customer = await db.customers.findUnique({ where: { id: customerId } });
  if (!customer) throw new Error(`customer ${customerId} not found`);
  return customer as Customer;
}

async function chargeCustomer1001_0(customer: Customer, cents: number, idempotencyKey: string) {
  "use step";
  const charge = await stripe.charges.create(
    { amount: cents, currency: "usd", customer: customer.stripeId },
    { idempotencyKey },
  );
  return charge.id;
}

export async function checkout1001_0(input: CheckoutInput): Promise<CheckoutResult> {
  "use workflow";
  const order = await loadOrder1001_0(input.orderId);
  const customer = await loadCustomer1001_0(input.customerId);
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
  const chargeId = await chargeCustomer1001_0(customer, totalCents, `${order.id}-charge`);
  const shipment = input.express ? await shipExpress1001_0(order, customer) : null;
  await notifications1001_0.receipt(customer.email, formatCents(totalCents));
  return { orderId: order.id, chargeId, shipment, totalCents };
}

async function shipExpress1001_0(order: Order, customer: Customer): Promise<Shipment> {
  "use step";
  const label = await db.shipments.create({
    data: { id: randomUUID(), orderId: order.id, address: customer.address, carrier: "express" },
  });
  return label as Shipment;
}

export const notifications1001_0 = {
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
