import { afterEach, beforeEach, expect } from "vitest";
import type { AppendFailure, AppendResult, CreateRunInput, EventInput } from "../append.js";
import { opId, type RunId, runId } from "../ids.js";
import type { RunRecord } from "../runs.js";
import type { World } from "../world.js";

/** What a World implementation hands the conformance suite for each test. */
export interface WorldHarness {
  /** A fresh, empty World. */
  world: World;
  /**
   * Opens a new World on the same storage. The suite has already closed the
   * previous instance when it calls this. Leave it out for a World without
   * durable storage; the durability tests are then skipped.
   */
  reopen?: () => Promise<World>;
  /** Removes the storage. Called after the suite closed the last World it opened. */
  cleanup: () => Promise<void>;
}

/** Makes a fresh harness; called once per test, so every test starts from an empty World. */
export type WorldFactory = () => Promise<WorldHarness>;

/** The per-test state the test groups share. */
export interface ConformanceContext {
  /** The World under test; a new instance after `reopen`. */
  readonly world: World;
  /** Whether the factory gave a `reopen`. */
  readonly canReopen: boolean;
  /** Closes the current World and opens a new one on the same storage. */
  reopen(): Promise<World>;
}

/** Registers the per-test setup and teardown in the enclosing `describe`. */
export function useHarness(factory: WorldFactory): ConformanceContext {
  let harness: WorldHarness | undefined;
  let current: World | undefined;
  let open = false;

  beforeEach(async () => {
    harness = await factory();
    current = harness.world;
    open = true;
  });

  afterEach(async () => {
    try {
      if (open) await current?.close();
    } finally {
      open = false;
      await harness?.cleanup();
      harness = undefined;
      current = undefined;
    }
  });

  return {
    get world(): World {
      if (!current) throw new Error("No World: the conformance context is used outside a test");
      return current;
    },
    get canReopen(): boolean {
      return harness?.reopen !== undefined;
    },
    async reopen(): Promise<World> {
      if (!harness?.reopen || !current) throw new Error("This World's harness has no reopen");
      open = false;
      await current.close();
      current = await harness.reopen();
      open = true;
      return current;
    },
  };
}

let counter = 0;

/** A run id unique within the process, so tests never depend on each other's data. */
export function newRunId(label = "run"): RunId {
  counter += 1;
  return runId(`wrun_conf_${label}_${process.pid}_${counter}`);
}

/** Creates a run with sensible defaults and checks it was created. */
export async function createRun(world: World, input: Partial<CreateRunInput> = {}): Promise<RunRecord> {
  const result = await world.createRun({
    runId: input.runId ?? newRunId(),
    workflowId: "wf_conformance",
    input: "[]",
    at: 1_000,
    ...input,
  });
  expect(result.created).toBe(true);
  return result.run;
}

/** Small event builders; `at` is whatever the test wants to see back. */
export const ev = {
  scheduled(op: number, at: number, input = "[[],[]]"): EventInput {
    return { v: 1, type: "step_scheduled", opId: opId(op), stepId: `step_${op}`, input, at };
  },
  completed(op: number, at: number, output = "null"): EventInput {
    return { v: 1, type: "step_completed", opId: opId(op), output, attempt: 1, at };
  },
  sleep(op: number, at: number, wakeAt: number): EventInput {
    return { v: 1, type: "sleep_scheduled", opId: opId(op), wakeAt, at };
  },
  runCompleted(at: number, output = "null"): EventInput {
    return { v: 1, type: "run_completed", output, at };
  },
};

/** Asserts a successful append and narrows its type. */
export function expectOk(result: AppendResult): Extract<AppendResult, { ok: true }> {
  if (!result.ok) expect.fail(`expected the append to succeed, got ${JSON.stringify(result)}`);
  return result;
}

/** Asserts a failed append and narrows its type. */
export function expectFailure(result: AppendResult): AppendFailure {
  if (result.ok) expect.fail(`expected the append to fail, got ${JSON.stringify(result)}`);
  return result;
}

/**
 * Waits until `condition` holds, checking after each turn of the event loop.
 * Tests wait on conditions, never for a fixed time; the deadline only turns a
 * hang into a readable failure.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) expect.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Strings that break naive storage: NUL bytes, astral emoji, combining marks, quotes, 1 MB. */
export const nastyStrings: Record<string, string> = {
  nul: "a\u0000b\u0000\u0000c",
  emoji: "👩🏽‍🚀 🚀 \u{1F600}",
  combining: "e\u0301 \u00e9 \u200d \ufeff",
  controls: "\r\n\t\u0001\u001f\u007f\\\"'`",
  json: '{"a":[1,"\\u0000",null]}',
  empty: "",
  megabyte: "x".repeat(512 * 1024) + "\u00e9".repeat(256 * 1024),
};
