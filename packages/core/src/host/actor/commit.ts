import type { AppendFailure, AppendResult, RunId, World } from "@wfkit/world";
import type { TurnRequest } from "./request.js";
import { createsHooks, mergeInto, type RunInput, type Turn } from "./turn.js";

/** Most appends of one run in flight at once. */
const MAX_INFLIGHT = 16;

/** Turns merged into one append, with the inputs they applied. */
interface Gathering {
  turn: Turn;
  batch: RunInput[];
}

interface InFlight extends Gathering {
  result: Promise<AppendResult>;
  settled: boolean;
  /** The World's answer, once `settled` and if it did not throw: a commit is then told without a wait. */
  answer?: AppendResult;
}

/** What the commit pipeline tells its actor. */
export interface CommitListener {
  /** An append committed; called in the order the appends were made. */
  committed(turn: Turn, batch: RunInput[], result: Extract<AppendResult, { ok: true }>): void;
  /** An append was refused; `batch` holds its inputs and those of every later append (none committed). */
  refused(failure: AppendFailure, request: TurnRequest, batch: RunInput[]): void;
  /** An append failed (the World's write threw): nothing of `batch` (it and every later append) is in the log. */
  failed(error: unknown, batch: RunInput[]): void;
  /** An append was handed to the World: a pump waiting for work may now wait on it. */
  flushed(): void;
  /**
   * A turn is being built (its activation runs in a sandbox worker): the gathering append
   * waits for it, as it would for a turn built in this thread within the same tick.
   */
  building(): boolean;
  /** An append settled (committed, refused or failed): the pipeline may now be idle. */
  settled(): void;
  /** The World answered an append in flight (any of them): a pump waiting may settle what is ready. */
  answered(): void;
}

/**
 * The appends of one run, in order: the one still gathering turns, and those handed
 * to the World and not yet settled. Results are settled oldest first, so the actor
 * sees commits in the order its turns were built.
 */
export class CommitPipeline {
  private inflight: InFlight[] = [];
  /** The next append, still gathering turns. */
  private gathering: Gathering | undefined;
  private flushScheduled = false;
  /** Appends wait for this before they go to the World: the run's creation, still in flight (`hold`). */
  private held: Promise<unknown> | undefined;

  constructor(
    private readonly world: World,
    private readonly listener: CommitListener,
    private readonly runId: RunId,
  ) {}

  /**
   * Whether no other process appends to this run: the World is this process's alone, or
   * it holds the run alone (`World.ownership`). Asked anew at every turn: another process
   * may ask for the run at any time, and from then on the answer is no.
   */
  get alone(): boolean {
    return this.world.singleProcess === true || this.world.ownership?.holds(this.runId) === true;
  }

  /** Nothing gathering, nothing in flight. */
  get idle(): boolean {
    return !this.gathering && this.inflight.length === 0;
  }

  /** The turn still gathering, whose queue messages can still be changed. */
  get gatheringTurn(): Turn | undefined {
    return this.gathering?.turn;
  }

  /** Every turn not yet committed: the one gathering, then those in flight. */
  uncommitted(): Turn[] {
    const turns = this.inflight.map((f) => f.turn);
    return this.gathering ? [this.gathering.turn, ...turns] : turns;
  }

  /** Whether a turn not yet committed carries dedupe key `key` (no list made: asked for every outcome). */
  carriesKey(key: string): boolean {
    if (this.gathering?.turn.request.dedupeKeys.includes(key)) return true;
    for (const f of this.inflight) if (f.turn.request.dedupeKeys.includes(key)) return true;
    return false;
  }

  /** Whether the oldest append in flight has its answer (`settleReady` would tell it). */
  get oldestAnswered(): boolean {
    return this.inflight[0]?.settled === true;
  }

  /**
   * Pipelining: when no other process appends to the run (see `alone`), the next turn may be
   * appended before the previous one committed (group commit orders them), so a run
   * advances at memory speed with commits trailing behind. Never past a turn that
   * creates hooks: a step must not start before the hook it may hand out is live.
   */
  mayPipeline(): boolean {
    if (this.idle) return true;
    return (
      this.alone &&
      this.inflight.length < MAX_INFLIGHT &&
      !(this.gathering && createsHooks(this.gathering.turn)) &&
      !this.inflight.some((f) => createsHooks(f.turn))
    );
  }

