import { AsyncLocalStorage } from "node:async_hooks";
import type { MessageId, RunId, StepWork } from "@wfkit/world";
import { formatErrorMessage } from "../errors/format.js";
import { FatalError, isFatalError, isRetryableError } from "../errors/step-errors.js";
import { WorkflowError } from "../errors/workflow-error.js";
import { STEP_STORAGE_KEY } from "../globals.js";
import { deserialize, serialize, serializeResult } from "../serialization/index.js";
import type { StepMetadata, WorkflowMetadata } from "../workflow/api.js";
import { parseDuration } from "../workflow/duration.js";
import { installHost, registry } from "../workflow/realm.js";
import type { RunInput } from "./actor/turn.js";
import { type Clock, systemClock } from "./clock.js";
import { mapErrorStacks } from "./source-maps.js";
import { readRunStream, StepStreams, type StreamReadSource } from "./streams.js";
import type { StepTracer } from "./tracing/index.js";

export interface RetryPolicy {
  /** Retries after the first attempt, unless the step sets `fn.maxRetries`. Default 3. */
  maxRetries: number;
  /** First backoff delay in ms; doubles each attempt, with ±20% jitter. Default 1000. */
  initialDelayMs: number;
  /** Backoff cap in ms. Default 60000. */
  maxDelayMs: number;
  /** Default per-step timeout in ms (none when undefined); a step may set `fn.timeout`. */
  timeoutMs?: number;
  /** Spread of the backoff, as a fraction (0.2: ±20%). Default 0.2; the test kit uses 0 so retries land at exact times. */
  jitter?: number;
}

interface StepContext extends StepMetadata {
  workflow: WorkflowMetadata;
  closure: Record<string, unknown>;
  /** The attempt's stream writers (getWritable()). */
  streams: StepStreams;
  /** Where streams passed as values are read from. */
  streamSource: StreamReadSource;
}

// One storage per process, whatever copy of this module runs the attempt or installed the host.
const storage = ((globalThis as Record<symbol, unknown>)[STEP_STORAGE_KEY] ??=
  new AsyncLocalStorage<StepContext>()) as AsyncLocalStorage<StepContext>;

// Step code runs in this realm: getStepMetadata() and stepClosure() read the
// current step's context; workflow-only calls say where they belong.
installHost({
  get realm() {
    return storage.getStore() ? ("step" as const) : ("server" as const);
  },
  stepMetadata: () => {
    const ctx = storage.getStore();
    return (
      ctx && {
        stepId: ctx.stepId,
        attempt: ctx.attempt,
        stepStartedAt: ctx.stepStartedAt,
      }
    );
  },
  stepWorkflowMetadata: () => {
    const ctx = storage.getStore();
    return ctx && { ...ctx.workflow, workflowStartedAt: new Date(ctx.workflow.workflowStartedAt) };
  },
  stepClosure: () => storage.getStore()?.closure ?? {},
  withStepClosure: (closure, fn) => {
    const ctx = storage.getStore();
    return ctx ? storage.run({ ...ctx, closure }, fn) : fn();
  },
  getWritable: (namespace, runId) => storage.getStore()?.streams.writable(namespace, runId),
  openReadable: (runId, namespace) => {
    const ctx = storage.getStore();
    return ctx && readRunStream(ctx.streamSource, runId, namespace);
  },
});

/**
 * A step attempt to run: a step message from the queue, or an eager first attempt
 * whose message id is not known yet (its run's actor acks the message later).
 */
export interface StepAttempt extends StepWork {
  runId: RunId;
  id?: MessageId;
}

