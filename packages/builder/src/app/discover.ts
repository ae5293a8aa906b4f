// Which files of an app hold workflows: the patterns every host shares
// (Next loader rules, the Vite plugin, discovery and the file watcher).
// Loads no toolchain, so config files can import it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** JavaScript and TypeScript sources, the files the compiler reads. */
export const SOURCE = /\.(?:[cm]?[jt]sx?)$/;
/**
 * Text that may hold a `"use workflow"` / `"use step"` directive. No
 * backreference, so bundlers with their own regex engines (Turbopack) accept it.
 */
export const DIRECTIVE = /["']use (?:workflow|step)["']/;
/**
 * Text of a file the client-mode compile must see: a directive, or a class with the
 * peer's `workflow-serialize` method (registered so it can cross as a value).
 */
export const CLIENT_COMPILED = /["']use (?:workflow|step)["']|workflow-serialize|WORKFLOW_SERIALIZE/;
/** Paths inside a `node_modules` folder. */
export const NODE_MODULES = /[\\/]node_modules[\\/]/;
/** How long the watcher waits for more changes before rebuilding (an editor's save is several events). */
export const WATCH_DEBOUNCE_MS = 50;

/** Folders never searched or watched for workflow files. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  "node_modules",
  ".next",
  ".git",
  "dist",
  "build",
  ".workflow-data",
  ".wfkit",
  ".turbo",
  "coverage",
  ".vite",
]);
/** Folders searched for workflow files by default. */
export const DEFAULT_WORKFLOW_DIRS: readonly string[] = ["workflows", "app", "src", "lib"];

/** Is this (relative) path a source file outside the skipped folders? */
export function isWatchedSource(file: string): boolean {
  return SOURCE.test(file) && !file.split(/[\\/]/).some((part) => SKIPPED_DIRS.has(part));
}

/** Files under `dirs` (relative to root) whose text has a "use workflow" / "use step" directive. */
export function findWorkflowFiles(root: string, dirs: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      if (SKIPPED_DIRS.has(name) || name.startsWith(".")) continue;
      const full = path.join(dir, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) walk(full);
      else if (SOURCE.test(name) && !name.endsWith(".d.ts") && DIRECTIVE.test(readFileSync(full, "utf8")))
        found.push(full);
    }
  };
  for (const dir of dirs) walk(path.resolve(root, dir));
  return found.sort();
}
