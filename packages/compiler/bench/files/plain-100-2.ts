import { randomUUID } from "node:crypto";
import { db } from "../lib/db";
import { stripe } from "../lib/stripe";
import { sendEmail, renderTemplate } from "../lib/email";
import { logger } from "../lib/logger";
import type { Customer, LineItem, Order, Shipment } from "../types";

/** Input of the checkout workflows in module 1002. */
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

export async function checkout1002_0(input: CheckoutInput): Promise<CheckoutResult> {
  const order = await loadOrder1002_0(input.orderId);
  const customer = await loadCustomer1002_0(input.customerId);
  const discount = input.couponCode ? 0.1 : 0;
  const subtotal = order.items.reduce((sum: number, item: LineItem) => sum + item.priceCents * item.qty, 0);

  async function reserveStock(item: LineItem) {
    const reserved = await db.stock.reserve(item.sku, item.qty, order.id);
    if (!reserved) logger.warn("backorder", { sku: item.sku, orderId: order.id });
    return reserved;
  }

  for (const item of order.items) {
    await reserveStock(item);
  }

  const totalCents = Math.round(subtotal * (1 - discount) * (1 + TAX_RATE));
  const chargeId = await chargeCustomer1002_0(customer, totalCents, `${order.id}-charge`);
  const shipment = input.express ? await shipExpress1002_0(order, customer) : null;
  await notifications1002_0.receipt(customer.email, formatCents(totalCents));
  return { orderId: order.id, chargeId, shipment, totalCents };
}

async function shipExpress1002_0(order: Order, customer: Customer): Promise<Shipment> {
  const label = await db.shipments.create({
    data: { id: randomUUID(), orderId: order.id, address: customer.address, carrier: "express" },
  });
  return label as Shipment;
}

export const notifications1002_0 = {
  async receipt(email: string, amount: string) {
    const html = await renderTemplate("receipt", { amount });
    await sendEmail({ to: email, subject: "Your receipt", html });
  },
  async reminder(email: string, days: number) {
    const html = await renderTemplate("reminder", { days });
    await sendEmail({ to: email, subject: `${days} days left`, html });
  },
  label: "notifications",
};

export class Ledger1002_0 {
  static readonly account = "main";

  static async record(orderId: string, cents: number): Promise<string> {
    const entry = await db.ledger.insert({ account: Ledger1002_0.account, orderId, cents });
    return entry.id;
  }

  async reconcile(day: string) {
    const rows = await db.ledger.findMany({ where: { day } });
    return rows.reduce((total: number, row: { cents: number }) => total + row.cents, 0);
  }

  static async close(day: string, owner: string) {
    const ledger = new Ledger1002_0();
    const total = await ledger.reconcile(day);
    await Ledger1002_0.record(`close-${day}`, total);
    return { day, owner, total };
  }
}
