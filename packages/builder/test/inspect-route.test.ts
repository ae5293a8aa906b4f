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
