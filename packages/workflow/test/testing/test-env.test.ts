// The test kit (workflow/testing): virtual time fires retries, races and webhook
// timeouts on advance(); mockStep and sendWebhook; the same scenario, the same log.
import { afterEach, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "workflow/testing";
import { approval, chargeCard, checkout, paymentCallback, reminders, reserveStock } from "./workflows/orders";
import { parentOfSlow, quote, raceThenWait, sleeper, thanks, timeline } from "./workflows/timeline";

const root = import.meta.dirname;
const files = ["workflows/orders.ts", "workflows/timeline.ts"];
const START = Date.UTC(2026, 0, 1);
const envs: TestEnv[] = [];

async function newEnv(mode?: "worker" | "vm") {
  const env = await createTestEnv({ files, root, startTime: START, ...(mode && { sandbox: { mode } }) });
  envs.push(env);
  return env;
}

afterEach(async () => {
  for (const env of envs.splice(0)) await env.close();
});

describe("virtual time", () => {
  it("fires step retries with backoff on advance, at their exact virtual times", async () => {
    const env = await newEnv();
    const run = await env.start(checkout, ["o-1"]);
    // The first attempt failed; its retry waits 1 s of virtual time, which has not passed.
    expect(await run.status).toBe("running");
    expect((await env.events(run)).filter((e) => e.type === "step_retrying")).toHaveLength(1);

    await env.advance("999ms");
    expect((await env.events(run)).filter((e) => e.type === "step_retrying")).toHaveLength(1);

    // Retry 1 at +1 s fails again and waits 2 s more; both fire within 3 s.
    await env.advance("2001ms");
    expect(await run.status).toBe("completed");
    const value = (await run.returnValue) as { charge: { attempt: number; at: number } };
    // stepStartedAt is the first attempt's start; the retries were due at +1 s and +3 s.
    expect(value.charge).toEqual({ attempt: 3, at: START });
    const retries = (await env.events(run)).flatMap((e) => (e.type === "step_retrying" ? [e.retryAt] : []));
    expect(retries).toEqual([START + 1000, START + 3000]);
    expect(env.now()).toBe(START + 3000);
  });

  it("one advance fires a sleep, a retry backoff and a wait timeout, each at its own time, in order", async () => {
    const env = await newEnv();
    const run = await env.start(timeline, ["t-1"]);
    await env.advance("1d");
    // Each timer was set by the one before firing, so all three firing in one advance means
    // the advance settled after each instant and went on.
    expect(await run.returnValue).toEqual({
      slept: 3_600_000,
      retried: 3_600_000 + 1000,
      timedOut: true,
      ended: 3_600_000 + 1000 + 2 * 3_600_000,
    });
    expect(env.now()).toBe(START + 86_400_000);
  });

  it("fires timers of different runs earliest first, whatever order they were set in", async () => {
    const env = await newEnv();
    const ended: string[] = [];
    env.runtime.onRunChange((change) => {
      if (change.status === "completed") ended.push(change.runId);
    });
    const late = await env.start(sleeper, ["3h"]);
    const early = await env.start(sleeper, ["1h"]);
    const middle = await env.start(sleeper, ["2h"]);
    await env.advance("1d");
    expect(ended).toEqual([early.runId, middle.runId, late.runId]);
    expect(await early.returnValue).toBe(START + 3_600_000);
    expect(await middle.returnValue).toBe(START + 2 * 3_600_000);
    expect(await late.returnValue).toBe(START + 3 * 3_600_000);
  });

  it("a hook raced against sleep: the sleep wins on advance, or the hook wins when resumed first", async () => {
    const env = await newEnv();
    env.mockStep(reserveStock, async (sku: string) => `reserved ${sku}`);

    const late = await env.start(approval, ["sku-1"]);
    await env.advance("47h");
    expect(await late.status).toBe("running");
    await env.advance("1h");
    expect(await late.returnValue).toEqual({
      reservation: "reserved sku-1",
      result: "expired",
      decidedAt: START + 48 * 3_600_000,
    });

    const early = await env.start(approval, ["sku-2"]);
    await env.advance("5h");
    await env.resumeHook("approve-sku-2", { approved: true });
    expect(await early.status).toBe("completed");
    expect(await early.returnValue).toEqual({
      reservation: "reserved sku-2",
      result: { decided: true },
      decidedAt: START + 53 * 3_600_000,
    });
  });

  it("a sleep that lost a race never fires, however far time moves", async () => {
    const env = await newEnv();
    const run = await env.start(raceThenWait, ["lost-sleep"]);
    await env.resumeHook("lost-sleep", "hook first");
    // The run is still live (it waits on a second hook) when the lost sleep would be due.
    await env.advance("1d");
    expect((await env.events(run)).map((e) => e.type)).not.toContain("sleep_fired");
    await env.resumeHook("lost-sleep-done", "done");
    expect(await run.returnValue).toEqual(["hook first", "done"]);
    expect((await env.events(run)).map((e) => e.type)).not.toContain("sleep_fired");
  });

  it("now() and Date.now() in workflow code follow the virtual clock", async () => {
    const env = await newEnv();
    expect(env.now()).toBe(START);
    const run = await env.start(reminders, ["o-2"]);
    await env.advance("3s");
    await env.advance("25h");
    expect(await run.returnValue).toEqual({ first: 3, at: START + 3000 + 25 * 3_600_000 });
    expect(await run.createdAt).toEqual(new Date(START));
  });
});

describe("mockStep", () => {
  it("replaces a step for the test and restores it", async () => {
    const env = await newEnv();
    const restore = env.mockStep(chargeCard, async (orderId: string) => ({ attempt: 0, at: orderId.length }));
    const mocked = await env.start(checkout, ["o-3"]);
    expect(await mocked.returnValue).toEqual({ orderId: "o-3", charge: { attempt: 0, at: 3 } });

    restore();
    const real = await env.start(checkout, ["o-4"]);
    expect(await real.status).toBe("running");
    expect((await env.events(real)).filter((e) => e.type === "step_retrying")).toHaveLength(1);
  });

  it("without a mock, the step that reaches out fails the run", async () => {
    const env = await newEnv();
    const run = await env.start(approval, ["sku-3"]);
    expect(await run.status).toBe("failed");
  });

  it("names an unknown step with a coded error", async () => {
    const env = await newEnv();
    expect(() => env.mockStep("notAStep", async () => 1)).toThrow(/WF_TEST_LOOKUP/);
  });
});

describe("sendWebhook", () => {
  it("answers as the webhook route would and delivers the request to the run", async () => {
    const env = await newEnv();
    const run = await env.start(paymentCallback);
    const response = await env.sendWebhook(run, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "paid" }),
    });
    expect(response.status).toBe(202);
    expect(await run.returnValue).toEqual({ paid: true });

    // The webhook is gone with its run: the route's coded answer, not a throw.
    const [event] = (await env.events(run)).filter((e) => e.type === "hook_created");
    const again = await env.sendWebhook((event as { token: string }).token, { body: "{}" });
    expect(again.status).toBe(410);
  });

  it("returns the workflow's own answer for a manual webhook", async () => {
    const env = await newEnv();
    const run = await env.start(quote);
    const response = await env.sendWebhook(run, { body: JSON.stringify({ n: 21 }) });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ doubled: 42 });
    expect(await run.returnValue).toBe(21);
  });

  it("returns a webhook's static answer, with its status, headers and body", async () => {
    const env = await newEnv();
    const run = await env.start(thanks);
    const response = await env.sendWebhook(
      run,
      new Request("http://x.invalid/", { method: "POST", body: "hi" }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-answer")).toBe("static");
    expect(await response.text()).toBe("thanks");
    expect(await run.returnValue).toBe("hi");
  });

  it("times out on advance when nobody calls", async () => {
    const env = await newEnv();
    const run = await env.start(paymentCallback);
    await env.advance("59m");
    expect(await run.status).toBe("running");
    await env.advance("1m");
    expect(await run.returnValue).toEqual({ paid: false });
  });
});

