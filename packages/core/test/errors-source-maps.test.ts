// Host-side stack mapping (host/source-maps.ts) on its own: a script with an
// inline map, run as a vm.Script the way the workflow bundle is.
import vm from "node:vm";
import * as esbuild from "esbuild";
import { describe, expect, it } from "vitest";
import {
  inlineSourceMap,
  mapErrorStacks,
  mapStack,
  registerSourceMap,
  trimHostFrames,
} from "../src/host/source-maps.js";
import { deserialize, serialize } from "../src/serialization/index.js";

// Line 5, column 11 is `new Error("outer"...)`; line 2, column 9 is `new TypeError`.
const SOURCE = `function inner(): never {
  throw new TypeError("inner");
}
export function outer(): never {
  try { inner(); } catch (cause) { throw new Error("outer", { cause }); }
}
`;

function compiled(filename: string): string {
  const { code } = esbuild.transformSync(SOURCE, {
    loader: "ts",
    format: "iife",
    globalName: "mod",
    sourcemap: "inline",
    sourcefile: "workflows/order.ts",
  });
  registerSourceMap(filename, () => inlineSourceMap(code));
  return code;
}

function thrown(filename: string): Error {
  const context = vm.createContext({});
  new vm.Script(compiled(filename), { filename }).runInContext(context);
  try {
    new vm.Script("mod.outer()").runInContext(context);
  } catch (error) {
    return error as Error;
  }
  throw new Error("outer() did not throw");
}

describe("source-mapped stacks (host)", () => {
  it("maps an error's frames and its cause's to the source file, line and column", () => {
    const error = thrown("wfkit-workflows-test1.js");
    const mapped = deserialize<Error>(mapErrorStacks(serialize(error, "error")));
    expect(mapped.stack).toMatch(/^Error: outer\n {4}at Object\.outer \(workflows\/order\.ts:5:42\)/);
    expect((mapped.cause as Error).stack).toMatch(
      /^TypeError: inner\n {4}at inner \(workflows\/order\.ts:2:9\)\n {4}at Object\.outer \(workflows\/order\.ts:5:9\)/,
    );
    // The frames below the script (this test, vitest) are the host's: the VM call and after are cut.
    expect(mapped.stack).not.toMatch(/node:vm|errors-source-maps\.test/);
    expect(mapped.stack).not.toMatch(/wfkit-workflows-test1/);
  });

  it("leaves frames of scripts it has no map for, and values that are not errors, as they are", () => {
    const stack = "Error: x\n    at f (other-script.js:3:4)\n    at file:///srv/app/server.js:9:1";
    expect(mapStack(stack)).toBe(stack);
    const value = serialize({ not: "an error" });
    expect(mapErrorStacks(value)).toBe(value);
    expect(mapErrorStacks("not a serialized value")).toBe("not a serialized value");
  });

  it("cuts a stack where the host called into the VM, keeping the user's frames above", () => {
    const stack = [
      "Error: boom",
      "    at order (workflows/order.ts:12:5)",
      "    at Script.runInContext (node:vm:149:12)",
      "    at SandboxInstance.call (file:///srv/node_modules/@wfkit/core/dist/host/sandbox-vm.js:61:16)",
    ].join("\n");
    expect(trimHostFrames(stack)).toBe("Error: boom\n    at order (workflows/order.ts:12:5)");
  });
});
