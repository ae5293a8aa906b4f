// `wf dev`: forged Host / X-Forwarded-* headers on any request never change
// webhook URLs, which stay on the server's own address.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, type DevServer, startDev, waitFor } from "./helpers.js";

const WORKFLOW = `
import { createWebhook } from "workflow";

export async function webhookUrl() {
  "use workflow";
  return createWebhook().url;
}
`;

const FORGED = {
  host: "attacker.example",
  "x-forwarded-host": "attacker.example",
  "x-forwarded-proto": "https",
};

/** A request with headers fetch() would not let us forge (Host). */
function forged(base: string, method: string, pathname: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(pathname, base), { method, headers: FORGED }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

let tmp: string;
let dev: DevServer;

beforeAll(async () => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "wfkit-cli-forged-"));
  mkdirSync(path.join(tmp, "flows"));
  writeFileSync(path.join(tmp, "flows", "urls.ts"), WORKFLOW);
  dev = await startDev(["flows", "--port", "0", "--data-dir", "data"], tmp, { WORKFLOW_PUBLIC_URL: "" });
});

afterAll(async () => {
  if (dev && dev.child.exitCode === null && dev.child.signalCode === null) {
    dev.child.kill("SIGTERM");
    await dev.exited;
  }
  rmSync(tmp, { recursive: true, force: true });
});

async function runOutput(runId: string): Promise<unknown> {
  return waitFor(`run ${runId} to complete`, async () => {
    const run = (await (await fetch(`${dev.url}/api/runs/${runId}`)).json()) as {
      status: string;
      output?: unknown;
    };
    return run.status === "completed" ? run.output : undefined;
  });
}

describe("wf dev with forged Host and X-Forwarded-Host headers", { timeout: 30_000 }, () => {
  it("keeps every webhook URL on its own address", async () => {
    // Forged requests first, to the workflow routes and the API (one of them starts a run).
    expect(await forged(dev.url, "GET", "/.well-known/workflow/v1/health")).toBe(200);
    expect(await forged(dev.url, "POST", "/.well-known/workflow/v1/webhook/nope", "{}")).toBe(404);
    const started = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(new URL("/api/runs", dev.url), { method: "POST", headers: FORGED }, (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve((JSON.parse(text) as { runId: string }).runId));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ workflow: "urls.ts#webhookUrl" }));
    });

    const plain = await fetch(`${dev.url}/api/runs`, {
      method: "POST",
      body: JSON.stringify({ workflow: "urls.ts#webhookUrl" }),
    });
    const { runId } = (await plain.json()) as { runId: string };

    for (const id of [started, runId]) {
      const url = new URL(String(await runOutput(id)));
      expect(url.origin).toBe(dev.url);
      expect(url.pathname.startsWith("/.well-known/workflow/v1/webhook/")).toBe(true);
    }
  });
});
