import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/host/runtime.js";
import { testRuntime } from "./runtime-helpers.js";

let rt: Runtime;
let id: (file: string, name: string) => string;
beforeAll(async () => {
  ({ runtime: rt, id } = await testRuntime(["sandbox-streams.ts"]));
});
afterAll(() => rt?.close());

describe("WHATWG streams in workflow code", () => {
  it("a file that subclasses TransformStream at load time loads, and its streams pipe", async () => {
    const run = await rt.start(id("sandbox-streams.ts", "pipeText"), [["ab", "c"]]);
    expect(await run.returnValue).toEqual({
      loadedSubclass: true,
      piped: ["AB", "C", "!"],
      decoded: "é€",
      tee: [
        ["x", "y"],
        ["x", "y"],
      ],
      encoded: [[104, 105]],
      pulled: [1, 2, 3],
      handle: { isWritableStream: true, tag: "[object WritableStream]" },
      writeRefused: "WF_STREAM_WRITE_IN_WORKFLOW",
    });
  });

  it("a cold replay (no warm instance) pipes the same way and comes to the same values", async () => {
    const { runtime: cold, id: coldId } = await testRuntime(["sandbox-streams.ts"], { maxWarmRuns: 0 });
    try {
      const run = await cold.start(coldId("sandbox-streams.ts", "pipeText"), [["ab", "c"]]);
      const warm = await rt.start(id("sandbox-streams.ts", "pipeText"), [["ab", "c"]]);
      expect(await run.returnValue).toEqual(await warm.returnValue);
      // Without a warm instance, the run replays its log from the start after the sleep fires.
      const types = (await cold.world.readEvents(run.runId)).map((e) => e.type);
      expect(types).toContain("sleep_fired");
    } finally {
      await cold.close();
    }
  });

  it("a stream made in workflow code passed to a step fails the run with a clear error", async () => {
    const run = await rt.start(id("sandbox-streams.ts", "passToStep"), []);
    const error = await run.returnValue.then(
      () => undefined,
      (e: { cause?: { code?: string; message?: string } }) => e.cause,
    );
    expect(error?.code).toBe("WF_SERIALIZE_UNSUPPORTED");
    expect(error?.message).toContain("ReadableStream");
  });

  it("made on first use, the stream globals are pinned like the other built-ins", async () => {
    const run = await rt.start(id("sandbox-streams.ts", "pinnedStreamGlobals"), []);
    expect(await run.returnValue).toEqual({
      assignment: "as URL",
      redefinition: "TypeError",
      same: true,
      name: "TransformStream",
      readable: "function",
      listed: true,
      configurable: false,
      hasSetter: false,
    });
  });

  it("URL, Headers, text coding, atob/btoa: made on first use, pinned like the other built-ins", async () => {
    const run = await rt.start(id("sandbox-streams.ts", "pinnedWebGlobals"), []);
    expect(await run.returnValue).toEqual({
      assignments: ["as Map"],
      redefinitions: ["TypeError"],
      same: true,
      names: ["URL", "URLSearchParams", "Headers", "TextEncoder", "TextDecoder"],
      works: ["/a", "1", "é", "hi"],
      listed: true,
      configurable: [false],
      setters: 0,
    });
  });

  it("a source that throws rejects the pipe with its error", async () => {
    const run = await rt.start(id("sandbox-streams.ts", "failingSource"), []);
    expect(await run.returnValue).toBe("source broke");
  });
});
