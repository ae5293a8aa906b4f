// The Vite dev server: forged Host / X-Forwarded-* headers on any request
// never change webhook URLs, which stay on the dev server's own address.
import { request as httpRequest } from "node:http";
import { describe, expect, it } from "vitest";
import { startRun, useDevServer, waitFor } from "./helpers.js";

const FORGED = { "x-forwarded-host": "attacker.example", "x-forwarded-proto": "https" };

/** A request with headers fetch() would not let us forge (Host); resolves with the body. */
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

describe("vite-app dev server with forged Host and X-Forwarded-Host headers", { timeout: 60_000 }, () => {
  const dev = useDevServer(60_000);

  it("keeps every webhook URL on the dev server's address", async () => {
    const own = new URL(dev.base).host;
    // Forged first: X-Forwarded-* with the real Host (Vite lets it through), then a forged Host too.
    for (const headers of [
      { host: own, ...FORGED },
      { host: "attacker.example", ...FORGED },
    ]) {
      await forged(dev.base, "GET", "/.well-known/workflow/v1/health", headers);
      await forged(dev.base, "POST", "/.well-known/workflow/v1/webhook/nope", headers, "{}");
    }
    const start = await forged(
      dev.base,
      "POST",
      "/api/start",
      { host: own, ...FORGED },
      '{"orderId":"forged"}',
    );
    expect(start.status).toBe(201);
    const { runId: forgedRun } = JSON.parse(start.text) as { runId: string };
    const forgedUrl = await waitFor("the forged run's webhook URL", async () => {
      const info = (await (await fetch(`${dev.base}/api/runs/${forgedRun}`)).json()) as {
        webhookUrl: string | null;
      };
      return info.webhookUrl ?? undefined;
    });

    const { webhookUrl } = await startRun(dev.base, "plain");
    for (const url of [forgedUrl, webhookUrl]) {
      expect(new URL(url).origin).toBe(new URL(dev.base).origin);
      expect(url.startsWith(`${new URL(dev.base).origin}/.well-known/workflow/v1/webhook/`)).toBe(true);
    }
  });
});
