// Scenario 1: a third-party service reports progress to a webhook several
// times; the workflow waits for each update with a timeout.
import { createWebhook, type Duration, waitForWebhook } from "workflow";

export interface RenderJobOptions {
  /** Progress callbacks the service sends (0: it never calls back). */
  updates?: number;
  /** Pause between callbacks, in ms. */
  intervalMs?: number;
  /** How long to wait for each callback. */
  timeout?: Duration;
}

export interface Progress {
  percent: number;
  message: string;
}

/** Hands the webhook URL to the (simulated) service: a route of this same app. */
async function submitJob(callbackUrl: string, updates: number, intervalMs: number): Promise<string> {
  "use step";
  const response = await fetch(new URL("/api/third-party", callbackUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ callbackUrl, updates, intervalMs }),
  });
  if (!response.ok) throw new Error(`The render service answered ${response.status}`);
  const { jobId } = (await response.json()) as { jobId: string };
  return jobId;
}

async function recordProgress(jobId: string, progress: Progress): Promise<string> {
  "use step";
  return `${jobId}: ${progress.percent}% ${progress.message}`;
}

export async function renderJob(options: RenderJobOptions = {}) {
  "use workflow";
  const webhook = createWebhook();
  const jobId = await submitJob(webhook.url, options.updates ?? 3, options.intervalMs ?? 1500);
  const log: string[] = [];
  for (;;) {
    const result = await waitForWebhook(webhook, options.timeout ?? "5m");
    if (result.timeout) return { jobId, finished: false, timedOut: true, log };
    const progress = (await result.request.json()) as Progress;
    log.push(await recordProgress(jobId, progress));
    if (result.request.headers.get("x-task-finished") === "true")
      return { jobId, finished: true, timedOut: false, log };
  }
}
