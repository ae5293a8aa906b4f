// `wf dev` answers only its own user: a DNS-rebinding request (Host:
// attacker.example) and a cross-site POST (Origin: http://evil.example,
// text/plain) are refused and start no run; webhooks still take any Host and
// Origin; forged X-Forwarded-* headers never move webhook URLs; a body that
// never arrives is dropped at the body deadline (500 ms here).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { rawRequest, stalledRequest } from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, type DevServer, startDev, waitFor } from "./helpers.js";

const WORKFLOW = `
import { createWebhook } from "workflow";

export async function webhookUrl() {
  "use workflow";
  return createWebhook().url;
}

export async function callback() {
  "use workflow";
  const request = await createWebhook();
  return await request.text();
}
`;

const JSON_TYPE = { "content-type": "application/json" };
const START = JSON.stringify({ workflow: "urls.ts#webhookUrl" });
const INSPECT_RUNS = "/.well-known/workflow/v1/inspect/runs";

let tmp: string;
let dev: DevServer;

beforeAll(async () => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "wfkit-cli-forged-"));
  mkdirSync(path.join(tmp, "flows"));
  writeFileSync(path.join(tmp, "flows", "urls.ts"), WORKFLOW);
  dev = await startDev(["flows", "--port", "0", "--data-dir", "data"], tmp, {
    WORKFLOW_PUBLIC_URL: "",
    WORKFLOW_ALLOWED_HOSTS: "",
    WORKFLOW_BODY_TIMEOUT_MS: "500",
  });
});

