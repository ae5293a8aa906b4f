import type {
  AppendFailure,
  AppendResult,
  CreateRunInput,
  CreateRunResult,
  HookConflict,
  OpId,
  RunId,
} from "@wfkit/world";
import type { Command } from "../../sandbox/protocol.js";
import { type Activated, ActivationError, SandboxLostError, type WorkflowSandbox } from "../sandbox-host.js";
import type { ActorHandle, RuntimeCore } from "../types.js";
import { CommitPipeline } from "./commit.js";
import { settleCommitted, sortRefused } from "./commit-outcome.js";
import { createWithFirstTurn, startWhileCreating } from "./create.js";
import { parkedAtClose } from "./diverged.js";
import { EagerSteps, startBeforeCommit } from "./eager.js";
import { failedTurn } from "./fail.js";
import { loadRun } from "./load.js";
import { recordFirst } from "./record-first.js";
import { SettledRelease } from "./release.js";
import type { Replayed } from "./replay.js";
import type { TurnRequest } from "./request.js";
import { SleepTimers } from "./sleeps.js";
import { activateTurn, type RunInput, type Turn, type TurnCarry } from "./turn.js";

/**
 * The single writer of one run inside this process. It keeps the run's workflow
 * instance warm, applies inputs in the order they were posted, and commits each
 * batch (inputs, the commands they caused, run status) in one atomic append.
 *
 * The mailbox is here: `post` queues an input and `pump` drains the inbox, one
 * pump at a time. Turn building is `activateTurn` (turn.ts), the appends in flight
 * are the `CommitPipeline` (commit.ts) and their answers are handled in commit-outcome.ts,
 * a cold load is load.ts, eager step acks are `EagerSteps` (eager.ts), payloads
 * answered first are record-first.ts, a run's creation is create.ts, and its
 * release to another process is release.ts.
 */
