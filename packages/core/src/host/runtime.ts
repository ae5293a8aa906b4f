import type {
  DeliveryInput,
  HookRecord,
  MessageId,
  OpId,
  QueueMessage,
  RunId,
  RunRecord,
  World,
} from "@wfkit/world";
import { isTerminal } from "@wfkit/world";
import { statusSecretSource } from "../api/status-token.js";
import { WorkflowRunNotFoundError } from "../errors/subclasses.js";
import { RunActor, type RunInput } from "./actor/index.js";
import { AnswersFirst } from "./answers-first.js";
import type { PayloadLimits } from "./body.js";
import { registerBuiltinSteps } from "./builtin-steps.js";
import { RunBundles } from "./bundles.js";
import { type Clock, systemClock } from "./clock.js";
import { deliverToHook, hookInfo, resumeHookWith } from "./hook-delivery.js";
import { consoleLog, filterLog, LifecycleLog } from "./lifecycle-log.js";
import { handleQueueMessage, type QueueMessagePort } from "./queue-messages.js";
import { recoverUnfinished } from "./recovery.js";
import { RetentionSweeper } from "./retention.js";
import { Run, type RunSource } from "./run.js";
import { type RunChangeListener, RunChanges } from "./run-changes.js";
import { RunEnds } from "./run-ends.js";
import { RunMetadata } from "./run-metadata.js";
import type {
  HookInfo,
  RuntimeOptions,
  StartOptions,
  WorkflowRef,
  WorkflowsInput,
} from "./runtime-options.js";
import { queueMessagePortOf, runSourceOf, webhookPortOf } from "./runtime-ports.js";
import { createRuntimeQueue, type RuntimeQueue } from "./runtime-queue.js";
import { createStepExecutor } from "./runtime-steps.js";
import type { SandboxHost, WorkflowSandbox } from "./sandbox-host.js";
import { createSandboxHost, resolveSandboxLimits } from "./sandboxes.js";
import { Slots } from "./slots.js";
import { assertOpen, startableWorkflow } from "./start-args.js";
import { type RunStarting, startNewRun } from "./start-run.js";
import { installStepGlobals } from "./step-globals.js";
import type { StepExecutor } from "./steps.js";
import { attachTracing } from "./tracing/index.js";
import type { ActorHandle, RuntimeCore } from "./types.js";
import { type UnbuiltFile, UnbuiltFiles } from "./unbuilt.js";
import { resolveWarmLimits, WarmCache } from "./warm-cache.js";
import { createWebhookHandler, resumeWebhookWith } from "./webhook.js";

export type {
  HookInfo,
  RuntimeOptions,
  StartOptions,
  WorkflowRef,
  WorkflowsInput,
} from "./runtime-options.js";

/** Enough to keep a sandbox worker busy; few enough that a burst of cold runs cannot fill its heap. */
const NEW_INSTANCES_AT_ONCE = 64;
/**
 * Activations a loop turn lets through while webhook requests keep arriving (answers-first.ts).
 * One: under 300 new connections at once, 8 a turn ingested slower in 7 of 8 interleaved runs
 * (the woken runs' work competes with accepting connections, which libuv does one a loop turn).
 */
const ANSWERS_FIRST_PER_TURN = 1;

registerBuiltinSteps();

/**
 * The durable workflow runtime of one process: starts runs, runs steps,
 * fires timers and delivers hook payloads, all on one World.
 */
