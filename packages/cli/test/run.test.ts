// `wf run` and usage errors, through the built CLI.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, wf } from "./helpers.js";

const ORDERS = `
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

  it("exits 1 with the workflow's error when it fails", async () => {
    const result = await wf(
      ["run", "orders.ts", "rejectOrder", "--args", '["x9"]', "--data-dir", "data-fail"],
      tmp,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("RangeError: order x9 is out of stock");
    expect(result.stderr).toContain("WF_RUN_FAILED");
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
