import { waitFor } from "@wfkit/testing-kit";
import { describe, expect, it } from "vitest";
import { testRuntime } from "./runtime-helpers.js";

// A run's log ends with its terminal event: a step attempt that fails while the run
// is being cancelled appends nothing after `run_cancelled`.

interface Gate {
  started: number;
  release: Promise<void>;
}

describe("cancelling a run while a step attempt fails, on the memory World", () => {
  it("ends the log with run_cancelled, 20 of 20 times", async () => {
    const { runtime, id } = await testRuntime(["semantics.ts"], {
      retry: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    try {
      for (let i = 0; i < 20; i++) {
        let release!: () => void;
        const gate: Gate = { started: 0, release: new Promise<void>((r) => (release = r)) };
        (globalThis as Record<string, unknown>).__semGate = gate;
        const run = await runtime.start(id("semantics.ts", "retriedStep"));
        await waitFor("the step attempt running", async () => gate.started === 1 || undefined);
        const cancelled = runtime.cancel(run.runId);
        release();
        await cancelled;
        const record = await runtime.waitForEnd(run.runId);
        expect(record.status).toBe("cancelled");
        // An append after the cancelling one is refused by the World (run_ended): only one
        // merged into it could follow run_cancelled, and that one is committed by now.
        const events = await runtime.world.readEvents(run.runId);
        expect(events.at(-1)?.type, events.map((e) => e.type).join(",")).toBe("run_cancelled");
      }
    } finally {
      await runtime.close();
    }
  });
});
