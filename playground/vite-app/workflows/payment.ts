import { createWebhook, FatalError, getWorkflowMetadata, waitForWebhook } from "workflow";
import { saveWebhookUrl } from "../src/webhook-urls";

export interface PaymentEvent {
  type: string;
  amount: number;
}

/**
 * Waits up to five minutes for the payment provider to call back, then
 * records the payment in a step. Every call to the webhook gets the same
 * static answer: 202 with a small JSON body.
 */
export async function awaitPayment(orderId: string) {
  "use workflow";
  const webhook = createWebhook({
    respondWith: new Response(JSON.stringify({ received: true }), {
      status: 202,
      headers: { "content-type": "application/json" },
    }),
  });
  await publishWebhookUrl(getWorkflowMetadata().workflowRunId, webhook.url);
  const result = await waitForWebhook(webhook, "5m");
  if (result.timeout) return { orderId, status: "timed out" as const };
  return await recordPayment(orderId, await result.request.text());
}

/** Hands the URL to whoever calls back. Here: the page, through /api/runs/:id. */
async function publishWebhookUrl(runId: string, url: string) {
  "use step";
  saveWebhookUrl(runId, url);
}

async function recordPayment(orderId: string, body: string) {
  "use step";
  let event: PaymentEvent;
  try {
    event = JSON.parse(body) as PaymentEvent;
  } catch {
    throw new FatalError(`The webhook body is not JSON: ${body.slice(0, 100)}`);
  }
  return {
    orderId,
    status: "paid" as const,
    event: event.type,
    amount: event.amount,
    recordedBy: "recordPayment v1",
  };
}
