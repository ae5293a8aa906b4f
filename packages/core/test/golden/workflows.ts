// The workflows whose event logs are recorded under v1/ (see README.md).
//
// Do not change what these workflows do: the committed logs were recorded from
// them, and the golden test replays the logs against this code. A change in
// behaviour here is exactly what the test exists to catch. Add new workflows
// (and record their logs) instead.
import {
  createHook,
  createWebhook,
  FatalError,
  getStepMetadata,
  getWorkflowMetadata,
  patched,
  sleep,
  waitForHook,
} from "workflow";
import { start } from "workflow/api";

async function add(a: number, b: number): Promise<number> {
  "use step";
  return a + b;
}

async function double(n: number): Promise<number> {
  "use step";
  return n * 2;
}

/** Steps one after another. */
export async function sequence(a: number, b: number) {
  "use workflow";
  const sum = await add(a, b);
  const doubled = await double(sum);
  return { sum, doubled };
}

/** Steps at once: three results in whatever order they came. */
export async function parallel() {
  "use workflow";
  const [a, b, c] = await Promise.all([add(1, 1), double(5), add(10, 20)]);
  return a + b + c;
}

/** A step declared inside the workflow: its input carries the closure. */
export async function closure(base: number) {
  "use workflow";
  const factor = 3;
  async function scale(x: number): Promise<number> {
    "use step";
    return x * factor + base;
  }
  return [await scale(1), await scale(2)];
}

async function flaky(label: string): Promise<string> {
  "use step";
  const { attempt } = getStepMetadata();
  if (attempt < 3) throw new Error(`${label}: attempt ${attempt} failed`);
  return `${label} succeeded on attempt ${attempt}`;
}

/** A step that fails twice, is retried, and completes. */
export async function retried() {
  "use workflow";
  return await flaky("flaky");
}

async function charge(amount: number): Promise<never> {
  "use step";
  throw new FatalError(`card declined for ${amount}`);
}

/** A step that fails for good (FatalError: no retry); the workflow catches it. */
export async function stepFailsForGood() {
  "use workflow";
  try {
    await charge(42);
    return "unreachable";
  } catch (error) {
    const e = error as Error;
    return { caught: e instanceof FatalError, name: e.name, message: e.message };
  }
}

/** The workflow itself throws after a step: the run fails. */
export async function runFails(orderId: string) {
  "use workflow";
  const checks = await add(1, 2);
  throw new TypeError(`order ${orderId} is invalid after ${checks} checks`);
}

/** A sleep; the clock, randomness and ids workflow code sees are replayed from the log. */
export async function sleeper() {
  "use workflow";
  const before = Date.now();
  await sleep("20ms");
  const after = Date.now();
  return {
    sleptAtLeast20ms: after - before >= 20,
    random: Math.random(),
    uuid: crypto.randomUUID(),
    runIdSeen: getWorkflowMetadata().workflowRunId,
  };
}

/** A hook with a custom token and metadata that takes two payloads, then is disposed. */
export async function approval(orderId: string) {
  "use workflow";
  const hook = createHook<{ approved: boolean; by: string }>({
    token: `golden:approval:${orderId}`,
    metadata: { orderId },
  });
  const first = await hook;
  const second = await hook;
  hook.dispose();
  return { first, second };
}

/** A webhook that answers every call with the same response. */
export async function staticWebhook() {
  "use workflow";
  const webhook = createWebhook({
    respondWith: new Response("thanks", { status: 201, headers: { "x-golden": "static" } }),
  });
  const request = await webhook;
  return { method: request.method, body: await request.json() };
}

/** A webhook whose caller waits until workflow code answers it. */
export async function manualWebhook() {
  "use workflow";
  const webhook = createWebhook({ respondWith: "manual" });
  const request = await webhook;
  const text = await request.text();
  await request.respondWith(Response.json({ echoed: text }, { status: 200 }));
  return { text };
}

/** Holds a hook until a payload comes (or the run is cancelled). */
export async function holder(token: string) {
  "use workflow";
  const hook = createHook<string>({ token });
  return await hook;
}

/** Creates a hook whose token a live run already holds: the await throws. */
export async function conflicted(token: string) {
  "use workflow";
  try {
    await createHook<string>({ token });
    return "no conflict";
  } catch (error) {
    return { name: (error as Error).name, after: await add(2, 2) };
  }
}

/** A hook raced against a sleep that wins; the payload sent later goes to the next wait. */
export async function raceSleepWins(token: string) {
  "use workflow";
  const hook = createHook<string>({ token });
  const first = await Promise.race([hook, sleep("20ms").then(() => "timeout")]);
  const second = await hook;
  hook.dispose();
  return { first, second };
}

/** waitForHook with a payload that arrives before the timeout. */
export async function raceHookWins(token: string) {
  "use workflow";
  const hook = createHook<string>({ token });
  const result = await waitForHook(hook, "1d");
  return result;
}

/** A step, then a hook whose token a live run holds: the refusal comes on a later turn than the first. */
export async function conflictedAfterStep(token: string) {
  "use workflow";
  const sum = await add(1, 2);
  const hook = createHook<string>({ token });
  try {
    await hook;
    return "no conflict";
  } catch (error) {
    return { sum, name: (error as Error).name, after: await double(sum) };
  }
}

/** A child run's workflow: fails for the odd ones. */
export async function childHalf(n: number) {
  "use workflow";
  if (n % 2 === 1) throw new Error(`${n} is odd`);
  return await double(n / 2);
}

/** Child runs: one that completes, one that fails and is caught. */
export async function parentOfChildren() {
  "use workflow";
  const even = await start(childHalf, [8]);
  const odd = await start(childHalf, [3]);
  const value = await even.returnValue;
  try {
    await odd.returnValue;
    return { value, caught: null };
  } catch (error) {
    return { value, caught: (error as Error).message };
  }
}

/** A patch taken on a new run: its marker is recorded where patched() was asked. */
export async function patchedRefund(amount: number) {
  "use workflow";
  const sum = await add(amount, 1);
  if (patched("fix-refund")) return { refunded: await double(sum), patched: true };
  return { refunded: sum, patched: false };
}
