// `import "@wfkit/core"` (the built package, every subpath) must not load the
// build toolchain: esbuild, Babel or the workflow compiler live in @wfkit/builder.
// A child process records every module URL Node resolves (a module.register()
// resolve hook) while importing each entry, and the test reads that list.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const coreDir = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(coreDir, "package.json"), "utf8")) as {
  exports: Record<string, unknown>;
};
/** "@wfkit/core", "@wfkit/core/workflow", ...: every module entry of the exports map (not the `docs/errors/*` pages). */
const entries = Object.keys(pkg.exports)
  .filter((key) => !key.includes("*"))
  .map((key) => path.posix.join("@wfkit/core", key));
const TOOLCHAIN = /\/node_modules\/(?:esbuild|@esbuild|@babel)\/|\/@wfkit\/compiler\/|\/packages\/compiler\//;

const HOOK = `
import { appendFileSync } from "node:fs";
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(log, result.url + "\\n");
  return result;
}
`;

/** The URLs Node resolved while importing `entry` in a fresh process. */
function resolvedBy(entry: string): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), "wfkit-no-toolchain-"));
  const hook = path.join(dir, "hook.mjs");
  const log = path.join(dir, "resolved.txt");
  writeFileSync(hook, HOOK);
  writeFileSync(log, "");
  const script = `
    import { register } from "node:module";
    import { pathToFileURL } from "node:url";
    register(pathToFileURL(${JSON.stringify(hook)}), { data: { log: ${JSON.stringify(log)} } });
    await import(${JSON.stringify(entry)});
  `;
  execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: coreDir, stdio: "pipe" });
  return readFileSync(log, "utf8").split("\n").filter(Boolean);
}

describe("@wfkit/core without the toolchain", () => {
  it("is built (npm test builds first)", () => {
    expect(
      existsSync(path.join(coreDir, "dist", "index.js")),
      "build first: npx tsc -b packages/tsconfig.json",
    ).toBe(true);
  });

  for (const entry of entries) {
    it(`import("${entry}") resolves no esbuild, Babel or compiler module`, () => {
      const urls = resolvedBy(entry);
      // The hook saw the entry itself, from the built dist: the check looked at real loads.
      expect(urls.some((url) => url.includes("/packages/core/dist/"))).toBe(true);
      expect(urls.filter((url) => TOOLCHAIN.test(url))).toEqual([]);
    });
  }
});
