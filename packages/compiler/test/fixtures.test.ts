import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "@babel/parser";
import { describe, expect, it } from "vitest";
import { parserPlugins } from "../src/passes/parse.js";
import { compile, MODES, ROOT } from "./helpers.js";

// Babel-style fixtures: test/fixtures/<name>/input.ts(x) plus one expected
// output per mode, manifest.json and, for error fixtures, diagnostics.json.
// `UPDATE_FIXTURES=1 npx vitest run packages/compiler` rewrites the expected
// files; review every change by eye, they are the specification.

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const UPDATE = process.env.UPDATE_FIXTURES === "1";

interface FixtureOptions {
  filename?: string;
  runtimeModule?: string;
}

function readOptional(file: string): string | null {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
}

function expectFile(file: string, actual: string): void {
  if (UPDATE) {
    fs.writeFileSync(file, actual);
    return;
  }
  const expected = readOptional(file);
  expect(expected, `missing ${path.relative(FIXTURES, file)}; run with UPDATE_FIXTURES=1`).not.toBeNull();
  expect(actual).toBe(expected);
}

const names = fs.readdirSync(FIXTURES).filter((n) => fs.statSync(path.join(FIXTURES, n)).isDirectory());

describe.each(names)("fixture %s", (name) => {
  const dir = path.join(FIXTURES, name);
  const inputFile = fs.existsSync(path.join(dir, "input.tsx")) ? "input.tsx" : "input.ts";
  const input = fs.readFileSync(path.join(dir, inputFile), "utf8");
  const options: FixtureOptions = JSON.parse(readOptional(path.join(dir, "options.json")) ?? "{}");
  const relFile = options.filename ?? `src/${name}${path.extname(inputFile)}`;
  const results = MODES.map((mode) =>
    compile(input, relFile, mode, { runtimeModule: options.runtimeModule }),
  );

  it.each(MODES.map((mode, i) => [mode, i] as const))("%s output", (mode, i) => {
    expectFile(path.join(dir, `output.${mode}${path.extname(inputFile)}`), results[i].code);
  });

  it("every output is valid TypeScript", () => {
    if (results[0].diagnostics.some((d) => d.code === "WF_C000_PARSE_ERROR")) return;
    for (const r of results) {
      const ast = parse(r.code, {
        sourceType: "module",
        plugins: parserPlugins(relFile),
        errorRecovery: true,
      });
      expect(ast.errors ?? []).toEqual([]);
    }
  });

  it("manifest", () => {
    const manifest = results[0].manifest;
    for (const r of results) expect(r.manifest).toEqual(manifest);
    expectFile(path.join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  });

  it("diagnostics", () => {
    const simplified = results[0].diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      line: d.loc.line,
      column: d.loc.column,
      message: d.message,
      hint: d.hint,
    }));
    // Diagnostics describe the source, so every mode reports the same ones.
    for (const r of results) expect(r.diagnostics).toEqual(results[0].diagnostics);
    const file = path.join(dir, "diagnostics.json");
    if (simplified.length === 0 && !UPDATE) {
      expect(readOptional(file), "fixture expects diagnostics but none were reported").toBeNull();
      return;
    }
    if (UPDATE && simplified.length === 0) {
      if (fs.existsSync(file)) fs.rmSync(file);
      return;
    }
    expectFile(file, `${JSON.stringify(simplified, null, 2)}\n`);
    for (const d of results[0].diagnostics) {
      expect(d.file).toBe(relFile);
      expect(d.codeFrame).toContain(">");
      // No ANSI escapes in code frames.
      expect(d.codeFrame.includes(String.fromCharCode(27))).toBe(false);
    }
  });

  it("never leaks the absolute root", () => {
    for (const r of results) {
      expect(r.code).not.toContain(ROOT);
      expect(JSON.stringify(r.map ?? {})).not.toContain(ROOT);
      expect(JSON.stringify(r.manifest)).not.toContain(ROOT);
      expect(JSON.stringify(r.diagnostics)).not.toContain(ROOT);
    }
  });
});
