import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transformSync } from "@babel/core";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { describe, expect, it } from "vitest";
import { transform, wfkitBabelPlugin } from "../src/index.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const ROOT = "/virtual/project";
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name, "input.ts"), "utf8");

function babel(code: string, mode: "client" | "workflow" | "step", extra: Record<string, unknown> = {}) {
  return transformSync(code, {
    filename: `${ROOT}/src/orders.ts`,
    babelrc: false,
    configFile: false,
    sourceMaps: true,
    parserOpts: { plugins: ["typescript"] },
    plugins: [[wfkitBabelPlugin, { mode, root: ROOT, ...extra }]],
  })!;
}

describe("wfkitBabelPlugin", () => {
  it("produces the same program as transform() (modulo Babel's printing)", () => {
    const input = read("nested-steps");
    for (const mode of ["client", "workflow", "step"] as const) {
      const viaBabel = babel(input, mode);
      const direct = transform(input, { filename: `${ROOT}/src/orders.ts`, root: ROOT, mode });
      const reprint = transformSync(direct.code, {
        filename: "x.ts",
        babelrc: false,
        configFile: false,
        parserOpts: { plugins: ["typescript"] },
      })!.code;
      expect(viaBabel.code).toBe(reprint);
      expect((viaBabel.metadata as any).wfkit.manifest).toEqual(direct.manifest);
    }
  });

  it("works before preset-typescript and keeps the runtime import", () => {
    const out = transformSync(read("import-pruning"), {
      filename: `${ROOT}/src/orders.ts`,
      babelrc: false,
      configFile: false,
      plugins: [[wfkitBabelPlugin, { mode: "workflow", root: ROOT }]],
      presets: ["@babel/preset-typescript"],
    })!;
    expect(out.code).toContain('import * as __wf from "workflow/internal"');
    expect(out.code).toContain("__wf.stepProxy(");
    expect(out.code).not.toContain("node:fs");
    expect(out.code).not.toContain("pg");
    expect(out.code).not.toContain(": Promise<");
  });

  it("Babel's source map points at the original source", () => {
    const input = read("basic");
    const out = babel(input, "workflow");
    const tracer = new TraceMap(out.map as any);
    const outLines = out.code!.split("\n");
    const line = outLines.findIndex((l) => l.includes("await notifyCustomer(order, receipt)"));
    const pos = originalPositionFor(tracer, {
      line: line + 1,
      column: outLines[line].indexOf("notifyCustomer"),
    });
    const inLines = input.split("\n");
    const origLine = inLines.findIndex((l) => l.includes("await notifyCustomer(order, receipt)"));
    expect(pos).toMatchObject({ line: origLine + 1, column: inLines[origLine].indexOf("notifyCustomer") });
    expect(JSON.stringify(out.map)).not.toContain(ROOT);
  });

  it("throws one error listing every error diagnostic", () => {
    expect(() => babel(read("error-multiple"), "workflow")).toThrow(
      /found 5 error\(s\)[\s\S]*WF_C001[\s\S]*WF_C002/,
    );
  });

  it("with throwOnError: false leaves diagnostics in metadata", () => {
    const out = babel(read("error-multiple"), "workflow", { throwOnError: false });
    const codes = (out.metadata as any).wfkit.diagnostics.map((d: { code: string }) => d.code);
    expect(codes).toContain("WF_C004_NESTED_WORKFLOW");
  });

  it("leaves files without directives alone", () => {
    const out = babel("export const x = 1;\n", "workflow");
    expect(out.code).toBe("export const x = 1;");
    expect((out.metadata as any).wfkit).toBeUndefined();
  });
});
