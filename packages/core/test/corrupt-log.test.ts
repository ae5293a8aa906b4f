// A run whose stored events cannot be decoded is failed with WF_CORRUPT_EVENT_LOG naming the
// position, on a real SQLite file damaged between two lives of the runtime; other runs go on.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Runtime } from "../src/host/runtime.js";
import { testRuntime } from "./runtime-helpers.js";

const open = (dataDir: string) => testRuntime(["corrupt.ts"], {}, () => sqliteWorld({ dataDir }));

/** The run's failure as the World stores it (the serialized error, read as text). */
async function failure(rt: Runtime, runId: string): Promise<string> {
  const run = await waitFor(`run ${runId} to end`, async () => {
    const r = await rt.world.getRun(runId);
    return r && r.status !== "running" && r.status !== "pending" ? r : undefined;
  });
  expect(run.status).toBe("failed");
  return run.error ?? "";
}

describe("a corrupt event log", () => {
  it("fails the run with WF_CORRUPT_EVENT_LOG at the bad position; healthy runs complete", async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "wfkit-corrupt-log-")), "data");
    const first = await open(dataDir);
    const wf = (name: string) => first.id("corrupt.ts", name);
    const garbage = await first.runtime.start(wf("addThenHook"), ["tok-garbage"]);
    const bogus = await first.runtime.start(wf("addThenSleep"));
    const healthy = await first.runtime.start(wf("addThenHook"), ["tok-healthy"]);
    const idle = await first.runtime.start(wf("addThenHook"), ["tok-idle"]);
    for (const run of [garbage, healthy, idle]) {
      await waitFor("the hook", async () => (await first.runtime.world.listHooks({ runId: run.runId }))[0]);
    }
    await waitFor("the sleep", async () =>
      (await first.runtime.world.readEvents(bogus.runId)).some((e) => e.type === "sleep_scheduled"),
    );
    await first.runtime.close();

    // Damage two logs while no process has the folder open: bytes that are not JSON, and JSON that is no event.
    const db = new Database(path.join(dataDir, "world.sqlite"));
    // Events name their run by its key (SQLite World schema 9); type 0 means the body is the whole event.
    const ofRun = "run_key = (SELECT run_key FROM runs WHERE run_id = ?)";
    const set = db.prepare(`UPDATE events SET type = 0, body = ? WHERE ${ofRun} AND seq = ?`);
    expect(set.run("\u0000garbage{", garbage.runId, 2).changes).toBe(1);
    expect(set.run('{"v":1,"type":"bogus"}', bogus.runId, 3).changes).toBe(1);
    // A gap: the log of a run nothing will wake (its hook is never resumed) skips a position.
    expect(db.prepare(`DELETE FROM events WHERE ${ofRun} AND seq = 2`).run(idle.runId).changes).toBe(1);
    db.close();

    const second = await open(dataDir);
    const rt = second.runtime;
    try {
      // Touching the run (a payload for its hook) replays it: it fails, the payload is refused.
      await expect(rt.resumeHook("tok-garbage", 1)).rejects.toMatchObject({ code: "WF_HOOK_NOT_FOUND" });
      const g = await failure(rt, garbage.runId);
      expect(g).toContain("WF_CORRUPT_EVENT_LOG");
      expect(g).toContain(`run ${garbage.runId} is corrupt at position 2`);
      await expect(rt.getRun(garbage.runId).returnValue).rejects.toMatchObject({
        code: "WF_RUN_FAILED",
        cause: { code: "WF_CORRUPT_EVENT_LOG" },
      });
      // Its timer comes due after the restart: the replay finds the bad event and fails the run.
      const b = await failure(rt, bogus.runId);
      expect(b).toContain("is corrupt at position 3");
      // The stored error is serialized JSON, so the quotes come escaped.
      expect(b).toContain('\\"bogus\\" is not an event type');
      // Nothing wakes this one: the check of unfinished logs after the restart fails it.
      const i = await failure(rt, idle.runId);
      expect(i).toContain("is corrupt at position 2: the event there has position 3");
      // Not left with live hooks or queued work.
      expect(await rt.world.listHooks({ runId: garbage.runId })).toEqual([]);
      expect(await rt.world.nextAvailableAt()).toBeNull();

      await rt.resumeHook("tok-healthy", 4);
      expect(await rt.getRun(healthy.runId).returnValue).toBe(7);
      // The failure is appended after the damage, which stays where it was for investigation.
      const raw = new Database(path.join(dataDir, "world.sqlite"), { readonly: true });
      const last = raw
        .prepare(
          "SELECT type, body FROM events WHERE run_key = (SELECT run_key FROM runs WHERE run_id = ?) ORDER BY seq DESC LIMIT 1",
        )
        .get(garbage.runId) as { type: number; body: string };
      raw.close();
      // 19: run_failed's stored type code.
      expect(last.type).toBe(19);
      expect(JSON.parse(last.body)).toHaveProperty("error");
    } finally {
      await rt.close();
    }
  });
});
