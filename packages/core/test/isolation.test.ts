// Isolation of workflow code: an endless loop, a runaway allocation, a stack
// overflow or an unhandled rejection in one run fails that run alone (or, for
// the rejection, is logged), next to healthy runs; a run whose replay is stopped
// at start-up is failed (quarantined) and the rest recover. Small limits keep it bounded.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildWorkflowBundle } from "@wfkit/builder";
import { waitFor as until } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { Runtime, type RuntimeOptions } from "../src/host/runtime.js";
import { deserialize } from "../src/serialization/index.js";
import { testRuntime } from "./runtime-helpers.js";

const LIMITS: Partial<RuntimeOptions> = {
  activationTimeoutMs: 1000,
  sandbox: { memoryLimitMb: 64, workers: 2 },
};
/** Where a run must run out of memory: a deadline long enough that the collector's last tries under load fit in it. */
const OOM_LIMITS: Partial<RuntimeOptions> = {
  activationTimeoutMs: 5000,
  sandbox: { memoryLimitMb: 64, workers: 1 },
};

type Rt = InstanceType<typeof Runtime>;
/** The code of the error a run failed with (else its status and output). */
async function failure(rt: Rt, runId: string): Promise<string | undefined> {
  const run = await rt.waitForEnd(runId);
  if (run.status !== "failed") return `${run.status}: ${run.output ?? ""}`;
  return (deserialize(run.error!) as { code?: string }).code;
}

// Not the endless loops in the vm sandbox: Node 20's vm timeout aborts the process (a native
// assertion in InternalCallbackScope::Close) when it fires while a context drains its microtasks
// inside a promise continuation, where workflow code after an await runs. Only a worker stops them.
const LOOPS = ["spin", "spinAsync"];

describe.each(["worker", "vm"] as const)("isolation of workflow code (%s sandbox)", (mode) => {
  it("a stack overflow fails its run with WF_WORKFLOW_STACK_OVERFLOW", async () => {
    const { runtime: rt, id } = await testRuntime(["isolation.ts"], {
      ...LIMITS,
      sandbox: { ...LIMITS.sandbox, mode },
    });
    try {
      const bad = await rt.start(id("isolation.ts", "recurse"));
      const good = await Promise.all(
        Array.from({ length: 10 }, (_, i) => rt.start(id("isolation.ts", "healthy"), [i])),
      );
      expect(await failure(rt, bad.runId)).toBe("WF_WORKFLOW_STACK_OVERFLOW");
      expect(await Promise.all(good.map((r) => r.returnValue))).toEqual(
        Array.from({ length: 10 }, (_, i) => i * 8),
      );
    } finally {
      await rt.close();
    }
  });
});

