import { createServer } from "node:http";
import { type AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkflowError, WorkflowRunCancelledError, WorkflowRunFailedError } from "../src/errors/index.js";
import type { Runtime } from "../src/host/runtime.js";
import { testRuntime } from "./runtime-helpers.js";

let rt: Runtime;
let id: (file: string, name: string) => string;
beforeAll(async () => {
  ({ runtime: rt, id } = await testRuntime(["basic.ts"]));
});
afterAll(() => rt?.close());

const wf = (name: string) => id("basic.ts", name);

describe("host runtime on the in-memory world", () => {
  it("runs sequential steps to completion and records the run's timeline", async () => {
    const run = await rt.start(wf("seq"), [10]);
    expect(await run.returnValue).toBe(10);
    expect(await run.status).toBe("completed");
    const created = (await run.createdAt).getTime();
    const started = (await run.startedAt)!.getTime();
    const completed = (await run.completedAt)!.getTime();
    expect(created).toBeLessThanOrEqual(started);
    expect(started).toBeLessThanOrEqual(completed);
    const events = await rt.world.readEvents(run.runId);
    expect(events.filter((e) => e.type === "step_completed")).toHaveLength(10);
    expect(events.at(-1)?.type).toBe("run_completed");
  });

  it("wakes every waiter of a run when it ends", async () => {
    const run = await rt.start(wf("sleeper"), [20]);
    const values = await Promise.all([run.returnValue, run.returnValue, rt.getRun(run.runId).returnValue]);
    expect(values.every((v) => typeof v === "number" && v >= 20)).toBe(true);
  });

  it("runs 50 parallel steps", async () => {
    const run = await rt.start(wf("par"), [50]);
    expect(await run.returnValue).toBe((50 * 51) / 2);
  });

  it("retries a failing step with backoff and reports the attempt", async () => {
    const run = await rt.start(wf("retrying"), ["r1", 2]);
    expect(await run.returnValue).toEqual({ attempt: 3, stepId: "step//basic//flaky" });
    const events = await rt.world.readEvents(run.runId);
    expect(
      events.filter((e) => e.type === "step_retrying").map((e) => (e as { attempt: number }).attempt),
    ).toEqual([1, 2]);
  });

  it("stops after fn.maxRetries and hands the last error to the workflow", async () => {
    const run = await rt.start(wf("exhausted"), ["x1"]);
    expect(await run.returnValue).toEqual({ message: "still failing", attempts: 3 });
  });

  it("never retries a FatalError; name, message, stack, cause and own fields cross into the workflow", async () => {
    const run = await rt.start(wf("errors"), ["f1"]);
    const value = (await run.returnValue) as { seen: unknown[]; attempts: number };
    expect(value.seen).toEqual([
      {
        isFatal: true,
        guard: true,
        name: "FatalError",
        message: "card declined",
        causeMessage: "issuer said no",
        causeCode: "card_declined",
        hasStack: true,
      },
      { isFatal: false, guard: false, message: "declined", code: "card_declined", declineCode: 51 },
    ]);
    expect(value.attempts).toBe(1);
  });

  it("round-trips every supported type through start, a step and the return value", async () => {
    const error = new TypeError("bad", { cause: new Error("root") });
    const value = {
      date: new Date(1_700_000_000_123),
      map: new Map<unknown, unknown>([
        ["a", 1],
        [2, new Set([3])],
      ]),
      set: new Set(["x", "y"]),
      big: 12345678901234567890n,
      re: /a+b/gi,
      url: new URL("https://example.com/a?b=c"),
      params: new URLSearchParams("a=1&b=2"),
      headers: new Headers({ "x-one": "1" }),
      error,
      typed: new Uint8Array([0, 1, 255]),
      floats: new Float64Array([1.5, -2]),
      buffer: new Uint8Array([9, 8]).buffer,
      nul: "a\u0000b\u0000",
      nested: [undefined, null, Number.NaN, -0, Number.POSITIVE_INFINITY],
    };
    const run = await rt.start(wf("echo"), [value]);
    const { back, meta } = (await run.returnValue) as { back: typeof value; meta: boolean };
    expect(meta).toBe(true);
    expect(back.date).toEqual(value.date);
    expect(back.map).toEqual(value.map);
    expect(back.set).toEqual(value.set);
    expect(back.big).toBe(value.big);
    expect(back.re.source).toBe("a+b");
    expect(back.re.flags).toBe("gi");
    expect(back.url.href).toBe(value.url.href);
    expect(back.params.toString()).toBe("a=1&b=2");
    expect(back.headers.get("x-one")).toBe("1");
    expect(back.error).toBeInstanceOf(TypeError);
    expect(back.error.message).toBe("bad");
    expect((back.error.cause as Error).message).toBe("root");
    expect([...back.typed]).toEqual([0, 1, 255]);
    expect([...back.floats]).toEqual([1.5, -2]);
    expect([...new Uint8Array(back.buffer)]).toEqual([9, 8]);
    expect(back.nul).toBe("a\u0000b\u0000");
    expect(back.nested).toEqual([undefined, null, Number.NaN, -0, Number.POSITIVE_INFINITY]);
  });

  it("round-trips Request and Response bodies through a step", async () => {
    const request = new Request("https://example.com/hook", {
      method: "POST",
      body: "hello",
      headers: { "x-a": "b" },
    });
    const run = await rt.start(wf("echo"), [
      { response: new Response(new Uint8Array([1, 2, 3]), { status: 201 }), request },
    ]);
    const { back } = (await run.returnValue) as { back: { response: Response; request: Request } };
    expect(back.response.status).toBe(201);
    expect([...new Uint8Array(await back.response.arrayBuffer())]).toEqual([1, 2, 3]);
    expect(back.request.method).toBe("POST");
    expect(back.request.headers.get("x-a")).toBe("b");
    expect(await back.request.text()).toBe("hello");
  });

  it("refuses an unserializable argument with the path to it", async () => {
    await expect(rt.start(wf("echo"), [{ conn: new Socket() }])).rejects.toThrow(
      /args\[0\]\.conn: Socket is not serializable/,
    );
  });

  it("returns the existing run for an idempotency key already used", async () => {
    const [a, b] = await Promise.all([
      rt.start(wf("seq"), [2], { idempotencyKey: "order-1" }),
      rt.start(wf("seq"), [2], { idempotencyKey: "order-1" }),
    ]);
    const c = await rt.start(wf("seq"), [2], { idempotencyKey: "order-1" });
    expect(b.runId).toBe(a.runId);
    expect(c.runId).toBe(a.runId);
    expect(await a.returnValue).toBe(2);
  });

  it("passes variables captured by a nested step by value", async () => {
    const run = await rt.start(wf("nested"), [10]);
    expect(await run.returnValue).toEqual([13, 16]);
  });

  it("cancels a sleeping run: it ends cancelled and its queued work never runs", async () => {
    const run = await rt.start(wf("forever"));
    for (;;) {
      const events = await rt.world.readEvents(run.runId);
      if (events.some((e) => e.type === "sleep_scheduled")) break;
      await new Promise((r) => setImmediate(r));
    }
    await run.cancel();
    expect(await run.status).toBe("cancelled");
    await expect(run.returnValue).rejects.toMatchObject({ name: "WorkflowRunCancelledError" });
    await expect(run.returnValue).rejects.toBeInstanceOf(WorkflowRunCancelledError);
    const events = await rt.world.readEvents(run.runId);
    expect(events.at(-1)?.type).toBe("run_cancelled");
    expect(events.filter((e) => e.type === "step_scheduled")).toHaveLength(1);
  });

  it("refuses to start something that is not a workflow", async () => {
    await expect(rt.start((() => 1) as never)).rejects.toMatchObject({ code: "WF_NOT_A_WORKFLOW" });
  });

  it("fails a run whose workflow failed, with the error as cause", async () => {
    const run = await rt.start("workflow//basic//doesNotExist");
    const error = await run.returnValue.catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "WorkflowRunFailedError", cause: { code: "WF_WORKFLOW_NOT_FOUND" } });
    expect(error).toBeInstanceOf(WorkflowRunFailedError);
    expect((error as Error).cause).toBeInstanceOf(WorkflowError); // thrown in the sandbox, read from the log
  });
});

