// The error registries against the pages in docs/errors/ and the package sources:
// every registered code has a page "# <CODE>: <title>", every page belongs to a
// registered code, and every WF_ code written in packages/*/src is registered.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { UsageError } from "../packages/cli/src/args.js";
import { DIAGNOSTIC_CODE_INFO } from "../packages/compiler/src/diagnostics/codes.js";
import { ERROR_CODES } from "../packages/core/src/errors/codes.js";
import { docsPackage } from "../packages/core/src/errors/docs.js";
import { WorkflowError } from "../packages/core/src/errors/workflow-error.js";
import { WorkflowNextError } from "../packages/next/src/errors.js";
import { viteError } from "../packages/vite/src/errors.js";
import { EventUnreadableError, WORLD_ERROR_CODES } from "../packages/world/src/errors.js";
import { DataFileCorruptError, DataFileForeignError } from "../packages/world-sqlite/src/data-file.js";
import { DataDirLockedError } from "../packages/world-sqlite/src/lock.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const packagesDir = path.join(root, "packages");
const docsDir = path.join(root, "docs", "errors");
const CODE = /\bWF_[A-Z][A-Z0-9_]*[A-Z0-9]\b/g;

/** Every code of the three registries → the package that registers it. */
const REGISTRIES: Record<string, Record<string, { status: number; title: string }>> = {
  "@wfkit/core": ERROR_CODES,
  "@wfkit/compiler": DIAGNOSTIC_CODE_INFO,
  "@wfkit/world": WORLD_ERROR_CODES,
};
const registered = new Map<string, { pkg: string; status: number; title: string }>();
const registeredTwice: string[] = [];
for (const [pkg, registry] of Object.entries(REGISTRIES)) {
  for (const [code, info] of Object.entries(registry)) {
    if (registered.has(code)) registeredTwice.push(code);
    registered.set(code, { pkg, ...info });
  }
}

/** Every non-test .ts file under `dir`, recursively. */
function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
      files.push(full);
  }
  return files;
}

/** Code → the source files (relative to the repo root) that mention it. */
function codesInSources(): Map<string, string[]> {
  const codes = new Map<string, string[]>();
  for (const pkg of readdirSync(packagesDir, { withFileTypes: true })) {
    const src = path.join(packagesDir, pkg.name, "src");
    if (!pkg.isDirectory() || !existsSync(src)) continue;
    for (const file of sourceFiles(src)) {
      const rel = path.relative(root, file).split(path.sep).join("/");
      for (const [code] of readFileSync(file, "utf8").matchAll(CODE)) {
        const where = codes.get(code) ?? [];
        if (!where.includes(rel)) where.push(rel);
        codes.set(code, where);
      }
    }
  }
  return codes;
}

const pages = readdirSync(docsDir)
  .filter((f) => f.endsWith(".md"))
  .map((f) => f.slice(0, -3));

describe("error registries", () => {
  it("hold each code once, in the package its number says", () => {
    expect(registered.size).toBeGreaterThan(50);
    expect(registeredTwice).toEqual([]);
    const misplaced = [...registered].filter(([code, { pkg }]) => docsPackage(code) !== pkg).map(([c]) => c);
    expect(misplaced, "WF_Cnnn_ codes belong to the compiler, WF_Wnnn_ to @wfkit/world").toEqual([]);
  });

  it("give every registered code a page that starts with '# <CODE>: <title>'", () => {
    const wrong = [...registered]
      .filter(([code, { title }]) => {
        const page = path.join(docsDir, `${code}.md`);
        return !existsSync(page) || readFileSync(page, "utf8").split(/\r?\n/, 1)[0] !== `# ${code}: ${title}`;
      })
      .map(([code, { title }]) => `  docs/errors/${code}.md should start with "# ${code}: ${title}"`);
    expect(wrong, `registered codes without a matching page:\n${wrong.join("\n")}`).toEqual([]);
  });

  it("register the code of every page", () => {
    const orphans = pages.filter((code) => !registered.has(code));
    expect(orphans, "pages whose code no registry holds").toEqual([]);
  });

  it("register every WF_ code written in packages/*/src", () => {
    const codes = codesInSources();
    expect(codes.size).toBeGreaterThan(0);
    const unregistered = [...codes.keys()]
      .filter((code) => !registered.has(code))
      .sort()
      .map((code) => `  ${code} (used in ${codes.get(code)!.join(", ")})`);
    expect(unregistered, `codes in source that no registry holds:\n${unregistered.join("\n")}`).toEqual([]);
  });
});

describe("error messages", () => {
  // `<CODE>: <what happened>`, then the fix and the page, the same for every error class.
  const SHAPE = /^(WF_[A-Z0-9_]+): [^\n]+(?:\n[^\n]*)*\n {2}Fix: [^\n]+\n {2}See: \S+\.md$/;

  it.each([
    ["WorkflowError", new WorkflowError("WF_START_ARGS", "start() takes an array.", "Pass [a, b].")],
    ["WorkflowNextError", new WorkflowNextError("WF_NEXT_NO_APP_DIR", "No app/ folder.", "Create app/.")],
    ["UsageError", new UsageError("unknown option --x")],
    ["viteError", viteError("WF_VITE_API_ENTRY_INVALID", "No default export.", "Export a handler.")],
    ["DataDirLockedError", new DataDirLockedError("/tmp/data", 1)],
    ["DataFileForeignError (empty)", new DataFileForeignError("/tmp/data/world.sqlite", "empty")],
    ["DataFileForeignError (schema)", new DataFileForeignError("/tmp/w.sqlite", "other-schema", "t")],
    [
      "DataFileCorruptError",
      new DataFileCorruptError("/tmp/w.sqlite", { code: "SQLITE_CORRUPT", message: "x" }),
    ],
    ["EventUnreadableError", new EventUnreadableError("wrun_1", 3, "Unexpected token")],
  ])("have one shape: %s", (_name, error) => {
    const match = SHAPE.exec(error.message);
    expect(match, error.message).not.toBeNull();
    expect(match![1]).toBe((error as { code: string }).code);
    expect(registered.has(match![1]!)).toBe(true);
    expect(error.message).toContain(`/docs/errors/${match![1]}.md`);
  });
});
