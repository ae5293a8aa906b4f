// `wf export` and `wf replay`, through the built CLI, on runs recorded by `wf run`.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, wf } from "./helpers.js";

const V1 = `import { sleep } from "workflow";

async function charge(order: string) {
  "use step";
  return \`charged \${order}\`;
}

async function refund(order: string) {
  "use step";
  return \`refunded \${order}\`;
}

export async function refundOrder(order: string) {
  "use workflow";
  const charged = await charge(order);
  await sleep(1);
  return [charged, await refund(order)];
}

export async function other() {
  "use workflow";
  return await charge("x");
}
`;

// Changed without a patch: a history recorded on V1 diverges where it scheduled refund.
const CHANGED = V1.replace("await refund(order)", "await charge(order)");
// Changed with a patch: V1's histories still replay.
const PATCHED = V1.replace(
  'import { sleep } from "workflow";',
  'import { patched, sleep } from "workflow";',
).replace(
  "return [charged, await refund(order)];",
  'if (patched("again")) return [charged, await charge(order)];\n  return [charged, await refund(order)];',
);

let tmp: string;
let runId: string;
let history: string;

beforeAll(async () => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "wf-replay-test-"));
  mkdirSync(path.join(tmp, "workflows"));
  writeFileSync(path.join(tmp, "workflows", "refunds.ts"), V1);
  const ran = await wf(
    ["run", "workflows/refunds.ts", "refundOrder", "--args", '["o-1"]', "--data-dir", "data"],
    tmp,
  );
  expect(ran.code, ran.stderr).toBe(0);
  runId = /run (wrun_\w+)/.exec(ran.stderr)![1]!;
  const other = await wf(["run", "workflows/refunds.ts", "other", "--data-dir", "data"], tmp);
  expect(other.code, other.stderr).toBe(0);
  history = path.join(tmp, "history.json");
}, 60_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const setCode = (code: string) => writeFileSync(path.join(tmp, "workflows", "refunds.ts"), code);

describe("wf export", () => {
  it("writes the run record and every event to -o file, making its folder", async () => {
    const nested = path.join(tmp, "test", "histories", "refund.json");
    const result = await wf(["export", runId, "--data-dir", "data", "-o", nested], tmp);
    expect(result.code, result.stderr).toBe(0);
    cpSync(nested, history);
    const written = JSON.parse(readFileSync(history, "utf8"));
    expect(written).toMatchObject({
      format: "wfkit.history",
      version: 1,
      run: { runId, status: "completed" },
    });
    expect(written.events.map((e: { type: string }) => e.type)).toEqual([
      "run_created",
      "step_scheduled",
      "step_completed",
      "sleep_scheduled",
      "sleep_fired",
      "step_scheduled",
      "step_completed",
      "run_completed",
    ]);
  });

  it("prints to stdout without -o; an unknown run is WF_RUN_NOT_FOUND (exit 1); no run id is a usage error", async () => {
    const printed = await wf(["export", runId, "--data-dir", "data"], tmp);
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout).run.runId).toBe(runId);
    const missing = await wf(["export", "wrun_nope", "--data-dir", "data"], tmp);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("WF_RUN_NOT_FOUND");
    expect((await wf(["export"], tmp)).code).toBe(2);
  });
});

describe("wf replay", () => {
  it("exit 0 when the histories replay on the current code (a file, a data folder)", async () => {
    setCode(V1);
    const file = await wf(["replay", history], tmp);
    expect(file.code, file.stderr).toBe(0);
    expect(file.stdout).toContain("1 history replayed: 1 ok, 0 diverged.");
    const data = await wf(["replay", "data"], tmp);
    expect(data.code, data.stderr).toBe(0);
    expect(data.stdout).toContain("2 histories replayed: 2 ok, 0 diverged.");
  });

  it("exit 1 with the run id and position when the code changed under the history; a patch makes it replay", async () => {
    setCode(CHANGED);
    const diverged = await wf(["replay", history], tmp);
    expect(diverged.code).toBe(1);
    expect(diverged.stdout).toContain(
      `DIVERGED ${runId} (workflow//workflows/refunds//refundOrder) at position 6`,
    );
    expect(diverged.stdout).toContain("1 history replayed: 0 ok, 1 diverged.");
    const json = await wf(["replay", history, "--json"], tmp);
    expect(JSON.parse(json.stdout).divergences).toMatchObject([
      { runId, position: 6, code: "WF_REPLAY_DIVERGED" },
    ]);

    setCode(PATCHED);
    const patched = await wf(["replay", history], tmp);
    expect(patched.code, patched.stdout).toBe(0);
  });

  it("replays a folder of exported files, and --workflow keeps one workflow's histories", async () => {
    setCode(CHANGED);
    const folder = path.join(tmp, "exported");
    mkdirSync(folder, { recursive: true });
    cpSync(history, path.join(folder, "a.json"));
    const all = await wf(["replay", folder], tmp);
    expect(all.code).toBe(1);
    const data = await wf(["replay", "data", "--workflow", "other"], tmp);
    expect(data.code, data.stdout).toBe(0);
    expect(data.stdout).toContain("1 history replayed: 1 ok, 0 diverged.");
    const byId = await wf(["replay", "data", "--workflow", "workflow//workflows/refunds//refundOrder"], tmp);
    expect(byId.code).toBe(1);
  });

  it("a file that is no exported history is a usage error (exit 2)", async () => {
    writeFileSync(path.join(tmp, "junk.json"), '{"hello": 1}');
    const junk = await wf(["replay", "junk.json"], tmp);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain("not a run history written by wf export");
  });
});
