import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { WorkflowError } from "../../errors/index.js";
import type { EngineState } from "../../sandbox/protocol.js";
import type { ActivationFailureCode } from "../sandbox-activation.js";
import {
  type Activated,
  ActivationError,
  parseAnswer,
  type SandboxLimits,
  SandboxLostError,
} from "../sandbox-host.js";
import {
  type Act,
  type FromSandboxThread,
  RESULTS_EVERY_MS,
  type SandboxThreadData,
  type ToSandboxThread,
} from "./protocol.js";

/**
 * The built thread script. Run from the TypeScript sources (the tests' "source"
 * condition), this module is a .ts file Node cannot start as a worker: the thread
 * runs the built dist/ copy next to it.
 */
export function sandboxThreadFile(): URL {
  // Built from a path, not `new URL("./thread.js", import.meta.url)`: bundlers (Turbopack) take that
  // pattern for a worker entry to bundle; the thread must be this package's own file.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const fromSources = import.meta.url.endsWith(".ts");
  const folder = fromSources ? here.replace(/([\\/])src([\\/]host[\\/]sandbox-worker)$/, "$1dist$2") : here;
  return pathToFileURL(path.join(folder, "thread.js"));
}

/** Whether sandbox workers can start here (the thread file exists: not every bundler copies it). */
export function sandboxThreadAvailable(): boolean {
  const file = sandboxThreadFile();
  return file.protocol === "file:" && existsSync(fileURLToPath(file));
}

interface Pending {
  /**
   * Added to both the deadline and the stall, in ms: 1 per event a replay re-applies (a replay
   * costs some 10–30 µs per event), so a run with a long log is not taken for an endless loop
   * when it is rebuilt.
   */
  allowanceMs: number;
  /** The instance whose state the answer sets (before its caller hears it). */
  into: { state: EngineState; readonly label?: string };
  resolve(activated: Activated): void;
  reject(error: Error): void;
}

/**
 * One sandbox worker and the activations sent to it. Activations go in batches: one
 * is sent at once when the worker is idle, and those that come while it works are
 * sent together when the worker has answered its batch (a very long one answers in parts). The worker writes the id of the activation
 * it runs into a shared slot: when the worker dies, that activation fails with the
 * cause (out of memory, deadline, crash) and every other one it held is lost.
 */
export class SandboxThread {
  readonly worker: Worker;
  private readonly results: MessagePort;
  private readonly pending = new Map<number, Pending>();
  private outbox: Act[] = [];
  /** Instances the host let go, told to the worker with the next batch (or in bulk). */
  private dropped: number[] = [];
  /** Batches sent and not fully answered yet. */
  private inflight = 0;
  private readonly running: Int32Array;
  /** The watchdog's last look: which activation ran, and since when. */
  private seen = { id: 0, since: 0 };
  dead = false;
  /**
   * Stalled and replaced: it takes no new activation, and it is stopped once the one it
   * runs answers (or, at its deadline, by the watchdog).
   */
  retired = false;
  /** Why the host stopped the worker, when it did. */
  private stoppedFor: ActivationFailureCode | undefined;
  private exitError: Error | undefined;

  constructor(
    code: string,
    hash: string,
    private readonly limits: SandboxLimits,
    private readonly webhookBase: () => string,
    private readonly log: (level: string, args: unknown[]) => void,
    private readonly onDeath: (thread: SandboxThread) => void,
  ) {
    const shared = new SharedArrayBuffer(4);
    this.running = new Int32Array(shared);
    const channel = new MessageChannel();
    this.results = channel.port1;
    const data: SandboxThreadData = {
      running: shared,
      resultsEveryMs: limits.resultsEveryMs ?? RESULTS_EVERY_MS,
      results: channel.port2,
      spinUs: limits.spinUs,
    };
    this.worker = new Worker(sandboxThreadFile(), {
      workerData: data,
      transferList: [channel.port2],
      resourceLimits: {
        maxOldGenerationSizeMb: limits.memoryLimitMb,
        maxYoungGenerationSizeMb: Math.max(8, Math.min(64, Math.round(limits.memoryLimitMb / 8))),
        stackSizeMb: limits.stackSizeMb,
      },
      // Workflow code gets nothing of the process: no env, no stdin, no argv.
      env: {},
      stdin: false,
      argv: [],
      execArgv: [],
    });
    this.worker.unref();
    // Everything the worker says comes on its own channel, which the host can poll (waitBriefly).
    this.results.on("message", (message: FromSandboxThread) => this.received(message));
    this.results.unref();
    this.worker.on("error", (error) => (this.exitError = error));
    this.worker.on("exit", () => this.died());
    this.post({ t: "script", code, hash, current: true });
    this.sent.add(hash);
  }

  /** Bundles this worker was sent (posted in order, so a bundle arrives before the acts that use it). */
  readonly sent = new Set<string>();

  /** Sends a bundle this worker lacks. */
  ensureScript(hash: string, code: string | undefined): void {
    if (this.sent.has(hash) || code === undefined) return;
    this.post({ t: "script", code, hash, current: false });
    this.sent.add(hash);
  }

  post(message: ToSandboxThread): void {
    this.worker.postMessage(message);
  }

