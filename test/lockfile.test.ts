// package-lock.json must be exactly what `npm install` writes on every
// platform, so a fresh install leaves it untouched (.ci/run also checks with
// `git diff` after its install). npm records every optional platform package
// (Next's SWC binaries, esbuild's, ...) whatever the platform that wrote the
// lock; a lock missing some gets rewritten by installs on those platforms.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

type Entry = { version?: string; optionalDependencies?: Record<string, string>; link?: boolean };
const lock = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8")) as {
  lockfileVersion: number;
  packages: Record<string, Entry>;
};

/** The lock entry Node's resolution would find for `name` from the package at `from`. */
function resolveFrom(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ""}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const up = base.lastIndexOf("/node_modules/");
    base = up < 0 ? "" : base.slice(0, up);
  }
}

describe("package-lock.json", () => {
  it("is lockfile version 3", () => {
    expect(lock.lockfileVersion).toBe(3);
  });

  it("records every optional dependency, for every platform", () => {
    const missing: string[] = [];
    for (const [at, entry] of Object.entries(lock.packages))
      for (const name of Object.keys(entry.optionalDependencies ?? {}))
        if (!resolveFrom(at, name)) missing.push(`${name} (optional dependency of ${at || "the root"})`);
    expect(missing).toEqual([]);
  });
});