export class RunActor implements ActorHandle {
  private instance: WorkflowSandbox | undefined;
  /** The run's `lastSeq` after every turn submitted so far. */
  private seq = 0;
  /** Whether the run has its `startedAt` (set by its first turn). */
  private started = false;
  private inbox: RunInput[] = [];
  /** A turn's activation is running (see CommitListener.building). */
  private building = false;
  private pumping = false;
  private ended = false;
  /**
   * A turn that ends the run (cancelled, completed, failed) is submitted and not yet committed:
   * nothing may be built after it, or a late input (a step attempt's failure) would be merged
   * into its append and land after the terminal event.
   */
  private ending = false;
  /**
   * Why the run is parked (its workflow file did not build, or its code diverged from its
   * log): inputs wait in the inbox until a new build (unpark). Undefined when not parked.
   */
  private parked: string | undefined;
  /** Wakes a pump waiting for work: a new input, or an append handed to the World. */
  private wakeUp: (() => void) | undefined;
  /** Commands of an activation that ran before the actor pumped (a run created with hooks). */
  private recoveredCommands: Command[] = [];
  /**
   * Hook conflicts learned from refused appends, none yet in the log: the next load hands
   * them to the instance, which records each where the code creates that hook.
   */
  private conflicts: HookConflict[] = [];
  /** The run that started this one from workflow code (learned when its log loads): told when this run ends. */
  private parentRunId: RunId | undefined;
  private readonly eager = new EagerSteps();
  private readonly sleeps = new SleepTimers();
  private readonly commits: CommitPipeline;
  /** Other processes waiting for this run (`whenSettled`): let go once no append of it is uncommitted. */
  private readonly release = new SettledRelease(() => this.commits.idle);
  /** The run's creation is in flight and its first steps may start before it commits (create). */
  private creating = false;
  /** Settles once the first turn of a run created here is in the log (or can never be). */
  private firstTurn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly core: RuntimeCore,
    readonly runId: RunId,
  ) {
    this.commits = new CommitPipeline(
      core.world,
      {
        committed: (turn, batch, result) => this.afterCommit(turn, batch, result),
        refused: (failure, request, batch) => this.refused(failure, request, batch),
        // The pump stops on the error (logged there); its callers hear it now, payloads recorded already aside.
        failed: (error, batch) => {
          this.ending = false;
          this.eager.refused();
          for (const input of batch) if (!input.recorded) input.done?.(false, error);
        },
        flushed: () => this.wakeUp?.(),
        building: () => this.building,
        settled: () => this.release.check(),
        answered: () => this.wakeUp?.(),
      },
      runId,
    );
  }

  get busy(): boolean {
    return this.pumping || this.inbox.length > 0;
  }

  get awaitingEagerSteps(): boolean {
    return this.eager.inFlight;
  }

  get warmBytes(): number {
    return this.instance?.heldBytes ?? 0;
  }

  /** Drops the warm instance; the next input replays the log. */
  evict(): void {
    this.drop();
  }

  /** Lets the instance go (in its worker too). */
  private drop(): void {
    this.instance?.dispose();
    this.instance = undefined;
  }

  /** Hands the append still gathering turns to the World now (the runtime is closing). */
  flush(): void {
    this.commits.flush();
    // A parked run takes nothing more here: the callers still waiting on it (resumeHook, a
    // webhook request) hear why instead of waiting forever. Queue messages come back to the
    // next process from the World.
    const why = this.parked;
    if (why !== undefined)
      for (const input of this.inbox.splice(0)) input.done?.(false, parkedAtClose(this.runId, why));
  }

  post(input: RunInput): void {
    if (this.ended) {
      input.done?.(false);
      return;
    }
    this.inbox.push(input);
    if (!this.pumping && this.parked === undefined) void this.pump();
    else this.wakeUp?.();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      let recovered: Command[] = this.recoveredCommands;
      this.recoveredCommands = [];
      while (!this.ended) {
        let instance = this.instance;
        if (!instance) {
          // Nothing built on the old instance may still be in flight when it is replaced.
          await this.commits.settleAll();
          if (this.ended) break;
          instance = this.instance;
          if (!instance) {
            const loaded = await this.load();
            if (!loaded) break;
            instance = loaded.instance;
            recovered = loaded.commands;
          }
        }
        let batch = this.inbox.splice(0);
        // A replay that ended the run (its last payload was recorded, its activation cut short) still has to say so.
        const unsaid = instance.state.status !== "running" && !this.ending;
        if (batch.length === 0 && recovered.length === 0 && !unsaid) {
          if (this.commits.idle) break;
          // Whichever comes first: an append's answer, the pending turn's flush, or a new input to pipeline.
          if (!this.commits.oldestAnswered) await new Promise<void>((resolve) => (this.wakeUp = resolve));
          this.wakeUp = undefined;
          // A failed or refused append is handled here, in order; commits are told without a wait.
          const settling = this.commits.settleReady();
          if (settling) await settling;
          continue;
        }
        if (this.ending || !this.commits.mayPipeline()) {
          this.inbox.unshift(...batch);
          this.commits.flush();
          await this.commits.settleOldest();
          continue;
        }
        // Payloads from outside may be answered on their own commit first (record-first.ts).
        const recorded = recordFirst(this.core, this.commits, this.runId, this.seq, batch);
        if (recorded) {
          this.seq += recorded.count;
          batch = recorded.batch;
          if (recorded.answered) await recorded.answered;
          if (this.instance !== instance || this.ended) {
            const rest = batch.filter((input) => !input.recorded);
            if (this.ended) for (const input of rest) input.done?.(false);
            else this.inbox.unshift(...rest);
            continue;
          }
        }
        await this.submit(instance, batch, recovered);
        recovered = [];
      }
      await this.commits.settleAll();
      if (this.eager.hasLateAcks && !this.ended) await this.core.world.ack(this.eager.takeLateAcks());
    } catch (error) {
      // A sandbox closed with the runtime is no error of the run's.
      if (!(error instanceof SandboxLostError && error.closed))
        this.core.log("error", [`wfkit: run ${this.runId} stopped on an internal error`, error]);
      for (const input of this.inbox.splice(0)) input.done?.(false, error);
      this.drop();
    } finally {
      this.pumping = false;
      if (this.ended) this.core.forget(this.runId);
      else if (this.inbox.length > 0 && this.parked === undefined)
        void this.pump(); // posted during the last await above
      else this.core.touch(this);
    }
  }

  /** Builds a turn, starts its steps when they may run before the commit, and queues it for the next append. */
  private async submit(instance: WorkflowSandbox, batch: RunInput[], recovered: Command[]): Promise<void> {
    // Acks due go as an input: if the append is refused, they come back with its batch.
    if (this.eager.hasLateAcks) batch.unshift({ ack: this.eager.takeLateAcks() });
    let turn: Turn;
    this.building = true;
    try {
      turn = await this.build(instance, batch, recovered);
    } catch (error) {
      this.building = false;
      this.commits.scheduleFlush();
      if (error instanceof SandboxLostError && !error.closed) {
        // Its worker was stopped for another run: the next pass replays the log into a new instance.
        if (this.instance === instance) this.drop();
        this.inbox.unshift(...batch);
        return;
      }
      if (!(error instanceof ActivationError)) throw error;
      // This run's code was stopped: the run fails with the cause.
      const now = this.core.clock.now();
      turn = failedTurn(this.runId, this.seq, this.started, error, batch, now, this.parentRunId);
      this.drop();
    }
    this.building = false;
    const status = turn.request.run?.status;
    if (status !== undefined && status !== "running") this.ending = true;
    this.seq += turn.request.events.length;
    this.started = true;
    // Its steps may start now, before it commits (eager.ts).
    startBeforeCommit(this.eager, this.commits, turn, this.runEagerly);
    this.commits.add(turn, batch);
  }

  private readonly runEagerly = (opId: OpId, payload: string): void =>
    this.core.runStepEagerly(this.runId, opId, payload, (input) => this.post({ ...input, eagerOpId: opId }));

  // The carry's calls, made once per actor rather than once per turn.
  private readonly eagerAck = (opId: OpId) => this.eager.resultArrived(opId, this.commits.gatheringTurn);
  private readonly pendingKey = (key: string) => this.commits.carriesKey(key);
  private readonly now = () => this.core.clock.now();

  private build(instance: WorkflowSandbox, batch: RunInput[], recovered: Command[]): Promise<Turn> {
    const carry: TurnCarry = {
      runId: this.runId,
      expectedSeq: this.seq,
      started: this.started,
      eagerAck: this.eagerAck,
      pendingKey: this.pendingKey,
      now: this.now,
      sleeps: this.sleeps,
      parentRunId: this.parentRunId,
    };
    return activateTurn(this.core, instance, batch, recovered, carry, () => this.commits.alone);
  }

  /**
   * Another process needs this run (`World.ownership`): `release` is called once nothing
   * this actor appended is uncommitted (at once if nothing is). Turns built from now on
   * are neither pipelined nor start steps before they commit (`CommitPipeline.alone`).
   */
  whenSettled(release: () => void): void {
    this.release.add(release);
  }

  /** A new build came: a parked run tries to load again (and parks again if its file still fails). */
  unpark(): void {
    if (this.parked === undefined) return;
    this.parked = undefined;
    if (this.inbox.length > 0 && !this.pumping) void this.pump();
  }

  /**
   * Cold start: replays the whole log (load.ts); the commands it returns are those
   * the log lacks (a crash cut the last turn short).
   */
  private async load(): Promise<Replayed | null> {
    const outcome = await loadRun(this.core, this.runId, this.conflicts.splice(0), (why, conflicts) => {
      this.conflicts.unshift(...conflicts);
      this.parked = why;
    });
    if (outcome === "parked") return null;
    if (outcome === "gone") {
      this.finish();
      return null;
    }
    if ("failure" in outcome) {
      // Quarantine: the run fails with the cause that stopped its replay.
      const batch = this.inbox.splice(0);
      const { seq, started, failure, parentRunId } = outcome;
      const turn = failedTurn(this.runId, seq, started, failure, batch, this.core.clock.now(), parentRunId);
      this.started = started;
      this.seq = seq + turn.request.events.length;
      this.commits.add(turn, batch);
      return null;
    }
    this.instance = outcome.instance;
    this.parentRunId = outcome.parentRunId;
    this.seq = outcome.seq;
    this.started = outcome.started;
    return outcome;
  }

  /**
   * Creates the run with its first turn in one commit; `first` is the first activation,
   * already run (or the error that stopped it: the run is created failed).
   */
  async create(
    input: CreateRunInput,
    first: { instance: WorkflowSandbox; activated: Activated } | ActivationError,
  ): Promise<CreateRunResult> {
    this.seq = 1;
    let turn: Turn;
    if (first instanceof ActivationError) {
      turn = failedTurn(this.runId, 1, false, first, [], this.core.clock.now());
    } else {
      this.instance = first.instance;
      turn = await this.build(first.instance, [], first.activated.commands[0] ?? []);
    }
    const creation = createWithFirstTurn(this.core, this.runId, input, turn);
    this.creating =
      !(first instanceof ActivationError) &&
      startWhileCreating(this.core.world, input, turn, () => {
        if (this.creating) this.eager.start(turn, [turn], this.runEagerly);
      });
    // Meanwhile their results are applied and later turns built: those appends wait for the creation
    // (CommitPipeline.hold), refused (the run replays) if its lastSeq is not the one assumed here.
    const created = this.creating ? this.commits.hold() : undefined;
    if (created) {
      // The World appends a first turn right after `run_created` (seq 1).
      this.seq = 1 + turn.request.events.length;
      this.started = true;
    }
    const { result, committed } = await creation
      .finally(() => (this.creating = false))
      .catch((error: unknown) => {
        created?.fail(error);
        this.finish();
        throw error;
      });
    if (!result.created) {
      created?.fail(new Error(`run ${this.runId} was not created: turns built on it are void`));
      this.finish();
      return result;
    }
    if (committed) {
      if (!created) this.seq = committed.lastSeq;
      this.started = true;
      this.afterCommit(turn, [], committed);
      created?.open();
      // Results of steps that ran while the run was created, if not applied yet.
      if (this.inbox.length > 0 && !this.pumping && !this.ended) void this.pump();
    } else {
      this.firstTurn = new Promise<boolean>((done) =>
        this.inbox.unshift({ ack: result.messages.map((m) => m.id), done }),
      );
      this.recoveredCommands = turn.commands;
      if (!this.pumping) void this.pump();
    }
    return result;
  }

  /**
   * Resolves once the run's first turn is committed: its hooks are live in the World, so
   * `start()` waits for it and a caller may resume a first-line hook at once.
   */
  async firstTurnCommitted(): Promise<void> {
    await this.firstTurn;
  }

  /** The turn is in the log (commit-outcome.ts); a turn that ended the run finishes the actor. */
  private afterCommit(turn: Turn, batch: RunInput[], result: Extract<AppendResult, { ok: true }>): void {
    if (!settleCommitted(this.core, this.sleeps, this.eager, turn, batch, result)) {
      // Steps held back only by this commit may start now (eager.ts).
      if (this.commits.alone) this.eager.startDeferred(this.commits.uncommitted(), this.runEagerly);
      return;
    }
    this.finish();
    this.core.runEnded(this.runId);
  }

  /** Refused: nothing of this batch is in the log. Replay and try again (or give up, if the run is gone). */
  private refused(result: AppendFailure, request: TurnRequest, all: RunInput[]): void {
    // Payloads already recorded come back with the replay; those whose record was refused are in `all` as posted.
    const batch = all.filter((input) => !input.recorded);
    this.drop();
    this.ending = false;
    this.eager.refused();
    const again = sortRefused(this.core, result, request, batch, this.conflicts);
    if (again) this.inbox.unshift(...again);
    else this.finish();
  }

  /** The run ended (or is gone): inputs still queued are refused. */
  private finish(): void {
    this.ended = true;
    this.drop();
    for (const input of this.inbox.splice(0)) input.done?.(false);
  }
}
