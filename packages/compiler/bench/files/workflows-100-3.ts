import { randomUUID } from "node:crypto";
import { db } from "../lib/db";
import { stripe } from "../lib/stripe";
import { sendEmail, renderTemplate } from "../lib/email";
import { logger } from "../lib/logger";
import type { Customer, LineItem, Order, Shipment } from "../types";

/** Input of the checkout workflows in module 1003. */
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

async function shipExpress1003_0(order: Order, customer: Customer): Promise<Shipment> {
  "use step";
  const label = await db.shipments.create({
    data: { id: randomUUID(), orderId: order.id, address: customer.address, carrier: "express" },
  });
  return label as Shipment;
}

export const notifications1003_0 = {
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

export class Ledger1003_0 {
  static readonly account = "main";

  static async record(orderId: string, cents: number): Promise<string> {
    "use step";
    const entry = await db.ledger.insert({ account: Ledger1003_0.account, orderId, cents });
    return entry.id;
  }

  async reconcile(day: string) {
    "use step";
    const rows = await db.ledger.findMany({ where: { day } });
    return rows.reduce((total: number, row: { cents: number }) => total + row.cents, 0);
  }

  static async close(day: string, owner: string) {
    "use workflow";
    const ledger = new Ledger1003_0();
    const total = await ledger.reconcile(day);
    await Ledger1003_0.record(`close-${day}`, total);
    return { day, owner, total };
  }
}

export async function dunning1003_0(customerId: string, invoices: string[]) {
  "use workflow";
  const customer = await loadCustomer1003_0(customerId);
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
    await notifications1003_0.reminder(customer.email, MAX_RETRIES - attempt);
    await logger.flush();
  }
  return { customerId, attempts: attempt, unpaid: results.filter((r) => !r.paid).length };
}
