// The development guard of the app server, the one every adapter mounts
// (Next, Vite, wf dev): development routes answer only known Host names,
// same-origin writes and JSON bodies; webhooks answer anyone. And the inspect
// route's bounded reading: deep JSON 400, big JSON 413, a late body 408.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { listenHttp, rawRequest, stalledRequest, tempDir, waitFor } from "@wfkit/testing-kit";
import { memoryWorld } from "@wfkit/world/memory";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type AppServer, type AppServerOptions, createAppServer, serverTimeouts } from "../src/index.js";

const WORKFLOW = `
import { createHook, createWebhook } from "workflow";

export async function approve(item: string) {
  "use workflow";
  const { by } = await createHook<{ by: string }>({ token: "approve:" + item });
  return { item, by };
}

export async function inbox() {
  "use workflow";
  const request = await createWebhook();
  return await request.text();
}
`;
const APPROVE = "workflow//workflows/flows//approve";
const INBOX = "workflow//workflows/flows//inbox";
const root = tempDir("wfkit-request-guard-");
mkdirSync(path.join(root, "workflows"), { recursive: true });
writeFileSync(path.join(root, "workflows", "flows.ts"), WORKFLOW);
const servers: AppServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function server(options: Partial<AppServerOptions> = {}) {
  const created = createAppServer({
    root,
    buildDir: path.join(root, ".wfkit"),
    world: memoryWorld(),
    logger: { info() {}, warn() {}, error() {} },
    env: { NODE_ENV: "development" },
    runtime: { log: () => {} },
    ...options,
  });
  created.setOrigin("http://127.0.0.1:4000");
  servers.push(created);
  return created;
}

const INSPECT = "/.well-known/workflow/v1/inspect/";
const JSON_TYPE = { "content-type": "application/json" };

/** A request as a browser would send it: to `http://<host><pathname>`, with its Host header. */
async function send(app: AppServer, host: string, pathname: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("host", host);
  const response = await app.handler(new Request(`http://${host}${pathname}`, { ...init, headers }));
  const text = await response.text();
  return {
    status: response.status,
    code: text.startsWith("{") ? JSON.parse(text).error?.code : undefined,
    text,
  };
}

