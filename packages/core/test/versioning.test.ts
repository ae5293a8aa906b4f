import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";
import { waitFor } from "@wfkit/testing-kit";
import { runId, type World } from "@wfkit/world";
import { memoryWorld } from "@wfkit/world/memory";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunBundles } from "../src/host/bundles.js";
import { Runtime } from "../src/host/runtime.js";
import type { SandboxHost } from "../src/host/sandbox-host.js";
import { createInspector } from "../src/inspect/index.js";

// Runs stay on their build: 20 runs wait on version 1, the code changes to version 2
// (which would diverge their histories), and all 20 finish on version 1 while new runs
// take version 2, after an in-process reload and after a restart on another World instance.

const here = path.dirname(new URL(import.meta.url).pathname);
const stepsDir = path.join(here, "..", ".wfkit");
const ORDER = "workflow//orders//order";

async function build(version: "v1" | "v2" | "v3") {
  const root = path.join(here, "fixtures", "versions", version);
  const [workflows, steps] = await Promise.all([
    buildWorkflowBundle({ root, files: ["orders.ts"] }),
    buildStepBundle({
      root,
      files: ["orders.ts"],
      outDir: mkdtempSync(path.join(mkdirSync(stepsDir, { recursive: true }) ?? stepsDir, "steps-")),
    }),
  ]);
  await import(pathToFileURL(steps.file).href);
  return workflows;
}

let v1: Awaited<ReturnType<typeof build>>;
let v2: Awaited<ReturnType<typeof build>>;
beforeAll(async () => {
  v1 = await build("v1");
  v2 = await build("v2");
  expect(v1.hash).not.toBe(v2.hash);
});

const ids = Array.from({ length: 20 }, (_, i) => `o${i}`);

async function startWaiting(runtime: Runtime): Promise<string[]> {
  const runs = await Promise.all(ids.map((id) => runtime.start(ORDER, [id])));
  for (const id of ids) await waitFor(`hook go-${id}`, () => runtime.world.getHook(`go-${id}`));
  return runs.map((r) => r.runId);
}

async function bundleOf(world: World, runId: string): Promise<string | undefined> {
  const [created] = await world.readEvents(runId);
  return created?.type === "run_created" ? created.bundle : undefined;
}

