import type { RunId, World } from "@wfkit/world";
import { type Duration, parseDuration } from "../workflow/duration.js";

/** The runtime's `retention` option: ended runs are deleted once this old. */
export interface RetentionOptions {
  /**
   * Ended runs (completed, failed or cancelled) whose end is older than this are
   * deleted with their events, released hooks, webhook deliveries and stream chunks:
   * `"30d"`, `"12h"`, or milliseconds. Runs still pending or running are never deleted.
   */
  endedRunsOlderThan: Duration;
  /** How often to look for runs to delete, from the runtime's start. Default `"1h"`. */
  every?: Duration;
}

/** Options of {@link pruneEndedRuns}. */
export interface PruneEndedRunsOptions {
  /** The age an ended run must exceed, measured from now: `"30d"` or milliseconds. */
  olderThan: Duration;
  /** Find them, delete nothing. */
  dryRun?: boolean;
  /** Runs deleted per World call (one transaction each), so a large backlog never holds the store for long. Default 500. */
  batchSize?: number;
  /** The clock. Default `Date.now()`. */
  now?: number;
}

/**
 * Deletes ended runs older than `olderThan` from `world` (what `wf prune` and the
 * runtime's `retention` option do), in batches; resolves with the ids deleted
 * (with `dryRun`: those that would be), oldest end first.
 */
export async function pruneEndedRuns(world: World, options: PruneEndedRunsOptions): Promise<RunId[]> {
  const endedBefore = (options.now ?? Date.now()) - parseDuration(options.olderThan, "olderThan");
  if (options.dryRun) return world.pruneRuns({ endedBefore, dryRun: true });
  const limit = Math.max(1, options.batchSize ?? 500);
  const deleted: RunId[] = [];
  for (;;) {
    const batch = await world.pruneRuns({ endedBefore, limit });
    deleted.push(...batch);
    if (batch.length < limit) return deleted;
  }
}

/** Runs {@link pruneEndedRuns} at start and then periodically, for the runtime's `retention` option. */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly olderThan: number;
  private readonly everyMs: number;

  constructor(
    private readonly world: World,
    options: RetentionOptions,
    private readonly log: (level: string, args: unknown[]) => void,
  ) {
    // Checked now: a bad duration fails the runtime's construction, not a timer an hour later.
    this.olderThan = parseDuration(options.endedRunsOlderThan, "retention.endedRunsOlderThan");
    this.everyMs = Math.max(1_000, parseDuration(options.every ?? "1h", "retention.every"));
  }

  /** Sweeps now, then every `every`; the timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.everyMs);
    this.timer.unref();
    void this.sweep();
  }

  /** One sweep (a sweep already running is joined, not doubled). */
  sweep(): Promise<void> {
    this.running ??= pruneEndedRuns(this.world, { olderThan: this.olderThan })
      .then((ids) => {
        if (ids.length > 0) this.log("info", [`wfkit: retention deleted ${ids.length} ended run(s)`]);
      })
      .catch((error) => this.log("error", ["wfkit: retention sweep failed", error]))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Stops the timer and waits for a sweep in progress, so the World can close after. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
