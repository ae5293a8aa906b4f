// The webhook URL of each run, so that the page can show it (and call it).
// A real app would send it to the service that calls back, or keep it in its
// database. This demo keeps it in memory, on globalThis: the step bundle and
// the server's api module each load their own copy of this file, in one process.
const KEY = Symbol.for("vite-app.webhookUrls");
const urls = ((globalThis as Record<symbol, unknown>)[KEY] ??= new Map<string, string>()) as Map<
  string,
  string
>;

export function saveWebhookUrl(runId: string, url: string): void {
  urls.set(runId, url);
}

export function webhookUrlOf(runId: string): string | undefined {
  return urls.get(runId);
}
