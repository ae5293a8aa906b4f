// Runs as the World keeps them, and the reference semantics of listing and pruning them.

import type { RunId } from "./ids.js";

export type RunStatus = "pending" | "running" | "completed" | "failed" | "cancelled";

export const TERMINAL_STATUSES: readonly RunStatus[] = ["completed", "failed", "cancelled"];

export function isTerminal(status: RunStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}

/**
 * A run as the World keeps it. Payload fields are serialized strings, stored
 * and returned byte-exact. Optional fields are absent until an append sets them.
 */
export interface RunRecord {
  runId: RunId;
  workflowId: string;
  status: RunStatus;
  input: string;
  output?: string;
  error?: string;
  idempotencyKey?: string;
  /** The run that started this one from workflow code (`start()` in a workflow), if any. */
  parentRunId?: RunId;
  /** The `at` given to `createRun`. */
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  /** Position of the last event in the run's log. */
  lastSeq: number;
}

/** What `listRuns` returns: every filter given must hold. */
export interface ListRunsFilter {
  /** Only runs with one of these statuses. */
  status?: RunStatus[];
  /** Only runs of this workflow (its `workflowId`). */
  workflowId?: string;
  /** Only runs created at or after this time (epoch ms). */
  createdFrom?: number;
  /** Only runs created before this time (epoch ms, exclusive). */
  createdUntil?: number;
  /**
   * Keyset pagination: only runs after this one in listing order (older, or as old
   * with a smaller `runId`). The run itself need not exist any more.
   */
  before?: { createdAt: number; runId: string };
  /** Most runs to return. */
  limit?: number;
}

/** True when `run` passes `filter` (except `limit`): the reference semantics of `listRuns`. */
export function matchesRunFilter(run: RunRecord, filter: ListRunsFilter): boolean {
  if (filter.status && !filter.status.includes(run.status)) return false;
  if (filter.workflowId !== undefined && run.workflowId !== filter.workflowId) return false;
  if (filter.createdFrom !== undefined && run.createdAt < filter.createdFrom) return false;
  if (filter.createdUntil !== undefined && run.createdAt >= filter.createdUntil) return false;
  const b = filter.before;
  if (b && !(run.createdAt < b.createdAt || (run.createdAt === b.createdAt && run.runId < b.runId)))
    return false;
  return true;
}

/** Listing order of `listRuns`: newest `createdAt` first, then the larger `runId`. */
export function compareRunsNewestFirst(a: RunRecord, b: RunRecord): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;
}

/**
 * What `pruneRuns` deletes: ended runs (status `completed`, `failed` or
 * `cancelled`) whose end is older than `endedBefore`. A run's end is its
 * `completedAt`, or its `createdAt` when it has none. Runs that are `pending`
 * or `running` are never touched, however old.
 */
export interface PruneRunsOptions {
  /** Epoch ms, exclusive: runs that ended at or after this time are kept. */
  endedBefore: number;
  /** Most runs to delete in this call (the oldest ended first). Default: all that match. */
  limit?: number;
  /** Find the runs but delete nothing (what `wf prune --dry-run` shows). */
  dryRun?: boolean;
}

/** Whether `run` is one `pruneRuns({ endedBefore })` deletes: the reference semantics. */
export function isPrunable(run: RunRecord, endedBefore: number): boolean {
  return isTerminal(run.status) && (run.completedAt ?? run.createdAt) < endedBefore;
}
