// Runs held alone on the PostgreSQL World (RunOwnership): the runtime that creates a run
// pipelines its turns and starts its steps before they commit. Another runtime (another
// World instance, as another process) that resumes or cancels the run waits until the
// holder let go, which it does once nothing it appended is uncommitted; a holder killed
// mid-pipeline leaves the run to the others once its liveness runs out.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";
import { Runtime } from "@wfkit/core";
import { createTestDatabase, startChild, type TestDatabase, waitFor } from "@wfkit/testing-kit";
import type { RunId, StoredEvent } from "@wfkit/world";
import { openPostgresWorld, type PostgresWorld } from "@wfkit/world-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const id = (name: string) => `workflow//held//${name}`;

interface Attempt {
  runId: string;
  i: number;
  /** Whether the step's completion was already committed when the attempt started. */
  completed: boolean;
}

let db: TestDatabase;
let dir: string;
let workflows: { code: string; hash: string };
let steps: string;
const worlds: PostgresWorld[] = [];
const runtimes: Runtime[] = [];
const attempts: Attempt[] = [];
/** Steps held at their start until the test lets them finish, by `${runId} ${i}`. */
const gates = new Map<string, { open: () => void; opened: Promise<void> }>();

function gate(runId: string, i: number) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const g = { open, opened };
  gates.set(`${runId} ${i}`, g);
  return g;
}

/** Whether `events` hold the completion of the step whose input is `[i]`. */
function completedIn(events: StoredEvent[], i: number): boolean {
  const scheduled = events.find((e) => e.type === "step_scheduled" && e.input === `j[[${i}]]`);
  return !!scheduled && events.some((e) => e.type === "step_completed" && e.opId === scheduled.opId);
}

async function runtimeOn(options: { heartbeatMs?: number; instanceTtlMs?: number } = {}) {
  const world = await openPostgresWorld({ url: db.url, ...options });
  const runtime = new Runtime({ world, workflows, log: () => {}, leaseMs: 2_000 });
  await runtime.recover();
  worlds.push(world);
  runtimes.push(runtime);
  return { world, runtime };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "wfkit-held-"));
  const root = path.join(here, "fixtures");
  const [built, stepBundle] = await Promise.all([
    buildWorkflowBundle({ root, files: ["held.ts"] }),
    buildStepBundle({ root, files: ["held.ts"], outDir: path.join(dir, "steps") }),
  ]);
  workflows = { code: built.code, hash: built.hash };
  steps = stepBundle.file;
  await import(pathToFileURL(steps).href);
  db = await createTestDatabase("held");
  const observer = await openPostgresWorld({ url: db.url });
  worlds.push(observer);
  (globalThis as Record<string, unknown>).__heldGate = {
    enter: async (runId: string, i: number) => {
      attempts.push({ runId, i, completed: completedIn(await observer.readEvents(runId), i) });
      await gates.get(`${runId} ${i}`)?.opened;
    },
  };
});

