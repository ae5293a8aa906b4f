import type {
  AppendFailure,
  AppendRequest,
  AppendResult,
  CreateRunInput,
  CreateRunResult,
  EventInput,
  HookConflict,
  QueueMessage,
  StoredEvent,
} from "@wfkit/world";
import type { Command } from "../sandbox/protocol.js";
import type { SandboxInstance } from "./sandbox-vm.js";
import { addCommands, dropStepMessage, mergeInto, type RunInput, type Turn } from "./turn.js";
import type { RuntimeCore } from "./types.js";

/** Most appends of one run in flight at once. */
const MAX_INFLIGHT = 16;

interface InFlight {
  turn: Turn;
  batch: RunInput[];
  result: Promise<AppendResult>;
  settled: boolean;
}

/**
 * The single writer of one run inside this process. It keeps the run's
 * workflow instance warm, applies inputs in order, and commits each batch —
 * inputs, the commands they caused, run status — in one atomic append.
 */
export class RunActor {
  private instance: SandboxInstance | undefined;
  private seq = 0;
  private started = false;
  private inbox: RunInput[] = [];
  private pumping = false;
  private ended = false;
  /** Hook conflicts learned from a refused append, recorded with the next one. */
  private conflicts: HookConflict[] = [];
  /** Queue message ids of steps that started eagerly, by op id, for their results to ack. */
  private readonly eagerAcks = new Map<number, string>();
  /** Eager steps whose result was applied before their scheduling committed. */
  private readonly eagerDone = new Set<number>();
  /** Message ids to ack with the next append. */
  private lateAcks: string[] = [];
  private inflight: InFlight[] = [];
  /** The next append, still gathering turns. */
  private pending: { turn: Turn; batch: RunInput[] } | undefined;
  private flushScheduled = false;
  private wakeUp: (() => void) | undefined;
  /** Commands of an activation that ran before the actor pumped (a run created with hooks). */
  private recoveredCommands: Command[] = [];

  constructor(
    private readonly core: RuntimeCore,
    readonly runId: string,
  ) {}

  get busy(): boolean {
    return this.pumping || this.inbox.length > 0;
  }

  /** Drops the warm instance; the next input replays the log. */
  evict(): void {
    this.instance = undefined;
  }

  /** Hands the append still gathering turns to the World now (the runtime is closing). */
  flushNow(): void {
    this.flush();
  }