export class Runtime implements RuntimeCore {
  readonly world: World;
  readonly clock: Clock;
  /** Activations running now, across this runtime's runs (RuntimeCore). */
  activating = 0;
  /** Woken runs' activations after the answers to requests still arriving (RuntimeCore). */
  readonly answersFirst = new AnswersFirst(ANSWERS_FIRST_PER_TURN);
  private readonly sandboxes: SandboxHost;
  private readonly bundles: RunBundles;
  private pruning: Promise<unknown> | undefined;
  /** Every run's actor here, the warm ones bounded by count and bytes (warm-cache.ts). */
  private readonly actors: WarmCache;
  private readonly metadata: RunMetadata;
  /** Runs started or replayed at once, each making a new instance (slots.ts). @internal */
  readonly instanceSlots = new Slots(NEW_INSTANCES_AT_ONCE);
  /** Runs ended here, and the callers waiting for a run's end (run-ends.ts). */
  private readonly ends = new RunEnds();
  private readonly steps: StepExecutor;
  /** What `Run` handles read through; `workflow/api`'s lazy `getRun` forwards to it. */
  readonly runSource: RunSource;
  private readonly retention: RetentionSweeper | undefined;
  /** On a shared World: the lease of the work this process holds; undefined on a single-process World. */
  readonly sharedLeaseMs: number | undefined;
  private webhookBase: string;
  private closed = false;
  /** The scheduler, and on a shared World the work and runs held here (runtime-queue.ts). */
  private readonly queue: RuntimeQueue;
  /** What starting a run uses of the runtime (start-run.ts). */
  private readonly starting: RunStarting;
  /** What routing a queue message sees of the runtime (queue-messages.ts). */
  private readonly messages: QueueMessagePort;
  readonly log: (level: string, args: unknown[]) => void;
  private readonly lifecycle: LifecycleLog;
  /** Settles once OpenTelemetry tracing is attached, or known to be absent (host/tracing). */
  private readonly tracing: Promise<void>;
  private readonly changes = new RunChanges();
  private readonly unbuilt = new UnbuiltFiles();
  /** The secret of run status tokens, read on first use. */
  readonly statusSecret: () => Promise<string>;
  private readonly payloadLimits: PayloadLimits;
  /** The webhook route: `(Request) => Promise<Response>`, mounted at `/.well-known/workflow/v1/webhook/:token`. */
  readonly handleWebhook: (request: Request) => Promise<Response>;
  /** Delivers a request to a webhook as if it had come over HTTP; returns the webhook's response. */
  readonly resumeWebhook: (token: string, request: Request) => Promise<Response>;

  constructor(options: RuntimeOptions) {
    this.log = filterLog(options.log ?? consoleLog, options.logLevel ?? "info");
    this.lifecycle = new LifecycleLog(this.log, options.logFormat ?? "text", options.logLevel ?? "info");
    this.world = this.lifecycle.wrap(this.changes.wrap(options.world));
    this.clock = options.clock ?? systemClock;
    this.sharedLeaseMs = options.world.singleProcess === true ? undefined : (options.leaseMs ?? 30_000);
    this.unbuilt.set(options.workflows.unbuilt);
    this.statusSecret = statusSecretSource(options.statusSecret);
    this.payloadLimits = options.hookPayload ?? {};
    this.webhookBase = (options.webhookBaseUrl ?? "http://localhost:3000").replace(/\/+$/, "");
    this.sandboxes = createSandboxHost(
      options.workflows.code,
      options.workflows.hash,
      { webhookBase: () => this.webhookBase, log: (level, args) => this.log(level, args) },
      resolveSandboxLimits(options.sandbox, options.activationTimeoutMs),
      options.activationTimeoutMs,
    );
    this.bundles = new RunBundles(
      this.world,
      this.sandboxes,
      options.workflows,
      this.log,
      options.versioning,
    );
    this.actors = new WarmCache(resolveWarmLimits(options.maxWarmRuns, options.warmCacheMb));
    this.metadata = new RunMetadata(this.world, () => this.webhookBase);
    this.steps = createStepExecutor(options, {
      world: this.world,
      clock: this.clock,
      metadata: this.metadata,
      post: (runId, input) => this.post(runId, input),
      stopped: (runId) => this.closed || this.ends.has(runId),
      unbuilt: (stepId) => this.unbuilt.of(stepId),
      held: () => this.queue.held,
    });
    this.tracing = attachTracing(this.lifecycle, this.steps, this.world);
    this.queue = createRuntimeQueue(this.world, this.clock, this.sharedLeaseMs, {
      route: (message, claimed) => handleQueueMessage(this.messages, message, claimed),
      actorOf: (runId) => this.actors.get(runId),
      closed: () => this.closed,
      log: this.log,
    });
    this.starting = {
      core: this,
      bundles: this.bundles,
      sandboxes: this.sandboxes,
      metadata: this.metadata,
      adopt: (actor) => {
        this.actors.add(actor);
        this.touch(actor);
      },
    };
    // Queue message routing, the webhook route and Run handles see the runtime through narrow ports.
    this.messages = queueMessagePortOf(this, {
      closed: () => this.closed,
      held: this.queue.held,
      steps: this.steps,
    });
    const webhookPort = webhookPortOf(this);
    this.runSource = runSourceOf(this);
    this.retention = options.retention && new RetentionSweeper(this.world, options.retention, this.log);
    this.handleWebhook = createWebhookHandler(webhookPort, options.webhook);
    this.resumeWebhook = resumeWebhookWith(webhookPort, this.handleWebhook);
    // Steps answer manual webhooks, and typed hooks resume, through this process's runtime.
    installStepGlobals(this.world, (token, payload) => this.resumeHook(token, payload));
  }

