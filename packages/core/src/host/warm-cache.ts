import type { RunId } from "@wfkit/world";
import { WorkflowError } from "../errors/workflow-error.js";
import type { ActorHandle } from "./types.js";

/** The warm-run cache's bounds (`RuntimeOptions.maxWarmRuns`, `RuntimeOptions.warmCacheMb`), resolved. */
export interface WarmLimits {
  /** Most actors kept. */
  runs: number;
  /** Most bytes their workflow instances may hold, estimated (sandbox-size.ts). */
  bytes: number;
}

// 256 MB keeps about 1,000 waiting runs warm (~256 KB each): with 64 MB, ingest to 1,000 waiting runs
// replayed most of them cold, at twice the CPU per request (bench/ingest.mjs: 935 vs 2,115 req/s).
export const WARM_DEFAULTS = { runs: 1000, cacheMb: 256 } as const;

/**
 * The runtime's actors by run, least recently used first. It routes inputs to a run's
 * one actor, and keeps warm only what its bounds allow: past either bound, idle actors
 * are evicted (their instance disposed, in its sandbox worker too) and forgotten, oldest
 * first; their runs replay their log when an input comes. A run waiting on a hook, a
 * webhook or a sleep is idle, so past the bounds it holds nothing here but its records
 * in the World. Busy actors (a turn in flight or inputs queued) and actors awaiting
 * their eager steps' results are never evicted.
 */
export class WarmCache {
  /** In LRU order (a Map iterates in insertion order), with the bytes each held when last touched. */
  private readonly entries = new Map<RunId, { actor: ActorHandle; bytes: number }>();
  private total = 0;

  constructor(private readonly limits: WarmLimits) {}

  get(runId: RunId): ActorHandle | undefined {
    return this.entries.get(runId)?.actor;
  }

  /** Routes `runId`'s inputs to `actor` (not yet counted: `touch` counts it). */
  add(actor: ActorHandle): void {
    this.remove(actor.runId);
    this.entries.set(actor.runId, { actor, bytes: 0 });
  }

  /** The actor was used: it becomes the most recent, its size is counted again, and the oldest idle go past the bounds. */
  touch(actor: ActorHandle): void {
    this.remove(actor.runId);
    const bytes = actor.warmBytes;
    this.entries.set(actor.runId, { actor, bytes });
    this.total += bytes;
    if (this.entries.size <= this.limits.runs && this.total <= this.limits.bytes) return;
    for (const [runId, entry] of this.entries) {
      if (this.entries.size <= this.limits.runs && this.total <= this.limits.bytes) break;
      if (entry.actor.busy || entry.actor.awaitingEagerSteps) continue;
      // Over the bytes alone, the actor just used stays: a run larger than the bound would replay every turn.
      if (entry.actor === actor && this.entries.size <= this.limits.runs) continue;
      entry.actor.evict();
      this.remove(runId);
    }
  }

  /** The run ended or its actor stopped: its entry goes. */
  forget(runId: RunId): void {
    this.remove(runId);
  }

  values(): IterableIterator<ActorHandle> {
    return [...this.entries.values()].map((e) => e.actor).values();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The bytes counted for the warm instances (as of each actor's last use). */
  get bytes(): number {
    return this.total;
  }

  private remove(runId: RunId): void {
    const entry = this.entries.get(runId);
    if (!entry) return;
    this.total -= entry.bytes;
    this.entries.delete(runId);
  }
}

/** Option, then `WORKFLOW_WARM_CACHE_MB`, then the default; a value that cannot be used is WF_CONFIG_INVALID. */
export function resolveWarmLimits(
  maxWarmRuns: number | undefined,
  warmCacheMb: number | undefined,
  env: Record<string, string | undefined> = process.env,
): WarmLimits {
  const fromEnv = env.WORKFLOW_WARM_CACHE_MB;
  const mb =
    warmCacheMb ?? (fromEnv === undefined || fromEnv === "" ? WARM_DEFAULTS.cacheMb : Number(fromEnv));
  if (!Number.isFinite(mb) || mb < 0)
    throw invalid("warmCacheMb (WORKFLOW_WARM_CACHE_MB)", warmCacheMb ?? fromEnv);
  const runs = maxWarmRuns ?? WARM_DEFAULTS.runs;
  if (!Number.isFinite(runs) || runs < 0) throw invalid("maxWarmRuns", runs);
  return { runs, bytes: mb * 1024 * 1024 };
}

function invalid(name: string, value: unknown): WorkflowError {
  return new WorkflowError(
    "WF_CONFIG_INVALID",
    `The runtime setting ${name} is ${JSON.stringify(String(value))}, but it must be a number of 0 or more.`,
    "Fix the option or the environment variable (docs/runtime.md lists both).",
  );
}
