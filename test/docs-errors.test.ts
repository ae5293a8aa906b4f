// Every error code used in package sources has a page at docs/errors/<CODE>.md
// that starts with "# <CODE>".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const packagesDir = path.join(root, "packages");
const docsDir = path.join(root, "docs", "errors");
const CODE = /\bWF_[A-Z][A-Z0-9_]*[A-Z0-9]\b/g;

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

const codes = codesInSources();
const sorted = [...codes.keys()].sort();

describe("docs/errors", () => {
  it("finds error codes in the package sources", () => {
    expect(sorted.length).toBeGreaterThan(0);
  });

  it("has a page for every error code used in source", () => {
    const missing = sorted.filter((code) => !existsSync(path.join(docsDir, `${code}.md`)));
    const report = missing.map((code) => `  ${code} (used in ${codes.get(code)!.join(", ")})`).join("\n");
    expect(missing, `${missing.length} error code(s) have no docs/errors/<CODE>.md page:\n${report}`).toEqual(
      [],
    );
  });

  it("starts each page with '# <CODE>'", () => {
    const wrong = sorted.filter((code) => {
      const page = path.join(docsDir, `${code}.md`);
      if (!existsSync(page)) return false; // reported by the test above
      const firstLine = readFileSync(page, "utf8").split(/\r?\n/, 1)[0]!;
      return (
        firstLine !== `# ${code}` &&
        !firstLine.startsWith(`# ${code}:`) &&
        !firstLine.startsWith(`# ${code} `)
      );
    });
    expect(
      wrong,
      `these pages do not start with "# <CODE>":\n${wrong.map((c) => `  docs/errors/${c}.md`).join("\n")}`,
    ).toEqual([]);
  });
});
