// Isolation through the app server every host uses: while an endless loop and a
// runaway allocation in workflow code are being stopped, the health route keeps
// answering and 50 healthy runs complete; the bad runs fail with their codes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { deserialize } from "@wfkit/core";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, expect, it } from "vitest";
import { createAppServer } from "../src/index.js";

const WORKFLOWS = `
async function double(x: number) {
  "use step";
  return x * 2;
}

export async function healthy(x: number) {
  "use workflow";
  return (await double(x)) + (await double(x));
}

export async function spin() {
  "use workflow";
  await double(1);
  let n = 0;
  while (n >= 0) n++;
  return n;
}

export async function hog() {
  "use workflow";
  await double(1);
  const kept: number[][] = [];
  for (;;) kept.push(new Array(1_000_000).fill(kept.length));
}
`;
const id = (name: string) => `workflow//workflows/bad//${name}`;
const base = mkdtempSync(path.join(tmpdir(), "wfkit-isolation-app-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

it("/health answers while an endless loop and an out-of-memory run are stopped", {
  timeout: 60_000,
}, async () => {
  mkdirSync(path.join(base, "workflows"), { recursive: true });
  writeFileSync(path.join(base, "workflows", "bad.ts"), WORKFLOWS);
  const app = createAppServer({
    root: base,
    buildDir: path.join(base, ".wfkit"),
    world: ({ dataDir }) => sqliteWorld({ dataDir }),
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    env: {},
    autoStart: false,
    runtime: { activationTimeoutMs: 5000, sandbox: { memoryLimitMb: 64 }, log: () => {} },
  });
  try {
    const { runtime } = await app.ready();
    const bad = [await runtime.start(id("spin")), await runtime.start(id("hog"))];
    // Not awaited before the checks: a healthy run that shares a sandbox worker with the endless
    // loop starts only once that worker is stopped (its first activation waits behind the loop's).
    const starting = Array.from({ length: 50 }, (_, i) => runtime.start(id("healthy"), [i]));
    const ended = async () =>
      (await Promise.all(bad.map((r) => runtime.world.getRun(r.runId)))).every(
        (r) => r?.status !== "running" && r?.status !== "pending",
      );
    let answeredWhileRunning = 0;
    while (!(await ended())) {
      const health = await app.handler(new Request("http://127.0.0.1/.well-known/workflow/v1/health"));
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true });
      if (!(await ended())) answeredWhileRunning++;
      // As requests over HTTP would: each check is its own task, so the event loop turns between them.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(answeredWhileRunning).toBeGreaterThan(0);
    const good = await Promise.all(starting);
    expect(await Promise.all(good.map((r) => r.returnValue))).toEqual(
      Array.from({ length: 50 }, (_, i) => i * 4),
    );
    const codes = await Promise.all(
      bad.map(async (r) => {
        const run = await runtime.waitForEnd(r.runId);
        return (deserialize(run.error!) as { code?: string }).code;
      }),
    );
    expect(codes).toEqual(["WF_ACTIVATION_TIMEOUT", "WF_WORKFLOW_OUT_OF_MEMORY"]);
  } finally {
    await app.close();
  }
});
