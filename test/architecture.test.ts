// The directions of the house (docs/internals/architecture.md),
// checked on the import specifiers of every package source file. A new import
// that crosses a direction fails here with the file and the specifier.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const packagesDir = path.join(root, "packages");

/**
 * Static imports, re-exports, side-effect imports, `import("x")` and `require("x")` with a
 * literal, as TypeScript's own pre-processor reads them (so an import inside a comment or a
 * string is not one).
 */
function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

interface SourceFile {
  /** Relative to the repository root, POSIX separators. */
  file: string;
  text: string;
  imports: string[];
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "__fixtures__" ? [] : walk(full);
    return /\.(?:[cm]?ts|tsx|[cm]?js)$/.test(entry.name) && !/\.test\.[cm]?ts$/.test(entry.name)
      ? [full]
      : [];
  });
}

function read(file: string): SourceFile {
  const text = readFileSync(file, "utf8");
  return { file: path.relative(root, file).split(path.sep).join("/"), text, imports: importsOf(text) };
}

/** The source files of `packages/<pkg>/src/<sub>`. */
function sources(pkg: string, sub = ""): SourceFile[] {
  return walk(path.join(packagesDir, pkg, "src", sub)).map(read);
}

const packages = readdirSync(packagesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(packagesDir, d.name, "src")))
  .map((d) => d.name);

/** `file: specifier` for every import of `files` that `allowed` refuses. */
function violations(files: SourceFile[], allowed: (specifier: string) => boolean): string[] {
  return files.flatMap((f) =>
    f.imports.filter((s) => !s.startsWith(".") && !allowed(s)).map((s) => `${f.file}: ${s}`),
  );
}

const isNodeBuiltin = (s: string) => s.startsWith("node:");
const CONCRETE_WORLD = /^@wfkit\/world-/;

describe("import directions", () => {
  it("finds the package sources", () => {
    for (const pkg of [
      "compiler",
      "world",
      "world-sqlite",
      "core",
      "builder",
      "next",
      "vite",
      "cli",
      "workflow",
    ]) {
      expect(sources(pkg).length, `packages/${pkg}/src`).toBeGreaterThan(0);
    }
  });

  it("the compiler imports only Babel (and node:path)", () => {
    expect(violations(sources("compiler"), (s) => s.startsWith("@babel/") || s === "node:path")).toEqual([]);
  });

  it("the World contract imports nothing of ours, and a World imports only @wfkit/world", () => {
    expect(violations(sources("world"), (s) => !s.startsWith("@wfkit/"))).toEqual([]);
    for (const pkg of packages.filter((p) => p.startsWith("world-"))) {
      expect(
        violations(
          sources(pkg),
          (s) => !s.startsWith("@wfkit/") || s === "@wfkit/world" || s.startsWith("@wfkit/world/"),
        ),
        pkg,
      ).toEqual([]);
    }
  });

  it("core is the runtime only: no compiler, bundler or concrete World", () => {
    expect(
      violations(
        sources("core"),
        (s) =>
          s !== "esbuild" &&
          !s.startsWith("@babel/") &&
          !s.startsWith("@wfkit/compiler") &&
          !s.startsWith("@wfkit/builder") &&
          !CONCRETE_WORLD.test(s),
      ),
    ).toEqual([]);
  });

  it("sandbox-side code (workflow API, sandbox, serialization, errors, globals) imports no node:* and no package but the World contract and devalue", () => {
    // The folders packages/core/tsconfig.sandbox.json checks without Node types; errors/links.ts
    // (reads import.meta.url) and errors/index.ts (re-exports it) are host-side, excluded there too.
    const hostSideErrors = new Set([
      "packages/core/src/errors/links.ts",
      "packages/core/src/errors/index.ts",
    ]);
    const sandboxSide = [
      ...sources("core", "sandbox"),
      ...sources("core", "workflow"),
      ...sources("core", "serialization"),
      ...sources("core", "errors").filter((f) => !hostSideErrors.has(f.file)),
      read(path.join(packagesDir, "core", "src", "globals.ts")),
    ];
    expect(sandboxSide.length).toBeGreaterThan(20);
    expect(
      violations(sandboxSide, (s) => !isNodeBuiltin(s) && (s === "devalue" || s === "@wfkit/world")),
    ).toEqual([]);
  });

  it("a bare Node builtin without the node: prefix counts as one", () => {
    // `import "crypto"` would dodge the node:* rule above: builtins are imported with the prefix only.
    const bare = new Set(builtinModules.filter((m) => !m.startsWith("_")));
    const offenders = packages
      .flatMap((pkg) => sources(pkg))
      .flatMap((f) => f.imports.filter((s) => bare.has(s.split("/")[0]!)).map((s) => `${f.file}: ${s}`));
    expect(offenders).toEqual([]);
  });

  it("adapters (builder, next, vite) name no concrete World", () => {
    for (const pkg of ["builder", "next", "vite"]) {
      expect(
        violations(sources(pkg), (s) => !CONCRETE_WORLD.test(s)),
        pkg,
      ).toEqual([]);
    }
  });

  it("the web UI sees the runtime only over HTTP: its app imports only preact, its entry only node:url and node:path", () => {
    // packages/web ships static files; the builder serves them by path (webRoot), so the UI's code
    // never runs in a server and must not reach into the runtime's modules: it reads the inspect route.
    const app = sources("web", "app");
    expect(app.length).toBeGreaterThan(3);
    expect(violations(app, (s) => s === "preact" || s.startsWith("preact/"))).toEqual([]);
    const entry = sources("web").filter((f) => !f.file.startsWith("packages/web/src/app/"));
    expect(violations(entry, (s) => s === "node:url" || s === "node:path")).toEqual([]);
    // Only the builder serves the files; hosts mount the builder's routes.
    const importers = packages
      .filter((pkg) => pkg !== "web" && pkg !== "builder")
      .flatMap((pkg) => violations(sources(pkg), (s) => s !== "@wfkit/web" && !s.startsWith("@wfkit/web/")));
    expect(importers).toEqual([]);
  });

  it("cross-realm Symbol.for keys live in core/src/globals.ts only", () => {
    const offenders = packages
      .flatMap((pkg) => sources(pkg))
      .filter((f) => /Symbol\.for\(\s*["']wfkit\./.test(f.text) && f.file !== "packages/core/src/globals.ts")
      .map((f) => f.file);
    expect(offenders).toEqual([]);
  });
});
