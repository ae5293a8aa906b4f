// Without @opentelemetry/api (an optional peer the app may not have), tracing
// attaches nothing: no observer of commits, no wrapper around step attempts.
import { memoryWorld } from "@wfkit/world/memory";
import { describe, expect, it, vi } from "vitest";
import type { LifecycleObserver } from "../src/host/lifecycle-log.js";
import { attachTracing } from "../src/host/tracing/attach.js";
import type { StepTracer } from "../src/host/tracing/run-tracer.js";
import { testRuntime } from "./runtime-helpers.js";

vi.mock("@opentelemetry/api", () => {
  throw new Error("Cannot find package '@opentelemetry/api'");
});

describe("tracing without @opentelemetry/api", () => {
  it("attaches no observer and no step tracer, and runs go on", async () => {
    const lifecycle: { observer: LifecycleObserver | undefined } = { observer: undefined };
    const steps: { tracer: StepTracer | undefined } = { tracer: undefined };
    await attachTracing(lifecycle, steps, memoryWorld());
    expect(lifecycle.observer).toBeUndefined();
    expect(steps.tracer).toBeUndefined();

    const { runtime, id } = await testRuntime(["inspect.ts"]);
    try {
      const run = await runtime.start(id("inspect.ts", "report"), ["no-otel"]);
      expect(await run.returnValue).toBe("no-otel");
    } finally {
      await runtime.close();
    }
  });
});
