import { beforeAll, describe, expect, it } from "vitest";
import type { SandboxScript } from "../src/host/sandbox-vm.js";
import { deserialize, serialize } from "../src/serialization/index.js";
import { LogDriver, replay, sandboxScript, T0 } from "./helpers.js";

// Hand-written workflow-mode code: what the compiler emits, written out.
const SOURCE = `
import { sleep } from "@wfkit/core/workflow";
import { registerWorkflow, stepProxy } from "@wfkit/core/workflow/internal";
const a = stepProxy("step//t//a", "a");
const b = stepProxy("step//t//b", "b");
const c = stepProxy("step//t//c", "c");

registerWorkflow(async function seq(x) {
  const one = await a(x);
  const two = await b(one);
  return two;
}, "workflow//t//seq");

registerWorkflow(async function all() {
  return Promise.all([a(1), b(2), c(3)]);
}, "workflow//t//all");

registerWorkflow(async function race() {
  return Promise.race([a(1).then(() => "step"), sleep("1m").then(() => "timeout")]);
}, "workflow//t//race");

registerWorkflow(async function any() {
  return Promise.any([a(1), b(2)]);
}, "workflow//t//any");

registerWorkflow(async function settled() {
  const r = await Promise.allSettled([a(1), b(2)]);
  return r.map((x) => x.status + ":" + (x.status === "fulfilled" ? x.value : x.reason.message));
}, "workflow//t//settled");

registerWorkflow(async function clock() {
  const before = Date.now();
  const r1 = Math.random();
  const id = crypto.randomUUID();
  await sleep(5000);
  return [before, Date.now(), r1, id, new Date().getTime()];
}, "workflow//t//clock");

registerWorkflow(async function branchy(flag) {
  if (flag.value) await a(1); else await b(1);
  return "done";
}, "workflow//t//branchy");

registerWorkflow(async function timers() {
  setTimeout(() => {}, 10);
}, "workflow//t//timers");

registerWorkflow(async function env() {
  return process.env.HOME;
}, "workflow//t//env");

registerWorkflow(async function globalFetch() {
  return fetch("http://example.com");
}, "workflow//t//globalFetch");
`;

let script: SandboxScript;
beforeAll(async () => {
  script = await sandboxScript(SOURCE);
});

const args = (...values: unknown[]) => serialize(values);
const out = (value: unknown) => serialize(value);

