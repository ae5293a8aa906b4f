import { describe, expect, it } from "vitest";
import { transform } from "../src/index.js";
import { mayContainDirective, suggestDirective } from "../src/util/directives.js";
import { relativeFile } from "../src/util/paths.js";

const SOURCE = `import { db } from "./db";
export async function save(id: string) {
  "use step";
  return db.save(id);
}
export async function flow(id: string) {
  "use workflow";
  async function inner() {
    "use step";
    return id;
  }
  return save(await inner());
}
`;

describe("id stability", () => {
  it("produces identical output from two different absolute roots", () => {
    for (const mode of ["client", "workflow", "step"] as const) {
      const a = transform(SOURCE, {
        filename: "/home/alice/app/src/orders.ts",
        root: "/home/alice/app",
        mode,
      });
      const b = transform(SOURCE, {
        filename: "/ci/build/checkout/src/orders.ts",
        root: "/ci/build/checkout",
        mode,
      });
      expect(b).toEqual(a);
      expect(JSON.stringify(a)).not.toContain("/home/alice");
      expect(a.manifest.steps.map((s) => s.id)).toEqual([
        "step//src/orders//save",
        "step//src/orders//flow/inner",
      ]);
    }
  });

  it("accepts a filename relative to the root", () => {
    const a = transform(SOURCE, { filename: "src/orders.ts", root: "/x", mode: "workflow" });
    const b = transform(SOURCE, { filename: "/x/src/orders.ts", root: "/x", mode: "workflow" });
    expect(a).toEqual(b);
  });

  it("normalises Windows paths to POSIX ids", () => {
    expect(relativeFile("C:\\repo\\src\\orders.ts", "C:\\repo")).toBe("src/orders.ts");
    const r = transform(SOURCE, { filename: "C:\\repo\\src\\orders.ts", root: "C:\\repo", mode: "client" });
    expect(r.manifest.workflows[0].id).toBe("workflow//src/orders//flow");
    expect(r.map!.sources).toEqual(["src/orders.ts"]);
  });
});

describe("pass-through", () => {
  const PLAIN = `"use strict";\n"use client";\nexport const x = 1; // "use server" is not ours either\n`;

  it("returns files without directives unchanged and unparsed", () => {
    const r = transform(PLAIN, { filename: "/r/a.ts", root: "/r", mode: "workflow" });
    expect(r.code).toBe(PLAIN);
    expect(r.map).toBeNull();
    expect(r.manifest).toEqual({ workflows: [], steps: [] });
    expect(r.diagnostics).toEqual([]);
  });

  it("does not even parse: invalid syntax without directives passes through", () => {
    const broken = "export const = ;";
    expect(transform(broken, { filename: "a.ts", root: "/r", mode: "client" }).diagnostics).toEqual([]);
  });

  it("a directive-looking string in ordinary code is parsed but left untouched", () => {
    const code = 'console.log("use step");\n';
    const r = transform(code, { filename: "a.ts", root: "/r", mode: "step" });
    expect(r).toMatchObject({ code, map: null, diagnostics: [] });
  });

  it("rejects an unknown mode", () => {
    expect(() => transform("", { filename: "a.ts", mode: "server" as any })).toThrow(/mode/);
  });
});

describe("directive spelling", () => {
  it.each([
    ["use stpe", "use step"],
    ["use steps", "use step"],
    ["Use Step", "use step"],
    ["use-workflow", "use workflow"],
    ["use_workflow", "use workflow"],
    ["usestep", "use step"],
    ["use wrokflow", "use workflow"],
    ["use workfow", "use workflow"],
  ])("%s → %s", (typo, expected) => {
    expect(suggestDirective(typo)).toBe(expected);
    expect(mayContainDirective(`"${typo}";`)).toBe(true);
  });

  it.each(["use strict", "use client", "use server", "use cache", "use memo", "use no memo", "hello", "use"])(
    "%s is not a typo of ours",
    (value) => {
      expect(suggestDirective(value)).toBeNull();
      expect(mayContainDirective(`'${value}';`)).toBe(false);
    },
  );
});