  send(act: Act, into: { state: EngineState; readonly label?: string }): Promise<Activated> {
    return new Promise<Activated>((resolve, reject) => {
      // Keeps the process alive while workflow code runs; an idle worker does not.
      if (this.pending.size === 0) this.worker.ref();
      const allowanceMs = act.activation.op === "replay" ? act.activation.events.length : 0;
      this.pending.set(act.id, { allowanceMs, into, resolve, reject });
      this.outbox.push(act);
      if (this.inflight === 0) this.flush();
      if (this.limits.spinUs > 0 && this.pending.size === 1) this.waitBriefly();
    });
  }

  /**
   * Polls for a lone activation's answer a moment (`spinUs`) before going back to the event
   * loop: a quick answer then costs no wake-up of this thread.
   */
  private waitBriefly(): void {
    const until = performance.now() + this.limits.spinUs / 1000;
    while (performance.now() < until) {
      const next = receiveMessageOnPort(this.results);
      if (!next) continue;
      this.received(next.message as FromSandboxThread);
      if (this.pending.size === 0) return;
    }
  }

  private flush(): void {
    if (this.outbox.length === 0 || this.dead) return;
    this.inflight++;
    const acts = this.outbox;
    this.outbox = [];
    this.post({ t: "acts", acts, drop: this.dropped.splice(0), base: this.webhookBase() });
  }

  /** The host let instance `sandbox` go: the worker forgets it with the next batch (so no message of its own). */
  drop(sandbox: number): void {
    if (this.dead) return;
    this.dropped.push(sandbox);
    if (this.dropped.length >= 256) this.post({ t: "drop", sandboxes: this.dropped.splice(0) });
  }

  /**
   * Called by the watchdog: stops the worker when one activation has run past its deadline.
   * Returns the stalled instance (its `label`, if any) when the activation it runs has run past
   * `stallMs` and the worker is not retired yet.
   */
  checkDeadline(now: number): { label?: string } | undefined {
    const id = Atomics.load(this.running, 0);
    if (id !== this.seen.id) {
      this.seen = { id, since: now };
      return undefined;
    }
    if (id === 0) return undefined;
    const pending = this.pending.get(id);
    const ran = now - this.seen.since - (pending?.allowanceMs ?? 0);
    if (ran > this.limits.activationTimeoutMs) {
      this.stop("WF_ACTIVATION_TIMEOUT");
      return undefined;
    }
    if (this.retired || ran <= this.limits.stallMs) return undefined;
    return { label: pending?.into.label };
  }

  /**
   * Stalled: every activation waiting behind the running one fails with `SandboxLostError`, so
   * its run replays into an instance of another worker, and so does any later activation of an
   * instance here. The running one keeps its deadline; once it answers, the worker stops.
   */
  retire(): void {
    if (this.dead || this.retired) return;
    this.retired = true;
    const runningId = Atomics.load(this.running, 0);
    this.outbox = [];
    for (const [id, entry] of [...this.pending]) {
      if (id === runningId) continue;
      this.pending.delete(id);
      entry.reject(new SandboxLostError());
    }
    this.stopWhenIdle();
  }

  private stopWhenIdle(): void {
    if (this.retired && this.pending.size === 0 && !this.dead) void this.worker.terminate();
  }

  private stop(reason: ActivationFailureCode): void {
    if (this.dead || this.stoppedFor) return;
    this.stoppedFor = reason;
    void this.worker.terminate();
  }

  private received(message: FromSandboxThread): void {
    switch (message.t) {
      case "log":
        this.log(message.level, [message.text]);
        return;
      case "results": {
        // Acts gathered while the worker was busy go once it has finished its batch: sent on
        // each part, they would make many small batches (a message each) of a busy worker.
        if (message.done) {
          this.inflight--;
          this.flush();
        }
        for (const result of message.results) {
          const pending = this.pending.get(result.id);
          if (!pending) continue;
          this.pending.delete(result.id);
          if ("answer" in result) {
            const activated = parseAnswer(result.answer);
            pending.into.state = activated.state;
            pending.resolve(activated);
          } else if (result.code === "WF_WORKFLOW_BUNDLE_THREW")
            pending.reject(new WorkflowError(result.code, result.message, result.hint));
          else pending.reject(new ActivationError(result.code, this.limits, result.message));
        }
        if (this.pending.size === 0) this.worker.unref();
        this.stopWhenIdle();
        return;
      }
    }
  }

  private died(): void {
    if (this.dead) return;
    this.dead = true;
    this.onDeath(this);
    const runningId = Atomics.load(this.running, 0);
    const entries = [...this.pending];
    this.pending.clear();
    this.outbox = [];
    for (const [id, entry] of entries) {
      if (id !== runningId) {
        entry.reject(new SandboxLostError());
        continue;
      }
      const code = this.stoppedFor ?? failureOf(this.exitError);
      entry.reject(
        code === "lost"
          ? new SandboxLostError(true)
          : new ActivationError(code, this.limits, this.exitError?.message),
      );
    }
  }
}

function failureOf(error: Error | undefined): ActivationFailureCode | "lost" {
  if (!error) return "lost"; // terminated by close()
  const code = (error as { code?: unknown }).code;
  if (code === "ERR_WORKER_OUT_OF_MEMORY") return "WF_WORKFLOW_OUT_OF_MEMORY";
  if (error.name === "RangeError" && /call stack/i.test(error.message)) return "WF_WORKFLOW_STACK_OVERFLOW";
  return "WF_WORKFLOW_CRASHED";
}
