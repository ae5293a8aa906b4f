import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/host/runtime.js";
import { testRuntime } from "./runtime-helpers.js";

// Each name is one escape attempt in fixtures/escape.ts, run as real workflow code.
const ATTEMPTS = [
  "URL.constructor",
  "new URL().constructor.constructor",
  "URL searchParams",
  "URLSearchParams.constructor",
  "TextEncoder and its bytes",
  "TextDecoder.constructor",
  "Headers.constructor",
  "atob / btoa",
  "crypto functions",
  "console.log",
  "global Function",
  "async function constructor",
  "generator constructors",
  "eval",
  "Error.prepareStackTrace call sites",
  "error thrown by the host bridge",
  "error from a failed step",
  "value returned by a step",
  "__proto__ of a literal",
  "Proxy traps given to host-facing APIs",
  "Symbol.species on a promise",
  "the bridge global",
  "getters of the process stub",
  "workflow metadata and input",
  "util.inspect.custom in a log line",
  "Request and Response",
  "typed array and buffer intrinsics",
  "Date and its constructor chain",
  "stream classes, controllers, readers and their promises",
];

const host = globalThis as { __wfkitEscaped?: number };
let rt: Runtime;
let id: (file: string, name: string) => string;
beforeAll(async () => {
  ({ runtime: rt, id } = await testRuntime(["escape.ts"]));
});
afterAll(() => rt?.close());

describe("the workflow sandbox is sealed", () => {
  it("holds at least 25 escape attempts", () => {
    expect(ATTEMPTS.length).toBeGreaterThanOrEqual(25);
  });

  it.each(ATTEMPTS)("%s reaches neither the host's Function nor process", async (name) => {
    delete host.__wfkitEscaped;
    const run = await rt.start(id("escape.ts", "attempt"), [name, { nested: [{ a: 1 }] }]);
    const result = (await run.returnValue) as { found: string[]; globalName: string };
    // The workflow's own report: no constructor it found could compile and run code.
    expect(result.found).toEqual([]);
    // The host's report: nothing ran in the host realm (only it could set this global).
    expect(host.__wfkitEscaped).toBeUndefined();
    expect(await run.status).toBe("completed");
  });

  it("overriding Array.prototype.push has no effect and the run carries on to completion", async () => {
    const run = await rt.start(id("escape.ts", "pushOverride"), []);
    expect(await run.returnValue).toEqual({ overridden: false, total: 6, pushed: 1 });
  });

  it("ordinary code that shadows inherited members and uses the Web globals still works", async () => {
    const run = await rt.start(id("escape.ts", "ordinaryCode"), []);
    expect(await run.returnValue).toEqual({
      o: "custom",
      e: "MyError:m:true",
      url: "https://a.example/p?x=1&y=2+3",
      headers: [
        ["a", "1, 3"],
        ["b", "2"],
      ],
      text: "héllo €",
      b64: "hi",
    });
  });
});
