import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkflowRunFailedError } from "../src/errors/index.js";
import { setDefaultRuntime } from "../src/host/default.js";
import type { Runtime } from "../src/host/runtime.js";
import { CarriedInstance } from "../src/serialization/index.js";
import { testRuntime } from "./runtime-helpers.js";

// Values that are more than data, through the real compiler and runtime:
// streams, step functions, `this` of steps, and classes with the peer's
// workflow-serialize / workflow-deserialize methods.

let rt: Runtime;
let id: (file: string, name: string) => string;
beforeAll(async () => {
  ({ runtime: rt, id } = await testRuntime(["values.ts"]));
  // start() and getRun() inside steps use the process's default runtime.
  setDefaultRuntime(rt);
});
afterAll(async () => {
  setDefaultRuntime(undefined);
  await rt?.close();
});

const wf = (name: string) => id("values.ts", name);

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<T>) out.push(chunk);
  return out;
}

function registeredClass(classId: string): new (...args: never[]) => unknown {
  const registry = (globalThis as Record<symbol, Map<string, unknown>>)[
    Symbol.for("workflow-class-registry")
  ];
  const cls = registry?.get(classId);
  if (typeof cls !== "function") throw new Error(`${classId} is not registered`);
  return cls as new (
    ...args: never[]
  ) => unknown;
}

describe("streams as values", () => {
  it("a ReadableStream returned by a step is read by another step and returned by the workflow", async () => {
    const run = await rt.start(wf("streamBetweenSteps"), [["a", "b", "c"]]);
    const result = (await run.returnValue) as { joined: string; stream: ReadableStream<string> };
    expect(result.joined).toBe("a+b+c");
    expect(result.stream).toBeInstanceOf(ReadableStream);
    expect(await readAll(result.stream)).toEqual(["a", "b", "c"]);
    // Stored once, as a stream of the run named after the step's op id.
    const events = await rt.world.readEvents(run.runId);
    const opId = events.find((e) => e.type === "step_scheduled")!.opId;
    expect(await readAll(run.getReadable({ namespace: `step-${opId}-0` }))).toEqual(["a", "b", "c"]);
  });

  it("a ReadableStream given to start() reaches a step of the run", async () => {
    const source = new ReadableStream<string>({
      start(controller) {
        controller.enqueue("x");
        controller.enqueue("y");
        controller.close();
      },
    });
    const run = await rt.start(wf("streamArgument"), [source]);
    expect(await run.returnValue).toBe("x+y");
    expect(await readAll(run.getReadable({ namespace: "start-0" }))).toEqual(["x", "y"]);
  });

  it("refuses to read a stream in workflow code with WF_STREAM_READ_IN_WORKFLOW", async () => {
    const run = await rt.start(wf("readInWorkflow"), [["a"]]);
    const error = await run.returnValue.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowRunFailedError);
    expect(((error as Error).cause as { code?: string }).code).toBe("WF_STREAM_READ_IN_WORKFLOW");
  });

  it("a writable from getWritable() goes through start() in a step to a child run, which writes to the parent's stream", async () => {
    const run = await rt.start(wf("parentStream"), []);
    expect(await run.returnValue).toBe("child done");
    expect(await readAll(run.getReadable<string>())).toEqual(["from the parent", "from the child"]);
  });
});

describe("steps as values", () => {
  it("a step passed to a step runs inline there; a step returned by a step is scheduled when called", async () => {
    const run = await rt.start(wf("stepValues"), [5]);
    const result = (await run.returnValue) as {
      inline: number;
      scheduled: number;
      chosen: (n: number) => Promise<number>;
    };
    expect(result.inline).toBe(20);
    expect(result.scheduled).toBe(15);
    const scheduled = (await rt.world.readEvents(run.runId)).flatMap((e) =>
      e.type === "step_scheduled" ? [e.stepId] : [],
    );
    // applyTwice, pick, triple: `double` ran inside applyTwice, not as a step of its own.
    expect(scheduled).toEqual(["step//values//applyTwice", "step//values//pick", "step//values//triple"]);
    // Returned by the workflow: still the step, callable (inline, in this process).
    expect((result.chosen as unknown as { stepId: string }).stepId).toBe("step//values//triple");
    expect(await result.chosen(7)).toBe(21);
  });

  it("a nested step passed to a step brings the variables it captured", async () => {
    const run = await rt.start(wf("nestedStepValue"), [10]);
    expect(await run.returnValue).toBe(21);
  });

  it("a step function given to start() is carried by its id", async () => {
    // What a client-mode compile gives app code: the function, tagged with its step id.
    const double = Object.assign(async (n: number) => n * 2, { stepId: "step//values//double" });
    const run = await rt.start(wf("stepArgument"), [double, 3]);
    expect(await run.returnValue).toBe(12);
  });
});

describe("`this` in steps", () => {
  it("static steps see their class, .call/.apply pass `this`, instance steps see the instance", async () => {
    const run = await rt.start(wf("thisValues"), [4]);
    expect(await run.returnValue).toEqual({ priced: 8, called: 24, applied: 240, added: 241 });
  });

  it("an unserializable `this` fails the call with a message naming it", async () => {
    const run = await rt.start(wf("unserializableThis"), []);
    const error = await run.returnValue.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowRunFailedError);
    const cause = (error as Error).cause as { code?: string; message: string };
    expect(cause.code).toBe("WF_SERIALIZE_UNSUPPORTED");
    expect(cause.message).toContain("tools.ping() this.connections: WeakMap is not serializable");
  });
});

describe("classes with workflow-serialize / workflow-deserialize", () => {
  it("round-trip through start() args, step args, step results and the return value", async () => {
    const Point = registeredClass("class//values//Point");
    const run = await rt.start(wf("points"), [new Point(0 as never, 4 as never)]);
    const result = (await run.returnValue) as {
      moved: { x: number; y: number };
      length: number;
      isPoint: boolean;
    };
    expect(result.moved).toBeInstanceOf(Point);
    expect({ x: result.moved.x, y: result.moved.y }).toEqual({ x: 3, y: 4 });
    expect(result.length).toBe(5);
    expect(result.isPoint).toBe(true);
  });

  it("a class only step files import is carried through the workflow and rebuilt in steps and by the reader", async () => {
    const Temperature = registeredClass("class//temperature//Temperature");
    const run = await rt.start(wf("carried"), [100]);
    const result = (await run.returnValue) as { t: { fahrenheit(): number }; f: number };
    expect(result.f).toBe(212);
    expect(result.t).toBeInstanceOf(Temperature);
    expect(result.t.fahrenheit()).toBe(212);
    // In the log it is [class id, data]: what the workflow sandbox carried.
    const completed = (await rt.world.readEvents(run.runId)).find((e) => e.type === "step_completed");
    expect((completed as { output: string }).output).toContain("class//temperature//Temperature");
    expect(new CarriedInstance("class//x//Y", 1)).toMatchObject({ classId: "class//x//Y", data: 1 });
  });

  it("a deserializer that runs in workflow code runs with the sandbox's intrinsics and nothing of the host", async () => {
    const run = await rt.start(wf("probeDeserializer"), []);
    expect(await run.returnValue).toEqual({
      process: "WF_NONDETERMINISTIC_API",
      plainData: true,
      codeFromString: "EvalError",
    });
  });
});
