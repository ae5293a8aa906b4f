// Webhook ingest (issue 16): requests are group-committed across runs and answered once durable;
// a request that would wait for its run's activation (other activations running) is recorded
// in its own append first. A failed commit answers 503 WF_WEBHOOK_NOT_RECORDED and records nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor as until } from "@wfkit/testing-kit";
import type { AppendRequest, World } from "@wfkit/world";
import { sqliteWorld } from "@wfkit/world-sqlite";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { Runtime } from "../src/host/runtime.js";
import { WEBHOOK_PATH } from "../src/host/webhook.js";
import { testRuntime } from "./runtime-helpers.js";
import { holdingCalls } from "./world-gate.js";

const BASE = "http://app.test";
const post = (rt: Runtime, token: string, body: string) =>
  rt.handleWebhook(new Request(`${BASE}${WEBHOOK_PATH}${token}`, { method: "POST", body }));
const tokenOf = (rt: Runtime, runId: string) =>
  until(`the webhook of ${runId}`, async () => (await rt.world.listHooks({ runId }))[0]?.token);
const bodiesIn = async (rt: Runtime, runId: string) =>
  (await rt.world.readEvents(runId)).filter((e) => e.type === "hook_received").length;
/** The SQLite World's group committer, to count its commits (each one fsync). */
const commitsOf = (world: World) =>
  (world as unknown as { committer: { commits: number } }).committer.commits;

const dirs: string[] = [];
let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.close();
  rt = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
async function start(world: World) {
  const t = await testRuntime(["ingest.ts"], { webhookBaseUrl: BASE, world });
  rt = t.runtime;
  return { rt: t.runtime, echo: t.id("ingest.ts", "webhookEcho") };
}
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "wf-ingest-"));
  dirs.push(dir);
  return dir;
}

describe("webhook ingest", () => {
  it("concurrent requests to many runs share commits; every 202'd body is in a completed run", async () => {
    const world = sqliteWorld({ dataDir: dataDir() });
    const { rt, echo } = await start(world);
    const n = 60;
    const runs = await Promise.all(Array.from({ length: n }, () => rt.start(echo)));
    const tokens = await Promise.all(runs.map((r) => tokenOf(rt, r.runId)));
    const before = commitsOf(world);
    const answers = await Promise.all(tokens.map((token, i) => post(rt, token, `body ${i}`)));
    const commits = commitsOf(world) - before;
    expect(answers.map((a) => a.status)).toEqual(Array(n).fill(202));
    // One commit per request would be n; the requests arrived together, so they shared commits.
    expect(commits).toBeLessThan(n);
    for (const [i, run] of runs.entries()) {
      expect(await bodiesIn(rt, run.runId)).toBe(1);
      expect(await run.returnValue).toEqual({ method: "POST", body: `body ${i}` });
    }
  });

  it("while other activations run, answers a request once it is durable, before its run's activation commits", async () => {
    // Holds every append that ends a run: the activation that applies the request.
    const gate = holdingCalls(
      sqliteWorld({ dataDir: dataDir() }),
      "append",
      (request) => request.run?.status === "completed",
    );
    const { rt, echo } = await start(gate.world);
    const run = await rt.start(echo);
    const token = await tokenOf(rt, run.runId);
    // Another run's activation in progress (counted as the runtime counts them): this request would queue behind it.
    rt.activating += 1;
    const answer = await post(rt, token, "early");
    rt.activating -= 1;
    expect(answer.status).toBe(202);
    expect(await bodiesIn(rt, run.runId)).toBe(1);
    expect((await rt.world.getRun(run.runId))?.status).toBe("running");
    gate.release();
    expect(await run.returnValue).toEqual({ method: "POST", body: "early" });
  });

  it("while woken runs wait behind requests (answers first), a request is answered on its own commit and its run's turn waits too", async () => {
    const { rt, echo } = await start(sqliteWorld({ dataDir: dataDir() }));
    const run = await rt.start(echo);
    const token = await tokenOf(rt, run.runId);
    // Another run's activation waiting at the gate, which this test opens.
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    let turnsTaken = 0;
    Object.defineProperty(rt, "answersFirst", {
      value: {
        waiters: 1,
        recorded: () => {},
        turn: () => {
          turnsTaken++;
          return opened;
        },
      },
    });
    const answer = await post(rt, token, "ahead");
    expect(answer.status).toBe(202);
    expect(await bodiesIn(rt, run.runId)).toBe(1);
    // Recorded and answered; the run's own turn is behind the gate.
    await until("the run's turn at the gate", () => turnsTaken === 1 || undefined);
    expect((await rt.world.getRun(run.runId))?.status).toBe("running");
    open();
    expect(await run.returnValue).toEqual({ method: "POST", body: "ahead" });
  });

  it("a failed commit answers 503 WF_WEBHOOK_NOT_RECORDED and records nothing; a retry is recorded", async () => {
    const dir = dataDir();
    // No waiting for SQLite's lock: a write while another connection holds it fails at once.
    const world = sqliteWorld({ dataDir: dir, busyTimeoutMs: 0 });
    const { rt, echo } = await start(world);
    const run = await rt.start(echo);
    const token = await tokenOf(rt, run.runId);
    const lastSeq = (await rt.world.getRun(run.runId))!.lastSeq;
    const other = new Database(path.join(dir, "world.sqlite"));
    other.exec("BEGIN IMMEDIATE");
    let answer: Response;
    try {
      answer = await post(rt, token, "lost");
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("WF_WEBHOOK_NOT_RECORDED");
    expect(await bodiesIn(rt, run.runId)).toBe(0);
    expect((await rt.world.getRun(run.runId))?.lastSeq).toBe(lastSeq);
    expect((await post(rt, token, "again")).status).toBe(202);
    expect(await run.returnValue).toEqual({ method: "POST", body: "again" });
    expect(await bodiesIn(rt, run.runId)).toBe(1);
  });

  it("a request recorded first is applied after a crash before its activation: the next runtime wakes the run", async () => {
    // The activation that would apply the request never commits: the process "dies" there.
    const never = new Promise<never>(() => {});
    const dieBeforeEnd = (w: World): World =>
      new Proxy(w, {
        get(target, key, receiver) {
          if (key !== "append") return Reflect.get(target, key, receiver);
          return (request: AppendRequest) =>
            request.run?.status === "completed" ? never : target.append(request);
        },
      });
    const dir = dataDir();
    const first = await testRuntime(["ingest.ts"], { webhookBaseUrl: BASE }, () =>
      dieBeforeEnd(sqliteWorld({ dataDir: dir })),
    );
    const echo = first.id("ingest.ts", "webhookEcho");
    const run = await first.runtime.start(echo);
    const token = await tokenOf(first.runtime, run.runId);
    first.runtime.activating += 1; // another run's activation in progress: the request is recorded first
    expect((await post(first.runtime, token, "before the crash")).status).toBe(202);
    expect(await bodiesIn(first.runtime, run.runId)).toBe(1);
    await first.runtime.close();
    // The next process on the data folder: nothing calls the run again, yet it ends with the body.
    const next = await testRuntime(["ingest.ts"], { webhookBaseUrl: BASE }, () =>
      sqliteWorld({ dataDir: dir }),
    );
    rt = next.runtime;
    expect(await next.runtime.getRun(run.runId).returnValue).toEqual({
      method: "POST",
      body: "before the crash",
    });
    expect(await bodiesIn(next.runtime, run.runId)).toBe(1);
  });
});
