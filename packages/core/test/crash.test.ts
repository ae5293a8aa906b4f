import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type NotYet, startChild, waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { describe, expect, it } from "vitest";
import { deserialize } from "../src/serialization/index.js";

// Needs the built packages (npm test builds first): the child runs plain node on dist/.
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "crash-child.mjs");

// Checks every 5 ms: the child is killed soon after a condition holds, mid-run.
const until = <T>(what: string, check: () => T | NotYet) =>
  waitFor(what, check, { timeoutMs: 60_000, maxIntervalMs: 5 });

function lines(log: string): Array<{ step: number; pid: number }> {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [step, pid] = l.split(" ").map(Number);
      return { step: step!, pid: pid! };
    });
}

/** What the log had committed when the process died: completed step indices and the pending timer. */
async function committed(dataDir: string) {
  const world = sqliteWorld({ dataDir });
  try {
    const [run] = await world.listRuns();
    const events = run ? await world.readEvents(run.runId) : [];
    const stepOf = new Map<number, number>();
    for (const e of events)
      if (e.type === "step_scheduled") stepOf.set(e.opId, deserialize<[[number]]>(e.input)[0][0]);
    const done = events
      .filter((e) => e.type === "step_completed")
      .map((e) => stepOf.get((e as { opId: number }).opId)!);
    const sleep = events.find((e) => e.type === "sleep_scheduled") as { wakeAt: number } | undefined;
    const fired = events.some((e) => e.type === "sleep_fired");
    return { done, wakeAt: sleep && !fired ? sleep.wakeAt : undefined };
  } finally {
    await world.close();
  }
}

describe("crash safety", () => {
  it("finishes a run killed with SIGKILL mid-run; committed steps never run again; timers due while down fire", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "wfkit-crash-test-"));
    const dataDir = path.join(dir, "data");
    const log = path.join(dir, "steps.log");
    const committedBy: Array<{ pidsBefore: Set<number>; done: number[] }> = [];
    const pids = new Set<number>();

    // First life: killed after a few steps ran.
    let c = startChild([child, dataDir, log]);
    pids.add(c.process.pid!);
    await until("three steps", () => lines(log).length >= 3);
    await c.stop("SIGKILL");
    committedBy.push({ pidsBefore: new Set(pids), done: (await committed(dataDir)).done });

    // Second life: killed once step 5 ran, around the sleep.
    c = startChild([child, dataDir, log]);
    pids.add(c.process.pid!);
    await until("step 5", () => lines(log).some((l) => l.step === 5));
    await c.stop("SIGKILL");
    const state = await committed(dataDir);
    committedBy.push({ pidsBefore: new Set(pids), done: state.done });
    // Stay down until the timer is due, so it must fire from the World after restart.
    if (state.wakeAt !== undefined)
      await until("the timer to fall due", () => Date.now() > state.wakeAt! + 5);

    // Third life: runs to the end.
    c = startChild([child, dataDir, log]);
    const result = await until("the result", () => /RESULT (.*)/.exec(c.output())?.[1]);
    await c.exited;
    const expected = Array.from({ length: 12 }, (_, i) => i * 2).reduce((a, b) => a + b, 0) + 200 + 202 + 204;
    expect(JSON.parse(result)).toBe(expected);

    const ran = lines(log);
    for (const step of [...Array.from({ length: 12 }, (_, i) => i), 100, 101, 102]) {
      expect(
        ran.some((l) => l.step === step),
        `step ${step} ran`,
      ).toBe(true);
    }
    for (const { pidsBefore, done } of committedBy) {
      for (const step of done) {
        const later = ran.filter((l) => l.step === step && !pidsBefore.has(l.pid));
        expect(later, `step ${step} was committed, yet ran again after a restart`).toEqual([]);
      }
    }
  }, 120_000);
});
