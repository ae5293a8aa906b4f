import type { EngineState } from "../../sandbox/protocol.js";
import type { Activation } from "../sandbox-activation.js";
import {
  type Activated,
  type SandboxHost,
  type SandboxLimits,
  SandboxLostError,
  type WorkflowSandbox,
} from "../sandbox-host.js";
import { activationBytes, INSTANCE_BASE_BYTES } from "../sandbox-size.js";
import { registerWorkflowSourceMap } from "../sandbox-vm.js";
import { SandboxThread } from "./sandbox-thread.js";

// The host side of worker mode: which worker an instance lives in, the watchdog over every
// worker's deadline and stall, and the bundles each worker has (sandbox-thread.ts talks to one).

/**
 * Stalled workers kept alive at once (each until its activation ends): past this, a stall
 * does not retire its worker, and the worker's other runs wait for the deadline as they
 * would without retiring, so a burst of endless loops cannot start workers without end.
 */
const MAX_RETIRED = 2;

/**
 * Workflow instances in a few worker threads with heap and stack limits; each
 * worker hosts many runs' vm contexts. A deadline per activation stops a worker
 * whose code does not give control back. When a worker dies, the run whose
 * activation was running fails with the cause; the other runs it hosted lose
 * their instances and are rebuilt by replay (their state is their event log).
 * Past `stallMs`, an activation retires its worker: a fresh worker takes its slot and
 * the other runs move there (by replay) rather than wait behind it for the deadline.
 */
export class WorkerSandboxHost implements SandboxHost {
  private readonly threads: Array<SandboxThread | undefined>;
  /** Stalled workers replaced in their slot, until the activation each runs ends. */
  private readonly retired = new Set<SandboxThread>();
  private next = 0;
  private ids = 0;
  private actIds = 0;
  private closed = false;
  /** Every bundle kept (the current one too), by hash: sent to a worker when an instance there needs it. */
  private readonly scripts = new Map<string, string>();
  private readonly watchdog: NodeJS.Timeout;
  /** Instances the host forgot without disposing (an evicted actor): dropped in their worker too. */
  private readonly forgotten = new FinalizationRegistry<{ thread: SandboxThread; sandbox: number }>(
    ({ thread, sandbox }) => {
      thread.drop(sandbox);
    },
  );

  constructor(
    private code: string,
    private hash: string,
    private readonly limits: SandboxLimits,
    private readonly webhookBase: () => string,
    private readonly log: (level: string, args: unknown[]) => void,
  ) {
    registerWorkflowSourceMap(code, hash);
    this.scripts.set(hash, code);
    this.threads = Array.from({ length: Math.max(1, limits.workers) }, () => undefined);
    for (let i = 0; i < this.threads.length; i++) this.threads[i] = this.spawn(i);
    // One timer for every worker's deadline and stall, rather than one per activation.
    const every = Math.max(
      10,
      Math.min(250, Math.floor(limits.activationTimeoutMs / 4), Math.floor(limits.stallMs / 2)),
    );
    this.watchdog = setInterval(() => this.checkDeadlines(), every);
    this.watchdog.unref();
  }

  private spawn(slot: number): SandboxThread {
    return new SandboxThread(this.code, this.hash, this.limits, this.webhookBase, this.log, (thread) => {
      if (this.threads[slot] === thread) this.threads[slot] = undefined;
      this.retired.delete(thread);
    });
  }

  private checkDeadlines(): void {
    const now = performance.now();
    for (const thread of this.retired) thread.checkDeadline(now);
    for (let slot = 0; slot < this.threads.length; slot++) {
      const thread = this.threads[slot];
      const stalled = thread?.checkDeadline(now);
      if (!thread || !stalled || this.retired.size >= MAX_RETIRED || this.closed) continue;
      // One run's code holds this worker: the worker's other runs move to a fresh one
      // rather than wait up to the activation timeout behind it.
      const who = stalled.label === undefined ? "a workflow activation" : `run ${stalled.label}`;
      this.log("warn", [
        `wfkit: ${who} has run workflow code for more than ${this.limits.stallMs} ms without giving control back; the other runs of its sandbox worker move to a new worker (sandbox.stallMs). The activation runs on until it answers or activationTimeoutMs stops it.`,
      ]);
      thread.retire();
      this.retired.add(thread);
      this.threads[slot] = this.spawn(slot);
    }
  }

  take(hash?: string): WorkflowSandbox {
    if (hash !== undefined && !this.scripts.has(hash))
      throw new Error(`workflow bundle ${hash} is not loaded`);
    const slot = this.next;
    this.next = (this.next + 1) % this.threads.length;
    let thread = this.threads[slot];
    if (!thread && !this.closed) {
      thread = this.spawn(slot);
      this.threads[slot] = thread;
    }
    const sandbox = new ThreadSandbox(this, thread, ++this.ids, hash ?? this.hash);
    if (thread) this.forgotten.register(sandbox, { thread, sandbox: sandbox.id }, sandbox);
    return sandbox;
  }

  /** @internal */
  send(
    sandbox: ThreadSandbox,
    thread: SandboxThread,
    activation: Activation,
    bundle: string,
  ): Promise<Activated> {
    this.actIds = (this.actIds % 0x7ffffffe) + 1; // an int32 for the shared slot, never 0
    thread.ensureScript(bundle, this.scripts.get(bundle));
    return thread.send({ id: this.actIds, sandbox: sandbox.id, activation, bundle }, sandbox);
  }

  /** @internal */
  dispose(sandbox: ThreadSandbox, thread: SandboxThread): void {
    this.forgotten.unregister(sandbox);
    thread.drop(sandbox.id);
  }

  setScript(code: string, hash: string): void {
    if (hash === this.hash) return;
    this.code = code;
    this.hash = hash;
    this.scripts.set(hash, code);
    registerWorkflowSourceMap(code, hash);
    for (const thread of this.threads) {
      thread?.post({ t: "script", code, hash, current: true });
      thread?.sent.add(hash);
    }
  }

  addScript(code: string, hash: string): void {
    if (this.scripts.has(hash)) return;
    this.scripts.set(hash, code);
    registerWorkflowSourceMap(code, hash);
  }

  dropScript(hash: string): void {
    if (hash === this.hash || !this.scripts.delete(hash)) return;
    for (const thread of this.threads) {
      if (!thread?.sent.delete(hash)) continue;
      thread.post({ t: "forget-script", hash });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    const threads = [...this.threads.splice(0), ...this.retired].filter(
      (t): t is SandboxThread => t !== undefined,
    );
    this.retired.clear();
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}

/** A run's instance in a sandbox worker. */
class ThreadSandbox implements WorkflowSandbox {
  state: EngineState = { status: "running" };
  heldBytes = INSTANCE_BASE_BYTES;
  label?: string;

  constructor(
    private readonly host: WorkerSandboxHost,
    private readonly thread: SandboxThread | undefined,
    readonly id: number,
    private readonly bundle: string,
  ) {}

  activate(activation: Activation): Promise<Activated> {
    if (!this.thread || this.thread.dead || this.thread.retired)
      return Promise.reject(new SandboxLostError(!this.thread));
    this.heldBytes += activationBytes(activation);
    // Not an async function, and the answer sets `state` (SandboxThread.received): no promise
    // of its own on every step's path.
    return this.host.send(this, this.thread, activation, this.bundle);
  }

  dispose(): void {
    if (this.thread) this.host.dispose(this, this.thread);
  }
}
