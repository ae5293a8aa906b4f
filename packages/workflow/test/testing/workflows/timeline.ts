import { createHook, createWebhook, sleep, waitForHook } from "workflow";
import { start } from "workflow/api";

const attempts = new Map<string, number>();

/** Fails on its first attempt, so the runtime retries it after the backoff (1 s). */
export async function flakyOnce(id: string): Promise<number> {
  "use step";
  const attempt = (attempts.get(id) ?? 0) + 1;
  attempts.set(id, attempt);
  if (attempt === 1) throw new Error(`first attempt of ${id} fails`);
  return attempt;
}

/**
 * One of each timer a single `advance` must fire, each set by the previous one firing:
 * a sleep (1 h), a step retry's backoff (1 s), a wait timeout (2 h). Returns when each
 * happened, relative to the start.
 */
export async function timeline(id: string) {
  "use workflow";
  const start = Date.now();
  await sleep("1h");
  const slept = Date.now() - start;
  await flakyOnce(id);
  // Workflow time is the time of the event being applied: the retry's completion.
  const retried = Date.now() - start;
  const result = await waitForHook(createHook<string>({ token: `never-${id}` }), "2h");
  return { slept, retried, timedOut: result.timeout, ended: Date.now() - start };
}

/** Sleeps for `duration`, then returns the virtual time it woke at. */
export async function sleeper(duration: string) {
  "use workflow";
  await sleep(duration);
  return Date.now();
}

/** A webhook answered by the workflow itself (`respondWith: "manual"`). */
export async function quote() {
  "use workflow";
  const request = await createWebhook({ respondWith: "manual" });
  const { n } = (await request.json()) as { n: number };
  await request.respondWith(Response.json({ doubled: n * 2 }, { status: 201 }));
  return n;
}

/** A webhook with a static answer, sent to every caller. */
export async function thanks() {
  "use workflow";
  const request = await createWebhook({
    respondWith: new Response("thanks", { status: 200, headers: { "x-answer": "static" } }),
  });
  return await request.text();
}

/** A hook raced against a one-hour sleep; the run then waits on a second hook, so it stays live past the hour. */
export async function raceThenWait(token: string) {
  "use workflow";
  const first = await Promise.race([createHook<string>({ token }), sleep("1h").then(() => "timeout")]);
  const second = await createHook<string>({ token: `${token}-done` });
  return [first, second];
}

/** A child run that sleeps a day, then doubles its input. */
export async function slowDouble(n: number) {
  "use workflow";
  await sleep("1d");
  return n * 2;
}

/** Starts `slowDouble` as a child run and waits for its value, without a step held open. */
export async function parentOfSlow(n: number) {
  "use workflow";
  const child = await start(slowDouble, [n]);
  return { childRunId: child.runId, value: await child.returnValue };
}