  /**
   * Tells `listener` about every run change this runtime commits (a run created,
   * events appended, a new status), after the commit. Returns the function that
   * stops it. `onClose` is told when the runtime closes (at once if it has),
   * so a feed can end and its client reconnect to the next runtime. The
   * inspect route's live updates (the web UI) are fed from here.
   */
  onRunChange(listener: RunChangeListener, onClose?: () => void): () => void {
    return this.changes.subscribe(listener, onClose);
  }

  /** Resumes everything the World holds: unfinished turns, steps, due timers. Call once after creating. */
  async recover(): Promise<void> {
    await this.tracing;
    // Unfinished runs were left by a process that stopped: say so once, then resume them.
    // On a shared World, unfinished runs are mostly driven by live processes: this one only takes
    // over work whose lease ended (claim), never a run as a whole, so it drives nothing twice.
    if (this.sharedLeaseMs === undefined) {
      const post = (runId: RunId, input: RunInput) => this.post(runId, input);
      await recoverUnfinished(this.world, this.lifecycle, this.queue.scheduler, post, () => this.closed);
    } else {
      await this.queue.scheduler.poll();
    }
    this.retention?.start();
    this.pruneBundles();
  }

  private pruneBundles(): void {
    this.pruning = this.bundles
      .prune()
      .catch(
        (error: unknown) =>
          this.closed || this.log("error", ["wfkit: pruning workflow bundles failed", error]),
      );
  }

  /** Swaps in a rebuilt workflow bundle for new runs; runs in flight stay on theirs (host/bundles.ts). */
  reload(workflows: WorkflowsInput): void {
    this.unbuilt.set(workflows.unbuilt);
    if (workflows.hash === this.bundles.currentHash) return;
    // Runs in flight keep the bundle they started on (warm or replayed); new runs get this one.
    this.bundles.setCurrent(workflows.code, workflows.hash);
    // Warm instances are dropped: runs replay (on their bundle, or the new one with versioning
    // "latest"), and a run whose workflow file no longer builds waits (host/unbuilt.ts).
    for (const actor of this.actors.values()) actor.evict();
    this.pruneBundles();
    // Runs and steps parked on a file that did not build try again (they park again if it still fails).
    for (const actor of [...this.actors.values()]) actor.unpark();
    this.steps.resumeParked();
  }

  /** The file a workflow or step id belongs to, when that file did not build. */
  unbuiltFile(id: string): UnbuiltFile | undefined {
    return this.unbuilt.of(id);
  }

  /** Sets the base of webhook URLs: the host's configured base, or its own address once it listens. */
  setWebhookBase(base: string): void {
    this.webhookBase = base.replace(/\/+$/, "");
  }

  get webhookBaseUrl(): string {
    return this.webhookBase;
  }

  newSandbox(): WorkflowSandbox {
    return this.sandboxes.take();
  }

  sandboxFor(bundle: string | undefined): Promise<() => WorkflowSandbox> {
    return this.bundles.sandboxFor(bundle);
  }