afterAll(async () => {
  for (const g of gates.values()) g.open();
  await Promise.all(runtimes.map((r) => r.close().catch(() => {})));
  await Promise.all(worlds.map((w) => w.close().catch(() => {})));
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const attemptsOf = (runId: string) => attempts.filter((a) => a.runId === runId).map((a) => a.i);

describe("runs held alone on PostgreSQL", () => {
  it("a hook resumed through another runtime while the holder pipelines the run: nothing lost or run twice", async () => {
    const a = await runtimeOn();
    const b = await runtimeOn();
    const run = await a.runtime.start(id("stepsThenHook"), ["held-token", 12]);
    const held = gate(run.runId, 5);
    await waitFor("step 5 to start", () => attemptsOf(run.runId).includes(5));
    // Held by its creator, which pipelines it: steps start before the turns scheduling them commit.
    expect(a.world.ownership.holds(run.runId)).toBe(true);
    const resumed = b.runtime.resumeHook("held-token", "from B");
    await waitFor("the holder to be asked for the run", () => !a.world.ownership.holds(run.runId));
    held.open();
    await resumed;
    expect(await run.returnValue).toEqual({ done: [...Array(12).keys()], payload: "from B" });
    // Every step ran once, none after its completion was committed.
    expect(attemptsOf(run.runId)).toEqual([...Array(12).keys()]);
    expect(attempts.filter((x) => x.runId === run.runId && x.completed)).toEqual([]);
  });

  it("a run cancelled through another runtime while the holder pipelines it: no step starts after the cancel", async () => {
    const a = await runtimeOn();
    const b = await runtimeOn();
    const run = await a.runtime.start(id("steps"), [20]);
    const held = gate(run.runId, 4);
    await waitFor("step 4 to start", () => attemptsOf(run.runId).includes(4));
    expect(a.world.ownership.holds(run.runId)).toBe(true);
    await b.runtime.cancel(run.runId);
    held.open();
    await expect(run.returnValue).rejects.toThrow(/cancel/i);
    await waitFor("the holder to be done with the run", async () => {
      const events = await a.world.readEvents(run.runId);
      return events.at(-1)?.type === "run_cancelled";
    });
    expect(attemptsOf(run.runId)).toEqual([0, 1, 2, 3, 4]);
  });

  it("the holder lets go only once the turn a step started early from has committed", async () => {
    // The holder's appends are held back here until the test lets them go (a slow commit).
    const world = await openPostgresWorld({ url: db.url });
    worlds.push(world);
    const waiting: Array<() => void> = [];
    let holdAppends = true;
    const slow = new Proxy(world, {
      get(target, prop) {
        if (prop === "append") {
          return async (request: Parameters<PostgresWorld["append"]>[0]) => {
            if (holdAppends) await new Promise<void>((resolve) => waiting.push(resolve));
            return target.append(request);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const a = new Runtime({ world: slow, workflows, log: () => {}, leaseMs: 2_000 });
    runtimes.push(a);
    await a.recover();
    const released: string[] = [];
    const release = world.ownership.release.bind(world.ownership);
    world.ownership.release = (runId) => {
      released.push(runId);
      return release(runId);
    };
    const b = await runtimeOn();
    const run = await a.start(id("steps"), [20]);
    const held = gate(run.runId, 1);
    // Step 1 starts before the turn that schedules it (held back above) commits.
    await waitFor("step 1 to start", () => attemptsOf(run.runId).includes(1));
    expect(waiting.length).toBeGreaterThan(0);
    const cancelled = b.runtime.cancel(run.runId);
    await waitFor("the holder to be asked for the run", () => !world.ownership.holds(run.runId));
    // Asked, it keeps the run while a turn it appended is uncommitted.
    expect(released).toEqual([]);
    holdAppends = false;
    for (const go of waiting.splice(0)) go();
    await waitFor("the holder to let go", () => released.includes(run.runId));
    await cancelled;
    held.open();
    await expect(run.returnValue).rejects.toThrow(/cancel/i);
    // Every step that started was scheduled by a turn that committed, before the cancel.
    const events = await world.readEvents(run.runId);
    const scheduled = events.filter((e) => e.type === "step_scheduled").length;
    expect(attemptsOf(run.runId)).toEqual([...Array(scheduled).keys()]);
    expect(events.at(-1)?.type).toBe("run_cancelled");
  });

  it("a holder killed mid-pipeline: another runtime finishes the run once its liveness runs out", async () => {
    const ledger = path.join(dir, "killed.ndjson");
    const bundle = path.join(dir, "held.json");
    writeFileSync(bundle, JSON.stringify(workflows));
    const child = startChild([path.join(here, "held-app.mjs")], {
      env: {
        WF_DB_URL: db.url,
        WF_BUNDLE: bundle,
        WF_STEPS: steps,
        WF_LEDGER: ledger,
        WF_WORKFLOW: id("steps"),
        WF_ARGS: "[15]",
        WF_STOP_AT: "7",
      },
    });
    try {
      const [, runId, holds] = await child.waitForOutput(/run (\S+) (\w+)/, 30_000);
      expect(holds).toBe("true");
      await child.waitForOutput(/entered 7/, 30_000);
      await child.stop("SIGKILL");
      const survivor = await runtimeOn({ heartbeatMs: 100, instanceTtlMs: 1000 });
      const finished = await waitFor(
        "the run to finish on the survivor",
        async () => {
          const record = await survivor.world.getRun(runId);
          return record?.status === "completed" ? record : undefined;
        },
        60_000,
      );
      expect(finished.status).toBe("completed");
      expect(await survivor.runtime.getRun(runId as RunId).returnValue).toEqual([...Array(15).keys()]);
      const killed: Attempt[] = existsSync(ledger)
        ? readFileSync(ledger, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line))
        : [];
      const all = [...killed, ...attempts.filter((x) => x.runId === runId)];
      // Every step ran; those cut short by the kill ran again; none after its completion committed.
      expect(new Set(all.map((x) => x.i))).toEqual(new Set(Array(15).keys()));
      expect(all.filter((x) => x.completed)).toEqual([]);
    } finally {
      await child.stop("SIGKILL");
    }
  });
});