describe("the development guard", () => {
  it("serves the inspect route to loopback names, IP addresses, its own and allowed names only", async () => {
    const app = server({
      publicUrl: "https://tunnel.example.dev",
      allowedHosts: ["dev.internal", ".corp.test"],
    });
    await app.ready();
    for (const host of [
      "localhost:4000",
      "app.localhost:4000",
      "127.0.0.1:4000",
      "[::1]:4000",
      "192.168.1.20:4000",
      "tunnel.example.dev",
      "dev.internal:8080",
      "corp.test",
      "a.b.corp.test",
    ]) {
      expect((await send(app, host, `${INSPECT}runs`)).status, host).toBe(200);
    }
    for (const host of [
      "attacker.example",
      "attacker.example:4000",
      "localhost.attacker.example",
      "evilcorp.test",
    ]) {
      const answer = await send(app, host, `${INSPECT}runs`);
      expect(answer, host).toMatchObject({ status: 403, code: "WF_FORBIDDEN_HOST" });
    }
    // The app's own public routes are not development routes: any name may reach them.
    expect((await send(app, "attacker.example", "/.well-known/workflow/v1/health")).status).toBe(200);
  });

  it("takes writes only from its own origin, with JSON bodies, and starts nothing otherwise", async () => {
    const app = server();
    const { runtime } = await app.ready();
    const run = await runtime.start(APPROVE, ["x"]);
    await waitFor("the hook", () => runtime.world.getHook("approve:x"));
    const resume = `${INSPECT}hooks/approve%3Ax/resume`;
    const body = JSON.stringify({ by: "mallory" });
    const refusals: Array<[HeadersInit, number, string]> = [
      [{ origin: "http://evil.example", "content-type": "text/plain" }, 403, "WF_FORBIDDEN_ORIGIN"],
      [{ origin: "http://evil.example", ...JSON_TYPE }, 403, "WF_FORBIDDEN_ORIGIN"],
      [{ origin: "http://localhost:5173", ...JSON_TYPE }, 403, "WF_FORBIDDEN_ORIGIN"],
      [{ origin: "null", ...JSON_TYPE }, 403, "WF_FORBIDDEN_ORIGIN"],
      [{ "sec-fetch-site": "cross-site", ...JSON_TYPE }, 403, "WF_FORBIDDEN_ORIGIN"],
      [{ "content-type": "text/plain" }, 415, "WF_UNSUPPORTED_MEDIA_TYPE"],
      [{ "content-type": "application/x-www-form-urlencoded" }, 415, "WF_UNSUPPORTED_MEDIA_TYPE"],
    ];
    for (const [headers, status, code] of refusals) {
      const answer = await send(app, "localhost:4000", resume, { method: "POST", headers, body });
      expect(answer, JSON.stringify(headers)).toMatchObject({ status, code });
    }
    expect((await runtime.world.readEvents(run.runId)).some((e) => e.type === "hook_received")).toBe(false);

    // Its own origin (and same-site reads) go through.
    const own = await send(app, "localhost:4000", resume, {
      method: "POST",
      headers: { origin: "http://localhost:4000", "sec-fetch-site": "same-origin", ...JSON_TYPE },
      body: JSON.stringify({ by: "ada" }),
    });
    expect(own.status, own.text).toBe(200);
    expect(await run.returnValue).toEqual({ item: "x", by: "ada" });
    expect(
      (await send(app, "localhost:4000", `${INSPECT}runs`, { headers: { origin: "http://evil.example" } }))
        .status,
    ).toBe(200);
  });

  it("never guards webhooks; with guard 'all' it guards every other route", async () => {
    const app = server({ guard: "all" });
    const { runtime } = await app.ready();
    expect(await send(app, "attacker.example", "/.well-known/workflow/v1/health")).toMatchObject({
      status: 403,
      code: "WF_FORBIDDEN_HOST",
    });
    const run = await runtime.start<string>(INBOX);
    const hook = await waitFor(
      "the webhook",
      async () => (await runtime.world.listHooks({ runId: run.runId }))[0],
    );
    const answer = await send(app, "attacker.example", `/.well-known/workflow/v1/webhook/${hook.token}`, {
      method: "POST",
      headers: {
        origin: "http://evil.example",
        "sec-fetch-site": "cross-site",
        "content-type": "text/plain",
      },
      body: "hello",
    });
    expect(answer.status, answer.text).toBe(202);
    expect(await run.returnValue).toBe("hello");
  });

  it("allows any host with allowedHosts: true, but still only same-origin writes", async () => {
    const app = server({ allowedHosts: true });
    await app.ready();
    expect((await send(app, "attacker.example", `${INSPECT}runs`)).status).toBe(200);
    const write = await send(app, "attacker.example", `${INSPECT}runs/wrun_nope/cancel`, {
      method: "POST",
      headers: { origin: "http://elsewhere.example" },
    });
    expect(write).toMatchObject({ status: 403, code: "WF_FORBIDDEN_ORIGIN" });
  });
});

describe("the inspect route's bounded reading", () => {
  it("answers deep JSON 400 and big JSON 413 and records nothing", async () => {
    const app = server();
    const { runtime } = await app.ready();
    const run = await runtime.start(APPROVE, ["y"]);
    await waitFor("the hook", () => runtime.world.getHook("approve:y"));
    const resume = `${INSPECT}hooks/approve%3Ay/resume`;
    const deep = await send(app, "localhost", resume, {
      method: "POST",
      headers: JSON_TYPE,
      body: `${"[".repeat(300_000)}${"]".repeat(300_000)}`,
    });
    expect(deep).toMatchObject({ status: 400, code: "WF_JSON_TOO_DEEP" });
    const big = await send(app, "localhost", resume, {
      method: "POST",
      headers: JSON_TYPE,
      body: JSON.stringify({ by: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(big).toMatchObject({ status: 413, code: "WF_PAYLOAD_TOO_LARGE" });
    expect((await runtime.world.readEvents(run.runId)).some((e) => e.type === "hook_received")).toBe(false);
  });

  it("closes a connection whose body never arrives, at the configured deadline", async () => {
    const app = server({ bodyTimeoutMs: 500 });
    const { runtime } = await app.ready();
    await runtime.start(APPROVE, ["z"]);
    await waitFor("the hook", () => runtime.world.getHook("approve:z"));
    const http = await listenHttp(app.nodeHandler, serverTimeouts(500));
    try {
      const answer = await stalledRequest(`${http.url}${INSPECT}hooks/approve%3Az/resume`, {
        declaredLength: 100,
        sent: '{"by": "ad',
      });
      expect(answer.status, answer.received).toBe(408);
      expect(answer.received).toContain("WF_REQUEST_TIMEOUT");
      expect(await runtime.world.getHook("approve:z")).not.toBeNull();
      // The guard answers over Node too, Host header and all.
      const forged = await rawRequest(`${http.url}${INSPECT}runs`, { headers: { host: "attacker.example" } });
      expect(forged.json.error.code).toBe("WF_FORBIDDEN_HOST");
    } finally {
      await http.stop();
    }
  });
});