  post(input: RunInput): void {
    if (this.ended) {
      input.done?.(false);
      return;
    }
    this.inbox.push(input);
    if (!this.pumping) void this.pump();
    else this.wakeUp?.();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      let recovered: Command[] = this.recoveredCommands;
      this.recoveredCommands = [];
      while (!this.ended) {
        if (!this.instance) {
          // Nothing built on the old instance may still be in flight when it is replaced.
          await this.settleAll();
          if (this.ended) break;
          if (!this.instance) {
            const loaded = await this.load();
            if (!loaded) break;
            recovered = loaded;
          }
        }
        const batch = this.inbox.splice(0);
        if (batch.length === 0 && recovered.length === 0 && this.conflicts.length === 0) {
          if (!this.pending && this.inflight.length === 0) break;
          // Whichever comes first: the oldest commit, the pending turn's flush, or a new input to pipeline.
          const wake = new Promise<void>((resolve) => (this.wakeUp = resolve));
          await (this.inflight[0] ? Promise.race([this.inflight[0].result, wake]) : wake);
          this.wakeUp = undefined;
          while (this.inflight[0]?.settled) await this.settleOldest();
          continue;
        }
        if (!this.mayPipeline()) {
          this.inbox.unshift(...batch);
          this.flush();
          await this.settleOldest();
          continue;
        }
        this.submit(batch, recovered);
        recovered = [];
      }
      await this.settleAll();
      if (this.lateAcks.length > 0 && !this.ended) await this.core.world.ack(this.lateAcks.splice(0));
    } catch (error) {
      this.core.log("error", [`wfkit: run ${this.runId} stopped on an internal error`, error]);
      for (const input of this.inbox.splice(0)) input.done?.(false);
      this.instance = undefined;
    } finally {
      this.pumping = false;
      if (this.ended) this.core.forget(this.runId);
      else if (this.inbox.length > 0)
        void this.pump(); // posted during the last await above
      else this.core.touch(this);
    }
  }

  /**
   * Pipelining: on a World that is the only writer of its data, the next turn may be
   * appended before the previous one committed (group commit orders them), so a run
   * advances at memory speed with commits trailing behind. Never past a turn that
   * creates hooks: a step must not start before the hook it may hand out is live.
   */
  private mayPipeline(): boolean {
    if (!this.pending && this.inflight.length === 0) return true;
    const hooks = (t: Turn) => t.request.hooks!.create!.length > 0;
    return (
      this.core.world.singleProcess === true &&
      this.inflight.length < MAX_INFLIGHT &&
      !(this.pending && hooks(this.pending.turn)) &&
      !this.inflight.some((f) => hooks(f.turn))
    );
  }

  /**
   * Builds a turn and merges it into the pending append, which is flushed once the
   * current tick's microtasks (eager steps finishing) have run: a run whose steps
   * finish at once commits many turns in one append.
   */
  private submit(batch: RunInput[], recovered: Command[]): void {
    const turn = this.build(batch, recovered);
    this.seq += turn.request.events.length;
    this.started = true;
    this.startEagerSteps(turn);
    if (this.pending) mergeInto(this.pending, turn, batch);
    else this.pending = { turn, batch };
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    if (!this.pending) return;
    const { turn, batch } = this.pending;
    this.pending = undefined;
    const entry: InFlight = { turn, batch, result: this.core.world.append(turn.request), settled: false };
    entry.result.then(
      () => (entry.settled = true),
      () => (entry.settled = true),
    );
    this.inflight.push(entry);
    this.wakeUp?.();
  }

  private async settleOldest(): Promise<void> {
    const { turn, batch, result } = this.inflight.shift()!;
    const outcome = await result;
    if (outcome.ok) {
      this.afterCommit(turn, batch, outcome);
      return;
    }
    // Every later turn in flight was built on this one: none of them can have committed.
    const later = this.inflight.splice(0);
    await Promise.all(later.map((l) => l.result));
    this.refused(outcome, turn.request, [batch, ...later.map((l) => l.batch)].flat());
  }

  private async settleAll(): Promise<void> {
    this.flush();
    while (this.inflight.length > 0) await this.settleOldest();
  }

  /** Cold start: replays the whole log. Returns commands the log lacks (a crash cut the last turn short). */
  private async load(): Promise<Command[] | null> {
    const run = await this.core.world.getRun(this.runId);
    if (!run || run.status === "completed" || run.status === "failed" || run.status === "cancelled") {
      this.finish(false);
      return null;
    }
    const events = await this.core.world.readEvents(this.runId);
    const created = events[0];
    if (created?.type !== "run_created") throw new Error(`run ${this.runId} has no run_created event`);
    const instance = this.core.newSandbox();
    for (const event of events) instance.noteRecorded(event);
    for (const conflict of this.conflicts)
      instance.noteRecorded({ ...conflict, seq: this.seq + 1, at: Date.now() });
    instance.start(
      { runId: run.runId, workflowId: run.workflowId, input: run.input, startedAt: run.createdAt },
      events.length > 1,
    );
    for (let i = 1; i < events.length; i++) instance.apply(events[i] as StoredEvent, i < events.length - 1);
    instance.finishReplay();
    this.instance = instance;
    this.seq = run.lastSeq;
    this.started = run.status === "running";
    return instance.takeCommands();
  }

  /** Creates the run with its first turn in one commit; `instance` has already run the first activation. */
  async create(input: CreateRunInput, instance: SandboxInstance): Promise<CreateRunResult> {
    this.instance = instance;
    this.seq = 1;
    const turn = this.build([], instance.takeCommands());
    const { request } = turn;
    // A turn that creates hooks goes through append (a token clash is resolved there); and steps must
    // not start before we know this is a new run.
    const merge = request.hooks!.create!.length === 0;
    const { runId: _r, expectedSeq: _e, ...firstTurn } = request;
    const result = await this.core.world.createRun(merge ? { ...input, firstTurn } : input);
    if (!result.created) {
      this.finish(false);
      return result;
    }
    if (merge) {
      this.seq = result.turn!.lastSeq;
      this.started = true;
      this.afterCommit(turn, [], result.turn!);
    } else {
      this.inbox.unshift({ ack: result.messages.map((m) => m.id) });
      this.recoveredCommands = turn.commands;
      if (!this.pumping) void this.pump();
    }
    return result;
  }

  /** Applies a batch of inputs to the instance and gathers everything it caused into one append. */
  private build(batch: RunInput[], recovered: Command[]): Turn {
    const instance = this.instance!;
    const request: Required<Pick<AppendRequest, "events" | "enqueue" | "ack" | "dedupeKeys">> &
      AppendRequest = {
      runId: this.runId,
      expectedSeq: this.seq,
      // Hook conflicts learned from a refusal are recorded once, with the first turn after the reload.
      events: this.conflicts.splice(0).map((c) => ({ ...c, at: Date.now() })),
      enqueue: [],
      ack: [],
      dedupeKeys: [],
      hooks: { create: [], release: [] },
    };
    const responses: Array<[string, string]> = [];
    let cancelled = false;
    request.ack.push(...this.lateAcks.splice(0));
    addCommands(this.runId, request, recovered, responses, Date.now());
    for (const input of batch) {
      if (input.eagerOpId !== undefined) {
        const id = this.eagerAcks.get(input.eagerOpId);
        this.eagerAcks.delete(input.eagerOpId);
        if (id === undefined) {
          // Scheduled in the append still being gathered: the message need never be written.
          // Otherwise its scheduling is in flight: the message is acked once its id is known.
          if (!(this.pending && dropStepMessage(this.pending.turn, input.eagerOpId)))
            this.eagerDone.add(input.eagerOpId);
        }
        input.ack = [...(input.ack ?? []).filter(Boolean), ...(id ? [id] : [])];
      }
      if (input.ack) request.ack.push(...input.ack);
      if (input.enqueue) request.enqueue.push(...input.enqueue);
      if (input.dedupeKey) request.dedupeKeys.push(input.dedupeKey);
      if (!input.event) continue;
      const at = Date.now();
      const event = { ...input.event, at } as EventInput;
      if (event.type === "run_cancelled") {
        cancelled = true;
        request.events.push(event);
        break;
      }
      if (instance.state().status !== "running") continue;
      request.events.push(event);
      instance.apply(event, false);
      addCommands(this.runId, request, instance.takeCommands(), responses, at);
    }
    const state = instance.state();
    const now = Date.now();
    if (cancelled) {
      request.run = { status: "cancelled", completedAt: now };
    } else if (state.status === "completed") {
      request.events.push({ v: 1, type: "run_completed", output: state.output, at: now });
      request.run = { status: "completed", output: state.output, completedAt: now };
    } else if (state.status === "failed") {
      request.events.push({ v: 1, type: "run_failed", error: state.error, at: now });
      request.run = { status: "failed", error: state.error, completedAt: now };
    }
    if (!this.started) request.run = { startedAt: now, status: "running", ...request.run };
    const needsCommitFirst =
      request.hooks!.create!.length > 0 || request.events.some((e) => e.type === "hook_received");
    return { request, responses, eagerOps: new Set(), commands: recovered, needsCommitFirst };
  }

  /**
   * Steps may start before their scheduling commits (at least once allows it), except when the
   * turn creates a hook: a token handed to a step must be live before the step runs.
   */
  private startEagerSteps(turn: Turn): void {
    const { request } = turn;
    if (request.run?.completedAt) return;
    const uncommitted = [turn, this.pending?.turn, ...this.inflight.map((f) => f.turn)];
    if (uncommitted.some((t) => t?.needsCommitFirst)) return;
    for (const m of request.enqueue!) {
      if (m.kind !== "step" || m.attempt !== 1 || m.availableAt !== undefined) continue;
      turn.eagerOps.add(m.opId!);
      this.core.runStepEagerly(this.runId, m.opId!, m.payload!, (input) =>
        this.post({ ...input, eagerOpId: m.opId }),
      );
    }
  }

  private afterCommit(turn: Turn, batch: RunInput[], result: Extract<AppendResult, { ok: true }>): void {
    const { request } = turn;

    for (const input of batch) input.done?.(true);
    for (const [requestId, response] of turn.responses) void this.core.world.putResponse(requestId, response);
    if (request.run?.status && request.run.status !== "running") {
      this.finish(true);
      this.core.runEnded(this.runId);
      return;
    }
    const rest: QueueMessage[] = [];
    for (const m of result.messages) {
      if (m.kind === "step" && turn.eagerOps.has(m.opId!)) {
        if (this.eagerDone.delete(m.opId!)) this.lateAcks.push(m.id);
        else this.eagerAcks.set(m.opId!, m.id);
      } else rest.push(m);
    }
    this.core.dispatch(rest);
  }

  private refused(result: AppendFailure, request: AppendRequest, batch: RunInput[]): void {
    // Refused: nothing of this batch is in the log. Replay and try again.
    this.instance = undefined;
    switch (result.reason) {
      case "conflict":
        this.inbox.unshift(...batch);
        return;
      case "duplicate": {
        const keep = batch.filter((input) => input.dedupeKey !== result.key);
        for (const input of batch) {
          if (input.dedupeKey !== result.key) continue;
          // The duplicate's queue message is consumed all the same.
          if (input.ack?.length) void this.core.world.ack(input.ack.filter(Boolean));
          input.done?.(false);
        }
        this.inbox.unshift(...keep);
        return;
      }
      case "hook_conflict": {
        const create = request.hooks!.create!.find((h) => h.token === result.token)!;
        this.conflicts.push({
          v: 1,
          type: "hook_conflict",
          opId: create.opId as never,
          token: result.token,
          ownerRunId: result.ownerRunId,
        });
        this.inbox.unshift(...batch);
        return;
      }
      case "run_ended":
      case "run_not_found":
        for (const input of batch) input.done?.(false);
        this.finish(false);
        return;
    }
  }

  private finish(_committed: boolean): void {
    this.ended = true;
    this.instance = undefined;
    for (const input of this.inbox.splice(0)) input.done?.(false);
  }
}

export type { QueueMessage, RunInput };
