import { cpSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** What {@link copyApp} copies, and where to. */
export interface CopyAppOptions {
  /** The app folder to copy from. */
  from: string;
  /** Files and folders of `from` to copy (relative paths); everything else is left out. */
  entries: readonly string[];
  /**
   * The folder that receives the copy; default the OS temp folder. Put it inside
   * the repository when the copy must find the repository's node_modules by
   * walking up, as Next.js does.
   */
  parent?: string;
  /** Start of the copy's folder name. Default `"wfkit-app-"`. */
  prefix?: string;
  /** Leaves out the files and folders (absolute source paths) it returns true for. */
  skip?: (source: string) => boolean;
  /**
   * Packages to link into the copy's own `node_modules`: name → folder. Caches
   * that tools write under `node_modules` (Vite's, compiled step bundles) then
   * land in the copy, not in the repository.
   */
  link?: Record<string, string>;
}

/** A throwaway copy of an app. */
export interface AppCopy {
  /** The copy's folder. */
  dir: string;
  /** Removes the copy, and `parent` too once it is empty. */
  cleanup(): void;
}

/**
 * Copies part of an app into a fresh folder, so that builds and edits made by
 * a test never touch the sources.
 *
 * @example
 * const app = copyApp({ from: appDir, entries: ["src", "package.json"], link: { vite: viteDir } });
 * try { ... } finally { app.cleanup(); }
 */
export function copyApp(options: CopyAppOptions): AppCopy {
  const parent = options.parent ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, options.prefix ?? "wfkit-app-"));
  for (const entry of options.entries) {
    cpSync(path.join(options.from, entry), path.join(dir, entry), {
      recursive: true,
      filter: options.skip ? (source) => !options.skip!(source) : undefined,
    });
  }
  const links = Object.entries(options.link ?? {});
  if (links.length > 0) {
    for (const [name, target] of links) {
      const at = path.join(dir, "node_modules", name);
      mkdirSync(path.dirname(at), { recursive: true });
      symlinkSync(target, at, "dir");
    }
  }
  return {
    dir,
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
      if (options.parent) removeIfEmpty(options.parent);
    },
  };
}

/** A new empty folder under the OS temp folder. */
export function tempDir(prefix = "wfkit-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Removes a folder if it is empty; leaves it (and says nothing) otherwise. */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (another test's copy is still there) or already gone.
  }
}
