// The built-in step behind sendWebhook(): one signed POST, its outcome as a
// record. Runs on the host (node:crypto, fetch); the runtime registers it.
import { createHmac } from "node:crypto";
import { WorkflowError } from "../errors/workflow-error.js";
import type { WebhookAttempt, WebhookAttemptInput } from "../workflow/send-webhook.js";

/** How much of a refusing answer's body goes into the attempt record. */
const BODY_EXCERPT = 200;

/**
 * The Standard Webhooks signature header value: `v1,` and the base64
 * HMAC-SHA256 of `id.timestamp.body`, keyed with the secret's bytes
 * (base64 after the `whsec_` prefix).
 */
export function signStandardWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

/** `Retry-After` in ms from `now`: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function resolveSecret(secret: WebhookAttemptInput["secret"]): string | undefined {
  if (secret === undefined || typeof secret === "string") return secret;
  const value = process.env[secret.env];
  if (value) return value;
  throw new WorkflowError(
    "WF_SEND_WEBHOOK_INVALID",
    `sendWebhook() reads its secret from the environment variable ${secret.env}, which is not set in this server process.`,
    `Set ${secret.env} to the receiver's secret ("whsec_" followed by base64) where the server runs.`,
  );
}

async function excerpt(response: Response): Promise<string> {
  try {
    const text = (await response.text()).trim();
    return text.length > BODY_EXCERPT ? `${text.slice(0, BODY_EXCERPT)}…` : text;
  } catch {
    return "";
  }
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(error)}${cause ? ` (${cause})` : ""}`;
}

/**
 * One delivery attempt. Never throws for what the receiver or the network
 * did: that is the record the workflow decides on. Throws (and, with no
 * retries, fails the step) only for a secret it cannot read.
 */
export async function sendWebhookAttempt(input: WebhookAttemptInput): Promise<WebhookAttempt> {
  const secret = resolveSecret(input.secret);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = new Headers(input.headers);
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  if (!headers.has("user-agent")) headers.set("user-agent", "wfkit-webhooks/1");
  headers.set("webhook-id", input.webhookId);
  headers.set("webhook-timestamp", String(timestamp));
  if (secret)
    headers.set("webhook-signature", signStandardWebhook(secret, input.webhookId, timestamp, input.body));
  const at = Date.now();
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(input.url, {
      method: "POST",
      headers,
      body: input.body,
      // A redirected POST would become a GET elsewhere: a 3xx is an answer, not a hop.
      redirect: "manual",
      signal: AbortSignal.timeout(input.timeoutMs),
    });
    const ok = response.status >= 200 && response.status < 300;
    const text = ok ? "" : await excerpt(response);
    if (ok) await response.body?.cancel();
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    return {
      attempt: input.attempt,
      at,
      durationMs: took(),
      status: response.status,
      ...(!ok && { error: `HTTP ${response.status}${text ? `: ${text}` : ""}` }),
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    };
  } catch (error) {
    return { attempt: input.attempt, at, durationMs: took(), error: describe(error, input.timeoutMs) };
  }
}
// Retrying is the workflow's job (durable sleeps between attempts), never the step executor's.
(sendWebhookAttempt as { maxRetries?: number }).maxRetries = 0;
