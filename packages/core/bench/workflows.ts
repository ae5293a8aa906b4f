// The benchmark workflows: the same shapes as the peer benchmark
// (../shared/peer-bench), so figures compare like with like.
import { createHook, createWebhook, sleep } from "workflow";

async function one(): Promise<number> {
  "use step";
  return 1;
}

async function inc(x: number): Promise<number> {
  "use step";
  return x + 1;
}

async function wallClock(): Promise<number> {
  "use step";
  return Date.now();
}

const marks: number[] = [];
(globalThis as Record<string, unknown>).__benchMarks = marks;

async function mark(i: number): Promise<number> {
  "use step";
  marks.push(performance.now());
  return i;
}

async function respondFromStep(req: Request & { respondWith(r: Response): Promise<void> }): Promise<string> {
  "use step";
  const body = await req.text();
  await req.respondWith(Response.json({ echoed: body }));
  return body;
}

export async function noop() {
  "use workflow";
  return await one();
}

export async function seq10(x: number) {
  "use workflow";
  let v = x;
  for (let i = 0; i < 10; i++) v = await inc(v);
  return v;
}

export async function par50(x: number) {
  "use workflow";
  const ys = await Promise.all(Array.from({ length: 50 }, (_, i) => inc(x + i)));
  return ys.reduce((a, b) => a + b, 0);
}

/** n sequential steps, each marking the host clock: the cost of step i is marks[i] - marks[i-1]. */
export async function seqMarked(n: number) {
  "use workflow";
  for (let i = 0; i < n; i++) await mark(i);
  return n;
}

export async function hookWait(token: string) {
  "use workflow";
  const hook = createHook<{ value: number }>({ token });
  return await hook;
}

export async function webhookWait() {
  "use workflow";
  const webhook = createWebhook();
  const req = await webhook;
  return { method: req.method, body: await req.text() };
}

export async function webhookManual() {
  "use workflow";
  const webhook = createWebhook({ respondWith: "manual" });
  const req = await webhook;
  const body = await respondFromStep(req);
  return { method: req.method, body };
}

export async function sleep1s(ms: number) {
  "use workflow";
  const before = await wallClock();
  await sleep(ms ?? 1000);
  const after = await wallClock();
  return { before, after, sleptMs: after - before };
}
