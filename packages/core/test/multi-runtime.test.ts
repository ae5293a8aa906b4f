import { waitFor } from "@wfkit/testing-kit";
import { isTerminal, type StoredEvent } from "@wfkit/world";
import { type MemoryWorldConnection, sharedMemoryWorld } from "@wfkit/world/memory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Runtime } from "../src/host/runtime.js";
import { WEBHOOK_PATH } from "../src/host/webhook.js";
import { buildFixtures } from "./runtime-helpers.js";

// Several runtimes over ONE shared in-memory World, as app processes share one
// PostgreSQL database: runs of every kind are started and resumed through random
// runtimes while some runtimes crash (their World connection dies, nothing is
// handed over) and new ones start. Nothing may be lost or done twice.

const id = (name: string) => `workflow//multi//${name}`;
const LEASE_MS = 1_000;

/** A small seeded generator: the same choices on every run of the test. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Node {
  name: string;
  base: string;
  runtime: Runtime;
  connection: MemoryWorldConnection;
  /** Resolves when the node crashes: calls into it are then never answered. */
  crashed: Promise<typeof CRASHED>;
  crash: () => void;
  immortal: boolean;
}

const CRASHED = Symbol("crashed");

describe("several runtimes on one shared World", () => {
  const shared = sharedMemoryWorld();
  const observer = shared.connect();
  const random = prng(12);
  const nodes: Node[] = [];
  let workflows: Awaited<ReturnType<typeof buildFixtures>>;
  let count = 0;
  /** Every step attempt, and those that started although the step's completion was committed. */
  const starts: Array<{ runId: string; key: string; attempt: number; by: string }> = [];
  const rerunAfterCommit: string[] = [];

  function spawn(immortal = false): Node {
    const name = `rt${++count}`;
    const base = `http://${name}.test`;
    const connection = shared.connect();
    const runtime = new Runtime({
      world: connection,
      workflows,
      retry: { initialDelayMs: 5, maxDelayMs: 20 },
      leaseMs: LEASE_MS,
      webhookBaseUrl: base,
      webhook: { manualResponseTimeoutMs: 30_000 },
      log: () => {},
    });
    let crash!: () => void;
    const crashed = new Promise<typeof CRASHED>((resolve) => {
      crash = () => {
        connection.crash();
        // Stops its timers and refuses new attempts; what it was doing never reaches the World.
        void runtime.close();
        resolve(CRASHED);
      };
    });
    const node: Node = { name, base, runtime, connection, crashed, crash, immortal };
    nodes.push(node);
    void runtime.recover();
    return node;
  }

  const live = () => nodes.filter((n) => !n.connection.crashed);
  const pick = () => {
    const candidates = live();
    return candidates[Math.floor(random() * candidates.length)];
  };

  /**
   * Calls `fn` on random live runtimes until one answers (a crashed one never does), as a client
   * retries. Undefined when the run `until` names ended first: an unanswered call that was
   * committed all the same may have been the run's last input (not acknowledged, so not counted).
   */
  async function onSomeRuntime<T>(
    fn: (node: Node) => Promise<T>,
    until?: string,
  ): Promise<{ value: T; node: Node } | undefined> {
    for (;;) {
      const node = pick();
      try {
        const value = await Promise.race([fn(node), node.crashed]);
        if (value !== CRASHED) return { value: value as T, node };
      } catch {
        // Not ready yet (a hook not created yet, say): try again, maybe elsewhere.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (until !== undefined && isTerminal((await observer.getRun(until))?.status ?? "running")) return;
    }
  }

  beforeAll(async () => {
    workflows = await buildFixtures(["multi.ts"]);
    (globalThis as Record<string, unknown>).__multiLedger = {
      begin: async (runId: string, key: string, attempt: number, by: string) => {
        starts.push({ runId, key, attempt, by });
        // Read the moment the attempt starts: was this step's completion already committed?
        const events = await observer.readEvents(runId);
        const op = events.find((e) => e.type === "step_scheduled" && e.input.includes(key));
        const completed = events.some(
          (e) => e.type === "step_completed" && op?.type === "step_scheduled" && e.opId === op.opId,
        );
        if (completed) rerunAfterCommit.push(`${runId} ${key} attempt ${attempt} in ${by}`);
      },
    };
    spawn(true);
    spawn();
    spawn();
  });

  afterAll(async () => {
    for (const node of live()) await node.runtime.close();
  });

  it("runs every run to its end once: no run lost, no committed step re-run, no payload lost", async () => {
    const acknowledged = new Map<string, Set<string>>();
    let crossed = 0;
    let manualAnswers = 0;
    let unansweredAfterCrash = 0;
    const ack = (runId: string, value: string) => {
      if (!acknowledged.has(runId)) acknowledged.set(runId, new Set());
      acknowledged.get(runId)!.add(value);
    };
    const start = (workflow: string, args: unknown[], key: string) =>
      onSomeRuntime((node) => node.runtime.start(id(workflow), args, { idempotencyKey: key })).then(
        (answered) => answered!.value.runId,
      );
    const hookOf = (runId: string) =>
      waitFor(`the hook of ${runId}`, async () => (await observer.listHooks({ runId }))[0]);
    const post = (node: Node, token: string, body: string) =>
      node.runtime.handleWebhook(
        new Request(`${node.base}${WEBHOOK_PATH}${token}`, { method: "POST", body }),
      );

    const drivers: Array<Promise<{ runId: string; expected: unknown }>> = [];
    for (let i = 0; i < 12; i++) {
      drivers.push(
        (async () => {
          const n = 3 + (i % 4);
          const runId = await start("chain", [n], `chain-${i}`);
          return { runId, expected: Array.from({ length: n }, (_, k) => `<c${k}>`) };
        })(),
      );
    }
    for (let i = 0; i < 8; i++) {
      drivers.push(
        (async () => {
          const token = `multi-hook-${i}`;
          const runId = await start("hooked", [token, 3], `hooked-${i}`);
          await hookOf(runId);
          for (let v = 0; v < 3; v++) {
            if (await onSomeRuntime((node) => node.runtime.resumeHook(token, i * 10 + v), runId))
              ack(runId, String(i * 10 + v));
          }
          return { runId, expected: [0, 1, 2].map((v) => i * 10 + v) };
        })(),
      );
    }
    for (let i = 0; i < 8; i++) {
      drivers.push(
        (async () => {
          const runId = await start("webhooked", [3], `webhooked-${i}`);
          const { token } = await hookOf(runId);
          const bodies = [0, 1, 2].map((v) => `body-${i}-${v}`);
          for (const body of bodies) {
            const answered = await onSomeRuntime(async (node) => {
              const response = await post(node, token, body);
              if (response.status !== 202) throw new Error(`answered ${response.status}`);
            }, runId);
            if (answered) ack(runId, body);
          }
          return { runId, expected: bodies };
        })(),
      );
    }
    for (let i = 0; i < 8; i++) {
      drivers.push(
        (async () => {
          const runId = await start("manual", [2], `manual-${i}`);
          const { token } = await hookOf(runId);
          const bodies = [0, 1].map((v) => `ask-${i}-${v}`);
          for (const body of bodies) {
            // Set when a runtime holding this request crashed before it answered.
            let interrupted = false;
            const answered = await onSomeRuntime(async (n) => {
              let settled = false;
              void n.crashed.then(() => {
                if (!settled) interrupted = true;
              });
              try {
                const response = await post(n, token, body);
                if (response.status !== 200) throw new Error(`answered ${response.status}`);
                return (await response.json()) as { echo: string; by: string };
              } finally {
                settled = true;
              }
            }, runId);
            if (!answered) {
              // Only a crash may leave a manual request unanswered (the run then ended on a retried body).
              expect(interrupted, `${runId} ${body} unanswered`).toBe(true);
              unansweredAfterCrash++;
              continue;
            }
            const { value: answer, node } = answered;
            expect(answer.echo).toBe(body);
            manualAnswers++;
            if (answer.by !== node.base) crossed++;
            ack(runId, body);
          }
          return { runId, expected: bodies };
        })(),
      );
    }
    const readers: Array<Promise<void>> = [];
    for (let i = 0; i < 6; i++) {
      drivers.push(
        (async () => {
          const runId = await start("streamed", [8], `streamed-${i}`);
          // Read through the runtime that is never crashed: the chunks come from whichever runs the step.
          const reader = nodes[0].runtime.getRun(runId).getReadable<string>();
          readers.push(
            (async () => {
              const chunks: string[] = [];
              for await (const chunk of reader) chunks.push(chunk);
              expect(chunks).toEqual(Array.from({ length: 8 }, (_, k) => `chunk-${k}`));
            })(),
          );
          return { runId, expected: "streamed" };
        })(),
      );
    }

    // Crashes at points of progress (not times): a third and two thirds of the way through.
    const crashes = (async () => {
      for (const share of [0.25, 0.5]) {
        await waitFor(`${share} of the step attempts`, () => starts.length >= share * 160, 60_000);
        const victim = live().find((n) => !n.immortal);
        victim?.crash();
        spawn();
      }
    })();

    const runs = await Promise.all(drivers);
    await crashes;
    await Promise.all(readers);
    await waitFor(
      "every run to end",
      async () => (await observer.listRuns({ status: ["pending", "running"] })).length === 0,
      60_000,
    );

    // No run lost: each ended completed, with exactly what it was given.
    for (const { runId, expected } of runs) {
      const run = await observer.getRun(runId);
      expect(run?.status, runId).toBe("completed");
      expect(JSON.parse(JSON.stringify(await nodes[0].runtime.getRun(runId).returnValue))).toEqual(expected);
    }
    expect(runs).toHaveLength(42);
    expect((await observer.listRuns()).length).toBe(42);
    // No acknowledged payload lost: every one is in its run's result.
    for (const [runId, values] of acknowledged) {
      const result = (await nodes[0].runtime.getRun(runId).returnValue) as unknown[];
      for (const value of values) expect(result.map(String), runId).toContain(value);
    }
    // No committed step re-run, no duplicate completion.
    expect(rerunAfterCommit).toEqual([]);
    for (const { runId } of runs) {
      const events: StoredEvent[] = await observer.readEvents(runId);
      const completed = events.filter((e) => e.type === "step_completed").map((e) => e.opId);
      expect(new Set(completed).size, runId).toBe(completed.length);
      expect(events.filter((e) => e.type === "run_completed")).toHaveLength(1);
    }
    // Manual responses crossed runtimes: produced by a step in one, answering a request held by another.
    // Each manual request was answered, but for those whose runtime crashed while they waited.
    expect(manualAnswers + unansweredAfterCrash).toBe(16);
    expect(manualAnswers).toBeGreaterThan(0);
    expect(crossed).toBeGreaterThan(0);
    expect(nodes.filter((n) => n.connection.crashed)).toHaveLength(2);
  }, 90_000);
});