  /**
   * Merges a turn into the gathering append, which is flushed once the current tick's
   * microtasks (eager steps finishing) have run: a run whose steps finish at once
   * commits many turns in one append.
   */
  add(turn: Turn, batch: RunInput[]): void {
    if (this.gathering) mergeInto(this.gathering, turn, batch);
    else this.gathering = { turn, batch };
    this.scheduleFlush();
  }

  /** Flushes the gathering append once this tick is over (and no turn is being built: see `building`). */
  scheduleFlush(): void {
    if (this.flushScheduled || !this.gathering) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      // The turn being built schedules the flush again once it is built (or was not).
      if (!this.listener.building()) this.flush();
    });
  }

  /**
   * Appends made from now on wait until `open()`, then go to the World in order: turns built on
   * a run whose creation is still in flight (mailbox.ts, `create`). After `fail(error)` they fail
   * with that error and none reaches the World.
   */
  hold(): { open(): void; fail(error: unknown): void } {
    let settle!: { open(): void; fail(error: unknown): void };
    const hold = new Promise<void>((open, fail) => (settle = { open, fail }));
    // Lifted once open; failed, it stays: a turn whose build was under way when the creation
    // failed must not reach the World either.
    hold.then(
      () => {
        if (this.held === hold) this.held = undefined;
      },
      () => {},
    );
    this.held = hold;
    return settle;
  }

  /** Hands the gathering append to the World now (after the creation it is held for, if any). */
  flush(): void {
    if (!this.gathering) return;
    const { turn, batch } = this.gathering;
    this.gathering = undefined;
    const request = turn.request;
    const result = this.held ? this.held.then(() => this.world.append(request)) : this.world.append(request);
    const entry: InFlight = { turn, batch, result, settled: false };
    entry.result.then(
      (answer) => {
        entry.settled = true;
        entry.answer = answer;
        this.listener.answered();
      },
      () => {
        entry.settled = true;
        this.listener.answered();
      },
    );
    this.inflight.push(entry);
    this.listener.flushed();
  }

  /**
   * Settles the appends in flight that have already settled, oldest first. Commits are told
   * at once (no promise, no microtask: the common case, once per step); from the first
   * refusal or failure on, it goes on asynchronously and returns that promise.
   */
  settleReady(): Promise<void> | undefined {
    for (;;) {
      const first = this.inflight[0];
      if (!first?.settled) return undefined;
      const answer = first.answer;
      if (!answer?.ok) return this.settleReadyLater();
      this.inflight.shift();
      try {
        this.listener.committed(first.turn, first.batch, answer);
      } finally {
        this.listener.settled();
      }
    }
  }

  private async settleReadyLater(): Promise<void> {
    while (this.inflight[0]?.settled) await this.settleOldest();
  }

  /** Waits for the oldest append in flight and tells the listener its outcome. */
  async settleOldest(): Promise<void> {
    try {
      await this.settleFirst();
    } finally {
      this.listener.settled();
    }
  }

  private async settleFirst(): Promise<void> {
    const first = this.inflight.shift();
    if (!first) return;
    const { turn, batch, result } = first;
    let outcome: AppendResult;
    try {
      outcome = await result;
    } catch (error) {
      // Later appends, and the one gathering, were built on this one: none of them may commit.
      const later = this.inflight.splice(0);
      const gathering = this.gathering?.batch ?? [];
      this.gathering = undefined;
      await Promise.allSettled(later.map((l) => l.result));
      this.listener.failed(error, [batch, ...later.map((l) => l.batch), gathering].flat());
      throw error;
    }
    if (outcome.ok) {
      this.listener.committed(turn, batch, outcome);
      return;
    }
    // Every later turn in flight was built on this one: none of them can have committed.
    const later = this.inflight.splice(0);
    await Promise.all(later.map((l) => l.result));
    this.listener.refused(outcome, turn.request, [batch, ...later.map((l) => l.batch)].flat());
  }

  /** Flushes and settles everything, the creation held for included. */
  async settleAll(): Promise<void> {
    await this.held?.catch(() => {});
    this.flush();
    while (this.inflight.length > 0) await this.settleOldest();
  }
}