describe("steps and calls that belong elsewhere", () => {
  it("fails a step attempt that runs past fn.timeout with WF_STEP_TIMEOUT, after its retries", async () => {
    const run = await rt.start(wf("timesOut"));
    const value = (await run.returnValue) as { code: string; message: string };
    expect(value.code).toBe("WF_STEP_TIMEOUT");
    expect(value.message).toContain("30 ms");
    const events = await rt.world.readEvents(run.runId);
    expect(events.filter((e) => e.type === "step_retrying")).toHaveLength(1);
  });

  it('runs fetch from "workflow" as a step and hands the Response to workflow code', async () => {
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        res.writeHead(201, { "content-type": "text/plain" });
        res.end(`${req.method} ${req.headers["x-test"]} ${body}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as AddressInfo;
      const run = await rt.start(wf("fetches"), [`http://127.0.0.1:${port}/x`]);
      expect(await run.returnValue).toEqual({ status: 201, body: "POST 1 ping", type: "text/plain" });
      const events = await rt.world.readEvents(run.runId);
      expect(events.some((e) => e.type === "step_scheduled" && e.stepId === "step//wfkit//fetch")).toBe(true);
    } finally {
      server.close();
    }
  });

  it("refuses workflow/api server calls (getRun) from workflow code, saying where they belong", async () => {
    const run = await rt.start(wf("callsServerApi"));
    const value = (await run.returnValue) as { code: string; message: string };
    expect(value.code).toBe("WF_API_IN_WORKFLOW");
    expect(value.message).toContain("belongs in server code");
  });

  it("refuses workflow-only and step-only calls outside their place", async () => {
    const { sleep, createHook, getStepMetadata } = await import("../src/workflow/index.js");
    expect(() => sleep("1s")).toThrow(
      expect.objectContaining({
        code: "WF_WORKFLOW_ONLY",
        message: expect.stringContaining("outside any workflow"),
      }),
    );
    expect(() => createHook()).toThrow(expect.objectContaining({ code: "WF_WORKFLOW_ONLY" }));
    expect(() => getStepMetadata()).toThrow(expect.objectContaining({ code: "WF_STEP_ONLY" }));
  });
});

describe("cold runs", () => {
  it("reach the same result replaying from the log at every event", async () => {
    const cold = await testRuntime(["basic.ts"], { maxWarmRuns: 0 });
    try {
      const run = await cold.runtime.start(cold.id("basic.ts", "seq"), [6]);
      expect(await run.returnValue).toBe(6);
      const par = await cold.runtime.start(cold.id("basic.ts", "par"), [20]);
      expect(await par.returnValue).toBe(210);
    } finally {
      await cold.runtime.close();
    }
  });
});
