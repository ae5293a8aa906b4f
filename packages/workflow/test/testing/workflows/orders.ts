import { createHook, createWebhook, FatalError, getStepMetadata, sleep, waitForWebhook } from "workflow";

const attempts = new Map<string, number>();

/** Fails until its third attempt: the runtime retries it with backoff (1 s, then 2 s). */
export async function chargeCard(orderId: string): Promise<{ attempt: number; at: number }> {
  "use step";
  const attempt = (attempts.get(orderId) ?? 0) + 1;
  attempts.set(orderId, attempt);
  if (attempt < 3) throw new Error(`card declined (attempt ${attempt})`);
  // Step code runs in real time; its metadata is stamped on the virtual clock (stepStartedAt: the first attempt's start).
  return { attempt, at: getStepMetadata().stepStartedAt.getTime() };
}

/** Charges the card, retrying declines; a FatalError is not retried. */
export async function checkout(orderId: string) {
  "use workflow";
  const charge = await chargeCard(orderId);
  return { orderId, charge };
}

export async function reserveStock(sku: string): Promise<string> {
  "use step";
  throw new FatalError(`the real warehouse for ${sku} is not reachable from tests`);
}

/** Reserves stock, then waits for a human approval, for at most two days. */
export async function approval(sku: string) {
  "use workflow";
  const reservation = await reserveStock(sku);
  const hook = createHook<{ approved: boolean }>({ token: `approve-${sku}` });
  const result = await Promise.race([
    hook.then((p) => ({ decided: p.approved })),
    sleep("2d").then(() => null),
  ]);
  return { reservation, result: result ?? "expired", decidedAt: Date.now() };
}

/** Waits for the payment provider to call back, for at most one hour. */
export async function paymentCallback() {
  "use workflow";
  const webhook = createWebhook();
  const result = await waitForWebhook(webhook, "1h");
  if (result.timeout) return { paid: false };
  const body = (await result.request.json()) as { status: string };
  return { paid: body.status === "paid" };
}

/** A sleep, a step and a retried step: its log should come out the same every time. */
export async function reminders(orderId: string) {
  "use workflow";
  const first = await chargeCard(orderId);
  await sleep("1h");
  await sleep("1d");
  return { first: first.attempt, at: Date.now() };
}
