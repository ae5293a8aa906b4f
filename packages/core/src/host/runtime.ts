import type {
  DeliveryInput,
  HookRecord,
  MessageId,
  OpId,
  QueueMessage,
  RunId,
  RunRecord,
  StepMessage,
  World,
} from "@wfkit/world";
import { EVENT_UNREADABLE, isTerminal } from "@wfkit/world";
import { statusSecretSource } from "../api/status-token.js";
import { HookNotFoundError, WorkflowRunNotFoundError } from "../errors/subclasses.js";
import { WorkflowError } from "../errors/workflow-error.js";
import { RESPOND_KEY, RESUME_TYPED_HOOK_KEY } from "../globals.js";
import { deserialize, serializeAsync } from "../serialization/index.js";
import { FETCH_STEP_ID } from "../workflow/api.js";
import type { StandardSchemaLike } from "../workflow/hooks.js";
import { registerStep } from "../workflow/registry.js";
import { SEND_WEBHOOK_STEP_ID } from "../workflow/send-webhook.js";
import { auditLogs, RunActor, type RunInput } from "./actor/index.js";
import { startRun } from "./actor/replay.js";
import {
  DEFAULT_MAX_JSON_DEPTH,
  jsonTooDeepError,
  type PayloadLimits,
  serializePayload,
  valueTooDeep,
} from "./body.js";
import { RunBundles } from "./bundles.js";
import { handleChildMessage } from "./children.js";
import { type Clock, systemClock } from "./clock.js";
import { validate } from "./errors.js";
import { HeldWork } from "./held-work.js";
import { newRunId } from "./ids.js";
import { filterLog, LifecycleLog } from "./lifecycle-log.js";
import { RetentionSweeper } from "./retention.js";
import { Run, type RunSource } from "./run.js";
import { type RunChangeListener, RunChanges } from "./run-changes.js";
import { RunMetadata } from "./run-metadata.js";
import type {
  HookInfo,
  RuntimeOptions,
  StartOptions,
  WorkflowRef,
  WorkflowsInput,
} from "./runtime-options.js";
import type { SandboxHost, WorkflowSandbox } from "./sandbox-host.js";
import { createSandboxHost, resolveSandboxLimits } from "./sandboxes.js";
import { Scheduler } from "./scheduler.js";
import { sendWebhookAttempt } from "./send-webhook-step.js";
import { Slots } from "./slots.js";
import { type RetryPolicy, StepExecutor } from "./steps.js";
import { StepStreams } from "./streams.js";
import { attachTracing } from "./tracing/index.js";
import type { ActorHandle, RuntimeCore } from "./types.js";
import { type UnbuiltFile, UnbuiltFiles, workflowBuildFailed } from "./unbuilt.js";
import { resolveWarmLimits, WarmCache } from "./warm-cache.js";
import { createWebhookHandler, resumeWebhookWith, type WebhookPort } from "./webhook.js";

export type {
  HookInfo,
  RuntimeOptions,
  StartOptions,
  WorkflowRef,
  WorkflowsInput,
} from "./runtime-options.js";

/** Enough to keep a sandbox worker busy; few enough that a burst of cold runs cannot fill its heap. */
const NEW_INSTANCES_AT_ONCE = 64;
const RESPOND = RESPOND_KEY;
const RESUME_TYPED = RESUME_TYPED_HOOK_KEY;

/** Registered in the host realm so `fetch` from "workflow" works in workflow code. */
registerStep(
  async (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init),
  FETCH_STEP_ID,
);
/** Registered in the host realm: one attempt of `sendWebhook` from "workflow". */
registerStep(sendWebhookAttempt, SEND_WEBHOOK_STEP_ID);

/**
 * The durable workflow runtime of one process: starts runs, runs steps,
 * fires timers and delivers hook payloads, all on one World.
 */
