// The sandbox worker's messaging: a long batch of activations answers in parts, so the
// host gets the first answers while the worker still works on the rest (and they are not
// lost when a later activation of the batch stops the worker).
import { buildWorkflowBundle } from "@wfkit/builder";
import { afterEach, describe, expect, it } from "vitest";
import type { SandboxLimits, WorkflowSandbox } from "../src/host/sandbox-host.js";
import { WorkerSandboxHost } from "../src/host/sandbox-worker/host.js";
import { serialize } from "../src/serialization/index.js";

const fixtures = new URL("./fixtures", import.meta.url).pathname;
const LIMITS: SandboxLimits = {
  mode: "worker",
  workers: 1,
  activationTimeoutMs: 3000,
  memoryLimitMb: 128,
  stackSizeMb: 4,
  resultsEveryMs: 1,
  // Out of the way: the tests below hold a worker longer on purpose (see "retires a worker" for stalls).
  stallMs: 60_000,
  spinUs: 0,
};
const start = (sandbox: WorkflowSandbox, runId: string, name: string, args: unknown[]) =>
  sandbox.activate({
    op: "start",
    init: JSON.stringify({
      runId,
      workflowId: `workflow//sandbox-worker//${name}`,
      input: serialize(args),
      startedAt: 0,
    }),
  });

let host: WorkerSandboxHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe("sandbox worker messaging", () => {
  it("answers an activation of a batch before a later one of the same batch has ended", async () => {
    const bundle = await buildWorkflowBundle({ root: fixtures, files: ["sandbox-worker.ts"] });
    host = new WorkerSandboxHost(
      bundle.code,
      bundle.hash,
      LIMITS,
      () => "http://localhost:3000",
      () => {},
    );
    const first = host.take();
    const slow = host.take();
    const stuck = host.take();
    // The first goes alone (the worker is idle); the next two go together, as one batch.
    const a = start(first, "wrun_a", "busy", [10]);
    const b = start(slow, "wrun_b", "busy", [20_000_000]);
    const c = start(stuck, "wrun_c", "endless", []).then(
      () => "answered",
      (error: unknown) => error,
    );
    const settled = (p: Promise<unknown>) =>
      p.then(
        () => "answered",
        (e: Error) => e.name,
      );
    // `stuck` never gives control back: had the worker answered the batch only as a whole,
    // `slow`'s answer would be lost with the worker when its deadline stops it.
    expect(await settled(a)).toBe("answered");
    expect((await b).state).toMatchObject({ status: "completed" });
    expect(await c).toMatchObject({ code: "WF_ACTIVATION_TIMEOUT" });
  });

  it("retires a worker whose activation stalls: what waits behind it is lost to a replay, new instances go to a fresh worker", async () => {
    const bundle = await buildWorkflowBundle({ root: fixtures, files: ["sandbox-worker.ts"] });
    // A deadline past the test's timeout: only the stall (50 ms) can free the activations behind the loop.
    host = new WorkerSandboxHost(
      bundle.code,
      bundle.hash,
      { ...LIMITS, activationTimeoutMs: 600_000, stallMs: 50 },
      () => "http://localhost:3000",
      () => {},
    );
    const warm = host.take();
    expect((await start(warm, "wrun_w", "busy", [10])).state).toMatchObject({ status: "completed" });
    const stuck = start(host.take(), "wrun_s", "endless", []).then(
      () => "answered",
      (error: Error) => error.name,
    );
    const behind = start(host.take(), "wrun_b", "busy", [10]).then(
      () => "answered",
      (error: Error) => error.name,
    );
    expect(await behind).toBe("SandboxLostError");
    // An instance of the retired worker is lost too; a new one runs in the fresh worker meanwhile.
    await expect(start(warm, "wrun_w", "busy", [10])).rejects.toMatchObject({ name: "SandboxLostError" });
    expect((await start(host.take(), "wrun_n", "busy", [10])).state).toMatchObject({ status: "completed" });
    await host.close();
    host = undefined;
    expect(await stuck).toBe("SandboxLostError");
  });

  it("with spinUs, takes a lone activation's answer while it waits, before the event loop turns", async () => {
    const bundle = await buildWorkflowBundle({ root: fixtures, files: ["sandbox-worker.ts"] });
    // Long enough for the worker to answer on any machine: the answer must come while the host polls.
    host = new WorkerSandboxHost(
      bundle.code,
      bundle.hash,
      { ...LIMITS, spinUs: 2_000_000 },
      () => "http://localhost:3000",
      () => {},
    );
    // The worker's realm is made once it has the bundle: a first run, waited for as usual.
    await start(host.take(), "wrun_warm", "busy", [10]);
    let turned = false;
    setImmediate(() => (turned = true));
    const answer = await start(host.take(), "wrun_lone", "busy", [10]);
    expect(answer.state).toMatchObject({ status: "completed" });
    // Answered while the host polled: no turn of the event loop came in between.
    expect(turned).toBe(false);
  });
});
