// The committed `wf` bin (bin/wf.js), which npm links at install time, before
// anything is built: it runs the built command, or says how to build it.
import { copyFileSync, mkdirSync, realpathSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runChild, tempDir } from "@wfkit/testing-kit";
import { describe, expect, it } from "vitest";
import { assertBuilt } from "./helpers.js";

const SHIM = fileURLToPath(new URL("../bin/wf.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

describe("bin/wf.js", () => {
  it("runs the built command", async () => {
    assertBuilt();
    const result = await runChild([SHIM, "help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^wf — the wfkit command line/);
  });

  it("is the wf that npm links at the root (npx wf never reaches the registry)", () => {
    const linked = realpathSync(path.join(ROOT, "node_modules/.bin/wf"));
    expect([SHIM, path.join(ROOT, "packages/workflow/bin/wf.js")]).toContain(linked);
  });

  it("without dist/, exits 1 with WF_CLI_NOT_BUILT and the fix", async () => {
    // The same file in a checkout whose packages are not built yet.
    const checkout = tempDir("wf-unbuilt-");
    try {
      const bin = path.join(checkout, "packages/cli/bin/wf.js");
      mkdirSync(path.dirname(bin), { recursive: true });
      copyFileSync(SHIM, bin);
      const result = await runChild([bin, "help"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("WF_CLI_NOT_BUILT: The wf command is not built:");
      expect(result.stderr).toContain("Fix: Run `npm run build`");
      expect(result.stdout).toBe("");
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});