export class Runtime implements RuntimeCore {
  readonly world: World;
  readonly clock: Clock;
  /** Activations running now, across this runtime's runs (RuntimeCore). */
  activating = 0;
  private readonly sandboxes: SandboxHost;
  private readonly bundles: RunBundles;
  private pruning: Promise<unknown> | undefined;
  private workflowsHash: string;
  /** Every run's actor here, the warm ones bounded by count and bytes (warm-cache.ts). */
  private readonly actors: WarmCache;
  private readonly metadata: RunMetadata;
  /** Runs started or replayed at once, each making a new instance (slots.ts). @internal */
  readonly instanceSlots = new Slots(NEW_INSTANCES_AT_ONCE);
  private readonly ended = new Set<string>();
  private readonly endWaiters = new Map<string, Array<() => void>>();
  private readonly steps: StepExecutor;
  /** What `Run` handles read through; `workflow/api`'s lazy `getRun` forwards to it. */
  readonly runSource: RunSource;
  private readonly scheduler: Scheduler;
  private readonly retention: RetentionSweeper | undefined;
  /** On a shared World: the lease of the work this process holds; undefined on a single-process World. */
  readonly sharedLeaseMs: number | undefined;
  /** Queue messages this process holds on a shared World (steps running or waiting to), renewed until settled. */
  private readonly held: HeldWork | undefined;
  private webhookBase: string;
  private closed = false;
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
    this.log = filterLog(
      options.log ?? ((level, args) => (console as unknown as Record<string, Function>)[level]?.(...args)),
      options.logLevel ?? "info",
    );
    this.lifecycle = new LifecycleLog(this.log, options.logFormat ?? "text", options.logLevel ?? "info");
    this.world = this.lifecycle.wrap(this.changes.wrap(options.world));
    this.clock = options.clock ?? systemClock;
    this.sharedLeaseMs = options.world.singleProcess === true ? undefined : (options.leaseMs ?? 30_000);
    this.workflowsHash = options.workflows.hash;
    this.unbuilt.set(options.workflows.unbuilt);
    this.statusSecret = statusSecretSource(options.statusSecret);
    this.payloadLimits = options.hookPayload ?? {};
    this.webhookBase = (options.webhookBaseUrl ?? "http://localhost:3000").replace(/\/+$/, "");
    this.sandboxes = createSandboxHost(
      options.workflows.code,
      options.workflows.hash,
      { webhookBase: () => this.webhookBase, log: (level, args) => this.log(level, args) },
      resolveSandboxLimits(options.sandbox, options.activationTimeoutMs, options.sandboxPoolSize ?? 4),
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
    const policy: RetryPolicy = { maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 60_000, ...options.retry };
    const metadata = (this.metadata = new RunMetadata(this.world, () => this.webhookBase));
    this.steps = new StepExecutor(
      policy,
      options.stepConcurrency ?? 256,
      (runId, input) => this.post(runId, this.held ? this.held.untilDone(input) : input),
      // A closed runtime starts no attempt (a crashed process runs nothing more either).
      (runId) => this.closed || this.ended.has(runId),
      (runId) => metadata.of(runId),
      {
        streams: this.world.streams,
        hasEnded: async (runId) => {
          const run = await this.world.getRun(runId);
          return !run || isTerminal(run.status);
        },
      },
      (stepId) => this.unbuilt.of(stepId),
      (attempt) => attempt.id !== undefined && this.held?.delete(attempt.id) === true,
      this.clock,
    );
    this.tracing = attachTracing(this.lifecycle, this.steps, this.world);
    const shared = this.sharedLeaseMs;
    this.scheduler = new Scheduler(
      this.world,
      (message, claimed) => this.handle(message, claimed),
      shared ?? 5 * 60_000,
      // Leases of a process that died end with time, which no commit announces: sweep for them.
      shared && shared / 2,
      this.clock,
    );
    this.held = shared === undefined ? undefined : new HeldWork(this.world, shared, this.log);
    // The webhook route and Run handles see the runtime through narrow ports.
    const webhookPort: WebhookPort = {
      getHook: (token) => this.world.getHook(token),
      getReleasedHook: (token) => this.world.getReleasedHook(token),
      getDelivery: (token, id) => this.world.getDelivery(token, id),
      deliver: (hook, payload, requestId, delivery) => this.deliver(hook, payload, requestId, delivery),
      awaitResponse: (requestId, timeoutMs) => this.world.awaitResponse(requestId, timeoutMs),
      waitForEnd: (runId) => this.waitForEnd(runId),
      webhookBase: () => this.webhookBaseUrl,
      now: () => this.clock.now(),
    };
    this.runSource = {
      read: (runId) => this.world.getRun(runId),
      waitForEnd: (runId) => this.waitForEnd(runId),
      cancel: (runId) => this.cancel(runId),
      streams: this.world.streams,
    };
    this.retention = options.retention && new RetentionSweeper(this.world, options.retention, this.log);
    this.handleWebhook = createWebhookHandler(webhookPort, options.webhook);
    this.resumeWebhook = resumeWebhookWith(webhookPort, this.handleWebhook);
    // Steps answer manual webhooks through this process's runtime.
    (globalThis as Record<symbol, unknown>)[RESPOND] = async (requestId: string, response: Response) =>
      this.world.putResponse(requestId, await serializeAsync(response, "response"));
    (globalThis as Record<symbol, unknown>)[RESUME_TYPED] = async (
      token: string,
      payload: unknown,
      schema?: StandardSchemaLike<unknown>,
    ) => {
      const value = schema ? await validate(schema, payload) : payload;
      const { runId } = await this.resumeHook(token, value);
      return { runId, token };
    };
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
      const unfinished = await this.world.listRuns({ status: ["pending", "running"], limit: 1001 });
      for (const run of unfinished) this.lifecycle.knowWorkflow(run.runId, run.workflowId);
      if (unfinished.length > 0) this.lifecycle.recovered(unfinished.map((r) => r.runId));
      await this.scheduler.poll();
      // In the background: a run with a damaged log is failed (WF_CORRUPT_EVENT_LOG) even if nothing wakes it.
      // Only here: on a shared World those runs are driven by live processes, which meet a damaged log themselves.
      void auditLogs(
        this.world,
        unfinished.map((r) => r.runId),
        (runId) => this.post(runId, {}),
        () => this.closed,
      );
    } else {
      await this.scheduler.poll();
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
    if (workflows.hash === this.workflowsHash) return;
    this.workflowsHash = workflows.hash;
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
    this.assertOpen();
    const workflowId = typeof workflow === "string" ? workflow : workflow?.workflowId;
    if (!workflowId) {
      throw new WorkflowError(
        "WF_NOT_A_WORKFLOW",
        `start() was given ${typeof workflow === "function" ? `the function ${workflow.name || "(anonymous)"}` : String(workflow)}, which is not a workflow.`,
        'Pass a function marked "use workflow" from a file the workflow compiler transformed (withWorkflow in next.config, the Vite plugin, or `wf run`).',
      );
    }
    if (!Array.isArray(args)) {
      throw new WorkflowError(
        "WF_START_ARGS",
        "start(workflow, args) takes the arguments as an array.",
        "Write start(fn, [a, b]) rather than start(fn, a, b).",
      );
    }
    const unbuilt = this.unbuilt.of(workflowId);
    if (unbuilt) throw workflowBuildFailed(workflowId, unbuilt);
    // The serializer recurses: a million nested arrays must be a coded refusal, not a stack overflow.
    const maxDepth = this.payloadLimits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
    if (valueTooDeep(args, maxDepth + 1)) throw jsonTooDeepError("The workflow's arguments", maxDepth);
    const at = this.clock.now();
    const runId = newRunId(at);
    // A ReadableStream among the arguments becomes a stream of the new run; its chunks
    // are stored as they come (a live source keeps flowing after start() returns).
    let streams: StepStreams | undefined;
    const input = await serializeAsync(args, "args", {
      storeReadable: (stream) => {
        streams ??= new StepStreams(this.world.streams, runId, "start");
        const namespace = `start-${streams.pipeCount}`;
        streams.pipeFrom(stream, namespace);
        return [runId, namespace];
      },
    });
    streams
      ?.settle()
      .catch((error: unknown) =>
        this.log("error", [`run ${runId}: storing a stream argument failed:`, error]),
      );
    // The first activation runs now, so the run and its first turn commit together.
    const bundle = this.bundles.currentHash;
    const [first] = await Promise.all([
      startRun(
        () => this.sandboxes.take(bundle),
        { runId, workflowId, input, startedAt: at },
        this.instanceSlots,
      ),
      this.bundles.ensureStored(),
    ]);
    const actor = new RunActor(this, runId);
    // Its first step may start inside create() and needs the run's record (getWorkflowMetadata):
    // known here, so it is not read back. Forgotten if an idempotency key found another run.
    this.metadata.remember({ runId, workflowId, createdAt: at });
    const result = await actor.create(
      { runId, workflowId, input, at, idempotencyKey: options.idempotencyKey, bundle },
      first,
    );
    if (!result.created) this.metadata.forget(runId);
    if (result.created) {
      this.actors.add(actor);
      this.touch(actor);
      // A first turn that creates hooks commits after the run: its hooks are live once start() resolves.
      await actor.firstTurnCommitted();
    }
    return new Run<T>(this.runSource, result.run.runId);
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
  async waitForEnd(runId: string): Promise<RunRecord> {
    for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
      const run = await this.world.getRun(runId);
      if (!run) throw new WorkflowRunNotFoundError(runId);
      if (isTerminal(run.status)) return run;
      // Ended here between the read and now: read again at once.
      if (this.ended.has(runId)) continue;
      // Runs driven here wake us at once (and are polled slowly); the timeout covers runs driven elsewhere.
      await new Promise<void>((resolve) => {
        const list = this.endWaiters.get(runId) ?? [];
        const done = () => {
          clearTimeout(timer);
          const at = list.indexOf(done);
          if (at >= 0) list.splice(at, 1);
          if (list.length === 0 && this.endWaiters.get(runId) === list) this.endWaiters.delete(runId);
          resolve();
        };
        const timer = setTimeout(done, this.actors.get(run.runId) ? 2000 : delay);
        list.push(done);
        this.endWaiters.set(runId, list);
      });
    }
  }

