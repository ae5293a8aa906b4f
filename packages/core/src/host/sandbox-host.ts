import { WorkflowError } from "../errors/workflow-error.js";
import type { Command, EngineState } from "../sandbox/protocol.js";
import {
  type Activation,
  type ActivationAnswer,
  type ActivationFailureCode,
  failureCodeOf,
  runActivation,
} from "./sandbox-activation.js";
import { activationBytes, INSTANCE_BASE_BYTES } from "./sandbox-size.js";
import { SandboxInstance, type SandboxOptions, SandboxScript } from "./sandbox-vm.js";

// The sandboxes runs' workflow code lives in, behind one interface: in this
// thread (`vm` contexts, sandbox-vm.ts) or in worker threads with heap and stack
// limits (sandbox-worker/). Actors see only `WorkflowSandbox`.

/** An activation's answer, parsed: commands (per event applied, for `apply`) and the state after it. */
export interface Activated {
  commands: Command[][];
  state: EngineState;
}

/** One run's workflow instance, wherever it lives. */
export interface WorkflowSandbox {
  /** The state after the last activation (`running` before the first). */
  readonly state: EngineState;
  /** What the instance holds in memory, estimated (sandbox-size.ts): the warm-run cache is bounded by it. */
  readonly heldBytes: number;
  /** The run it serves and its workflow, as the host's messages name it (set by whoever starts it). */
  label?: string;
  /**
   * Runs one activation. Rejects with `ActivationError` when the run's code was
   * stopped (the run fails with its code), or `SandboxLostError` when the
   * instance was lost for another reason (replay the run into a new one).
   */
  activate(activation: Activation): Promise<Activated>;
  /** The instance is no longer needed. */
  dispose(): void;
}

/** Where workflow instances come from. */
export interface SandboxHost {
  /**
   * A fresh instance (the bundle evaluated, no run started): of the current bundle, or
   * of the bundle `hash` given to `setScript` or `addScript` before (runs replay on their own).
   */
  take(hash?: string): WorkflowSandbox;
  /** New code: new runs get it. The previous bundle stays available by its hash (until `dropScript`). */
  setScript(code: string, hash: string): void;
  /** Keeps another bundle available by its hash, for runs that started on it. */
  addScript(code: string, hash: string): void;
  /** Forgets a bundle no run here needs any more (never the current one). */
  dropScript(hash: string): void;
  close(): Promise<void>;
}

/** Limits and placement of workflow code (`RuntimeOptions.sandbox`), resolved. */
export interface SandboxLimits {
  /** `"worker"`: worker threads with resource limits (default). `"vm"`: contexts in the runtime's own thread. */
  mode: "worker" | "vm";
  /** Worker threads hosting workflow instances. */
  workers: number;
  /** Longest one activation may run before the run fails with WF_ACTIVATION_TIMEOUT. */
  activationTimeoutMs: number;
  /** Heap of one sandbox worker (V8 old generation), in MB. */
  memoryLimitMb: number;
  /** Stack of one sandbox worker's thread, in MB. */
  stackSizeMb: number;
  /**
   * After how long one activation without an answer makes its worker retire: the worker's
   * other instances are rebuilt by replay in a fresh worker, and the activation keeps running
   * until it answers or its deadline stops it. Worker mode only.
   */
  stallMs: number;
  /** @internal How long a worker works on one batch before it answers what it has (tests). */
  resultsEveryMs?: number;
  /**
   * How long, in µs, the runtime and a sandbox worker poll for each other's answer or next
   * activation, when one run's activation is alone in flight, before they sleep (0: never).
   */
  spinUs: number;
}

/** The run's own code was stopped; the run fails with this error (docs/errors/<code>.md). */
export class ActivationError extends WorkflowError {
  constructor(code: ActivationFailureCode, limits: SandboxLimits, detail?: string) {
    const [message, hint] = describe(code, limits, detail);
    super(code, message, hint);
    this.name = "ActivationError";
  }
}

/** The instance was lost with its worker (another run's code stopped it, or the runtime closed): replay. */
export class SandboxLostError extends Error {
  constructor(readonly closed = false) {
    super(closed ? "the workflow sandbox was closed" : "the workflow sandbox worker stopped");
    this.name = "SandboxLostError";
  }
}