describe("replay engine", () => {
  it("runs sequential steps one command at a time", () => {
    const d = new LogDriver(script, "workflow//t//seq", args(1));
    expect(d.start()).toMatchObject([
      { type: "step", opId: 1, stepId: "step//t//a", input: serialize([[1]]) },
    ]);
    expect(d.apply({ type: "step_completed", opId: 1, output: out(2), attempt: 1 })).toMatchObject([
      { type: "step", opId: 2, stepId: "step//t//b", input: serialize([[2]]) },
    ]);
    expect(d.apply({ type: "step_completed", opId: 2, output: out(3), attempt: 1 })).toEqual([]);
    expect(d.state()).toEqual({ status: "completed", output: out(3) });
  });

  it("keeps Promise.all results in call order whatever order steps finish in, on every replay", () => {
    const log = [
      { type: "step_scheduled", opId: 1, stepId: "step//t//a", input: serialize([[1]]) },
      { type: "step_scheduled", opId: 2, stepId: "step//t//b", input: serialize([[2]]) },
      { type: "step_scheduled", opId: 3, stepId: "step//t//c", input: serialize([[3]]) },
      { type: "step_completed", opId: 3, output: out("c"), attempt: 1 },
      { type: "step_completed", opId: 1, output: out("a"), attempt: 1 },
      { type: "step_completed", opId: 2, output: out("b"), attempt: 1 },
    ];
    const first = replay(script, "workflow//t//all", args(), log);
    const second = replay(script, "workflow//t//all", args(), log);
    expect(first.state).toEqual({ status: "completed", output: out(["a", "b", "c"]) });
    expect(second).toEqual(first);
    expect(first.commands).toEqual([]);
  });

  it("resolves Promise.race by log order: the timer first means timeout, the step first means step", () => {
    const scheduled = [
      { type: "step_scheduled", opId: 1, stepId: "step//t//a", input: serialize([[1]]) },
      { type: "sleep_scheduled", opId: 2, wakeAt: T0 + 60_000 },
    ];
    const timerFirst = replay(script, "workflow//t//race", args(), [
      ...scheduled,
      { type: "sleep_fired", opId: 2 },
      { type: "step_completed", opId: 1, output: out(1), attempt: 1 },
    ]);
    expect(timerFirst.state).toEqual({ status: "completed", output: out("timeout") });
    const stepFirst = replay(script, "workflow//t//race", args(), [
      ...scheduled,
      { type: "step_completed", opId: 1, output: out(1), attempt: 1 },
      { type: "sleep_fired", opId: 2 },
    ]);
    expect(stepFirst.state).toEqual({ status: "completed", output: out("step") });
  });

  it("computes a sleep's wake time from the event clock", () => {
    const d = new LogDriver(script, "workflow//t//race", args());
    expect(d.start()).toMatchObject([{ type: "step" }, { type: "sleep", opId: 2, wakeAt: T0 + 60_000 }]);
  });

  it("settles Promise.any and allSettled by log order", () => {
    const sched = [
      { type: "step_scheduled", opId: 1, stepId: "step//t//a", input: serialize([[1]]) },
      { type: "step_scheduled", opId: 2, stepId: "step//t//b", input: serialize([[2]]) },
    ];
    const any = replay(script, "workflow//t//any", args(), [
      ...sched,
      { type: "step_failed", opId: 1, error: serialize(new Error("boom")), attempt: 4 },
      { type: "step_completed", opId: 2, output: out("b"), attempt: 1 },
    ]);
    expect(any.state).toEqual({ status: "completed", output: out("b") });
    const settled = replay(script, "workflow//t//settled", args(), [
      ...sched,
      { type: "step_completed", opId: 2, output: out("b"), attempt: 1 },
      { type: "step_failed", opId: 1, error: serialize(new Error("boom")), attempt: 4 },
    ]);
    expect(settled.state).toEqual({ status: "completed", output: out(["rejected:boom", "fulfilled:b"]) });
  });

  it("gives the same time, randomness and uuids on replay", () => {
    const log = [
      { type: "sleep_scheduled", opId: 1, wakeAt: T0 + 5000 },
      { type: "sleep_fired", opId: 1, at: T0 + 5003 },
    ];
    const a = replay(script, "workflow//t//clock", args(), log);
    const b = replay(script, "workflow//t//clock", args(), log);
    expect(a).toEqual(b);
    const [before, after, random, uuid, dateNow] = deserialize<[number, number, number, string, number]>(
      (a.state as { output: string }).output,
    );
    expect(before).toBe(T0);
    expect(after).toBe(T0 + 5003);
    expect(dateNow).toBe(T0 + 5003);
    expect(random).toBeGreaterThanOrEqual(0);
    expect(random).toBeLessThan(1);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("names the log position, the recorded op and the issued op when code and log disagree", () => {
    const result = replay(script, "workflow//t//branchy", args({ value: false }), [
      { type: "step_scheduled", opId: 1, stepId: "step//t//a", input: serialize([[1]]) },
      { type: "step_completed", opId: 1, output: out(1), attempt: 1 },
    ]);
    expect(result.state.status).toBe("failed");
    const error = deserialize<Error & { code: string }>((result.state as { error: string }).error);
    expect(error.code).toBe("WF_REPLAY_DIVERGED");
    expect(error.message).toContain("position 2 (step_scheduled)");
    expect(error.message).toContain("a call to step step//t//a");
    expect(error.message).toContain("now calls step step//t//b");
  });

  it("reports a recorded op the code never issued", () => {
    const result = replay(script, "workflow//t//seq", args(1), [
      { type: "step_scheduled", opId: 1, stepId: "step//t//a", input: serialize([[1]]) },
      { type: "sleep_scheduled", opId: 5, wakeAt: T0 },
    ]);
    const error = deserialize<Error & { code: string }>((result.state as { error: string }).error);
    expect(error.code).toBe("WF_REPLAY_DIVERGED");
    expect(error.message).toContain("position 3 (sleep_scheduled)");
  });

  it.each([
    ["timers", "setTimeout()", "sleep("],
    ["env", "process", "step"],
    ["globalFetch", "global fetch()", 'from "workflow"'],
  ])("refuses %s in workflow code with an error that names the fix", (name, what, fix) => {
    const d = new LogDriver(script, `workflow//t//${name}`, args());
    d.start();
    const state = d.state();
    expect(state.status).toBe("failed");
    const error = deserialize<Error & { code: string }>((state as { error: string }).error);
    expect(error.code).toBe("WF_NONDETERMINISTIC_API");
    expect(error.message).toContain(what);
    expect(error.message).toContain(fix);
  });
});