  /** The live hook with this token, its metadata deserialized. Throws HookNotFoundError. */
  async getHookByToken(token: string): Promise<HookInfo> {
    const hook = await this.world.getHook(token);
    if (!hook) throw new HookNotFoundError(token);
    return {
      token: hook.token,
      runId: hook.runId,
      kind: hook.kind,
      createdAt: new Date(hook.createdAt),
      metadata: hook.metadata === undefined ? undefined : deserialize(hook.metadata),
    };
  }

  /** Delivers a payload to the hook with this token; resolves once it is durably recorded. */
  async resumeHook(token: string, payload: unknown): Promise<{ runId: string; hook: HookRecord }> {
    const hook = await this.world.getHook(token);
    if (!hook) throw new HookNotFoundError(token);
    if (hook.kind === "webhook") {
      throw new WorkflowError(
        "WF_HOOK_IS_WEBHOOK",
        `The token ${token} belongs to a webhook, which receives HTTP requests, not payloads.`,
        'Call the webhook\'s URL, or resumeWebhook(token, new Request(...)) from "workflow/api".',
      );
    }
    const serialized = await serializePayload(payload, this.payloadLimits);
    await this.deliver(hook, serialized);
    return { runId: hook.runId, hook };
  }

  /** Appends a payload for a live hook through its run's actor (with its webhook delivery), ahead of the activation. */
  async deliver(
    hook: HookRecord,
    payload: string,
    requestId?: string,
    delivery?: DeliveryInput,
  ): Promise<void> {
    const committed = await new Promise<boolean>((resolve, reject) =>
      this.post(hook.runId, {
        event: { v: 1, type: "hook_received", opId: hook.opId, payload, ...(requestId && { requestId }) },
        ...(delivery && { delivery }),
        recordFirst: true,
        done: (ok, error) => (error === undefined ? resolve(ok) : reject(error)),
      }),
    );
    if (!committed) throw new HookNotFoundError(hook.token);
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
    for (const message of messages) this.scheduler.schedule(message);
  }

