// `wf inspect`, `wf cancel`, `wf resume` and `wf rerun` through the built CLI: against a
// data folder (after `wf run`), and against a running `wf dev` with --url.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, type DevServer, startDev, waitFor, wf } from "./helpers.js";

const ORDERS = `
import { sleep } from "workflow";

const seen = new Set<string>();
async function charge(id: string) {
  "use step";
  if (!seen.has(id)) {
    seen.add(id);
    throw new Error("card network timeout");
  }
  return id.length * 10;
}

export async function processOrder(id: string) {
  "use workflow";
  const total = await charge(id);
  await sleep(1);
  return { id, total };
}
`;

const APPROVAL = `
import { createHook } from "workflow";

export async function approval(item: string) {
  "use workflow";
  const { by } = await createHook<{ by: string }>({ token: "approve:" + item });
  return { item, by };
}
`;

let tmp: string;
let dev: DevServer | undefined;
let rerunId: string | undefined;

beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "wf-inspect-test-"));
  writeFileSync(path.join(tmp, "orders.ts"), ORDERS);
  mkdirSync(path.join(tmp, "flows"));
  writeFileSync(path.join(tmp, "flows", "approval.ts"), APPROVAL);
});

afterAll(async () => {
  await dev?.stop("SIGKILL");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("wf inspect on a data folder", () => {
  it("lists runs, shows a run's timeline with its retried attempt and sleep, and its events (text and --json)", async () => {
    const run = await wf(
      ["run", "orders.ts", "processOrder", "--args", '["A-1"]', "--data-dir", "data"],
      tmp,
    );
    expect(run.code, run.stderr).toBe(0);

    const json = await wf(["inspect", "runs", "--data-dir", "data", "--json"], tmp);
    expect(json.code, json.stderr).toBe(0);
    const page = JSON.parse(json.stdout);
    expect(page.runs).toHaveLength(1);
    const [summary] = page.runs;
    expect(summary).toMatchObject({ workflowId: "workflow//orders//processOrder", status: "completed" });

    const text = await wf(["inspect", "runs", "--data-dir", "data", "--status", "completed"], tmp);
    expect(text.stdout).toMatch(/^RUN ID\s+WORKFLOW\s+STATUS\s+CREATED\s+DURATION$/m);
    expect(text.stdout).toContain(`${summary.runId}  workflow//orders//processOrder  completed`);
    expect((await wf(["inspect", "runs", "--data-dir", "data", "--status", "failed"], tmp)).stdout).toBe(
      "No runs.\n",
    );

    const timeline = await wf(["inspect", "run", summary.runId, "--data-dir", "data"], tmp);
    expect(timeline.code, timeline.stderr).toBe(0);
    expect(timeline.stdout).toContain(`Run ${summary.runId}`);
    expect(timeline.stdout).toContain('output    {"id":"A-1","total":30}');
    expect(timeline.stdout).toMatch(/step step\/\/orders\/\/charge completed in \S+ {2}input \["A-1"\]/);
    expect(timeline.stdout).toMatch(
      /attempt 1 retrying after \S+: Error: card network timeout \(retry in \S+\)/,
    );
    expect(timeline.stdout).toMatch(/attempt 2 completed/);
    expect(timeline.stdout).toMatch(/sleep 1ms, woke at/);

    const view = JSON.parse(
      (await wf(["inspect", "run", summary.runId, "--data-dir", "data", "--json"], tmp)).stdout,
    );
    expect(view.steps[0].attempts.map((a: { status: string }) => a.status)).toEqual([
      "retrying",
      "completed",
    ]);

    const events = await wf(["inspect", "events", summary.runId, "--data-dir", "data", "--limit", "2"], tmp);
    expect(events.stdout).toMatch(/^ {3}1 {2}\S+ {2}run_created/m);
    expect(events.stdout).toMatch(/^ {3}2 {2}\S+ {2}step_scheduled/m);
    expect(events.stdout).toContain("More events: --cursor 2");
    const rest = JSON.parse(
      (await wf(["inspect", "events", summary.runId, "--data-dir", "data", "--cursor", "2", "--json"], tmp))
        .stdout,
    );
    expect(rest.events.at(-1).type).toBe("run_completed");
  });

  it("says what is wrong, with a code: unknown run, bad status, and actions without a server", async () => {
    const missing = await wf(["inspect", "run", "wrun_nope", "--data-dir", "data"], tmp);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("WF_RUN_NOT_FOUND");
    const bad = await wf(["inspect", "runs", "--data-dir", "data", "--status", "done"], tmp);
    expect(bad.stderr).toContain("WF_INSPECT_INVALID_QUERY");
    const cancel = await wf(["cancel", "wrun_x", "--data-dir", "data"], tmp);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain("WF_RUN_NOT_FOUND");
    const resume = await wf(["resume", "some-token", "--data-dir", "data"], tmp);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toContain("WF_HOOK_NOT_FOUND");
    const rerun = await wf(["rerun", "wrun_x", "--data-dir", "data"], tmp);
    expect(rerun.code).toBe(1);
    expect(rerun.stderr).toContain("WF_RUN_NOT_FOUND");
    expect((await wf(["inspect", "nope"], tmp)).code).toBe(2);
  });
});

describe("wf inspect, resume, cancel and rerun against a running server (--url)", () => {
  it("reads the server's runs and drives them", async () => {
    dev = await startDev(["flows", "--port", "0", "--data-dir", "devdata"], tmp);
    const start = async (item: string) => {
      const response = await fetch(`${dev!.url}/api/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ workflow: "approval.ts#approval", args: [item] }),
      });
      return ((await response.json()) as { runId: string }).runId;
    };
    const first = await start("a");
    const second = await start("b");
    const url = ["--url", dev.url];
    await waitFor("both hooks", async () => {
      const page = JSON.parse((await wf(["inspect", "runs", ...url, "--json"], tmp)).stdout);
      return page.runs.length === 2 || undefined;
    });
    const waiting = await waitFor("the hook of the first run", async () => {
      const view = JSON.parse((await wf(["inspect", "run", first, ...url, "--json"], tmp)).stdout);
      return view.hooks.length ? view : undefined;
    });
    expect(waiting.hooks[0]).toMatchObject({ token: "approve:a", status: "waiting" });

    const resumed = await wf(["resume", "approve:a", "--data", '{"by":"ada"}', ...url], tmp);
    expect(resumed.stdout).toBe(`Resumed hook approve:a of run ${first}.\n`);
    await waitFor("the first run to complete", async () => {
      const view = JSON.parse((await wf(["inspect", "run", first, ...url, "--json"], tmp)).stdout);
      return view.status === "completed" ? view : undefined;
    });
    expect((await wf(["inspect", "run", first, ...url], tmp)).stdout).toContain('received {"by":"ada"}');

    const cancelled = await wf(["cancel", second, ...url, "--json"], tmp);
    expect(JSON.parse(cancelled.stdout)).toEqual({ runId: second, status: "cancelled" });

    const rerun = await wf(["rerun", first, ...url], tmp);
    const [, newId] = rerun.stdout.match(/^Started run (wrun_\S+) with the input of /) ?? [];
    expect(newId).toBeDefined();
    const again = JSON.parse((await wf(["inspect", "run", newId!, ...url, "--json"], tmp)).stdout);
    expect(again.input).toEqual(["a"]);
    rerunId = newId;
  });
});

describe("wf cancel on a data folder (no server)", () => {
  it("cancels a waiting run once the server is gone; a new server does not resume it", async () => {
    expect(rerunId).toBeDefined();
    await waitFor("the rerun to wait on its hook", async () => {
      const view = JSON.parse(
        (await wf(["inspect", "run", rerunId!, "--url", dev!.url, "--json"], tmp)).stdout,
      );
      return view.hooks.length ? view : undefined;
    });
    dev!.child.kill("SIGTERM");
    expect(await dev!.exited).toBe(0);

    const cancelled = await wf(["cancel", rerunId!, "--data-dir", "devdata", "--json"], tmp);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toEqual({ runId: rerunId, status: "cancelled" });
    const view = JSON.parse(
      (await wf(["inspect", "run", rerunId!, "--data-dir", "devdata", "--json"], tmp)).stdout,
    );
    expect(view.status).toBe("cancelled");
    const events = JSON.parse(
      (await wf(["inspect", "events", rerunId!, "--data-dir", "devdata", "--json"], tmp)).stdout,
    );
    expect(events.events.at(-1).type).toBe("run_cancelled");
    // Again: an ended run stays as it is.
    expect((await wf(["cancel", rerunId!, "--data-dir", "devdata"], tmp)).stdout).toBe(
      `Run ${rerunId} is cancelled.\n`,
    );

    // Its hook was released with it: a new server has no hook with that token.
    dev = await startDev(["flows", "--port", "0", "--data-dir", "devdata"], tmp);
    const resumed = await fetch(`${dev.url}/api/hooks/${encodeURIComponent("approve:a")}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ by: "nobody" }),
    });
    expect(resumed.status).toBe(404);
  });
});
