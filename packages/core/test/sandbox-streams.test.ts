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
  it("a file that subclasses TransformStream at load time loads, and its streams pipe, replaying alike", async () => {
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

  it("a stream made in workflow code passed to a step fails the run with a clear error", async () => {
    const run = await rt.start(id("sandbox-streams.ts", "passToStep"), []);
    const error = await run.returnValue.then(
      () => undefined,
      (e: { cause?: { code?: string; message?: string } }) => e.cause,
    );
    expect(error?.code).toBe("WF_SERIALIZE_UNSUPPORTED");
    expect(error?.message).toContain("ReadableStream");
  });

  it("a source that throws rejects the pipe with its error", async () => {
    const run = await rt.start(id("sandbox-streams.ts", "failingSource"), []);
    expect(await run.returnValue).toBe("source broke");
  });
});
