// Three app processes on one PostgreSQL database serve a few hundred runs of every
// kind; calls go to any process; one process is SIGKILLed at points of progress
// (at least ten times) and a new one started. Nothing may be lost or done twice.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";
import { type Child, createTestDatabase, startChild, type TestDatabase, waitFor } from "@wfkit/testing-kit";
import { isTerminal } from "@wfkit/world";
import { openPostgresWorld, type PostgresWorld } from "@wfkit/world-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, "../../packages/core/test/fixtures");
const id = (name: string) => `workflow//multi//${name}`;

const CHAINS = Number(process.env.MP_CHAINS ?? 100);
const HOOKS = Number(process.env.MP_HOOKS ?? 50);
const WEBHOOKS = Number(process.env.MP_WEBHOOKS ?? 50);
const MANUAL = Number(process.env.MP_MANUAL ?? 50);
const STREAMS = Number(process.env.MP_STREAMS ?? 50);
const KILLS = Number(process.env.MP_KILLS ?? 10);

interface Proc {
  child: Child;
  url: string;
  killed: boolean;
}

/** A small seeded generator: the same choices on every run of the test. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let db: TestDatabase;
let observer: PostgresWorld;
let dir: string;
const procs: Proc[] = [];
const random = prng(7);

async function spawnProc(): Promise<Proc> {
  const child = startChild([path.join(here, "app.mjs")], {
    name: `app ${procs.length + 1}`,
    env: {
      WF_DB_URL: db.url,
      WF_BUNDLE: path.join(dir, "workflows.json"),
      WF_STEPS: path.join(dir, "steps.mjs"),
      WF_LEDGER: path.join(dir, "ledger.ndjson"),
    },
  });
  const [, url] = await child.waitForOutput(/ready (http:\/\/\S+)/, 60_000);
  const proc = { child, url, killed: false };
  procs.push(proc);
  return proc;
}

const live = () => procs.filter((p) => !p.killed);

/** Calls a random live process until one answers; undefined when the run `until` names ended first. */
async function onSomeProcess<T>(
  fn: (proc: Proc) => Promise<T>,
  until?: string,
): Promise<{ value: T; proc: Proc } | undefined> {
  for (;;) {
    const candidates = live();
    const proc = candidates[Math.floor(random() * candidates.length)];
    try {
      return { value: await fn(proc), proc };
    } catch {
      // Killed while answering, or not ready yet (a hook not created): try again, maybe elsewhere.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (until !== undefined && isTerminal((await observer.getRun(until))?.status ?? "running")) return;
  }
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
}

function ledger(): Array<{ runId: string; key: string; attempt: number; by: string; completed: boolean }> {
  const file = path.join(dir, "ledger.ndjson");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "wfkit-multiprocess-"));
  const [workflows, steps] = await Promise.all([
    buildWorkflowBundle({ root: fixtures, files: ["multi.ts"] }),
    buildStepBundle({ root: fixtures, files: ["multi.ts"], outDir: path.join(dir, "steps") }),
  ]);
  writeFileSync(
    path.join(dir, "workflows.json"),
    JSON.stringify({ code: workflows.code, hash: workflows.hash }),
  );
  writeFileSync(path.join(dir, "steps.mjs"), `export * from ${JSON.stringify(steps.file)};\n`);
  db = await createTestDatabase("multiprocess");
  observer = await openPostgresWorld({ url: db.url });
  await Promise.all([spawnProc(), spawnProc(), spawnProc()]);
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.child.stop("SIGKILL").catch(() => {})));
  await observer?.close().catch(() => {});
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("three app processes on one PostgreSQL database", () => {
  it("serves mixed runs through random processes while one is SIGKILLed again and again", async () => {
    const acknowledged = new Map<string, Set<string>>();
    let crossed = 0;
    let manualAnswers = 0;
    const ack = (runId: string, value: string) => {
      if (!acknowledged.has(runId)) acknowledged.set(runId, new Set());
      acknowledged.get(runId)!.add(value);
    };
    const start = async (workflow: string, args: unknown[], key: string) => {
      const answered = await onSomeProcess(async (p) => {
        const response = await post(`${p.url}/start`, { workflow: id(workflow), args, key });
        if (!response.ok) throw new Error(`start answered ${response.status}`);
        return ((await response.json()) as { runId: string }).runId;
      });
      return answered!.value;
    };
    const hookOf = (runId: string) =>
      waitFor(`the hook of ${runId}`, async () => (await observer.listHooks({ runId }))[0], 60_000);
    const webhook = (p: Proc, token: string) => `${p.url}/.well-known/workflow/v1/webhook/${token}`;

    const drivers: Array<Promise<{ runId: string; expected: unknown }>> = [];
    const readers: Array<Promise<void>> = [];
    for (let i = 0; i < CHAINS; i++) {
      drivers.push(
        (async () => {
          const n = 3 + (i % 4);
          const runId = await start("chain", [n], `chain-${i}`);
          return { runId, expected: Array.from({ length: n }, (_, k) => `<c${k}>`) };
        })(),
      );
    }
    for (let i = 0; i < HOOKS; i++) {
      drivers.push(
        (async () => {
          const token = `mp-hook-${i}`;
          const runId = await start("hooked", [token, 3], `hooked-${i}`);
          await hookOf(runId);
          for (let v = 0; v < 3; v++) {
            const value = i * 10 + v;
            const answered = await onSomeProcess(async (p) => {
              const response = await post(`${p.url}/resume`, { token, payload: value });
              if (!response.ok) throw new Error(`resume answered ${response.status}`);
            }, runId);
            if (answered) ack(runId, String(value));
          }
          return { runId, expected: [0, 1, 2].map((v) => i * 10 + v) };
        })(),
      );
    }
    for (let i = 0; i < WEBHOOKS; i++) {
      drivers.push(
        (async () => {
          const runId = await start("webhooked", [3], `webhooked-${i}`);
          const { token } = await hookOf(runId);
          const bodies = [0, 1, 2].map((v) => `body-${i}-${v}`);
          for (const body of bodies) {
            const answered = await onSomeProcess(async (p) => {
              const response = await post(webhook(p, token), body);
              if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
            }, runId);
            if (answered) ack(runId, body);
          }
          return { runId, expected: bodies };
        })(),
      );
    }
    for (let i = 0; i < MANUAL; i++) {
      drivers.push(
        (async () => {
          const runId = await start("manual", [2], `manual-${i}`);
          const { token } = await hookOf(runId);
          const bodies = [0, 1].map((v) => `ask-${i}-${v}`);
          for (const body of bodies) {
            const answered = await onSomeProcess(async (p) => {
              const response = await post(webhook(p, token), body);
              if (response.status !== 200) throw new Error(`manual webhook answered ${response.status}`);
              return (await response.json()) as { echo: string; by: string };
            }, runId);
            if (!answered) continue;
            expect(answered.value.echo).toBe(body);
            manualAnswers++;
            if (answered.value.by !== answered.proc.url) crossed++;
            ack(runId, body);
          }
          return { runId, expected: bodies };
        })(),
      );
    }
    for (let i = 0; i < STREAMS; i++) {
      drivers.push(
        (async () => {
          const runId = await start("streamed", [8], `streamed-${i}`);
          // Follow the stream from a random process, before its step (in any process) writes it.
          readers.push(
            onSomeProcess(async (p) => {
              const response = await fetch(`${p.url}/stream/${runId}`);
              const lines = (await response.text()).split("\n").filter(Boolean);
              const chunks = lines.map((line) => JSON.parse(line));
              // A reader cut off by a kill is read again elsewhere.
              if (chunks.length !== 8) throw new Error(`read ${chunks.length} chunks`);
              expect(chunks).toEqual(Array.from({ length: 8 }, (_, k) => `chunk-${k}`));
            }).then(() => {}),
          );
          return { runId, expected: "streamed" };
        })(),
      );
    }

    // SIGKILLs at points of progress (step attempts started), not at times.
    const expectedSteps = CHAINS * 4.5 + HOOKS * 3 + WEBHOOKS * 3 + MANUAL * 2 + STREAMS;
    let kills = 0;
    const killer = (async () => {
      for (let k = 1; k <= KILLS; k++) {
        const threshold = (expectedSteps * k) / (KILLS + 2);
        await waitFor(`${threshold} step attempts`, () => ledger().length >= threshold, 120_000);
        const victims = live();
        const victim = victims[Math.floor(random() * victims.length)];
        victim.killed = true;
        await victim.child.stop("SIGKILL");
        kills++;
        await spawnProc();
      }
    })();

    const runs = await Promise.all(drivers);
    await killer;
    await Promise.all(readers);
    await waitFor(
      "every run to end",
      async () => (await observer.listRuns({ status: ["pending", "running"] })).length === 0,
      120_000,
    );

    expect(kills).toBe(KILLS);
    const total = CHAINS + HOOKS + WEBHOOKS + MANUAL + STREAMS;
    expect(runs).toHaveLength(total);
    expect(await observer.listRuns()).toHaveLength(total);
    // No run lost: each completed with exactly what it was given; no acknowledged payload lost.
    for (const { runId, expected } of runs) {
      const answered = await onSomeProcess(async (p) => {
        const response = await fetch(`${p.url}/result/${runId}`);
        return (await response.json()) as { status: string; value: unknown };
      });
      expect(answered!.value.status, runId).toBe("completed");
      expect(answered!.value.value, runId).toEqual(expected);
      for (const value of acknowledged.get(runId) ?? []) {
        expect((answered!.value.value as unknown[]).map(String), runId).toContain(value);
      }
    }
    // No committed step re-run; no duplicate completion.
    expect(ledger().filter((entry) => entry.completed)).toEqual([]);
    for (const { runId } of runs) {
      const events = await observer.readEvents(runId);
      const completed = events.filter((e) => e.type === "step_completed").map((e) => e.opId);
      expect(new Set(completed).size, runId).toBe(completed.length);
      expect(events.filter((e) => e.type === "run_completed")).toHaveLength(1);
    }
    // A manual response crossed processes: a step in one answered the request held by another.
    // Every request is answered but one whose process died while it waited, if the run ended
    // meanwhile (only a run's last request): each run's first one is always answered.
    expect(manualAnswers).toBeGreaterThanOrEqual(MANUAL);
    expect(crossed).toBeGreaterThan(0);
  }, 180_000);
});