describe("child runs", () => {
  it("a child's sleep moves with the parent's clock; the parent gets its value and both are linked", async () => {
    const env = await newEnv();
    const parent = await env.start(parentOfSlow, [21]);
    const [started] = (await env.events(parent)).filter((e) => e.type === "child_started");
    const childRunId = (started as { childRunId: string }).childRunId;
    expect(await env.status(childRunId)).toBe("running");
    await env.advance("1d");
    expect(await parent.returnValue).toEqual({ childRunId, value: 42 });
    expect(await env.status(childRunId)).toBe("completed");
    expect((await env.world.getRun(childRunId))?.parentRunId).toBe(parent.runId);
  });
});

describe("determinism", () => {
  /** A scenario with retries, sleeps and a race, its logs stripped of nothing but run ids. */
  async function scenario(mode?: "worker" | "vm"): Promise<unknown[]> {
    const env = await newEnv(mode);
    env.mockStep(reserveStock, async (sku: string) => `reserved ${sku}`);
    const a = await env.start(reminders, [`det-${envs.length}`]);
    const b = await env.start(approval, [`det-${envs.length}`]);
    await env.advance("1d");
    await env.resumeHook(`approve-det-${envs.length}`, { approved: false });
    await env.advance("2d");
    expect(await a.status).toBe("completed");
    expect(await b.status).toBe("completed");
    const logs = [await env.events(a), await env.events(b)];
    return JSON.parse(JSON.stringify(logs).replaceAll(/det-\d+/g, "det"));
  }

  it("two runs of the same scenario record identical event logs", async () => {
    const first = await scenario();
    const second = await scenario();
    expect(second).toEqual(first);
    expect(JSON.stringify(first)).toContain("step_retrying");
  });

  it("workflow code in the test's own thread (sandbox vm) records the same logs", async () => {
    expect(await scenario("vm")).toEqual(await scenario("worker"));
  });
});
