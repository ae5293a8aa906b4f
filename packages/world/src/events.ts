/**
 * The event log of a run: one closed, versioned discriminated union.
 *
 * Payloads (`input`, `output`, `payload`, `error`) are opaque strings produced by
 * the runtime's serializer; a World stores them as they are and never parses them.
 */

import type { OpId, RunId } from "./ids.js";

export const EVENT_VERSION = 1 as const;

interface Base<T extends string> {
  readonly v: typeof EVENT_VERSION;
  readonly type: T;
}

/** The run exists; `input` is the serialized argument array. */
export interface RunCreated extends Base<"run_created"> {
  workflowId: string;
  input: string;
  /** The W3C trace context the run's spans continue (host/tracing in core); absent when no tracer was set up. */
  traceContext?: TraceContext;
  /**
   * Content hash of the workflow bundle the run started on (`World.putBundle`): the
   * runtime replays the run on that bundle. Absent on runs created before it was recorded.
   */
  bundle?: string;
}

/** A W3C trace context: the `traceparent` header's value and, if any, `tracestate`. */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}
export interface StepScheduled extends Base<"step_scheduled"> {
  opId: OpId;
  stepId: string;
  /** Serialized `[args, closure]`. */
  input: string;
}
/** An attempt failed and another is due at `retryAt`; the workflow does not see it. */
export interface StepRetrying extends Base<"step_retrying"> {
  opId: OpId;
  attempt: number;
  error: string;
  retryAt: number;
}
export interface StepCompleted extends Base<"step_completed"> {
  opId: OpId;
  output: string;
  attempt: number;
}
export interface StepFailed extends Base<"step_failed"> {
  opId: OpId;
  error: string;
  attempt: number;
}
export interface SleepScheduled extends Base<"sleep_scheduled"> {
  opId: OpId;
  wakeAt: number;
}
export interface SleepFired extends Base<"sleep_fired"> {
  opId: OpId;
}
export type HookKind = "hook" | "webhook";
export interface HookCreated extends Base<"hook_created"> {
  opId: OpId;
  token: string;
  kind: HookKind;
  /** Serialized metadata given to `createHook`, if any. */
  metadata?: string;
  /** Webhooks: "default" (202), "static" (a serialized Response) or "manual". */
  respondWith?: "default" | "manual" | { static: string };
  /** Webhooks: the verifier that checks each request before it is recorded. */
  verify?: string;
}
/** Creating the hook failed because another live run owns the token. */
export interface HookConflict extends Base<"hook_conflict"> {
  opId: OpId;
  token: string;
  ownerRunId: RunId;
}
export interface HookReceived extends Base<"hook_received"> {
  opId: OpId;
  payload: string;
  /** Webhooks with a manual response: the id the response is handed back under. */
  requestId?: string;
}
export interface HookDisposed extends Base<"hook_disposed"> {
  opId: OpId;
}
/** The workflow answered a manual webhook request directly from workflow code. */
export interface WebhookResponded extends Base<"webhook_responded"> {
  requestId: string;
  response: string;
}
/**
 * Workflow code called `start(child, args)`: the child run `childRunId` (id derived from
 * this run's id and `opId`) is created by a queue message enqueued with this event.
 */
export interface ChildStarted extends Base<"child_started"> {
  opId: OpId;
  childRunId: RunId;
  workflowId: string;
}
/** The child run started at `opId` completed; `output` is its serialized return value. */
export interface ChildCompleted extends Base<"child_completed"> {
  opId: OpId;
  childRunId: RunId;
  output: string;
}
/** The child run started at `opId` failed or was cancelled; `error` is the serialized error. */
export interface ChildFailed extends Base<"child_failed"> {
  opId: OpId;
  childRunId: RunId;
  error: string;
}

/**
 * `patched(patchId)` (or `deprecatePatch`) returned true at this op position the first
 * time: replays of this log take the patched branch there; logs without it take the old one.
 */
export interface PatchMarker extends Base<"patch_marker"> {
  opId: OpId;
  patchId: string;
}
/**
 * Informational, not an op: a cold replay of this log diverged from the deployed code
 * (`code` WF_REPLAY_DIVERGED at log `position`), so the run is parked, not failed. The
 * run is parked while this is its last event; replays ignore it.
 */
export interface RunParked extends Base<"run_parked"> {
  code: "WF_REPLAY_DIVERGED";
  message: string;
  /** The log position (seq) where the code diverged. */
  position: number;
}
export interface RunCompleted extends Base<"run_completed"> {
  output: string;
}
export interface RunFailed extends Base<"run_failed"> {
  error: string;
}
export interface RunCancelled extends Base<"run_cancelled"> {
  reason?: string;
}

export type WorkflowEvent =
  | RunCreated
  | StepScheduled
  | StepRetrying
  | StepCompleted
  | StepFailed
  | SleepScheduled
  | SleepFired
  | HookCreated
  | HookConflict
  | HookReceived
  | HookDisposed
  | WebhookResponded
  | ChildStarted
  | ChildCompleted
  | ChildFailed
  | PatchMarker
  | RunParked
  | RunCompleted
  | RunFailed
  | RunCancelled;

export type EventType = WorkflowEvent["type"];

/** An event as stored: its position in the run's log and the time it was appended. */
export type StoredEvent = WorkflowEvent & {
  /** 1-based position in the run's log. */
  readonly seq: number;
  /** Epoch milliseconds: the time the runtime gave the event (the replay engine saw this time). */
  readonly at: number;
};

/** Checks at compile time that a switch over event types handled every case. */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}
