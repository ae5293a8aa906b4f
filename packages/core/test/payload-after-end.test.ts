// A payload that comes in the same batch as the event that ends its run (the run completes
// on an earlier input of that batch) is not applied, and not recorded: its caller must hear
// so, never an acknowledgement. The SIGKILL loop (test/chaos) found one acknowledged and
// missing from the log: a cold run, two payloads posted while its log loaded.
import { waitFor as until } from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HookNotFoundError } from "../src/errors/index.js";
import type { Runtime } from "../src/host/runtime.js";
import { deserialize } from "../src/serialization/index.js";
import { testRuntime } from "./runtime-helpers.js";

let rt: Runtime;
let wf: (name: string) => string;
beforeAll(async () => {
  // One warm run at most: starting a second run makes the first cold (its log replays on the next input).
  const t = await testRuntime(["hooks.ts", "ingest.ts"], {
    maxWarmRuns: 1,
    webhookBaseUrl: "http://app.test",
  });
  rt = t.runtime;
  wf = (name) => t.id(name === "webhookEcho" ? "ingest.ts" : "hooks.ts", name);
});
afterAll(() => rt?.close());

let fillers = 0;
/**
 * Starts `workflow` and waits for its hook, then starts another run, which makes the first
 * cold (maxWarmRuns: 1). `endOther` resumes that other run and answers its return value.
 */
async function coldRunWaiting(workflow: string, args: unknown[]) {
  const run = await rt.start(wf(workflow), args);
  const hook = await until("the run's hook", async () => (await rt.world.listHooks({ runId: run.runId }))[0]);
  const token = `ends:other-${++fillers}`;
  const other = await rt.start(wf("hookWait"), [token]);
  await until("the other hook", async () => (await rt.world.getHook(token)) ?? undefined);
  const endOther = async (value: number) => {
    await rt.resumeHook(token, { value });
    return other.returnValue;
  };
  return { run, hook, endOther };
}

describe("payloads in the batch that ends the run", () => {
  it("are refused (HookNotFoundError), and every acknowledged one is in the log", async () => {
    const { run, endOther } = await coldRunWaiting("hookWait", ["ends:1"]);

    // Posted together to the cold run: its actor loads the log, then takes all three in one batch.
    const outcomes = await Promise.allSettled([1, 2, 3].map((value) => rt.resumeHook("ends:1", { value })));
    expect(await run.returnValue).toEqual({ value: 1 });

    const recorded = (await rt.world.readEvents(run.runId))
      .filter((e) => e.type === "hook_received")
      .map((e) => deserialize<{ value: number }>((e as { payload: string }).payload).value);
    const acknowledged = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [i + 1] : []));
    expect(acknowledged).toContain(1);
    for (const value of acknowledged) expect(recorded, `acknowledged payload ${value}`).toContain(value);
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(HookNotFoundError);

    expect(await endOther(9)).toEqual({ value: 9 });
  });

  it("sent to a webhook are answered 410 (gone), not 202, and every 202'd request is in the log", async () => {
    const { run, hook, endOther } = await coldRunWaiting("webhookEcho", []);

    const url = `http://app.test/.well-known/workflow/v1/webhook/${hook.token}`;
    const answers = await Promise.all(
      ["a", "b", "c"].map((body) => rt.handleWebhook(new Request(url, { method: "POST", body }))),
    );
    expect(await run.returnValue).toEqual({ method: "POST", body: "a" });

    const recorded = (await rt.world.readEvents(run.runId)).filter((e) => e.type === "hook_received").length;
    const accepted = answers.filter((a) => a.status === 202).length;
    expect(accepted).toBeGreaterThan(0);
    expect(recorded).toBe(accepted);
    for (const a of answers) expect([202, 410]).toContain(a.status);
    for (const a of answers.filter((a) => a.status === 410))
      expect((await a.json()).error.code).toBe("WF_WEBHOOK_GONE");

    await endOther(1);
  });

  it("after a cancellation in the same batch are refused too", async () => {
    const { run, endOther } = await coldRunWaiting("hookWait", ["ends:cancelled"]);

    // The cancellation is posted first (one World read before it, against two for the payload).
    const [cancelled, resumed] = await Promise.allSettled([
      rt.cancel(run.runId),
      rt.resumeHook("ends:cancelled", { value: 1 }),
    ]);
    expect(cancelled.status).toBe("fulfilled");
    expect(await run.status).toBe("cancelled");
    const recorded = (await rt.world.readEvents(run.runId)).filter((e) => e.type === "hook_received");
    if (resumed.status === "fulfilled") expect(recorded).toHaveLength(1);
    else {
      expect(resumed.reason).toBeInstanceOf(HookNotFoundError);
      expect(recorded).toEqual([]);
    }

    await endOther(1);
  });
});
