// `next dev` on a copy of the playground: forged Host / X-Forwarded-* headers
// on any request never change webhook URLs, which stay on the server's own
// address (once the first request's X-Forwarded-Host became every run's base).
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  copyApp,
  getRun,
  type NextServer,
  remove,
  startNext,
  startRun,
  tempDataDir,
  waitForEnd,
  webhookUrl,
} from "./harness.js";

const FORGED = { "x-forwarded-host": "attacker.example", "x-forwarded-proto": "https" };

/** A request with headers fetch() would not let us forge (Host); resolves with the status and body. */
function forged(
  base: string,
  method: string,
  pathname: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(pathname, base),
      { method, headers: { "content-type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

let server: NextServer | undefined;
let app: string;
let dataDir: string;

beforeAll(async () => {
  app = copyApp("forged");
  dataDir = tempDataDir("forged");
  server = await startNext("dev", { cwd: app, dataDir });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  remove(app);
  remove(dataDir);
});

describe("next dev with forged Host and X-Forwarded-Host headers", { timeout: 120_000 }, () => {
  it("keeps every webhook URL on the server's own address", async () => {
    const base = server!.url;
    const own = new URL(base).host;
    // Forged requests first, to the workflow routes and to the app's API (which starts a run).
    for (const headers of [
      { host: "attacker.example", ...FORGED },
      { host: own, ...FORGED },
    ]) {
      const health = await forged(base, "GET", "/.well-known/workflow/v1/health", headers);
      expect(health.status).toBe(200);
      await forged(base, "POST", "/.well-known/workflow/v1/webhook/nope", headers, "{}");
    }
    const started = await forged(
      base,
      "POST",
      "/api/runs",
      { host: "attacker.example", ...FORGED },
      '{"scenario":"newsletter"}',
    );
    expect(started.status).toBe(201);
    const forgedRun = (JSON.parse(started.text) as { runId: string }).runId;

    const { runId } = await startRun(base, { scenario: "newsletter" });
    for (const id of [forgedRun, runId]) {
      const url = await webhookUrl(base, id);
      expect(url.startsWith(`${base}/.well-known/workflow/v1/webhook/`)).toBe(true);
    }

    // The URL workflow code hands out reaches this server: the render service calls it back.
    const render = await startRun(base, { scenario: "render", render: { updates: 1, intervalMs: 0 } });
    const ended = await waitForEnd(base, render.runId, 60_000);
    expect(ended.output).toMatchObject({ finished: true });
    expect((await getRun(base, render.runId)).hooks[0]?.url?.startsWith(base)).toBe(true);
  });
});