  runStepEagerly(runId: RunId, opId: OpId, payload: string, deliver: (input: RunInput) => void): void {
    this.steps.runWith({ runId, kind: "step", opId, attempt: 1, payload }, deliver);
  }

  async start<T = unknown>(
    workflow: WorkflowRef,
    args: unknown[] = [],
    options: StartOptions = {},
  ): Promise<Run<T>> {
    assertOpen(this.closed);
    const workflowId = startableWorkflow(workflow, args, (id) => this.unbuilt.of(id), this.payloadLimits);
    // The run is created with its first turn by a new actor (start-run.ts).
    const runId = await startNewRun(this.starting, workflowId, args, options);
    return new Run<T>(this.runSource, runId);
  }

  getRun<T = unknown>(runId: string): Run<T> {
    return new Run<T>(this.runSource, runId);
  }

  async cancel(runId: string): Promise<void> {
    const run = await this.world.getRun(runId);
    if (!run) throw new WorkflowRunNotFoundError(runId);
    if (isTerminal(run.status)) return;
    await new Promise<boolean>((resolve) =>
      this.post(run.runId, { event: { v: 1, type: "run_cancelled" }, done: resolve }),
    );
  }

  /** Resolves with the run record once the run has ended. */
  waitForEnd(runId: string): Promise<RunRecord> {
    return this.ends.waitForEnd(this.world, runId, (id) => this.actors.get(id) !== undefined);
  }

  /** The live hook with this token, its metadata deserialized. Throws HookNotFoundError. */
  getHookByToken(token: string): Promise<HookInfo> {
    return hookInfo(this.world, token);
  }

  /** Delivers a payload to the hook with this token; resolves once it is durably recorded. */
  resumeHook(token: string, payload: unknown): Promise<{ runId: string; hook: HookRecord }> {
    return resumeHookWith(
      this.world,
      this.payloadLimits,
      (hook, serialized) => this.deliver(hook, serialized),
      token,
      payload,
    );
  }

  /** Appends a payload for a live hook through its run's actor (with its webhook delivery), ahead of the activation. */
  deliver(hook: HookRecord, payload: string, requestId?: string, delivery?: DeliveryInput): Promise<void> {
    return deliverToHook((runId, input) => this.post(runId, input), hook, payload, requestId, delivery);
  }

  // ——— RuntimeCore: used by actors, step workers and the scheduler ———

  post(runId: RunId, input: RunInput): void {
    let actor = this.actors.get(runId);
    if (!actor) {
      actor = new RunActor(this, runId);
      this.actors.add(actor);
    }
    actor.post(input);
  }

  dispatch(messages: QueueMessage[]): void {
    for (const message of messages) this.queue.scheduler.schedule(message);
  }

  unschedule(ids: MessageId[]): void {
    this.queue.scheduler.unschedule(ids);
  }

  touch(actor: ActorHandle): void {
    this.actors.touch(actor);
  }

  forget(runId: RunId): void {
    this.actors.forget(runId);
  }

  runEnded(runId: RunId): void {
    this.ends.markEnded(runId);
  }

  /** No turn in flight, no step running, no poll of the World under way (the test kit settles on it). */
  get idle(): boolean {
    return this.steps.idle && !this.queue.scheduler.busy && ![...this.actors.values()].some((a) => a.busy);
  }

  isEnded(runId: string): boolean {
    return this.ends.has(runId);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.changes.close();
    this.queue.scheduler.close();
    // A graceful hand-off: other processes may take the steps this one holds at once.
    await this.queue.held?.stop();
    // Turns already made are committed, not dropped: the World's close commits what it was given.
    for (const actor of this.actors.values()) actor.flush();
    this.ends.wakeAll();
    // A sweep in progress finishes its batch before the World closes.
    await this.retention?.stop();
    await this.pruning;
    await this.world.close();
    // Only now: until its World closed, a run asked for is released once its actor's appends commit.
    this.queue.stopOwnership();
    await this.sandboxes.close();
  }
}
