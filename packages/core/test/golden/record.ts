// Records the golden event logs: real runs of workflows.ts on a real Runtime
// and an in-memory World, written out event by event exactly as the World
// stored them. Only `UPDATE_GOLDEN=1 npx vitest run packages/core/test/golden` calls this
// (it adds the logs not recorded yet; `UPDATE_GOLDEN=all` rewrites the version's logs).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";
import { waitFor } from "@wfkit/testing-kit";
import { EVENT_VERSION, type HookRecord, type StoredEvent } from "@wfkit/world";
// The in-memory World moves to `@wfkit/world/memory`; until then, the conformance fixture.
import { MemoryWorld } from "@wfkit/world/memory";
import { Runtime } from "../../src/host/runtime.js";
import { WEBHOOK_PATH } from "../../src/host/webhook.js";
import { GOLDEN_DIR, type GoldenIndex, WORKFLOWS_FILE, workflowId } from "./log.js";

const WEBHOOK_BASE = "http://golden.test";

/** What a scenario drives its runs with. */
interface Driver {
  runtime: Runtime;
  /** Starts a workflow of workflows.ts by its export name; resolves with the run id. */
  start(name: string, args?: unknown[]): Promise<string>;
  /** The run's first live hook (of `kind`), once it exists. */
  hook(runId: string, kind?: "hook" | "webhook"): Promise<HookRecord>;
  /** Calls a webhook as a third party would, through the runtime's route. */
  call(hook: HookRecord, init: RequestInit): Promise<Response>;
  /** Waits until the run's log has an event of this type. */
  logged(runId: string, type: StoredEvent["type"]): Promise<void>;
  /** Waits until the run has ended. */
  ended(runId: string): Promise<void>;
}

/** Each scenario returns the runs it recorded, by golden log name. */
type Scenario = (d: Driver) => Promise<Record<string, string>>;

const scenarios: Scenario[] = [
  async (d) => {
    const runs = {
      sequence: await d.start("sequence", [2, 3]),
      parallel: await d.start("parallel"),
      closure: await d.start("closure", [10]),
      retried: await d.start("retried"),
      "step-fails-for-good": await d.start("stepFailsForGood"),
      "run-fails": await d.start("runFails", ["order-7"]),
      sleeper: await d.start("sleeper"),
      patched: await d.start("patchedRefund", [5]),
    };
    for (const runId of Object.values(runs)) await d.ended(runId);
    return runs;
  },
  async (d) => {
    const runId = await d.start("approval", ["o-1"]);
    const { token } = await d.hook(runId);
    await d.runtime.resumeHook(token, { approved: false, by: "bob" });
    await d.runtime.resumeHook(token, { approved: true, by: "ana" });
    await d.ended(runId);
    return { "hook-two-payloads-disposed": runId };
  },
  async (d) => {
    const runId = await d.start("staticWebhook");
    const response = await d.call(await d.hook(runId, "webhook"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ paid: true }),
    });
    if (response.status !== 201) throw new Error(`static webhook answered ${response.status}`);
    await d.ended(runId);
    return { "webhook-static-response": runId };
  },
  async (d) => {
    const runId = await d.start("manualWebhook");
    const response = await d.call(await d.hook(runId, "webhook"), { method: "POST", body: "hello" });
    const answer = await response.json();
    if (answer.echoed !== "hello") throw new Error(`manual webhook answered ${JSON.stringify(answer)}`);
    await d.ended(runId);
    return { "webhook-manual-response": runId };
  },
  async (d) => {
    // The holder keeps the token while the second run tries to take it, then is cancelled.
    const holder = await d.start("holder", ["golden:taken"]);
    await d.hook(holder);
    const conflicted = await d.start("conflicted", ["golden:taken"]);
    await d.ended(conflicted);
    await d.runtime.cancel(holder);
    await d.ended(holder);
    return { "hook-conflict": conflicted, "run-cancelled": holder };
  },
  async (d) => {
    const holder = await d.start("holder", ["golden:taken-later"]);
    await d.hook(holder);
    const conflicted = await d.start("conflictedAfterStep", ["golden:taken-later"]);
    await d.ended(conflicted);
    await d.runtime.cancel(holder);
    await d.ended(holder);
    return { "hook-conflict-after-step": conflicted };
  },
  async (d) => {
    const runId = await d.start("raceSleepWins", ["golden:race-sleep"]);
    const { token } = await d.hook(runId);
    await d.logged(runId, "sleep_fired");
    await d.runtime.resumeHook(token, "late");
    await d.ended(runId);
    return { "race-sleep-wins": runId };
  },
  async (d) => {
    const runId = await d.start("raceHookWins", ["golden:race-hook"]);
    const { token } = await d.hook(runId);
    await d.runtime.resumeHook(token, "early");
    await d.ended(runId);
    return { "race-hook-wins": runId };
  },
  async (d) => {
    const runId = await d.start("parentOfChildren");
    await d.ended(runId);
    return { "child-runs": runId };
  },
];

