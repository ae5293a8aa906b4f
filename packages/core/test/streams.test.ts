import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildWorkflowBundle } from "@wfkit/builder";
import { waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkflowRunFailedError } from "../src/errors/index.js";
import { Runtime } from "../src/host/runtime.js";
import { getWritable } from "../src/workflow/streams.js";
import { testRuntime } from "./runtime-helpers.js";

let rt: Runtime;
let id: (file: string, name: string) => string;
beforeAll(async () => {
  ({ runtime: rt, id } = await testRuntime(["streams.ts"]));
});
afterAll(() => rt?.close());

const wf = (name: string) => id("streams.ts", name);

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<T>) out.push(chunk);
  return out;
}

describe("streams: getWritable() in steps, run.getReadable()", () => {
  it("a reader gets a chunk while the run still works, follows live chunks, and ends at the close", async () => {
    const run = await rt.start(wf("progress"), ["stream-live", "first", "second"]);
    const reader = run.getReadable<string>().getReader();
    expect(await reader.read()).toEqual({ done: false, value: "first" });
    // The run is parked on its hook: the chunk came while it works.
    expect(await run.status).toBe("running");
    await waitFor("the hook created", async () => (await rt.world.getHook("stream-live")) !== null);
    await rt.resumeHook("stream-live", null);
    expect(await reader.read()).toEqual({ done: false, value: "second" });
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(await run.returnValue).toBe("done");
    // Another reader, later (another request): the stored chunks, from an index or from the end.
    const again = rt.getRun(run.runId);
    expect(await readAll(again.getReadable())).toEqual(["first", "second"]);
    expect(await readAll(again.getReadable({ startIndex: 1 }))).toEqual(["second"]);
    expect(await readAll(again.getReadable({ startIndex: -1 }))).toEqual(["second"]);
    expect(await again.getTailIndex()).toBe(1);
  });

  it("a step that writes, fails once, and succeeds leaves each chunk exactly once", async () => {
    const run = await rt.start(wf("flaky"), []);
    const reading = readAll(run.getReadable<string>());
    expect(await run.returnValue).toBe("ok");
    const events = await rt.world.readEvents(run.runId);
    expect(events.filter((e) => e.type === "step_retrying")).toHaveLength(1);
    expect(await reading).toEqual(["a", "b", "c"]);
  });

  it("keeps namespaces apart, carries bytes and values, and ends readers of an unclosed stream when the run ends", async () => {
    const run = await rt.start(wf("namespaces"), [3]);
    expect(await run.returnValue).toBe(3);
    const bin = await readAll(run.getReadable<Uint8Array>({ namespace: "bin" }));
    expect(bin).toHaveLength(1);
    expect([...bin[0]!]).toEqual([1, 2, 3]);
    const log = await readAll(run.getReadable<{ i: number; at: Date }>({ namespace: "log" }));
    expect(log.map((v) => v.i)).toEqual([0, 1, 2]);
    expect(log[2]!.at).toEqual(new Date(2));
    expect(await run.getTailIndex({ namespace: "log" })).toBe(2);
    expect(await run.getTailIndex({ namespace: "none" })).toBe(-1);
  });

  it("refuses writes in workflow code with WF_STREAM_WRITE_IN_WORKFLOW", async () => {
    const run = await rt.start(wf("writeInWorkflow"), []);
    const error = await run.returnValue.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowRunFailedError);
    expect(((error as Error).cause as { code?: string }).code).toBe("WF_STREAM_WRITE_IN_WORKFLOW");
  });

  it("refuses getWritable() outside a workflow or step with WF_STREAM_OUTSIDE_RUN", () => {
    expect(() => getWritable()).toThrow(expect.objectContaining({ code: "WF_STREAM_OUTSIDE_RUN" }));
  });
});

describe("streams across a restart (SQLite)", () => {
  it("a new process reads what the old one stored, then follows what the run writes after recovery", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "wfkit-streams-restart-"));
    const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures");
    const workflows = await buildWorkflowBundle({ root: fixtures, files: ["streams.ts"] });
    const open = () => new Runtime({ world: sqliteWorld({ dataDir: dir }), workflows, log: () => {} });
    let second: Runtime | undefined;
    try {
      const first = open();
      await first.recover();
      const run = await first.start(wf("progress"), ["stream-restart", "before", "after"]);
      const early = first.getRun(run.runId).getReadable<string>().getReader();
      expect(await early.read()).toEqual({ done: false, value: "before" });
      await waitFor("the hook created", async () => (await first.world.getHook("stream-restart")) !== null);
      await early.cancel();
      await first.close();

      second = open();
      await second.recover();
      const reader = second.getRun(run.runId).getReadable<string>().getReader();
      expect(await reader.read()).toEqual({ done: false, value: "before" });
      await second.resumeHook("stream-restart", null);
      expect(await reader.read()).toEqual({ done: false, value: "after" });
      expect(await reader.read()).toEqual({ done: true, value: undefined });
      expect(await second.getRun(run.runId).returnValue).toBe("done");
    } finally {
      await second?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