afterAll(async () => {
  await dev?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const url = (pathname: string) => new URL(pathname, dev.url).href;

/** Every run wf dev holds, through its own inspect route. */
async function runIds(): Promise<string[]> {
  const page = await rawRequest(url(INSPECT_RUNS));
  expect(page.status, page.text).toBe(200);
  return (page.json.runs as Array<{ runId: string }>).map((r) => r.runId);
}

async function runOutput(runId: string): Promise<unknown> {
  return waitFor(`run ${runId} to complete`, async () => {
    const run = (await rawRequest(url(`/api/runs/${runId}`))).json as { status: string; output?: unknown };
    return run.status === "completed" ? run.output : undefined;
  });
}

async function start(workflow: string): Promise<string> {
  const answer = await rawRequest(url("/api/runs"), {
    method: "POST",
    headers: JSON_TYPE,
    body: JSON.stringify({ workflow }),
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.json.runId;
}

function expectRefused(answer: { status: number; json: any; text: string }, status: number, code: string) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.json.error).toMatchObject({ code, message: expect.any(String), hint: expect.any(String) });
}

describe("wf dev refuses requests its user did not make", { timeout: 60_000 }, () => {
  it("refuses a rebinding Host and a cross-site POST, and starts no run", async () => {
    const rebinding = { host: "attacker.example" };
    expectRefused(
      await rawRequest(url("/api/runs"), {
        method: "POST",
        headers: { ...rebinding, ...JSON_TYPE },
        body: START,
      }),
      403,
      "WF_FORBIDDEN_HOST",
    );
    // Reads too: a rebinding page could otherwise read runs and their data.
    expectRefused(await rawRequest(url("/api/workflows"), { headers: rebinding }), 403, "WF_FORBIDDEN_HOST");
    expectRefused(await rawRequest(url(INSPECT_RUNS), { headers: rebinding }), 403, "WF_FORBIDDEN_HOST");
    expectRefused(
      await rawRequest(url("/.well-known/workflow/v1/health"), { headers: rebinding }),
      403,
      "WF_FORBIDDEN_HOST",
    );

    // What a page on evil.example can send without a preflight: text/plain, with its Origin.
    const crossSite = { origin: "http://evil.example", "content-type": "text/plain;charset=UTF-8" };
    expectRefused(
      await rawRequest(url("/api/runs"), { method: "POST", headers: crossSite, body: START }),
      403,
      "WF_FORBIDDEN_ORIGIN",
    );
    expectRefused(
      await rawRequest(url("/api/runs"), {
        method: "POST",
        headers: { ...crossSite, ...JSON_TYPE },
        body: START,
      }),
      403,
      "WF_FORBIDDEN_ORIGIN",
    );
    expectRefused(
      await rawRequest(url("/api/runs"), {
        method: "POST",
        headers: { "sec-fetch-site": "cross-site", ...JSON_TYPE },
        body: START,
      }),
      403,
      "WF_FORBIDDEN_ORIGIN",
    );
    // Without the JSON type the body is refused even from no origin at all.
    expectRefused(
      await rawRequest(url("/api/runs"), {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: START,
      }),
      415,
      "WF_UNSUPPORTED_MEDIA_TYPE",
    );
    expect(await runIds()).toEqual([]);

    // Its own user: a script (no Origin), or its own origin, with JSON.
    const own = await rawRequest(url("/api/runs"), {
      method: "POST",
      headers: { origin: dev.url, ...JSON_TYPE },
      body: START,
    });
    expect(own.status, own.text).toBe(201);
    expect(await runIds()).toEqual([own.json.runId]);
    const local = await rawRequest(url("/api/workflows"), {
      headers: { host: `localhost:${new URL(dev.url).port}` },
    });
    expect(local.status).toBe(200);
  });

  it("lets webhooks take any Host and Origin", async () => {
    const runId = await start("urls.ts#callback");
    const hook = await waitFor("the webhook", async () => {
      const hooks = (await rawRequest(url(`/api/runs/${runId}/hooks`))).json as Array<{ url: string }>;
      return hooks[0];
    });
    const answer = await rawRequest(hook.url, {
      method: "POST",
      headers: { host: "attacker.example", origin: "http://evil.example", "content-type": "text/plain" },
      body: "from anywhere",
    });
    expect(answer.status, answer.text).toBe(202);
    expect(await runOutput(runId)).toBe("from anywhere");
    const unknown = await rawRequest(url("/.well-known/workflow/v1/webhook/nope"), {
      method: "POST",
      headers: { host: "attacker.example" },
      body: "{}",
    });
    expectRefused(unknown, 404, "WF_WEBHOOK_NOT_FOUND");
  });

  it("keeps every webhook URL on its own address whatever X-Forwarded-* say", async () => {
    const forwarded = { "x-forwarded-host": "attacker.example", "x-forwarded-proto": "https" };
    const answer = await rawRequest(url("/api/runs"), {
      method: "POST",
      headers: { ...forwarded, ...JSON_TYPE },
      body: START,
    });
    expect(answer.status, answer.text).toBe(201);
    const webhook = new URL(String(await runOutput(answer.json.runId)));
    expect(webhook.origin).toBe(dev.url);
    expect(webhook.pathname.startsWith("/.well-known/workflow/v1/webhook/")).toBe(true);
  });
});

describe("wf dev bounds what it reads", { timeout: 60_000 }, () => {
  it("answers deep JSON 400 and big JSON 413, and starts no run", async () => {
    const before = await runIds();
    const deep = `{"workflow": "urls.ts#webhookUrl", "args": [${"[".repeat(100_000)}${"]".repeat(100_000)}]}`;
    expectRefused(
      await rawRequest(url("/api/runs"), { method: "POST", headers: JSON_TYPE, body: deep }),
      400,
      "WF_JSON_TOO_DEEP",
    );
    const big = JSON.stringify({ workflow: "urls.ts#webhookUrl", args: ["x".repeat(2 * 1024 * 1024)] });
    expectRefused(
      await rawRequest(url("/api/runs"), { method: "POST", headers: JSON_TYPE, body: big }),
      413,
      "WF_PAYLOAD_TOO_LARGE",
    );
    expect(await runIds()).toEqual(before);
  });

  it("drops a request whose body never arrives (Content-Length 100, 10 bytes sent)", async () => {
    const answer = await stalledRequest(url("/api/runs"), { declaredLength: 100, sent: '{"workflow' });
    expect(answer.status, answer.received).toBe(408);
    expect(answer.received).toContain("WF_REQUEST_TIMEOUT");
    // The webhook route too: a third party that stalls does not hold the connection.
    const runId = await start("urls.ts#callback");
    const hook = await waitFor("the webhook", async () => {
      const hooks = (await rawRequest(url(`/api/runs/${runId}/hooks`))).json as Array<{ url: string }>;
      return hooks[0];
    });
    const webhook = await stalledRequest(hook.url, { declaredLength: 100, sent: "0123456789" });
    expect(webhook.status, webhook.received).toBe(408);
    expect(webhook.received).toContain("WF_REQUEST_TIMEOUT");
  });
});