  unschedule(ids: MessageId[]): void {
    this.scheduler.unschedule(ids);
  }

  private handle(message: QueueMessage, claimed: boolean): void {
    if (this.closed) return;
    switch (message.kind) {
      case "step":
        if (this.held) {
          // Claimed again by this very process (its lease ended while the step ran here): it runs once.
          if (this.held.has(message.id)) return;
          this.held.add(message.id);
        }
        if (claimed) void this.runClaimedStep(message);
        else this.steps.run(message);
        return;
      case "turn":
        // The run's first turn never committed (its process stopped): the replay's commands are it.
        this.post(message.runId, { ack: [message.id] });
        return;
      case "timer":
        this.post(message.runId, {
          event: { v: 1, type: "sleep_fired", opId: message.opId },
          ack: [message.id],
          dedupeKey: `sleep:${message.opId}`,
        });
        return;
      case "child":
        void handleChildMessage(this, message);
        return;
    }
  }

  /**
   * A step message claimed from the World (after a restart): its result may be
   * committed already, with the message's ack lost to the crash. Such a step
   * never runs again.
   */
  private async runClaimedStep(message: StepMessage): Promise<void> {
    let events: Awaited<ReturnType<World["readEvents"]>>;
    try {
      events = await this.world.readEvents(message.runId);
    } catch (error) {
      // A log with an unreadable event: the run's actor replays it and fails the run (WF_CORRUPT_EVENT_LOG).
      if ((error as { code?: unknown }).code === EVENT_UNREADABLE) this.post(message.runId, {});
      else this.log("error", [`wfkit: run ${message.runId}: could not read its log for a step`, error]);
      return;
    }
    const done = events.some(
      (e) => (e.type === "step_completed" || e.type === "step_failed") && e.opId === message.opId,
    );
    if (done) {
      this.held?.delete(message.id);
      await this.world.ack([message.id]);
    } else this.steps.run(message);
  }

