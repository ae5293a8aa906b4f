import type { HookRecord, RunStatus, StoredEvent, World } from "@wfkit/world";
import { memoryWorld } from "@wfkit/world/memory";
import { WorkflowError } from "../errors/workflow-error.js";
import { exportRunHistory, type RunHistory } from "../host/replay-check.js";
import type { Run } from "../host/run.js";
import { Runtime, type StartOptions, type WorkflowsInput } from "../host/runtime.js";
import type { SandboxSettings } from "../host/sandboxes.js";
import type { RetryPolicy } from "../host/steps.js";
import { type Duration, parseDuration } from "../workflow/duration.js";
import { registry } from "../workflow/realm.js";
import { type FunctionRef, idOf, type TestManifest } from "./lookup.js";
import { VirtualClock } from "./virtual-clock.js";

/** Options of {@link createTestEnv}. */
export interface TestEnvOptions {
  /**
   * The compiled workflows: `buildWorkflowBundle`'s result (code, hash and manifest).
   * Their steps must be loaded in this process (`buildStepBundle`'s file imported);
   * `createTestEnv` from `workflow/testing` does both from source files.
   */
  workflows: WorkflowsInput & { manifest?: TestManifest };
  /** Where virtual time starts (epoch ms or a Date). Default: the real time when the environment is created. */
  startTime?: number | Date;
  /**
   * Step retries. Default: the runtime's (3 retries, 1 s doubling to 60 s) without
   * jitter, so retries fall at exact virtual times.
   */
  retry?: Partial<RetryPolicy>;
  /** Where workflow code runs. Default: the runtime's (a worker thread). */
  sandbox?: SandboxSettings;
  /** Where the runtime's log lines go. Default: nowhere. */
  log?: (level: string, args: unknown[]) => void;
  /**
   * Longest real time, in ms, that `settle()` (and so every call that settles) waits
   * for the runtime to become idle before it fails with WF_TEST_NOT_SETTLED. Default 10000.
   */
  settleTimeoutMs?: number;
}

type Mockable = ((...args: never[]) => unknown) & { maxRetries?: number; timeout?: number | string };

/**
 * A workflow runtime for tests, on a fresh in-memory World, whose time is virtual:
 * it stands still until the test moves it with {@link TestEnv.advance}, which fires
 * every sleep, wait timeout and step retry due in the span at once, in time order.
 * Every call that changes something settles before it returns: no turn is in flight
 * and no step is running, so the test can assert on the state at once.
 *
 * Create one with {@link createTestEnv}; close it with {@link TestEnv.close}.
 */
export class TestEnv {
  /** The runtime under test (`getRun`, `cancel`, `onRunChange`, ...). */
  readonly runtime: Runtime;
  /** The in-memory World the runtime records to. */
  readonly world: World;
  private readonly clock: VirtualClock;
  private readonly manifest: TestManifest;
  private readonly settleTimeoutMs: number;
  private readonly restores: Array<() => void> = [];

  /** Use {@link createTestEnv}. */
  constructor(runtime: Runtime, clock: VirtualClock, manifest: TestManifest, settleTimeoutMs: number) {
    this.runtime = runtime;
    this.world = runtime.world;
    this.clock = clock;
    this.manifest = manifest;
    this.settleTimeoutMs = settleTimeoutMs;
  }

  /** The virtual time, in epoch ms: what `Date.now()` returns in workflow code of a turn run now. */
  now(): number {
    return this.clock.now();
  }

  /**
   * Starts a run of `workflow` (the function imported from its file, or its id) and
   * settles: its first turn is recorded, and the steps it started have finished.
   */
  async start<T = unknown>(
    workflow: FunctionRef,
    args: unknown[] = [],
    options: StartOptions = {},
  ): Promise<Run<T>> {
    const run = await this.runtime.start<T>(
      idOf(workflow, "workflow", this.manifest.workflows),
      args,
      options,
    );
    await this.settle();
    return run;
  }

  /** Delivers `payload` to the hook with this token (as `resumeHook` from "workflow/api"), then settles. */
  async resumeHook(token: string, payload: unknown): Promise<{ runId: string }> {
    const { runId } = await this.runtime.resumeHook(token, payload);
    await this.settle();
    return { runId };
  }

  /**
   * Sends a request to a webhook, as the webhook route would get it, and returns the
   * route's answer (the automatic 202, the workflow's own response, or a coded error),
   * then settles. `target` is the webhook's token, or a run with exactly one live webhook.
   */
  async sendWebhook(target: string | Run, request: Request | RequestInit = {}): Promise<Response> {
    const token = typeof target === "string" ? target : await this.webhookOf(target.runId);
    const base = `${this.runtime.webhookBaseUrl}/.well-known/workflow/v1/webhook/${encodeURIComponent(token)}`;
    const req = request instanceof Request ? request : new Request(base, { method: "POST", ...request });
    const response = await this.runtime.resumeWebhook(token, req);
    await this.settle();
    return response;
  }

  /**
   * Moves virtual time forward by `duration` (`"1d"`, `"90s"`, ms): fires every timer due
   * in the span, earliest first, settling after each instant, so a retry or a sleep
   * scheduled by something that fired also fires if it falls in the span. Resolves once
   * the runtime is idle at the end of the span.
   */
  async advance(duration: Duration | string): Promise<void> {
    const target = this.clock.now() + parseDuration(duration, "advance(duration)");
    await this.settle();
    for (;;) {
      const next = this.clock.nextAt();
      if (next === undefined || next > target) break;
      this.clock.set(next);
      await this.settle();
    }
    this.clock.set(target);
    await this.settle();
  }

