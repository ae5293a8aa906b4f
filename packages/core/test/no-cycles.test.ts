import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Import circles, type-only ones included, make units that cannot be read or tested
// alone: core/src has none, and this test keeps it so.

const src = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src");

/** Relative specifiers of static imports, re-exports, `import type` and dynamic imports. */
const IMPORT =
  /(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;

/** File → the files it imports (`.js` specifiers name `.ts` sources; a folder names its index). */
function importGraph(sources: Map<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of sources) {
    const deps: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const target = path.posix.join(path.posix.dirname(file), (m[1] ?? m[2])!).replace(/\.js$/, ".ts");
      const found = [target, target.replace(/\.ts$/, "/index.ts"), `${target}/index.ts`].find((t) =>
        sources.has(t),
      );
      if (found) deps.push(found);
    }
    graph.set(file, deps);
  }
  return graph;
}

/** Every circle a depth-first walk meets, each as the files along it. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === "open") cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

function readSources(root: string): Map<string, string> {
  const sources = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name) || entry.name.endsWith(".d.ts")) continue;
    const full = path.join(entry.parentPath, entry.name);
    sources.set(path.relative(root, full).split(path.sep).join("/"), readFileSync(full, "utf8"));
  }
  return sources;
}

describe("import circles", () => {
  it("core/src has none, type-only imports included", () => {
    const sources = readSources(src);
    expect(sources.size).toBeGreaterThan(30);
    expect(findCycles(importGraph(sources)).map((c) => c.join(" -> "))).toEqual([]);
  });

  it("the check finds a circle through `import type`, a re-export and a folder index", () => {
    const sources = new Map([
      ["a.ts", 'import type { B } from "./b.js";\nexport const a = 1;'],
      ["b.ts", 'export { c } from "./c/index.js";\nexport type B = number;'],
      ["c/index.ts", 'import {\n  a,\n} from "../a.js";\nexport const c = a;'],
      ["d.ts", 'import { a } from "./a.js";'],
    ]);
    expect(findCycles(importGraph(sources))).toEqual([["a.ts", "b.ts", "c/index.ts", "a.ts"]]);
  });
});
