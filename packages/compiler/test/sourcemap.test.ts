import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { describe, expect, it } from "vitest";
import { compile, MODES } from "./helpers.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

/**
 * For every output line that also occurs exactly once in the input, the map
 * must send its first token back to that input line and column.
 */
function checkLines(input: string, relFile: string): number {
  const inputLines = input.split("\n");
  const counts = new Map<string, number>();
  for (const l of inputLines) if (l.trim()) counts.set(l.trim(), (counts.get(l.trim()) ?? 0) + 1);
  let checked = 0;
  for (const mode of MODES) {
    const out = compile(input, relFile, mode);
    if (!out.map) continue;
    expect(out.map.sources).toEqual([relFile]);
    const tracer = new TraceMap(out.map as any);
    out.code.split("\n").forEach((line, i) => {
      const trimmed = line.trim();
      // Lines of only punctuation (`}`) may be inserted text that happens to match an input line.
      if (!/\w/.test(trimmed) || counts.get(trimmed) !== 1) return;
      const origLine = inputLines.findIndex((l) => l.trim() === trimmed);
      const column = line.length - line.trimStart().length;
      const pos = originalPositionFor(tracer, { line: i + 1, column });
      expect(pos.source, `${mode}: ${trimmed}`).toBe(relFile);
      expect({ line: pos.line, column: pos.column }, `${mode}: ${trimmed}`).toEqual({
        line: origLine + 1,
        column: inputLines[origLine].length - inputLines[origLine].trimStart().length,
      });
      checked++;
    });
  }
  return checked;
}

describe("source maps", () => {
  it.each(["basic", "nested-steps", "class-methods", "import-pruning", "nested-step-expressions"])(
    "map copied lines of %s back to their original line and column",
    (name) => {
      const input = fs.readFileSync(path.join(FIXTURES, name, "input.ts"), "utf8");
      expect(checkLines(input, `src/${name}.ts`)).toBeGreaterThan(10);
    },
  );

  it("maps tokens inside a moved (hoisted) step body", () => {
    const input = fs.readFileSync(path.join(FIXTURES, "nested-steps", "input.ts"), "utf8");
    const out = compile(input, "src/nested-steps.ts", "step");
    const tracer = new TraceMap(out.map as any);
    const outLines = out.code.split("\n");
    const line = outLines.findIndex((l) => l.includes("db.stock.reserve"));
    const column = outLines[line].indexOf("item.sku");
    const pos = originalPositionFor(tracer, { line: line + 1, column });
    const inLines = input.split("\n");
    const origLine = inLines.findIndex((l) => l.includes("db.stock.reserve"));
    expect(pos).toMatchObject({ line: origLine + 1, column: inLines[origLine].indexOf("item.sku") });
  });

  it("maps inserted runtime calls to the function they came from", () => {
    const input = fs.readFileSync(path.join(FIXTURES, "basic", "input.ts"), "utf8");
    const out = compile(input, "src/basic.ts", "client");
    const tracer = new TraceMap(out.map as any);
    const outLines = out.code.split("\n");
    const line = outLines.findIndex((l) => l.includes("throw __wf.workflowCalledDirectly"));
    const pos = originalPositionFor(tracer, { line: line + 1, column: 2 });
    const origLine = input.split("\n").findIndex((l) => l.startsWith("export async function processOrder"));
    expect(pos.line).toBe(origLine + 1);
  });

  it("embeds the original source under its relative path only", () => {
    const out = compile('async function a() { "use step"; }\n', "src/a.ts", "workflow");
    expect(out.map).toMatchObject({ version: 3, file: "a.ts", sources: ["src/a.ts"], names: [] });
    expect(out.map!.sourcesContent).toEqual(['async function a() { "use step"; }\n']);
  });
});
