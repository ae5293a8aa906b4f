// The `workflow/api` surface as a user of the `workflow` package calls it.
import { afterAll, describe, expect, it } from "vitest";
import { getRun, start, WorkflowRunFailedError, WorkflowRunNotFoundError } from "../src/api/index.js";
import { setDefaultRuntime, setDefaultRuntimeFactory } from "../src/host/default.js";
import type { Runtime } from "../src/host/runtime.js";
import { testRuntime } from "./runtime-helpers.js";

let runtime: Runtime | undefined;
afterAll(async () => {
  setDefaultRuntime(undefined);
  await runtime?.close();
});

describe("getRun (workflow/api)", () => {
  it("is synchronous and waits for a default runtime that is still starting", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ready = testRuntime(["basic.ts"]);
    setDefaultRuntimeFactory(async () => {
      await gate;
      runtime = (await ready).runtime;
      return runtime;
    });
    const { id } = await ready;
    // Read before the runtime exists: the getters wait for it.
    const early = getRun("wrun_01J00000000000000000000000");
    expect(early).not.toBeInstanceOf(Promise);
    expect(typeof (early as { then?: unknown }).then).toBe("undefined");
    const status = early.status;
    release();
    await expect(status).rejects.toBeInstanceOf(WorkflowRunNotFoundError);

    const started = await start(id("basic.ts", "seq"), [3]);
    const run = getRun<number>(started.runId);
    expect(run.runId).toBe(started.runId);
    expect(await run.returnValue).toBe(3);
    expect(await run.status).toBe("completed");
    expect(await run.workflowName).toBe(id("basic.ts", "seq"));
    expect(await run.createdAt).toBeInstanceOf(Date);
    expect(await run.completedAt).toBeInstanceOf(Date);
  });
});

describe("durations", () => {
  it("parses the units of the workflow package's durations, in any case, and refuses others", async () => {
    const { parseDuration } = await import("../src/workflow/duration.js");
    expect(parseDuration("10 minutes")).toBe(600_000);
    expect(parseDuration("2 Mins")).toBe(120_000);
    expect(parseDuration("1.5H")).toBe(5_400_000);
    expect(parseDuration("3 msecs")).toBe(3);
    expect(parseDuration("1y")).toBe(31_557_600_000);
    expect(parseDuration("500")).toBe(500);
    expect(() => parseDuration("5x")).toThrow(expect.objectContaining({ code: "WF_INVALID_DURATION" }));
  });
});

describe("FatalError.is / RetryableError.is", () => {
  it("recognise their own errors, from another realm too, and nothing else", async () => {
    const { FatalError, RetryableError } = await import("../src/errors/index.js");
    const { runInNewContext } = await import("node:vm");
    expect(FatalError.is(new FatalError("no"))).toBe(true);
    expect(RetryableError.is(new RetryableError("again", { retryAfter: "5s" }))).toBe(true);
    expect(FatalError.is(new RetryableError("again"))).toBe(false);
    expect(RetryableError.is(new FatalError("no"))).toBe(false);
    expect(FatalError.is(new Error("plain"))).toBe(false);
    expect(FatalError.is("FatalError")).toBe(false);
    expect(FatalError.is(null)).toBe(false);
    const foreign = runInNewContext('const e = new Error("x"); e.name = "FatalError"; e');
    expect(FatalError.is(foreign)).toBe(true);
  });
});

describe("getWorkflowMetadata / getStepMetadata", () => {
  it("give the workflow package's fields, the run's in workflow and step code alike, with the app's url", async () => {
    const { runtime: rt, id } = await testRuntime(["basic.ts"], {
      webhookBaseUrl: "https://shop.example.com/",
    });
    try {
      const run = await rt.start(id("basic.ts", "metadata"), []);
      const { inWorkflow, workflow, step } = (await run.returnValue) as Record<
        string,
        Record<string, unknown>
      >;
      const expected = {
        workflowName: id("basic.ts", "metadata"),
        workflowRunId: run.runId,
        workflowStartedAt: await run.createdAt,
        url: "https://shop.example.com",
      };
      expect(inWorkflow).toEqual(expected);
      expect(workflow).toEqual(expected);
      expect(Object.keys(step!).sort()).toEqual(["attempt", "stepId", "stepStartedAt"]);
      expect(step).toMatchObject({ attempt: 1, stepId: "step//basic//metadataInStep" });
      expect(step!.stepStartedAt).toBeInstanceOf(Date);
    } finally {
      await rt.close();
    }
  });

  it("stepStartedAt is when the step first started, on its retries too (as in the workflow package)", async () => {
    const { runtime: rt, id } = await testRuntime(["basic.ts"]);
    try {
      const run = await rt.start(id("basic.ts", "stepStartedAcrossRetries"), []);
      const { attempt, starts } = (await run.returnValue) as { attempt: number; starts: number[] };
      expect(attempt).toBe(2);
      expect(starts).toHaveLength(2);
      expect(starts[1]).toBe(starts[0]);
    } finally {
      await rt.close();
    }
  });
});

describe("a failed run's error", () => {
  it("keeps the user's class name, message, stack and fields, and says it is a user error", async () => {
    const { runtime: rt, id } = await testRuntime(["basic.ts"]);
    try {
      for (const [name, message] of [
        ["failsInStep", "order o-1 rejected"],
        ["failsInWorkflow", "rejected by the workflow"],
      ] as const) {
        const run = await rt.start(id("basic.ts", name), []);
        const error = (await run.returnValue.catch((e: unknown) => e)) as WorkflowRunFailedError;
        expect(error).toBeInstanceOf(WorkflowRunFailedError);
        expect(error.errorCode).toBe("USER_ERROR");
        expect(error.message).toContain(`OrderRejectedError: ${message}`);
        const cause = error.cause as Error & { reason: string };
        expect(cause).toMatchObject({ name: "OrderRejectedError", message, reason: "out of stock" });
        expect(cause.stack).toMatch(new RegExp(`^OrderRejectedError: ${message}\\n\\s+at `));
      }
    } finally {
      await rt.close();
    }
  });

  it("says RUNTIME_ERROR when wfkit failed the run", async () => {
    const { runtime: rt } = await testRuntime(["basic.ts"]);
    try {
      const run = await rt.start("workflow//basic//doesNotExist", []);
      const error = (await run.returnValue.catch((e: unknown) => e)) as WorkflowRunFailedError;
      expect(error.errorCode).toBe("RUNTIME_ERROR");
      expect(error.cause).toMatchObject({ code: "WF_WORKFLOW_NOT_FOUND" });
    } finally {
      await rt.close();
    }
  });
});
