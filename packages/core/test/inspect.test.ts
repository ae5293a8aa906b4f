import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase, waitFor } from "@wfkit/testing-kit";
import type { World } from "@wfkit/world";
// Not a declared dependency of core (world-postgres depends on core for its own tests):
// resolved from the workspace, as the CLI's PostgreSQL test does.
import { migratePostgres, openPostgresWorld } from "@wfkit/world-postgres";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkflowError } from "../src/errors/index.js";
import type { Runtime } from "../src/host/runtime.js";
import { WEBHOOK_PATH } from "../src/host/webhook.js";
import { createInspector, type Inspector } from "../src/inspect/index.js";
import { testRuntime } from "./runtime-helpers.js";

const BASE = "http://app.test";
const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-inspect-"));

for (const worldName of ["memory", "sqlite", "postgres"] as const) {
  describe(`inspect API on the ${worldName} World`, () => {
    let rt: Runtime;
    let wf: (name: string) => string;
    let inspector: Inspector;
    let db: TestDatabase | undefined;

    beforeAll(async () => {
      let world: World | undefined;
      if (worldName === "sqlite") world = sqliteWorld({ dataDir, flushOn: "microtask" });
      if (worldName === "postgres") {
        db = await createTestDatabase("core_inspect");
        await migratePostgres(db.url);
        world = await openPostgresWorld(db.url);
      }
      const t = await testRuntime(["inspect.ts"], { webhookBaseUrl: BASE }, (memory) => world ?? memory);
      rt = t.runtime;
      wf = (name) => t.id("inspect.ts", name);
      inspector = createInspector(rt.world);
    });
    afterAll(async () => {
      await rt?.close();
      await db?.drop();
      if (worldName === "sqlite") await rm(dataDir, { recursive: true, force: true });
    });

    it("shows a run's steps with each attempt, its sleep, the webhook request with its response, and its hook", async () => {
      const key = `k-${worldName}`;
      const run = await rt.start(wf("order"), [key, 42]);
      const webhook = await waitFor("the webhook", async () =>
        (await rt.world.listHooks({ runId: run.runId })).find((h) => h.kind === "webhook"),
      );
      const answer = await rt.handleWebhook(
        new Request(`${BASE}${WEBHOOK_PATH}${webhook.token}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ok: true }),
        }),
      );
      expect(await answer.json()).toEqual({ received: true });
      await waitFor("the approval hook", async () =>
        (await rt.world.listHooks({ runId: run.runId })).find((h) => h.token === `approve:${key}`),
      );

      const waiting = await inspector.inspectRun(run.runId);
      expect(waiting.status).toBe("running");
      expect(waiting.hooks.map((h) => [h.kind, h.status])).toEqual([
        ["webhook", "waiting"],
        ["hook", "waiting"],
      ]);

      await rt.resumeHook(`approve:${key}`, { by: "ada" });
      await run.returnValue;
      const view = await inspector.inspectRun(run.runId);
      expect(view).toMatchObject({
        runId: run.runId,
        workflowId: wf("order"),
        status: "completed",
        input: [key, 42],
        output: { charged: 42, attempt: 2, approvedBy: "ada" },
      });
      expect(view.eventCount).toBe((await rt.world.readEvents(run.runId)).length);

      const [step] = view.steps;
      expect(view.steps).toHaveLength(1);
      expect(step).toMatchObject({
        stepId: expect.stringContaining("charge"),
        status: "completed",
        input: [key, 42],
      });
      expect(step.attempts.map((a) => [a.attempt, a.status])).toEqual([
        [1, "retrying"],
        [2, "completed"],
      ]);
      const [first, second] = step.attempts;
      expect(first.error).toMatchObject({ name: "Error", message: "card network timeout" });
      expect(first.error?.stack).toContain("charge");
      expect(first.retryAt).toBe(second.startedAt);
      expect(second.endedAt).toBeGreaterThanOrEqual(second.startedAt);

      expect(view.sleeps).toHaveLength(1);
      expect(view.sleeps[0].firedAt).toBeGreaterThanOrEqual(view.sleeps[0].scheduledAt);

      const [hook, approval] = view.hooks;
      expect(hook).toMatchObject({ kind: "webhook", respondWith: "manual", status: "ended" });
      expect(hook.requests).toHaveLength(1);
      expect(hook.requests[0]).toMatchObject({
        payload: { method: "POST", headers: { "content-type": "application/json" }, body: '{"ok":true}' },
        response: { status: 200, body: '{"received":true}' },
      });
      expect(approval).toMatchObject({ kind: "hook", token: `approve:${key}`, status: "ended" });
      expect(approval.requests.map((r) => r.payload)).toEqual([{ by: "ada" }]);
    });

    it("lists the stream namespaces a run wrote to, and reads their chunks", async () => {
      const run = await rt.start(wf("report"), ["r-1"]);
      await run.returnValue;
      const view = await inspector.inspectRun(run.runId);
      expect(view.streams).toEqual([
        { namespace: "", tailIndex: 0, closed: false },
        { namespace: "audit", tailIndex: 0, closed: true },
      ]);
      expect(await inspector.listStreams(run.runId)).toEqual(view.streams);
      expect(await inspector.readStream(run.runId, "audit")).toEqual({
        namespace: "audit",
        chunks: [{ index: 0, value: "audited r-1" }],
        tailIndex: 0,
        closed: true,
      });
      expect((await inspector.readStream(run.runId)).chunks).toEqual([{ index: 0, value: "report r-1" }]);
      // A run that wrote nothing has no streams.
      const quiet = await rt.start(wf("declined"), []);
      await quiet.returnValue.catch(() => {});
      expect((await inspector.inspectRun(quiet.runId)).streams).toEqual([]);
    });

    it("shows a failed run's error with the user's message", async () => {
      const run = await rt.start(wf("declined"), []);
      await expect(run.returnValue).rejects.toThrow("card declined");
      const view = await inspector.inspectRun(run.runId);
      expect(view.status).toBe("failed");
      expect(view.error).toMatchObject({ message: "card declined" });
      expect(view.steps[0]).toMatchObject({ status: "failed", error: { message: "card declined" } });
      expect(view.steps[0].attempts).toHaveLength(1);
    });

    it("lists runs newest first with filters and cursor pages, and pages raw events", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const run = await rt.start(wf("declined"), []);
        await run.returnValue.catch(() => {});
        ids.push(run.runId);
      }
      const newest = [...ids].reverse();
      const all = await inspector.listRuns({ workflow: wf("declined"), status: "failed", limit: 1000 });
      expect(all.runs.slice(0, 5).map((r) => r.runId)).toEqual(newest);
      expect(all.nextCursor).toBeUndefined();

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await inspector.listRuns({ workflow: wf("declined"), limit: 2, cursor });
        expect(page.runs.length).toBeLessThanOrEqual(2);
        seen.push(...page.runs.map((r) => r.runId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all.runs.map((r) => r.runId));
      expect((await inspector.listRuns({ workflow: "nope" })).runs).toEqual([]);
      expect((await inspector.listRuns({ since: Date.now() + 60_000 })).runs).toEqual([]);
      // A time range: since is inclusive, until exclusive.
      const oldest = all.runs.at(-1)!;
      const window = { workflow: wf("declined"), since: oldest.createdAt, until: new Date(Date.now() + 1) };
      expect((await inspector.listRuns({ ...window, limit: 1000 })).runs).toEqual(all.runs);
      const before = await inspector.listRuns({ workflow: wf("declined"), until: oldest.createdAt });
      expect(before.runs).toEqual([]);

      const events = await rt.world.readEvents(ids[0]);
      const first = await inspector.listEvents(ids[0], { limit: 2 });
      expect(first.events).toEqual(events.slice(0, 2));
      const rest = await inspector.listEvents(ids[0], { cursor: first.nextCursor });
      expect([...first.events, ...rest.events]).toEqual(events);
      expect(rest.nextCursor).toBeUndefined();
    });

    it("refuses bad queries with WF_INSPECT_INVALID_QUERY and unknown runs with WF_RUN_NOT_FOUND", async () => {
      for (const bad of [{ status: "done" as never }, { limit: 0 }, { cursor: "not-a-cursor" }]) {
        const error = await inspector.listRuns(bad).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WorkflowError);
        expect((error as WorkflowError).code).toBe("WF_INSPECT_INVALID_QUERY");
      }
      await expect(inspector.inspectRun("wrun_missing")).rejects.toMatchObject({ code: "WF_RUN_NOT_FOUND" });
      await expect(inspector.listEvents("wrun_missing")).rejects.toMatchObject({ code: "WF_RUN_NOT_FOUND" });
    });
  });
}