  /** Moves virtual time to `time` (never backwards); see {@link TestEnv.advance}. */
  async advanceTo(time: number | Date): Promise<void> {
    const at = typeof time === "number" ? time : time.getTime();
    await this.advance(Math.max(0, at - this.clock.now()));
  }

  /**
   * Waits until the runtime is idle: no turn in flight, no step running, nothing due
   * now. Virtual time does not move. Fails with WF_TEST_NOT_SETTLED after `settleTimeoutMs`
   * of real time (a step that never finishes, a run that keeps making work).
   */
  async settle(): Promise<void> {
    const deadline = Date.now() + this.settleTimeoutMs;
    // Idle on several turns of the event loop in a row: a worker thread's answer or a
    // commit's callback may be one turn away.
    for (let quiet = 0; quiet < 3; ) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const due = (this.clock.nextAt() ?? Number.POSITIVE_INFINITY) <= this.clock.now();
      quiet = this.runtime.idle && !due ? quiet + 1 : 0;
      if (quiet === 0 && Date.now() > deadline) {
        throw new WorkflowError(
          "WF_TEST_NOT_SETTLED",
          `The test runtime was still busy after ${this.settleTimeoutMs} ms of real time.`,
          "Look for a step that never finishes (it runs in real time), or raise createTestEnv({ settleTimeoutMs }).",
        );
      }
    }
  }

  /**
   * Replaces a step's implementation until {@link TestEnv.close} (or the returned
   * function) restores it. `step` is the step function imported from its file, or its
   * id. The mock keeps the step's `maxRetries` and `timeout` unless it sets its own.
   * Its arguments and result go through serialization as the real step's would.
   */
  mockStep<A extends unknown[], R>(step: FunctionRef, impl: (...args: A) => R | Promise<R>): () => void {
    const id = idOf(step, "step", this.manifest.steps);
    const steps = registry().steps;
    const original = steps.get(id) as Mockable | undefined;
    if (!original) {
      throw new WorkflowError(
        "WF_TEST_LOOKUP",
        `No step with id ${id} is loaded in this process.`,
        "Create the environment from the step's file (createTestEnv({ files })) before mocking it.",
      );
    }
    const mock = Object.assign((...args: A) => impl(...args), {
      maxRetries: (impl as Mockable).maxRetries ?? original.maxRetries,
      timeout: (impl as Mockable).timeout ?? original.timeout,
    });
    Object.defineProperty(mock, "stepId", { value: id, configurable: true });
    steps.set(id, mock);
    let restored = false;
    const restore = () => {
      if (restored) return;
      restored = true;
      if (steps.get(id) === mock) steps.set(id, original);
    };
    this.restores.push(restore);
    return restore;
  }

  /** A run's status, read from the World. */
  async status(run: Run | string): Promise<RunStatus> {
    return this.runtime.getRun(typeof run === "string" ? run : run.runId).status;
  }

  /** A run's event log, in order. */
  async events(run: Run | string): Promise<StoredEvent[]> {
    return this.world.readEvents(typeof run === "string" ? run : run.runId);
  }

  /**
   * A run's history as `wf export` writes it (its record and whole event log): save it
   * as JSON next to a replay test, for `replayHistories` to check later code against.
   */
  async history(run: Run | string): Promise<RunHistory> {
    const runId = typeof run === "string" ? run : run.runId;
    const history = await exportRunHistory(this.world, runId);
    if (!history)
      throw new WorkflowError(
        "WF_RUN_NOT_FOUND",
        `There is no run ${runId} in this test environment.`,
        "Pass a run started by this environment (env.start).",
      );
    return history;
  }

  /** A run's live hooks and webhooks. */
  async hooks(run: Run | string): Promise<HookRecord[]> {
    return this.world.listHooks({ runId: typeof run === "string" ? run : run.runId });
  }

  /** Restores mocked steps and closes the runtime and its World. */
  async close(): Promise<void> {
    for (const restore of this.restores.splice(0).reverse()) restore();
    await this.runtime.close();
  }

  private async webhookOf(runId: string): Promise<string> {
    const webhooks = (await this.world.listHooks({ runId })).filter((h) => h.kind === "webhook");
    if (webhooks.length === 1) return webhooks[0]!.token;
    throw new WorkflowError(
      "WF_TEST_LOOKUP",
      `The run ${runId} has ${webhooks.length} live webhooks, so sendWebhook(run, ...) cannot pick one.`,
      "Pass the webhook's token instead (from the run's hooks: await env.hooks(run)).",
    );
  }
}

/**
 * A {@link TestEnv} for the given compiled workflows: a runtime on a fresh in-memory
 * World with a virtual clock. `workflow/testing`'s `createTestEnv` also takes source
 * files and compiles them.
 */
export async function createTestEnv(options: TestEnvOptions): Promise<TestEnv> {
  const start = options.startTime ?? Date.now();
  const clock = new VirtualClock(typeof start === "number" ? start : start.getTime());
  const runtime = new Runtime({
    world: memoryWorld({ now: () => clock.now() }),
    workflows: options.workflows,
    clock,
    retry: { jitter: 0, ...options.retry },
    log: options.log ?? (() => {}),
    ...(options.sandbox && { sandbox: options.sandbox }),
  });
  await runtime.recover();
  const env = new TestEnv(
    runtime,
    clock,
    options.workflows.manifest ?? { workflows: [], steps: [] },
    options.settleTimeoutMs ?? 10_000,
  );
  await env.settle();
  return env;
}
