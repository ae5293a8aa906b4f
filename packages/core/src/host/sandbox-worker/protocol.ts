import type { Activation, ActivationAnswer, ActivationFailureCode } from "../sandbox-activation.js";

// Messages between the runtime and a sandbox worker (thread.ts). One `act` per
// activation each way; instances are named by numbers the host hands out.

/** The host to a sandbox worker. */
export type ToSandboxThread =
  /** The workflow bundle: instances made after it run this code. */
  | { t: "script"; code: string; hash: string }
  /** Runs an activation on instance `sandbox` (made on first use); `base` is the webhook base URL now. */
  | { t: "act"; id: number; sandbox: number; activation: Activation; base: string }
  /** The host dropped instance `sandbox`. */
  | { t: "drop"; sandbox: number };

/** A sandbox worker to the host. */
export type FromSandboxThread =
  /** The first bundle is loaded: activations run from now on. */
  | { t: "ready" }
  | { t: "done"; id: number; answer: ActivationAnswer }
  /** The activation threw out of the sandbox; the instance is gone. */
  | { t: "fail"; id: number; code: ActivationFailureCode; message: string }
  | { t: "log"; level: string; text: string };

/** `workerData` of a sandbox worker. */
export interface SandboxThreadData {
  /** Contexts kept ready for new runs. */
  poolSize: number;
  /** The vm timeout of each call into a context, in ms (0: none; the host's deadline still holds). */
  callTimeoutMs: number;
}