describe("isolation of workflow code (worker sandbox only)", () => {
  it("a run stopped on the activation of a request recorded first keeps that request once in its log", async () => {
    const { runtime: rt, id } = await testRuntime(["isolation.ts"], {
      ...LIMITS,
      webhookBaseUrl: "http://app.test",
    });
    try {
      const run = await rt.start(id("isolation.ts", "spinOnRequest"));
      const hook = await until(
        "the webhook",
        async () => (await rt.world.listHooks({ runId: run.runId }))[0],
      );
      // A manual webhook's request is recorded on its own append, then the activation goes (record-first.ts).
      const answer = await rt.handleWebhook(
        new Request(`http://app.test/.well-known/workflow/v1/webhook/${hook.token}`, {
          method: "POST",
          body: "once",
        }),
      );
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(await failure(rt, run.runId)).toBe("WF_ACTIVATION_TIMEOUT");
      const received = (await rt.world.readEvents(run.runId)).filter((e) => e.type === "hook_received");
      expect(received).toHaveLength(1);
    } finally {
      await rt.close();
    }
  });

  it("endless loops fail with WF_ACTIVATION_TIMEOUT; 50 healthy runs complete", async () => {
    const { runtime: rt, id } = await testRuntime(["isolation.ts"], {
      ...LIMITS,
      sandbox: { ...LIMITS.sandbox, mode: "worker" },
    });
    try {
      const bad = await Promise.all(LOOPS.map((name) => rt.start(id("isolation.ts", name))));
      const good = await Promise.all(
        Array.from({ length: 50 }, (_, i) => rt.start(id("isolation.ts", "healthy"), [i])),
      );
      expect(await Promise.all(good.map((r) => r.returnValue))).toEqual(
        Array.from({ length: 50 }, (_, i) => i * 8),
      );
      expect(await Promise.all(bad.map((r) => failure(rt, r.runId)))).toEqual(
        LOOPS.map(() => "WF_ACTIVATION_TIMEOUT"),
      );
      // The runtime goes on after them.
      expect(await (await rt.start(id("isolation.ts", "healthy"), [1])).returnValue).toBe(8);
    } finally {
      await rt.close();
    }
  });

  it("a stuck activation does not hold its worker's other runs: past stallMs they move to a new worker", async () => {
    const lines: string[] = [];
    // One worker, and a deadline far past the test's timeout: the healthy runs can only
    // complete while the loop still runs if its worker's other runs moved away.
    const { runtime: rt, id } = await testRuntime(["isolation.ts"], {
      activationTimeoutMs: 600_000,
      sandbox: { memoryLimitMb: 64, workers: 1, stallMs: 50 },
      log: (_level, args) => void lines.push(args.map(String).join(" ")),
    });
    const calls: Record<string, number> = {};
    (globalThis as Record<string, unknown>).__isolationCalls = calls;
    try {
      // In flight in the worker when the loop starts, and started after it.
      const before = await Promise.all(
        Array.from({ length: 10 }, (_, i) => rt.start(id("isolation.ts", "healthy"), [i])),
      );
      const bad = await rt.start(id("isolation.ts", "spin"));
      const after = await Promise.all(
        Array.from({ length: 10 }, (_, i) => rt.start(id("isolation.ts", "healthy"), [10 + i])),
      );
      expect(await Promise.all([...before, ...after].map((r) => r.returnValue))).toEqual(
        Array.from({ length: 20 }, (_, i) => i * 8),
      );
      expect((await rt.world.getRun(bad.runId))?.status).toBe("running");
      // The warning names the run that holds the worker.
      expect(lines.some((l) => l.includes("sandbox.stallMs") && l.includes(bad.runId))).toBe(true);
      // Moved by replay, not re-run: every step of the healthy runs ran once.
      expect(Object.keys(calls)).toHaveLength(60);
      expect(Object.values(calls).every((n) => n === 1)).toBe(true);
    } finally {
      await rt.close();
    }
  });

  it("unbounded allocation fails its run with WF_WORKFLOW_OUT_OF_MEMORY; 50 healthy runs complete", async () => {
    const { runtime: rt, id } = await testRuntime(["isolation.ts"], OOM_LIMITS);
    const calls: Record<string, number> = {};
    (globalThis as Record<string, unknown>).__isolationCalls = calls;
    try {
      // One worker: every healthy run in flight shares it with the bad ones, and is rebuilt by replay.
      const bad = [await rt.start(id("isolation.ts", "hog")), await rt.start(id("isolation.ts", "spin"))];
      const good = await Promise.all(
        Array.from({ length: 50 }, (_, i) => rt.start(id("isolation.ts", "healthy"), [i])),
      );
      expect(await Promise.all(good.map((r) => r.returnValue))).toEqual(
        Array.from({ length: 50 }, (_, i) => i * 8),
      );
      expect(await Promise.all(bad.map((r) => failure(rt, r.runId)))).toEqual([
        "WF_WORKFLOW_OUT_OF_MEMORY",
        "WF_ACTIVATION_TIMEOUT",
      ]);
      // Rebuilt by replay, not re-run: every step of the healthy runs ran once.
      expect(Object.keys(calls)).toHaveLength(150);
      expect(Object.values(calls).every((n) => n === 1)).toBe(true);
      expect(await (await rt.start(id("isolation.ts", "healthy"), [2])).returnValue).toBe(16);
    } finally {
      await rt.close();
    }
  });

  it("an unhandled rejection in workflow code is logged with its run, and the run completes", async () => {
    const lines: string[] = [];
    const { runtime: rt, id } = await testRuntime(["isolation.ts"], {
      ...LIMITS,
      log: (_level, args) => void lines.push(args.map(String).join(" ")),
    });
    try {
      const run = await rt.start(id("isolation.ts", "leaveRejected"));
      expect(await run.returnValue).toBe(5);
      await expect
        .poll(() => lines.find((l) => l.includes("rejected promise unhandled")))
        .toContain(run.runId);
    } finally {
      await rt.close();
    }
  });

  it("limits that cannot be used are WF_CONFIG_INVALID", async () => {
    await expect(testRuntime(["isolation.ts"], { sandbox: { memoryLimitMb: -1 } })).rejects.toMatchObject({
      code: "WF_CONFIG_INVALID",
    });
    await expect(testRuntime(["isolation.ts"], { sandbox: { spinUs: -1 } })).rejects.toMatchObject({
      code: "WF_CONFIG_INVALID",
    });
    await expect(testRuntime(["isolation.ts"], { sandbox: { stallMs: 0 } })).rejects.toMatchObject({
      code: "WF_CONFIG_INVALID",
    });
  });

  it("runs with the sandbox's polling turned off (spinUs: 0)", async () => {
    const { runtime: rt, id } = await testRuntime(["isolation.ts"], { sandbox: { spinUs: 0 } });
    try {
      const run = await rt.start(id("isolation.ts", "leaveRejected"));
      expect(await run.returnValue).toBe(5);
    } finally {
      await rt.close();
    }
  });
});

describe("recovery quarantine", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-quarantine-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const bundle = (version: "a" | "b") =>
    buildWorkflowBundle({
      root: path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures", "quarantine", version),
      files: ["quarantine.ts"],
    });
  const wf = (name: string) => `workflow//quarantine//${name}`;

  it("runs whose replay is stopped at start-up fail with their code; the runtime recovers the rest", async () => {
    // Version A starts three runs that sleep, and stops.
    const codeA = await bundle("a");
    const a = new Runtime({
      world: sqliteWorld({ dataDir }),
      workflows: codeA,
      log: () => {},
      ...OOM_LIMITS,
    });
    await a.recover();
    const runs = [
      await a.start(wf("spinOnReplay")),
      await a.start(wf("hogOnReplay")),
      await a.start(wf("fine")),
    ];
    await a.close();
    // Runs replay on the bundle they started on; with A's bundle gone from the World, they replay on B's.
    const world = sqliteWorld({ dataDir });
    await world.deleteBundles([codeA.hash]);
    await world.close();
    // Version B's code loops or runs out of memory on replay.
    const b = new Runtime({
      world: sqliteWorld({ dataDir }),
      workflows: await bundle("b"),
      log: () => {},
      ...OOM_LIMITS,
    });
    try {
      await b.recover();
      expect(await failure(b, runs[0]!.runId)).toBe("WF_ACTIVATION_TIMEOUT");
      expect(await failure(b, runs[1]!.runId)).toBe("WF_WORKFLOW_OUT_OF_MEMORY");
      expect(await b.getRun(runs[2]!.runId).returnValue).toBe("b");
      const events = await b.world.readEvents(runs[0]!.runId);
      expect(events.map((e) => e.type).at(-1)).toBe("run_failed");
    } finally {
      await b.close();
    }
  });
});