  touch(actor: ActorHandle): void {
    this.actors.touch(actor);
  }

  forget(runId: RunId): void {
    this.actors.forget(runId);
  }

  runEnded(runId: RunId): void {
    this.ended.add(runId);
    if (this.ended.size > 100_000) this.ended.delete(this.ended.values().next().value!);
    const waiters = this.endWaiters.get(runId);
    this.endWaiters.delete(runId);
    for (const wake of [...(waiters ?? [])]) wake();
  }

  /** No turn in flight, no step running, no poll of the World under way (the test kit settles on it). */
  get idle(): boolean {
    return this.steps.idle && !this.scheduler.busy && ![...this.actors.values()].some((a) => a.busy);
  }

  isEnded(runId: string): boolean {
    return this.ended.has(runId);
  }

  private assertOpen(): void {
    if (this.closed)
      throw new WorkflowError(
        "WF_RUNTIME_UNAVAILABLE",
        "The workflow runtime was closed, so it can neither record nor drive a run.",
        "Close a runtime only after the work that uses it has finished, or create a new one.",
      );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.changes.close();
    this.scheduler.close();
    // A graceful hand-off: other processes may take the steps this one holds at once.
    await this.held?.stop();
    // Turns already made are committed, not dropped: the World's close commits what it was given.
    for (const actor of this.actors.values()) actor.flush();
    for (const waiters of [...this.endWaiters.values()]) for (const wake of [...waiters]) wake();
    // A sweep in progress finishes its batch before the World closes.
    await this.retention?.stop();
    await this.pruning;
    await this.world.close();
    await this.sandboxes.close();
  }
}
