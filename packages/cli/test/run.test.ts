// `wf run` and usage errors, through the built CLI.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startChild } from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, BIN, wf } from "./helpers.js";

const ORDERS = `import { FatalError } from "workflow";

async function price(id: string) {
  "use step";
  return id.length * 10;
}

export async function processOrder(id: string, qty: number) {
  "use workflow";
  return { id, total: (await price(id)) * qty, at: new Map([["k", 1n]]) };
}

export async function rejectOrder(id: string) {
  "use workflow";
  await price(id);
  throw new RangeError(\`order \${id} is out of stock\`);
}

async function charge(id: string) {
  "use step";
  throw new FatalError(\`card for \${id} declined\`);
}

export async function chargeOrder(id: string) {
  "use workflow";
  return await charge(id);
}
`;

const SLOW = `import { sleep } from "workflow";

async function prepare(id: string) {
  "use step";
  return id;
}

export async function slowOrder(id: string) {
  "use workflow";
  await prepare(id);
  await sleep("1h");
  return id;
}
`;

let tmp: string;

beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "wf-run-test-"));
  writeFileSync(path.join(tmp, "orders.ts"), ORDERS);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("wf run", () => {
  it("runs a workflow to its end and prints its return value as JSON (exit 0)", async () => {
    const result = await wf(
      ["run", "orders.ts", "processOrder", "--args", '["ab", 3]', "--data-dir", "data-ok"],
      tmp,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ id: "ab", total: 60, at: { k: "1" } });
    // Progress on stderr while it works: the run id first, a line per step, then the end.
    const lines = result.stderr.trim().split("\n");
    const [, runId] =
      lines[0]!.match(/^wfkit: run (wrun_\S+) workflow\/\/orders\/\/processOrder: started$/) ?? [];
    expect(runId).toBeDefined();
    expect(lines).toContain(
      `wfkit: run ${runId} workflow//orders//processOrder step step//orders//price attempt 1: step completed`,
    );
    expect(lines.at(-1)).toBe(`wfkit: run ${runId} workflow//orders//processOrder: completed`);
  });

  it("prints the run id and each step on stderr while the run works, not only at its end", async () => {
    writeFileSync(path.join(tmp, "slow.ts"), SLOW);
    const child = startChild(
      [BIN, "run", "slow.ts", "slowOrder", "--args", '["s-1"]', "--data-dir", "data-slow"],
      {
        cwd: tmp,
        name: "wf run slow.ts",
      },
    );
    try {
      const [, runId] = await child.waitForOutput(
        /wfkit: run (wrun_\S+) workflow\/\/slow\/\/slowOrder: started/,
      );
      await child.waitForOutput(
        new RegExp(
          `wfkit: run ${runId} workflow//slow//slowOrder step step//slow//prepare attempt 1: step completed`,
        ),
      );
      // The run now sleeps for an hour: the lines came while it works, and stdout waits for its value.
      expect(child.process.exitCode).toBeNull();
      expect(child.stdout()).toBe("");
    } finally {
      await child.stop();
    }
  });

  it('prints a compile error with its code frame and fix, before any run (a helper missing "use step")', async () => {
    mkdirSync(path.join(tmp, "lib"), { recursive: true });
    writeFileSync(
      path.join(tmp, "lib", "receipts.ts"),
      'import { writeFile } from "node:fs/promises";\n\nexport async function saveReceipt(id: string) {\n  await writeFile("receipt-" + id, id);\n}\n',
    );
    writeFileSync(
      path.join(tmp, "checkout.ts"),
      'import { saveReceipt } from "./lib/receipts";\n\nexport async function checkout(id: string) {\n  "use workflow";\n  await saveReceipt(id);\n  return id;\n}\n',
    );
    const result = await wf(
      ["run", "checkout.ts", "checkout", "--args", '["c1"]', "--data-dir", "data-c008"],
      tmp,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("WF_BUILD_FAILED: Building the workflow bundle failed:");
    expect(result.stderr).toContain(
      'WF_C008_NODE_MODULE_IN_HELPER: saveReceipt in lib/receipts.ts uses writeFile from "node:fs/promises", and workflow code reaches it: checkout.ts → lib/receipts.ts.',
    );
    expect(result.stderr).toContain("  at lib/receipts.ts:4:9\n");
    expect(result.stderr).toMatch(/ > 4 \| {3}await writeFile\("receipt-" \+ id, id\);\n +\| +\^/);
    expect(result.stderr).toContain('Fix: add "use step" as the first statement of saveReceipt');
    // No stack into the bundle.
    expect(result.stderr).not.toContain("wfkit-workflows");
  });

  it("prints compiler warnings with their code frame, and runs", async () => {
    writeFileSync(
      path.join(tmp, "nested.ts"),
      'async function outer() {\n  "use step";\n  async function inner() {\n    "use step";\n    return 1;\n  }\n  return inner();\n}\n\nexport async function nested() {\n  "use workflow";\n  return outer();\n}\n',
    );
    const result = await wf(["run", "nested.ts", "nested", "--data-dir", "data-warn"], tmp);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toBe(1);
    expect(result.stderr).toContain("WF_C007_STEP_IN_STEP: A step inside step outer runs inline");
    expect(result.stderr).toContain("  at nested.ts:4:5\n");
    expect(result.stderr).toMatch(/> +4 \| {5}"use step";/);
  });

  it("names the builtin and the fix at run time when the build cannot see the use (a package in node_modules)", async () => {
    const pkg = path.join(tmp, "node_modules", "host-name");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      path.join(pkg, "package.json"),
      '{ "name": "host-name", "type": "module", "main": "index.js" }',
    );
    writeFileSync(
      path.join(pkg, "index.js"),
      'import { hostname } from "node:os";\nexport function hostName() {\n  return hostname();\n}\n',
    );
    writeFileSync(
      path.join(tmp, "where.ts"),
      'import { hostName } from "host-name";\n\nexport async function where() {\n  "use workflow";\n  return hostName();\n}\n',
    );
    const result = await wf(["run", "where.ts", "where", "--data-dir", "data-stub"], tmp);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("WF_RUN_FAILED");
    expect(result.stderr).toContain(
      'WF_C008_NODE_MODULE_IN_HELPER: workflow code used hostname from "node:os", but the workflow sandbox has no Node builtins. Fix: call it only from an async function marked "use step".',
    );
  });

  it("exits 1 with the workflow's error when it fails", async () => {
    const result = await wf(
      ["run", "orders.ts", "rejectOrder", "--args", '["x9"]', "--data-dir", "data-fail"],
      tmp,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("RangeError: order x9 is out of stock");
    expect(result.stderr).toContain("WF_RUN_FAILED");
    // The stack names the line of the throw in orders.ts, not the bundle wfkit runs.
    expect(result.stderr).toContain(
      "RangeError: order x9 is out of stock\n    at rejectOrder (orders.ts:16:9)",
    );
    expect(result.stderr).not.toMatch(/wfkit-workflows-[0-9a-f]+\.js/);
  });

  it("prints a step's error with frames of the user's file (the step bundle mapped)", async () => {
    const result = await wf(
      ["run", "orders.ts", "chargeOrder", "--args", '["x7"]', "--data-dir", "data-step-fail"],
      tmp,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("FatalError: card for x7 declined\n    at charge (orders.ts:21:9)");
    expect(result.stderr).not.toMatch(/steps-[0-9a-f]+\.mjs/);
  });

  it.each([
    ["no export name", ["run", "orders.ts"]],
    ["a missing file", ["run", "missing.ts", "processOrder"]],
    ["an unknown option", ["run", "orders.ts", "processOrder", "--bogus"]],
    ["an option without its value", ["run", "orders.ts", "processOrder", "--args"]],
    ["--args that is not JSON", ["run", "orders.ts", "processOrder", "--args", "[nope"]],
    ["--args that is not an array", ["run", "orders.ts", "processOrder", "--args", '"ab"']],
    ["an export that is not a workflow", ["run", "orders.ts", "price", "--data-dir", "data-usage"]],
    ["wf dev with a missing folder", ["dev", "no-such-folder", "--port", "0"]],
    ["wf dev with a bad port", ["dev", ".", "--port", "eighty"]],
    ["wf dev with two folders", ["dev", "a", "b"]],
  ])("exits 2 with WF_CLI_USAGE on %s", async (_what, args) => {
    const result = await wf(args, tmp);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^wf: /);
    expect(result.stderr).toContain("WF_CLI_USAGE");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 on an unknown command and prints the usage", async () => {
    const result = await wf(["strat"], tmp);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("WF_CLI_USAGE");
    expect(result.stderr).toContain("wf dev [dir]");
  });

  it("prints the usage for wf help (exit 0)", async () => {
    const result = await wf(["help"], tmp);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("wf run <file> <exportName>");
    expect(result.stdout).toContain("wf dev [dir] [--port N] [--data-dir DIR]");
  });
});
