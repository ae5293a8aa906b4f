import type { MessagePort } from "node:worker_threads";
import type { Activation, ActivationAnswer, ActivationFailureCode } from "../sandbox-activation.js";

// Messages between the runtime and a sandbox worker (thread.ts). Activations go
// in batches: while the worker runs one batch, the host gathers the next, so a
// busy worker costs one message each way per batch, not per activation. A very long
// batch answers in parts (`RESULTS_EVERY_MS`), so its first answers neither wait
// for the rest nor die with the worker. Which activation is running is in a shared slot
// (`SandboxThreadData.running`), so the host knows whose code it was when the
// worker dies or passes its deadline.

/** One activation of instance `sandbox` (made on first use). */
export interface Act {
  id: number;
  sandbox: number;
  activation: Activation;
  /** The bundle the instance is made from (a hash sent in a `script` message before); absent: the current one. */
  bundle?: string;
}

/** The outcome of one activation: its answer, or why it threw out of the sandbox (the instance is gone). */
export type ActResult =
  | { id: number; answer: ActivationAnswer }
  | { id: number; code: ActivationFailureCode; message: string }
  /** The bundle's top-level code threw: no run can start, so the caller gets the error (nothing is recorded). */
  | { id: number; code: "WF_WORKFLOW_BUNDLE_THREW"; message: string; hint: string };

/** The host to a sandbox worker. */
export type ToSandboxThread =
  /** A workflow bundle: `current` ones are what new instances run; others are kept for runs that started on them. */
  | { t: "script"; code: string; hash: string; current: boolean }
  /** A bundle no run needs any more. */
  | { t: "forget-script"; hash: string }
  /** Forgets the instances in `drop`, then runs `acts` in order; `base` is the webhook base URL now. */
  | { t: "acts"; acts: Act[]; drop: number[]; base: string }
  /** The host dropped these instances. */
  | { t: "drop"; sandboxes: number[] };

/** A sandbox worker to the host. */
export type FromSandboxThread =
  /** Results of an `acts` batch, in order; `done` on the last part of the batch. */
  { t: "results"; results: ActResult[]; done: boolean } | { t: "log"; level: string; text: string };

/**
 * How much work (ms) a sandbox worker does in one batch before it sends the results it has
 * (thread.ts): a batch that long is rare (a burst of replays, or one activation running
 * towards its deadline), and its first answers should not wait for the rest, nor be lost
 * with the worker. Not less: answering in parts breaks the host's lockstep of big batches
 * and group commits, and every 20 ms cost 10–20% more CPU per run in the 200×seq10 bench.
 */
export const RESULTS_EVERY_MS = 250;

/** `workerData` of a sandbox worker. */
export interface SandboxThreadData {
  /** `RESULTS_EVERY_MS`, unless a test sets another. */
  resultsEveryMs: number;
  /** `Int32Array` over this: [0] is the id of the activation running now, 0 when none. */
  running: SharedArrayBuffer;
  /** Where everything the thread says goes, in order (the host polls it for a lone activation's answer). */
  results: MessagePort;
  /** How long, in µs, the thread polls for the next activation after answering a lone one, before it sleeps. */
  spinUs: number;
}
