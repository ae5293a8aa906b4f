import type {
  ChildStarted,
  HookConflict,
  HookCreated,
  PatchMarker,
  SleepScheduled,
  StepScheduled,
} from "@wfkit/world";

// The data that crosses the sandbox boundary: plain objects and strings only.

/** What the engine asks the host to do, in the order the workflow asked. */
export type Command =
  | { type: "step"; opId: number; stepId: string; name: string; input: string }
  | { type: "sleep"; opId: number; wakeAt: number }
  | { type: "cancel_sleep"; opId: number }
  | {
      type: "hook";
      opId: number;
      token: string;
      kind: "hook" | "webhook";
      metadata?: string;
      respondWith?: "default" | "manual" | { static: string };
      verify?: string;
    }
  | { type: "hook_conflict"; opId: number; token: string; ownerRunId: string }
  | { type: "dispose_hook"; opId: number; token: string }
  | { type: "respond"; requestId: string; response: string }
  | { type: "child"; opId: number; childRunId: string; workflowId: string; input: string }
  /** `patched(patchId)` returned true at a new position: recorded as `patch_marker`. */
  | { type: "patch"; opId: number; patchId: string };

export interface EngineInit {
  runId: string;
  workflowId: string;
  input: string;
  startedAt: number;
}

export type EngineState = (
  | { status: "running" }
  | { status: "completed"; output: string }
  | { status: "failed"; error: string }
) & {
  /** Child runs started and not yet ended (present when there are any): cancelled if the run ends first. */
  children?: string[];
};

export interface RecordedOp {
  event: StepScheduled | SleepScheduled | HookCreated | HookConflict | ChildStarted | PatchMarker;
  seq: number;
}

/** What the host gives the sandbox at creation (on its global `__wfkitHost`). */
export interface SandboxHostBridge {
  /** A fresh unguessable token from the host's CSPRNG (never derived from the run id). */
  randomToken(): string;
  /** Base URL for webhook URLs. */
  webhookBase(): string;
  /** One console line, formatted in the sandbox. */
  log(level: string, message: string): void;
}

/** What one `__wfkit()` call does to the run the host armed it for (see {@link RealmControl}). */
export type RealmOp = "load" | "start" | "note" | "refused" | "apply" | "finish";

/**
 * What the shared realm hands the host once, on its global `__wfkitRealm`, which
 * the host takes off before any workflow code runs: workflow code never reaches
 * it, so no run can select, drive or read another. Runs are opaque handles;
 * arguments and answers are JSON strings: no other object crosses the boundary.
 * The host arms one op with `arm`, then runs the global `__wfkit()` from a
 * precompiled script (so the context drains its microtasks after it), then
 * calls `disarm`. `__wfkit()` refuses when nothing is armed or a call is running.
 */
export interface RealmControl {
  /** A new run's handle: its workflow modules are evaluated by its `load` op. */
  create(): object;
  arm(run: object, op: RealmOp, arg: string, replaying: boolean): void;
  disarm(): void;
  /** JSON of `Command[]`. */
  takeCommands(run: object): string;
  /** JSON of `EngineState`. */
  state(run: object): string;
}

/**
 * The parts of a parsed URL the host's WHATWG parser hands the sandbox's own
 * `URL` (JSON of a record with these keys). Both sides read this one list.
 */
export const URL_FIELDS = [
  "href",
  "origin",
  "protocol",
  "username",
  "password",
  "host",
  "hostname",
  "port",
  "pathname",
  "search",
  "hash",
] as const;