function describe(code: ActivationFailureCode, limits: SandboxLimits, detail?: string): [string, string] {
  switch (code) {
    case "WF_ACTIVATION_TIMEOUT":
      return [
        `Workflow code ran for more than ${limits.activationTimeoutMs} ms without giving control back (an endless loop, or an endless chain of promises), so its run was stopped.`,
        "Make sure every loop in workflow code ends or awaits a step or sleep(); do heavy computation in a step. If the work is legitimate, raise activationTimeoutMs (WORKFLOW_ACTIVATION_TIMEOUT_MS).",
      ];
    case "WF_WORKFLOW_OUT_OF_MEMORY":
      return [
        `Workflow code used more memory than the sandbox allows (${limits.memoryLimitMb} MB heap for the worker that hosts it), so its run was stopped.`,
        "Keep large data out of workflow code: load and transform it in a step and pass back only what the workflow needs. If the workload is legitimate, raise sandbox.memoryLimitMb (WORKFLOW_SANDBOX_MEMORY_MB).",
      ];
    case "WF_WORKFLOW_STACK_OVERFLOW":
      return [
        "Workflow code overflowed the call stack (unbounded recursion?), so its run was stopped.",
        "Give the recursion a base case, or turn it into a loop.",
      ];
    case "WF_WORKFLOW_CRASHED":
      return [
        `The workflow sandbox failed while running this run's code${detail ? `: ${detail}` : ""}.`,
        "Look for code that tampers with the sandbox's globals. If the workflow code looks fine, report the message with the run's event log.",
      ];
  }
}

/**
 * The in-thread sandbox: one `vm` realm per bundle, shared by its runs (sandbox-vm.ts),
 * stoppable only by the activation timeout.
 */
export class VmSandboxHost implements SandboxHost {
  private hash: string;
  /** Every bundle kept, the current one too, by hash. */
  private readonly scripts = new Map<string, SandboxScript>();

  constructor(
    code: string,
    hash: string,
    private readonly options: SandboxOptions,
    private readonly limits: SandboxLimits,
  ) {
    this.hash = hash;
    const script = new SandboxScript(code, hash);
    this.scripts.set(hash, script);
  }

  take(hash?: string): WorkflowSandbox {
    const script = this.scripts.get(hash ?? this.hash);
    if (!script) throw new Error(`workflow bundle ${hash} is not loaded`);
    const instance = new SandboxInstance(script, this.options);
    const limits = this.limits;
    const sandbox = {
      state: { status: "running" } as EngineState,
      heldBytes: INSTANCE_BASE_BYTES,
      async activate(activation: Activation): Promise<Activated> {
        sandbox.heldBytes += activationBytes(activation);
        let answer: ActivationAnswer;
        try {
          answer = runActivation(instance, activation);
        } catch (error) {
          throw new ActivationError(failureCodeOf(error), limits, String((error as Error)?.message ?? error));
        }
        const activated = parseAnswer(answer);
        sandbox.state = activated.state;
        return activated;
      },
      dispose() {},
    };
    return sandbox;
  }

  setScript(code: string, hash: string): void {
    if (hash === this.hash) return;
    this.hash = hash;
    if (!this.scripts.has(hash)) this.scripts.set(hash, new SandboxScript(code, hash));
  }

  addScript(code: string, hash: string): void {
    if (!this.scripts.has(hash)) this.scripts.set(hash, new SandboxScript(code, hash));
  }

  dropScript(hash: string): void {
    if (hash !== this.hash) this.scripts.delete(hash);
  }

  async close(): Promise<void> {}

  /**
   * The vm timeout of every call into a context: only when set explicitly. Node 20's vm
   * timeout aborts the whole process (a native assertion) when it fires while a context
   * drains its microtasks inside a promise continuation, which is where workflow code
   * after its first `await` runs; a sandbox worker is stopped from outside instead.
   */
  static vmOptions(options: SandboxOptions, explicitTimeoutMs: number | undefined): SandboxOptions {
    return { ...options, activationTimeoutMs: explicitTimeoutMs };
  }
}

/** Parses an activation's JSON answer. */
export function parseAnswer(answer: ActivationAnswer): Activated {
  return {
    commands: answer.commands.map((c) => JSON.parse(c) as Command[]),
    state: JSON.parse(answer.state) as EngineState,
  };
}