/** Runs step attempts with bounded concurrency and turns their outcome into a run input. */
export class StepExecutor {
  private running = 0;
  private readonly waiting: Array<{ message: StepAttempt; deliver: (input: RunInput) => void }> = [];
  /** Attempts of steps whose file did not build: run again after the next build (resumeParked). */
  private parked: Array<{ message: StepAttempt; deliver: (input: RunInput) => void }> = [];
  /** Set once tracing is on (host/tracing): each attempt becomes a span. */
  tracer: StepTracer | undefined;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly concurrency: number,
    private readonly deliver: (runId: RunId, input: RunInput) => void,
    private readonly isEnded: (runId: string) => boolean,
    /** The metadata of a run, for getWorkflowMetadata() in its steps. */
    private readonly workflowOf: (runId: RunId) => WorkflowMetadata | Promise<WorkflowMetadata>,
    private readonly streamSource: StreamReadSource,
    /** Whether a step's file did not build: its attempts wait instead of failing. */
    private readonly unbuilt: (stepId: string) => unknown = () => undefined,
    /** Told when an attempt ended without handing an outcome on (its run ended, or the runtime closed). */
    private readonly dropped: (message: StepAttempt) => void = () => {},
    /** Times retries and stamps step starts (a virtual clock in the test kit). */
    private readonly clock: Clock = systemClock,
  ) {}

  /** Whether no attempt is running or waiting for a slot (the test kit waits for this). */
  get idle(): boolean {
    return this.running === 0 && this.waiting.length === 0;
  }

  /** Runs the attempts parked on files that did not build (a new build came). */
  resumeParked(): void {
    for (const { message, deliver } of this.parked.splice(0)) this.runWith(message, deliver);
  }

  run(message: StepAttempt): void {
    this.runWith(message, (input) => this.deliver(message.runId, input));
  }

  /** Runs an attempt and hands its outcome to `deliver` (the run's actor, or an eager caller). */
  runWith(message: StepAttempt, deliver: (input: RunInput) => void): void {
    if (this.running >= this.concurrency) {
      this.waiting.push({ message, deliver });
      return;
    }
    this.running++;
    let delivered = false;
    const handOn = (input: RunInput) => {
      delivered = true;
      deliver(input);
    };
    const after = () => {
      this.running--;
      if (!delivered) this.dropped(message);
      const next = this.waiting.shift();
      if (next) this.runWith(next.message, next.deliver);
    };
    // `then` with the same callback twice, not `finally` (two promises more per step).
    void this.attempt(message, handOn).then(after, (error: unknown) => {
      after();
      throw error;
    });
  }

  private async attempt(message: StepAttempt, handOn: (input: RunInput) => void): Promise<void> {
    if (this.isEnded(message.runId)) return;
    const payload = JSON.parse(message.payload) as {
      stepId: string;
      name: string;
      input: string;
      /** When the first attempt started: a retry's message carries it (the peer's stepStartedAt is the step's first start). */
      startedAt?: number;
    };
    const { stepId, name, input } = payload;
    const startedAt = payload.startedAt ?? this.clock.now();
    const { opId, attempt } = message;
    // An eager attempt's message id comes later: its actor acks the message.
    const ack = message.id === undefined ? [] : [message.id];
    const fn = registry().steps.get(stepId) as
      | (((...args: unknown[]) => unknown) & { maxRetries?: number; timeout?: number | string })
      | undefined;
    if (this.unbuilt(stepId)) {
      // Failing it would fail the run for good over a file the user is fixing; and an older
      // build's copy of the step, still registered in this process, is not the code to run.
      this.parked.push({ message, deliver: handOn });
      return;
    }
    // Without tracing, no await: each one is a turn of the microtask queue per step.
    const starting = this.tracer?.startStep(message.runId, stepId, name, attempt, opId);
    const span = starting && (await starting);
    const deliver = span ? span.ending(handOn) : handOn;
    let output: string;
    let streams: StepStreams | undefined;
    try {
      if (!fn) {
        throw Object.assign(
          new FatalError(
            formatErrorMessage(
              "WF_STEP_NOT_FOUND",
              `No step with id ${stepId} is loaded in this process.`,
              "Check that the file defining it is among the step files the runtime was built with.",
            ),
          ),
          { code: "WF_STEP_NOT_FOUND" },
        );
      }
      let timeout: number | undefined;
      try {
        timeout =
          fn.timeout !== undefined ? parseDuration(fn.timeout, `${name}.timeout`) : this.policy.timeoutMs;
      } catch (error) {
        // A malformed timeout fails the same way on every attempt: no point retrying.
        throw new FatalError((error as Error).message, { cause: error });
      }
      // Known (the common case): no await.
      const workflow = this.workflowOf(message.runId);
      const ctx: StepContext = {
        stepId,
        attempt,
        stepStartedAt: new Date(startedAt),
        workflow: workflow instanceof Promise ? await workflow : workflow,
        closure: {},
        // Keyed by op id: every attempt of this step numbers its chunks from 0 (exactly once across retries).
        streams: new StepStreams(this.streamSource.streams, message.runId, String(opId)),
        streamSource: this.streamSource,
      };
      streams = ctx.streams;
      const run = () =>
        storage.run(ctx, () => {
          // Inside the attempt's context: a stream passed as an argument revives as this attempt's writer.
          const [args, closure, self] = deserialize<[unknown[], Record<string, unknown>?, unknown?]>(input);
          ctx.closure = closure ?? {};
          return withTimeout(
            Promise.resolve().then(() => fn.apply(self, args)),
            timeout,
            name,
          );
        });
      const result = await (span ? span.run(run) : run());
      try {
        // A ReadableStream in the result is stored as a stream of this run, named after
        // the step's op id (the same on every attempt, so its chunks are stored once).
        let piped = 0;
        const serialized = serializeResult(result, `${name}() return value`, {
          storeReadable: (stream) => {
            const namespace = `step-${opId}-${piped++}`;
            ctx.streams.pipeFrom(stream, namespace);
            return [message.runId, namespace];
          },
        });
        output = typeof serialized === "string" ? serialized : await serialized;
      } catch (error) {
        throw new FatalError((error as Error).message, { cause: error });
      }
      // The step completes only once its chunks (and the streams it returned) are stored.
      if (!ctx.streams.unused) await ctx.streams.settle();
    } catch (thrown) {
      // What a failed attempt wrote is stored too (readers may have seen it); a retry skips it.
      await streams?.settle().catch(() => {});
      let error = thrown;
      const maxRetries = fn?.maxRetries ?? this.policy.maxRetries;
      let delay = 0;
      try {
        delay = this.retryDelay(error, attempt);
      } catch (invalid) {
        error = new FatalError((invalid as Error).message, { cause: thrown });
      }
      const serialized = serializeError(error);
      if (isFatalError(error) || attempt > maxRetries) {
        deliver({
          event: { v: 1, type: "step_failed", opId, error: serialized, attempt },
          ack,
          dedupeKey: `step:${opId}`,
        });
        return;
      }
      const retryAt = this.clock.now() + delay;
      deliver({
        event: { v: 1, type: "step_retrying", opId, attempt, error: serialized, retryAt },
        ack,
        enqueue: [
          {
            runId: message.runId,
            kind: "step",
            opId,
            attempt: attempt + 1,
            payload:
              payload.startedAt === undefined ? JSON.stringify({ ...payload, startedAt }) : message.payload,
            availableAt: retryAt,
            leased: true,
          },
        ],
      });
      return;
    }
    deliver({
      event: { v: 1, type: "step_completed", opId, output, attempt },
      ack,
      dedupeKey: `step:${opId}`,
    });
  }

  private retryDelay(error: unknown, attempt: number): number {
    if (isRetryableError(error)) {
      const after = (error as { retryAfter?: number | string | Date }).retryAfter;
      if (after instanceof Date) return Math.max(0, after.getTime() - this.clock.now());
      if (after !== undefined) return parseDuration(after, "retryAfter");
    }
    const base = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (attempt - 1));
    const jitter = this.policy.jitter ?? 0.2;
    return Math.round(base * (1 - jitter + Math.random() * 2 * jitter));
  }
}

function serializeError(error: unknown): string {
  const value =
    error instanceof Error || Object.prototype.toString.call(error) === "[object Error]"
      ? error
      : new Error(String(error));
  try {
    return mapErrorStacks(serialize(value, "error"));
  } catch {
    // An error with unserializable fields still reaches the workflow with its name, message and stack.
    const plain = new Error((value as Error).message);
    plain.name = (value as Error).name;
    plain.stack = (value as Error).stack;
    return mapErrorStacks(serialize(plain, "error"));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number | undefined, name: string): Promise<T> {
  if (ms === undefined) return promise;
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new WorkflowError(
            "WF_STEP_TIMEOUT",
            `The step ${name} did not finish within ${ms} ms.`,
            'Raise the step\'s timeout (fn.timeout = "5m"), or split the work into smaller steps.',
          ),
        ),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
