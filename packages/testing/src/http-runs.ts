import { waitFor } from "./wait.js";

/** The statuses of a run that has ended. */
export const ENDED_STATUSES: readonly string[] = ["completed", "failed", "cancelled"];

/** GETs `url` and returns its JSON body; throws, quoting the body, unless the answer is 2xx. */
export async function getJson<T = unknown>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * POSTs `body` as JSON to an app's start-run route and returns the JSON answer;
 * throws, quoting the body, unless the answer is 201 with a `runId`.
 */
export async function startRun<T extends { runId: string } = { runId: string }>(
  url: string,
  body: unknown,
): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST ${url} answered ${response.status}: ${text}`);
  const answer = JSON.parse(text) as T;
  if (typeof answer.runId !== "string") throw new Error(`POST ${url} answered without a runId: ${text}`);
  return answer;
}

/**
 * Polls `url` (a route that answers a run as JSON with a `status`) until the
 * run has ended, and returns that answer.
 */
export function waitForEnd<T extends { status: string } = { status: string }>(
  url: string,
  timeoutMs = 30_000,
): Promise<T> {
  return waitFor(
    `the run at ${url} to end`,
    async () => {
      const run = await getJson<T>(url);
      return ENDED_STATUSES.includes(run.status) ? run : undefined;
    },
    { timeoutMs, intervalMs: 10 },
  );
}
