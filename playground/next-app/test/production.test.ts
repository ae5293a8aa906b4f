// `next build` (Turbopack, the default) + `next start` of the playground,
// driven over HTTP.
import { readFileSync } from "node:fs";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APP_DIR,
  getRun,
  type NextServer,
  remove,
  runNext,
  startNext,
  startRun,
  tempDataDir,
  waitFor,
  waitForEnd,
  webhookUrl,
} from "./harness.js";
import { reportServiceTests } from "./report-service.js";
import { streamTests } from "./streams.js";

let server: NextServer | undefined;
let dataDir: string;
let base: string;

beforeAll(async () => {
  await runNext(["build"], APP_DIR);
  dataDir = tempDataDir("prod");
  server = await startNext("start", { cwd: APP_DIR, dataDir });
  base = server.url;
}, 300_000);

afterAll(async () => {
  await server?.stop();
  remove(dataDir);
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("next build + next start (Turbopack)", { timeout: 60_000 }, () => {
  it("opens the data dir in the server process only", () => {
    // `next start` serves from its own process; `next build` never opened the World.
    expect(Number(readFileSync(path.join(dataDir, "LOCK"), "utf8"))).toBe(server!.child.pid);
  });

  it("serves the runtime's routes from the generated route file", async () => {
    const health = await fetch(`${base}/.well-known/workflow/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, world: "sqlite", workflows: 7 });

    const unknown = await fetch(`${base}/.well-known/workflow/v1/webhook/no-such-token`, { method: "POST" });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe("WF_WEBHOOK_NOT_FOUND");

    const wrongPath = await fetch(`${base}/.well-known/workflow/v1/webhooks/x`);
    expect(wrongPath.status).toBe(404);
    expect((await wrongPath.json()).error.code).toBe("WF_ROUTE_NOT_FOUND");
  });

  it("runs the render job: a route of the app calls the webhook back with progress until x-task-finished", async () => {
    const { runId } = await startRun(base, {
      scenario: "render",
      render: { updates: 3, intervalMs: 100, timeout: "5m" },
    });
    const run = await waitForEnd(base, runId);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ finished: true, timedOut: false });
    expect(run.output.log).toHaveLength(3);
    expect(run.output.log[2]).toMatch(/100% done$/);
    expect(run.steps.map((s) => s.name)).toEqual([
      "submitJob",
      "recordProgress",
      "recordProgress",
      "recordProgress",
    ]);
    expect(run.hooks[0]).toMatchObject({ kind: "webhook", respondWith: "default", received: 3 });
    expect(run.hooks[0]!.url).toMatch(new RegExp(`^${base}/\\.well-known/workflow/v1/webhook/`));
  });

  it("ends the wait with a timeout when nobody calls back", async () => {
    const { runId } = await startRun(base, { scenario: "render", render: { updates: 0, timeout: "1s" } });
    const run = await waitForEnd(base, runId);
    expect(run.output).toMatchObject({ finished: false, timedOut: true, log: [] });
  });

  it("answers a default webhook with 202 and hands the request to the run", async () => {
    const { runId } = await startRun(base, { scenario: "render", render: { updates: 0, timeout: "1m" } });
    const url = await webhookUrl(base, runId);
    const response = await post(
      url,
      { percent: 100, message: "from the test" },
      { "x-task-finished": "true" },
    );
    expect(response.status).toBe(202);
    const run = await waitForEnd(base, runId);
    expect(run.output).toMatchObject({ finished: true, timedOut: false });
    expect(run.output.log).toEqual([expect.stringMatching(/100% from the test$/)]);
  });

  it("answers a static-response webhook with its fixed response", async () => {
    const { runId } = await startRun(base, { scenario: "newsletter", signups: 2 });
    const url = await webhookUrl(base, runId);
    for (const email of ["ada@example.com", "grace@example.com"]) {
      const response = await post(url, { email });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ subscribed: true });
    }
    const run = await waitForEnd(base, runId);
    expect(run.output).toEqual({
      sent: ["Welcome mail queued for ada@example.com", "Welcome mail queued for grace@example.com"],
    });
  });

  it("answers a manual webhook with the response a step gives", async () => {
    const { runId } = await startRun(base, { scenario: "quote", quotes: 2 });
    const url = await webhookUrl(base, runId);
    const first = await post(url, { item: "gear", qty: 3 });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ item: "gear", qty: 3, total: 36, currency: "EUR" });
    const second = await post(url, { item: "bolt" });
    expect(second.status).toBe(422);
    expect((await second.json()).error).toBe("unknown item bolt");
    const run = await waitForEnd(base, runId);
    expect(run.output.quotes).toEqual([
      { item: "gear", qty: 3, total: 36 },
      { item: "bolt", qty: 1, total: 0 },
    ]);
  });

  it("resumes an approval hook from a route handler (resumeHook with a custom token)", async () => {
    const id = `t${Date.now()}`;
    const { runId, token } = await startRun(base, {
      scenario: "approval",
      expense: { id, amount: 99, description: "Books" },
    });
    expect(token).toBe(`approval:${id}`);
    await waitFor("the approval hook", async () =>
      (await getRun(base, runId)).hooks.some((h) => h.token === token && h.live),
    );

    const missing = await post(`${base}/api/approvals/not-${id}`, { approved: true });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("WF_HOOK_NOT_FOUND");

    const answer = await post(`${base}/api/approvals/${id}`, { approved: true, by: "Ada" });
    expect(answer.status).toBe(200);
    expect((await answer.json()).runId).toBe(runId);
    const run = await waitForEnd(base, runId);
    expect(run.output).toEqual({ id, approved: true, by: "Ada", receipt: "Paid 99 EUR for Books" });
    expect(run.steps.map((s) => s.name)).toEqual(["notifyApprover", "payOut"]);
  });

  it("recovers unfinished runs when the server starts again", async () => {
    const { runId } = await startRun(base, { scenario: "hello", name: "restart" });
    expect((await getRun(base, runId)).status).not.toBe("completed"); // it sleeps for 1 s
    await server!.stop("SIGKILL");
    // No request reaches the new server before its runtime reports it has started and recovered.
    server = await startNext("start", { cwd: APP_DIR, dataDir });
    base = server.url;
    const run = await waitForEnd(base, runId);
    expect(run.output).toBe("Hello, restart!");
  });
});

describe("the report service: async request-reply with a signed callback", { timeout: 60_000 }, () => {
  reportServiceTests(() => base);
});

describe("streams: a run's progress over HTTP", { timeout: 60_000 }, () => {
  streamTests(() => base);
});

describe("the same build on PostgreSQL (WORKFLOW_POSTGRES_URL)", { timeout: 60_000 }, () => {
  let db: TestDatabase;
  let pg: NextServer | undefined;
  let pgDataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase("next_app");
    pgDataDir = tempDataDir("prod-pg");
    pg = await startNext("start", {
      cwd: APP_DIR,
      dataDir: pgDataDir,
      env: { WORKFLOW_POSTGRES_URL: db.url },
    });
  }, 120_000);

  afterAll(async () => {
    await pg?.stop();
    await db?.drop();
    remove(pgDataDir);
  });

  it("runs on the PostgreSQL World: a manual webhook answered by a step, and a sleep", async () => {
    const health = await fetch(`${pg!.url}/.well-known/workflow/v1/health`);
    expect(await health.json()).toMatchObject({ ok: true, world: "postgres" });

    const { runId } = await startRun(pg!.url, { scenario: "quote", quotes: 1 });
    const url = await webhookUrl(pg!.url, runId);
    const answer = await post(url, { item: "gear", qty: 2 });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ item: "gear", qty: 2, total: 24, currency: "EUR" });
    expect((await waitForEnd(pg!.url, runId)).output.quotes).toEqual([{ item: "gear", qty: 2, total: 24 }]);

    const hello = await startRun(pg!.url, { scenario: "hello", name: "postgres" });
    expect((await waitForEnd(pg!.url, hello.runId)).output).toBe("Hello, postgres!");
  });
});
