// Scenario 3: a webhook that answers each caller itself (respondWith: "manual"),
// with a price computed in a step.
import { createWebhook, type WebhookRequest } from "workflow";

const PRICES: Record<string, number> = { widget: 4, gear: 12, sprocket: 7 };

export interface Quote {
  item: string;
  qty: number;
  total: number;
}

async function answerQuote(request: WebhookRequest): Promise<Quote> {
  "use step";
  const body = (await request.json().catch(() => ({}))) as { item?: string; qty?: number };
  const item = body.item ?? "widget";
  const qty = Number(body.qty ?? 1);
  const unit = PRICES[item];
  if (unit === undefined) {
    await request.respondWith(
      Response.json({ error: `unknown item ${item}`, items: Object.keys(PRICES) }, { status: 422 }),
    );
    return { item, qty, total: 0 };
  }
  const quote = { item, qty, total: unit * qty };
  await request.respondWith(Response.json({ ...quote, currency: "EUR" }));
  return quote;
}

export async function quoteDesk(maxQuotes = 2) {
  "use workflow";
  const webhook = createWebhook({ respondWith: "manual" });
  const quotes: Quote[] = [];
  for await (const request of webhook) {
    quotes.push(await answerQuote(request));
    if (quotes.length >= maxQuotes) break;
  }
  return { quotes };
}
