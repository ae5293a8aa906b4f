// sendWebhook(): outbound webhooks from workflow code. Sandbox-safe: the loop
// runs in the workflow (each attempt is a built-in step, each backoff a durable
// sleep), the HTTP request and the signature run on the host
// (host/send-webhook-step.ts).
import { isWorkflowError, WorkflowError } from "../errors/workflow-error.js";
import { sleep } from "./api.js";
import { type Duration, parseDuration } from "./duration.js";
import { requireWorkflowHost } from "./realm.js";
import { stepProxy } from "./registry.js";

/** The id under which the runtime registers the step that makes one delivery attempt. */
export const SEND_WEBHOOK_STEP_ID = "step//wfkit//sendWebhook";
const attemptStep = stepProxy(SEND_WEBHOOK_STEP_ID, "sendWebhook");

/** Options of {@link sendWebhook}. */
export interface SendWebhookOptions {
  /**
   * Signs each request with Standard Webhooks (`webhook-signature: v1,<base64>`):
   * a `whsec_…` secret (base64 after the prefix, 16 bytes or more), or
   * `{ env: "NAME" }` to read it from the server's environment when the request
   * is sent. A string secret is a step argument, so it is recorded in the run's
   * event log; `{ env }` keeps it out. Without a secret, requests are unsigned
   * (they still carry `webhook-id` and `webhook-timestamp`).
   */
  secret?: string | { env: string };
  /** Extra request headers. `content-type` defaults to `application/json`; the `webhook-*` headers are set by wfkit. */
  headers?: Record<string, string>;
  /** Per-attempt timeout. Default `"30s"`. */
  timeout?: Duration;
  /** Attempts in all, the first included. Default 8. */
  maxAttempts?: number;
  /**
   * Backoff before the second attempt; it doubles after each attempt, up to
   * `maxRetryDelay`, with jitter (each wait is 50-100 % of the nominal one).
   * A `Retry-After` answer overrides it. Default `"5s"`.
   */
  retryDelay?: Duration;
  /** Longest backoff. Default `"1h"`. */
  maxRetryDelay?: Duration;
  /** The `webhook-id` header. Default: generated once per call (`msg_…`), the same on every attempt. */
  id?: string;
}

/** One delivery attempt, as recorded (the output of the attempt's step in the run's event log). */
export interface WebhookAttempt {
  /** 1 for the first attempt. */
  attempt: number;
  /** When the request was sent (epoch ms, the server's clock). */
  at: number;
  durationMs: number;
  /** The receiver's HTTP status; absent when no answer came (network error, timeout). */
  status?: number;
  /** Why the attempt did not succeed: the network error, the timeout, or `HTTP <status>` with the start of the body. */
  error?: string;
  /** The receiver's `Retry-After`, in ms from the answer, when it sent one. */
  retryAfterMs?: number;
}

/** What {@link sendWebhook} resolves with once a receiver answered 2xx. */
export interface WebhookDelivery {
  /** The `webhook-id` every attempt carried: receivers dedupe on it. */
  webhookId: string;
  /** The receiver's 2xx status. */
  status: number;
  attempts: WebhookAttempt[];
}

/**
 * sendWebhook() gave up: the receiver refused the request (`WF_SEND_WEBHOOK_REJECTED`,
 * a 3xx or a 4xx other than 408 / 429) or every attempt failed (`WF_SEND_WEBHOOK_FAILED`).
 * Catch it in workflow code; `attempts` holds every attempt's record.
 */
