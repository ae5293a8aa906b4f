// sandbox/run-globals.ts on its own, in a vm context like a realm's (an ordinary global
// object). Runs are plain objects here; what a run adds must be gone when another is
// selected and back when it is selected again, whichever way it was added.
import { readFileSync } from "node:fs";
import vm from "node:vm";
import * as esbuild from "esbuild";
import { describe, expect, it } from "vitest";

const SOURCE = readFileSync(new URL("../src/sandbox/run-globals.ts", import.meta.url), "utf8");
const { code } = esbuild.transformSync(SOURCE, { loader: "ts", format: "iife", globalName: "__runGlobals" });

interface RealmUnderTest {
  /** Selects run `name` (made on first use). */
  select(name: string): void;
  /** Evaluates `source` in the realm, as the selected run's code. */
  run(source: string): unknown;
}

function realm(): RealmUnderTest {
  // As host/sandbox-vm.ts makes a realm's context: an ordinary global object.
  const context = vm.createContext(
    (vm.constants as unknown as { DONT_CONTEXTIFY: vm.Context }).DONT_CONTEXTIFY,
  );
  vm.runInContext(`${code}\n__runGlobals.guardGlobal();`, context);
  const runs = new Map<string, object>();
  return {
    select(name) {
      if (!runs.has(name)) runs.set(name, vm.runInContext("({})", context) as object);
      context.__selected = runs.get(name);
      vm.runInContext("__runGlobals.selectGlobals(globalThis.__selected)", context);
    },
    run: (source) => vm.runInContext(`"use strict"; ${source}`, context),
  };
}

const ADD_ALL = `
  globalThis.assigned = "a";
  Object.assign(globalThis, { viaAssign: "a" });
  Reflect.set(globalThis, "viaReflectSet", "a");
  Object.defineProperty(globalThis, "defined", { value: "a" });
  Reflect.defineProperty(globalThis, "viaReflectDefine", { value: "a" });
  Object.defineProperties(globalThis, { viaDefineProperties: { value: "a", enumerable: true } });
  globalThis.__defineGetter__("getter", () => "a");
  globalThis[Symbol.for("symbolic")] = "a";
`;
const NAMES = [
  "assigned",
  "viaAssign",
  "viaReflectSet",
  "defined",
  "viaReflectDefine",
  "viaDefineProperties",
  "getter",
];
const SEEN = `JSON.stringify([...${JSON.stringify(NAMES)}.filter((k) => k in globalThis), Symbol.for("symbolic") in globalThis ? "symbolic" : null].filter(Boolean))`;

describe("the globals a run adds", () => {
  it("moves what a run adds off when another run is selected, and back when it is selected again", () => {
    const r = realm();
    r.select("A");
    r.run(ADD_ALL);
    expect(JSON.parse(r.run(SEEN) as string)).toEqual([...NAMES, "symbolic"]);
    r.select("B");
    expect(JSON.parse(r.run(SEEN) as string)).toEqual([]);
    // B's own addition under a name A also used is B's alone.
    r.run(`globalThis.assigned = "b"`);
    r.select("A");
    expect(r.run("globalThis.assigned")).toBe("a");
    expect(JSON.parse(r.run(SEEN) as string)).toEqual([...NAMES, "symbolic"]);
    r.select("B");
    expect(r.run("globalThis.assigned")).toBe("b");
    expect(r.run("'defined' in globalThis")).toBe(false);
  });

  it("takes a run's own prototype for the global object off with it, and what was assigned through it", () => {
    const r = realm();
    r.select("A");
    r.run(`Object.setPrototypeOf(globalThis, { inherited: "a" }); globalThis.afterSwap = "a";`);
    r.select("B");
    expect(r.run("'inherited' in globalThis || 'afterSwap' in globalThis")).toBe(false);
    r.select("A");
    expect(r.run("globalThis.inherited + globalThis.afterSwap")).toBe("aa");
  });

  it("hands workflow code no host object through the global's lookups", () => {
    const r = realm();
    r.select("A");
    expect(() => r.run(`globalThis.constructor.constructor("return process")()`)).toThrow(
      /process is not defined|Code generation from strings disallowed/,
    );
  });

  it("cannot be made non-extensible, sealed or frozen by a run", () => {
    const r = realm();
    r.select("A");
    for (const call of [
      "Object.freeze",
      "Object.seal",
      "Object.preventExtensions",
      "Reflect.preventExtensions",
    ])
      expect(() => r.run(`${call}(globalThis)`)).toThrow(/cannot \w+ the global object/);
  });
});