describe("runs stay on their build", () => {
  it("a reload under 20 waiting runs: all 20 finish on version 1, a new run takes version 2", async () => {
    const runtime = new Runtime({ world: memoryWorld(), workflows: v1, log: () => {} });
    await runtime.recover();
    try {
      const old = await startWaiting(runtime);
      runtime.reload(v2);
      const fresh = await runtime.start(ORDER, ["new"]);
      await waitFor("the new run's hook", () => runtime.world.getHook("go-new"));
      for (const id of [...ids, "new"]) await runtime.resumeHook(`go-${id}`, `go ${id}`);
      for (const [i, runId] of old.entries()) {
        expect(await runtime.getRun(runId).returnValue).toEqual(["v1", `go o${i}`, `tagged o${i}`]);
        expect(await bundleOf(runtime.world, runId)).toBe(v1.hash);
      }
      expect(await fresh.returnValue).toEqual(["v2", "go new", "tagged new", "prepared new"]);
      expect(await bundleOf(runtime.world, fresh.runId)).toBe(v2.hash);
    } finally {
      await runtime.close();
    }
  });

  it("a restart on version 2 (a deploy): runs started on version 1 load its bundle from the World and finish on it", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-versioning-"));
    try {
      const before = new Runtime({ world: sqliteWorld({ dataDir }), workflows: v1, log: () => {} });
      await before.recover();
      const old = await startWaiting(before);
      await before.close();

      const logs: unknown[][] = [];
      const after = new Runtime({
        world: sqliteWorld({ dataDir }),
        workflows: v2,
        log: (_level, args) => logs.push(args),
      });
      await after.recover();
      try {
        expect(await after.world.getBundle(v1.hash)).toBe(v1.code);
        for (const id of ids) await after.resumeHook(`go-${id}`, `go ${id}`);
        for (const [i, runId] of old.entries()) {
          expect(await after.getRun(runId).returnValue).toEqual(["v1", `go o${i}`, `tagged o${i}`]);
        }
        const fresh = await after.start(ORDER, ["new"]);
        await waitFor("the new run's hook", () => after.world.getHook("go-new"));
        await after.resumeHook("go-new", "go new");
        expect(((await fresh.returnValue) as string[])[0]).toBe("v2");
        expect(logs.flat().join("\n")).not.toContain("WF_REPLAY_DIVERGED");
      } finally {
        await after.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("patched(), with runs moved onto new code (versioning: latest)", () => {
  it("runs recorded on version 1 replay on version 3 with patched() false; a new run takes the patch", async () => {
    const v3 = await build("v3");
    const runtime = new Runtime({ world: memoryWorld(), workflows: v1, log: () => {}, versioning: "latest" });
    await runtime.recover();
    try {
      const old = await startWaiting(runtime);
      runtime.reload(v3);
      const fresh = await runtime.start(ORDER, ["new"]);
      await waitFor("the new run's hook", () => runtime.world.getHook("go-new"));
      for (const id of [...ids, "new"]) await runtime.resumeHook(`go-${id}`, `go ${id}`);
      for (const [i, runId] of old.entries()) {
        // The old runs finished on version 3's code, on its old branch: no divergence.
        expect(await runtime.getRun(runId).returnValue).toEqual([
          "v3",
          `go o${i}`,
          `tagged o${i}`,
          "not prepared",
        ]);
      }
      expect(await fresh.returnValue).toEqual(["v3", "go new", "tagged new", "prepared new"]);
      const events = await runtime.world.readEvents(fresh.runId);
      expect(events.find((e) => e.type === "patch_marker")).toMatchObject({ patchId: "prepare", opId: 1 });
    } finally {
      await runtime.close();
    }
  });

  it("without the patch (version 2) the run diverges and is parked, not failed; compatible code (version 3) resumes it", async () => {
    const v3 = await build("v3");
    const logs: string[] = [];
    const runtime = new Runtime({
      world: memoryWorld(),
      workflows: v1,
      log: (_level, args) => logs.push(args.map(String).join(" ")),
      versioning: "latest",
    });
    await runtime.recover();
    try {
      const run = await runtime.start(ORDER, ["x"]);
      await waitFor("hook go-x", () => runtime.world.getHook("go-x"));
      runtime.reload(v2);
      // Recorded once applied: the parked run holds the payload until it can take it.
      const delivered = runtime.resumeHook("go-x", "go");
      const parked = await waitFor("the parking log line", () => logs.find((l) => l.includes("is parked")));
      expect(parked).toContain(`run ${run.runId} is parked until compatible code is deployed`);
      expect(parked).toContain("position 2 (hook_created)");
      expect((await runtime.world.getRun(run.runId))?.status).toBe("running");
      // Durable: the log ends with a run_parked marker, so inspect (any process, no server) shows why.
      const inspector = createInspector(runtime.world);
      const whileParked = await inspector.inspectRun(run.runId);
      expect(whileParked.status).toBe("running");
      expect(whileParked.parked).toMatchObject({ code: "WF_REPLAY_DIVERGED", position: 2 });
      expect(whileParked.parked?.message).toContain("position 2 (hook_created)");
      // Another build that still diverges (in `wf dev`, a save of another file) parks the run
      // again at the same position: no second marker.
      const rebuilt = `${v2.hash.slice(0, -1)}${v2.hash.endsWith("0") ? "1" : "0"}`;
      runtime.reload({ ...v2, hash: rebuilt });
      await waitFor(
        "the second parking log line",
        () => logs.filter((l) => l.includes("is parked")).length >= 2,
      );
      const markers = (await runtime.world.readEvents(run.runId)).filter((e) => e.type === "run_parked");
      expect(markers).toHaveLength(1);
      runtime.reload(v3);
      await delivered;
      expect(await run.returnValue).toEqual(["v3", "go", "tagged x", "not prepared"]);
      // Continued: its next events follow the marker, and inspect no longer shows it parked.
      const events = await runtime.world.readEvents(run.runId);
      expect(events.findIndex((e) => e.type === "run_parked")).toBeLessThan(events.length - 1);
      expect((await inspector.inspectRun(run.runId)).parked).toBeUndefined();
    } finally {
      await runtime.close();
    }
  });
});

describe("a parked run across a deploy", () => {
  it("a process with compatible code resumes it; a payload waiting on it when its process closed is refused, not left hanging", async () => {
    const v3 = await build("v3");
    const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-parked-restart-"));
    const logs: string[] = [];
    const log = (_level: string, args: unknown[]) => logs.push(args.map(String).join(" "));
    const open = (workflows: typeof v1) =>
      new Runtime({ world: sqliteWorld({ dataDir }), workflows, log, versioning: "latest" });
    try {
      const first = open(v1);
      await first.recover();
      const run = await first.start(ORDER, ["deploy"]);
      await waitFor("hook go-deploy", () => first.world.getHook("go-deploy"));
      await first.close();

      // A deploy of incompatible code: the payload parks the run, and waits with it.
      const second = open(v2);
      await second.recover();
      const waiting = second.resumeHook("go-deploy", "first try").then(
        () => undefined,
        (error: unknown) => error,
      );
      await waitFor("the parking log line", () => logs.find((l) => l.includes(`run ${run.runId} is parked`)));
      await second.close();
      // Its process closed: the caller hears that the payload was not recorded.
      const refused = (await waiting) as { code?: string; message?: string };
      expect(refused?.code).toBe("WF_RUN_PARKED");
      expect(refused?.message).toContain(`The run ${run.runId} is parked`);

      // The next deploy matches the log (the change under patched()): the run takes a payload again.
      const third = open(v3);
      await third.recover();
      try {
        await third.resumeHook("go-deploy", "second try");
        expect(await third.getRun(run.runId).returnValue).toEqual([
          "v3",
          "second try",
          "tagged deploy",
          "not prepared",
        ]);
        const types = (await third.world.readEvents(run.runId)).map((e) => e.type);
        expect(types.filter((t) => t === "hook_received")).toHaveLength(1);
        expect(types.indexOf("run_parked")).toBeLessThan(types.indexOf("hook_received"));
      } finally {
        await third.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("what is kept", () => {
  let world: World;
  afterAll(async () => world?.close());

  it("prune keeps the current bundle and those of unfinished runs; deletes the rest once past the grace period", async () => {
    world = memoryWorld();
    const dropped: string[] = [];
    const host: SandboxHost = {
      take: () => {
        throw new Error("not used");
      },
      setScript: () => {},
      addScript: () => {},
      dropScript: (hash) => dropped.push(hash),
      close: async () => {},
    };
    const bundles = new RunBundles(world, host, { code: "current", hash: "sha-current" }, () => {});
    await bundles.ensureStored();
    for (const hash of ["sha-live", "sha-ended", "sha-unused"]) await world.putBundle(hash, hash);
    await world.createRun({
      runId: runId("wrun_live"),
      workflowId: "wf",
      input: "[]",
      at: 1,
      bundle: "sha-live",
    });
    const ended = runId("wrun_ended");
    await world.createRun({ runId: ended, workflowId: "wf", input: "[]", at: 2, bundle: "sha-ended" });
    await world.append({ runId: ended, events: [], run: { status: "completed", completedAt: 3 } });
    // Within the grace period nothing is deleted (another process may still start runs on it).
    expect(await bundles.prune(Date.now())).toEqual([]);
    const deleted = await bundles.prune(Date.now() + 2 * 60 * 60_000);
    expect(deleted.sort()).toEqual(["sha-ended", "sha-unused"]);
    expect((await world.listBundles()).map((b) => b.hash).sort()).toEqual(["sha-current", "sha-live"]);
  });
});