/**
 * Runs every scenario and writes `v<EVENT_VERSION>/<name>.jsonl` for each log that is not
 * there yet, adding its run id to `runs.json`; logs already committed are left as they
 * are. With `rewrite`, every log of the version is written anew.
 */
export async function recordGoldenLogs(rewrite = false): Promise<string[]> {
  const root = path.dirname(WORKFLOWS_FILE);
  const files = [path.basename(WORKFLOWS_FILE)];
  const stepsDir = mkdtempSync(path.join(tmpdir(), "wfkit-golden-steps-"));
  const [workflows, steps] = await Promise.all([
    buildWorkflowBundle({ root, files }),
    buildStepBundle({ root, files, outDir: stepsDir }),
  ]);
  await import(pathToFileURL(steps.file).href);
  const world = new MemoryWorld();
  const runtime = new Runtime({
    world,
    workflows,
    webhookBaseUrl: WEBHOOK_BASE,
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
    log: () => {},
  });
  await runtime.recover();
  const driver: Driver = {
    runtime,
    start: async (name, args = []) => (await runtime.start(workflowId(name), args)).runId,
    hook: (runId, kind) =>
      waitFor(`a ${kind ?? "hook"} of ${runId}`, async () =>
        (await world.listHooks({ runId })).find((h) => !kind || h.kind === kind),
      ),
    call: (hook, init) =>
      runtime.handleWebhook(new Request(`${WEBHOOK_BASE}${WEBHOOK_PATH}${hook.token}`, init)),
    logged: (runId, type) =>
      waitFor(`a ${type} event in ${runId}`, async () =>
        (await world.readEvents(runId)).some((e) => e.type === type),
      ),
    ended: async (runId) => void (await runtime.waitForEnd(runId)),
  };

  const dir = path.join(GOLDEN_DIR, `v${EVENT_VERSION}`);
  const indexFile = path.join(dir, "runs.json");
  const index: GoldenIndex =
    !rewrite && existsSync(indexFile)
      ? JSON.parse(readFileSync(indexFile, "utf8"))
      : { webhookBase: WEBHOOK_BASE, runIds: {} };
  if (index.webhookBase !== WEBHOOK_BASE)
    throw new Error(`${indexFile} was recorded with another webhook base`);
  const written: string[] = [];
  mkdirSync(dir, { recursive: true });
  try {
    for (const scenario of scenarios) {
      for (const [name, runId] of Object.entries(await scenario(driver))) {
        if (!rewrite && index.runIds[name] !== undefined) continue;
        const events = await world.readEvents(runId);
        const text = events.map(toLine).join("");
        writeFileSync(path.join(dir, `${name}.jsonl`), withoutMachinePaths(text, stepsDir));
        index.runIds[name] = runId;
        written.push(name);
      }
    }
  } finally {
    await runtime.close();
  }
  writeFileSync(indexFile, `${JSON.stringify(index, null, 2)}\n`);
  return written;
}

/** The event as the World stored it, minus `seq` (the line number is the seq). */
function toLine(event: StoredEvent, index: number): string {
  const { seq, ...stored } = event;
  if (seq !== index + 1) throw new Error(`event ${index + 1} has seq ${seq}`);
  return `${JSON.stringify(stored)}\n`;
}

const REPO_ROOT = path.resolve(GOLDEN_DIR, "../../../..");

/**
 * Stack traces inside error payloads name files on the recording machine; they
 * are written as `<steps>/...` (the step bundle's temp folder) and `<repo>/...`.
 * Nothing reads them back: replays compare errors without their stacks.
 */
function withoutMachinePaths(text: string, stepsDir: string): string {
  return text.split(stepsDir).join("<steps>").split(REPO_ROOT).join("<repo>");
}