export class WebhookDeliveryError extends WorkflowError {
  readonly webhookId: string;
  /** The last answer's status, when there was one. */
  readonly status?: number;
  readonly attempts: WebhookAttempt[];
  constructor(
    code: "WF_SEND_WEBHOOK_REJECTED" | "WF_SEND_WEBHOOK_FAILED",
    url: string,
    webhookId: string,
    attempts: WebhookAttempt[],
  ) {
    const last = attempts.at(-1);
    super(
      code,
      code === "WF_SEND_WEBHOOK_REJECTED"
        ? `The receiver at ${url} refused the webhook ${webhookId} (${last?.error ?? "no answer"}); it is not retried.`
        : `The webhook ${webhookId} to ${url} failed ${attempts.length} attempt(s); the last: ${last?.error ?? "no answer"}.`,
      code === "WF_SEND_WEBHOOK_REJECTED"
        ? "A 4xx answer means the receiver will not take this request: check its URL, its signature secret and the payload. `error.attempts` has each answer."
        : "Check that the receiver is up and answers 2xx; raise maxAttempts or maxRetryDelay to keep trying longer. `error.attempts` has each attempt.",
    );
    this.name = "WebhookDeliveryError";
    this.webhookId = webhookId;
    if (last?.status !== undefined) this.status = last.status;
    this.attempts = attempts;
  }
  /** Matches both codes, in any realm and for errors read back from the event log. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      isWorkflowError(value) &&
      (value.code === "WF_SEND_WEBHOOK_REJECTED" || value.code === "WF_SEND_WEBHOOK_FAILED")
    );
  }
}

/** What the attempt step is given (host/send-webhook-step.ts). */
export interface WebhookAttemptInput {
  url: string;
  body: string;
  headers: Record<string, string>;
  webhookId: string;
  secret?: string | { env: string };
  timeoutMs: number;
  attempt: number;
}

function invalid(message: string, hint: string): WorkflowError {
  return new WorkflowError("WF_SEND_WEBHOOK_INVALID", message, hint);
}

/** Does a receiver's answer (or its absence) deserve another attempt? */
export function isRetryableAttempt(record: WebhookAttempt): boolean {
  const { status } = record;
  return status === undefined || status >= 500 || status === 429 || status === 408;
}

/** The nominal backoff after attempt `n` (1-based), before jitter. */
export function backoffMs(n: number, base: number, cap: number): number {
  return Math.min(cap, base * 2 ** (n - 1));
}

/**
 * POSTs `payload` as JSON to `url` durably: each attempt is a step (recorded
 * with its status, duration and error), and the waits between attempts are
 * durable sleeps, so retries survive restarts. Signed with Standard Webhooks
 * when `secret` is given: `webhook-id` is the same on every attempt,
 * `webhook-timestamp` is fresh on each. Retries network errors, timeouts, 5xx,
 * 408 and 429 (honouring `Retry-After`) with exponential backoff and jitter;
 * stops at once on other 4xx and on 3xx. Resolves on the first 2xx; throws
 * {@link WebhookDeliveryError} otherwise. Workflow code only.
 *
 * @example
 * const delivery = await sendWebhook(client.url, { taskId, status: "completed" }, { secret: { env: "CLIENT_WEBHOOK_SECRET" } });
 */
export async function sendWebhook(
  url: string | { href: string },
  payload: unknown,
  options: SendWebhookOptions = {},
): Promise<WebhookDelivery> {
  requireWorkflowHost("sendWebhook()");
  const target = typeof url === "string" ? url : url.href;
  if (!/^https?:\/\/[^/]/i.test(target)) {
    throw invalid(
      `sendWebhook() was given the URL ${JSON.stringify(target)}, which is not an absolute http(s) URL.`,
      "Pass the receiver's full URL, e.g. https://client.example.com/hooks/reports.",
    );
  }
  const maxAttempts = options.maxAttempts ?? 8;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw invalid(
      `sendWebhook() was given maxAttempts ${JSON.stringify(options.maxAttempts)}.`,
      "Pass a whole number of attempts, 1 or more (1 sends once and never retries).",
    );
  }
  checkSecret(options.secret);
  const timeoutMs = parseDuration(options.timeout ?? "30s", "sendWebhook() timeout");
  const base = parseDuration(options.retryDelay ?? "5s", "sendWebhook() retryDelay");
  const cap = parseDuration(options.maxRetryDelay ?? "1h", "sendWebhook() maxRetryDelay");
  const body = JSON.stringify(payload) ?? "null";
  // The sandbox's randomness is seeded by the run: a replay draws the same id and the same jitter.
  const webhookId = options.id ?? `msg_${crypto.randomUUID().replaceAll("-", "")}`;
  const attempts: WebhookAttempt[] = [];
  for (let n = 1; ; n++) {
    const input: WebhookAttemptInput = {
      url: target,
      body,
      headers: options.headers ?? {},
      webhookId,
      timeoutMs,
      attempt: n,
      ...(options.secret !== undefined && { secret: options.secret }),
    };
    const record = (await attemptStep(input)) as WebhookAttempt;
    attempts.push(record);
    const { status } = record;
    if (status !== undefined && status >= 200 && status < 300) return { webhookId, status, attempts };
    if (!isRetryableAttempt(record)) {
      throw new WebhookDeliveryError("WF_SEND_WEBHOOK_REJECTED", target, webhookId, attempts);
    }
    if (n >= maxAttempts)
      throw new WebhookDeliveryError("WF_SEND_WEBHOOK_FAILED", target, webhookId, attempts);
    const nominal = backoffMs(n, base, cap);
    await sleep(record.retryAfterMs ?? Math.round(nominal / 2 + (Math.random() * nominal) / 2));
  }
}

/** Refuses, before anything is sent, a secret that no receiver could verify or that anyone could guess. */
function checkSecret(secret: SendWebhookOptions["secret"]): void {
  if (secret === undefined) return;
  if (typeof secret === "object" && secret !== null && typeof secret.env === "string" && secret.env) return;
  if (typeof secret === "string") {
    const b64 = secret.startsWith("whsec_") ? secret.slice(6) : secret;
    const padded = /^[A-Za-z0-9+/]+={0,2}$/.test(b64) && b64.length % 4 === 0;
    const bytes = Math.floor((b64.replace(/=+$/, "").length * 3) / 4);
    if (padded && bytes >= 16) return;
  }
  throw invalid(
    "sendWebhook() was given a secret that is not a Standard Webhooks secret of 16 bytes or more.",
    'Pass "whsec_" followed by base64 of 24 to 64 random bytes (e.g. `"whsec_" + crypto.randomBytes(32).toString("base64")`), or { env: "NAME" } to read it from the server\'s environment.',
  );
}
