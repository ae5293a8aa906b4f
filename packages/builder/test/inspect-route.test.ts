// The inspect route on an app server: served in development, refused in production
// unless an authorize function accepts the request.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { tempDir, waitFor } from "@wfkit/testing-kit";
import { memoryWorld } from "@wfkit/world/memory";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type AppServer, type AppServerOptions, createAppServer } from "../src/index.js";

const WORKFLOW = `
import { createHook } from "workflow";

export async function approve(item: string) {
  "use workflow";
  const { by } = await createHook<{ by: string }>({ token: "approve:" + item });
  return { item, by };
}
`;
const APPROVE = "workflow//workflows/approve//approve";
const root = tempDir("wfkit-inspect-route-");
mkdirSync(path.join(root, "workflows"), { recursive: true });
writeFileSync(path.join(root, "workflows", "approve.ts"), WORKFLOW);
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
    publicUrl: "http://app.test",
    env: { NODE_ENV: "development" },
    ...options,
  });
  servers.push(created);
  return created;
}

const BASE = "http://app.test/.well-known/workflow/v1/inspect/";
async function call(app: AppServer, route: string, init?: RequestInit) {
  const response = await app.handler(new Request(BASE + route, init));
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe("the inspect route", () => {
  it("lists runs, shows one with its hook, pages its events, resumes, cancels and reruns (development)", async () => {
    const app = server();
    const { runtime } = await app.ready();
    const first = await runtime.start(APPROVE, ["a"]);
    const second = await runtime.start(APPROVE, ["b"]);
    await waitFor(
      "both hooks",
      async () => (await runtime.world.getHook("approve:b")) && runtime.world.getHook("approve:a"),
    );

    const list = await call(app, `runs?workflow=${encodeURIComponent(APPROVE)}&limit=1`);
    expect(list.status).toBe(200);
    expect(list.body.runs.map((r: { runId: string }) => r.runId)).toEqual([second.runId]);
    const next = await call(app, `runs?limit=1&cursor=${list.body.nextCursor}`);
    expect(next.body.runs.map((r: { runId: string }) => r.runId)).toEqual([first.runId]);

    const view = await call(app, `runs/${first.runId}`);
    expect(view.body).toMatchObject({ runId: first.runId, status: "running", input: ["a"] });
    expect(view.body.hooks).toMatchObject([{ token: "approve:a", status: "waiting" }]);
    const events = await call(app, `runs/${first.runId}/events`);
    expect(events.body.events.map((e: { type: string }) => e.type)).toContain("hook_created");

    const resumed = await call(app, "hooks/approve%3Aa/resume", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ by: "ada" }),
    });
    expect(resumed.body).toEqual({ runId: first.runId, token: "approve:a" });
    expect(await first.returnValue).toEqual({ item: "a", by: "ada" });

    const cancelled = await call(app, `runs/${second.runId}/cancel`, { method: "POST" });
    expect(cancelled.body).toEqual({ runId: second.runId, status: "cancelled" });

    const rerun = await call(app, `runs/${first.runId}/rerun`, { method: "POST" });
    expect(rerun.body.rerunOf).toBe(first.runId);
    expect((await runtime.world.getRun(rerun.body.runId))?.input).toBe(
      (await runtime.world.getRun(first.runId))?.input,
    );
  });

  it("answers errors with codes: unknown run, bad query, unknown route", async () => {
    const app = server();
    expect(await call(app, "runs/wrun_nope")).toMatchObject({
      status: 404,
      body: { error: { code: "WF_RUN_NOT_FOUND" } },
    });
    expect(await call(app, "runs?status=done")).toMatchObject({
      status: 400,
      body: { error: { code: "WF_INSPECT_INVALID_QUERY" } },
    });
    expect(await call(app, "nothing")).toMatchObject({
      status: 404,
      body: { error: { code: "WF_ROUTE_NOT_FOUND" } },
    });
  });

  it("is not served in production unless an authorize function accepts the request", async () => {
    const prod = server({ env: { NODE_ENV: "production" } });
    expect(await call(prod, "runs")).toMatchObject({
      status: 404,
      body: { error: { code: "WF_ROUTE_NOT_FOUND" } },
    });

    const guarded = server({
      env: { NODE_ENV: "production" },
      inspect: { authorize: (request) => request.headers.get("authorization") === "Bearer t0ken" },
    });
    expect(await call(guarded, "runs")).toMatchObject({
      status: 403,
      body: { error: { code: "WF_INSPECT_FORBIDDEN" } },
    });
    expect(await call(guarded, "runs", { headers: { authorization: "Bearer t0ken" } })).toMatchObject({
      status: 200,
      body: { runs: [] },
    });
  });
});

const UI = "http://app.test/.well-known/workflow/v1/ui/";

describe("the web UI on the app server", () => {
  it("is served under /.well-known/workflow/v1/ui/ in development, with its assets", async () => {
    const app = server();
    // Without the trailing slash too (Next.js redirects to it), the same page naming its assets from the mount.
    const bare = await app.handler(new Request(UI.slice(0, -1)));
    expect(bare.status).toBe(200);
    const page = await app.handler(new Request(UI));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(await bare.text()).toBe(html);
    const css = /href="\/\.well-known\/workflow\/v1\/ui\/(assets\/[\w.-]+\.css)"/.exec(html)?.[1];
    expect(css, html).toBeDefined();
    const asset = await app.handler(new Request(UI + css));
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/^text\/css/);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    // Only the build's own files: anything else is the runtime's 404.
    const other = await app.handler(new Request(`${UI}assets/..%2F..%2Fpackage.json`));
    expect(other.status).toBe(404);
  });

  it("follows the inspect option in production: hidden, refused, or let through by authorize", async () => {
    expect((await server({ env: { NODE_ENV: "production" } }).handler(new Request(UI))).status).toBe(404);
    const guarded = server({
      env: { NODE_ENV: "production" },
      inspect: { authorize: (request) => request.headers.get("cookie") === "session=ok" },
    });
    expect((await guarded.handler(new Request(UI))).status).toBe(403);
    const allowed = await guarded.handler(new Request(UI, { headers: { cookie: "session=ok" } }));
    expect(allowed.status).toBe(200);
  });

  it("pushes run changes as server-sent events from the runtime's notifications", async () => {
    const app = server();
    const { runtime } = await app.ready();
    const response = await app.handler(new Request(`${BASE}stream`));
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) text += (await reader.read()).value ?? "";
    };
    await until(/event: hello\ndata: \{"live":true\}/);
    const run = await runtime.start(APPROVE, ["c"]);
    await until(new RegExp(`"runId":"${run.runId}"[^\\n]*"created":true`));
    await runtime.cancel(run.runId);
    await until(new RegExp(`"runId":"${run.runId}","workflowId":"${APPROVE}","status":"cancelled"`));
    // A closed runtime ends the stream (the browser then reconnects to the next server).
    await app.close();
    for (;;) if ((await reader.read()).done) break;
  });
});
