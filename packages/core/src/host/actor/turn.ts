import type { DeliveryInput, EventInput, MessageId, MessageInput, OpId, RunId } from "@wfkit/world";
import type { Command } from "../../sandbox/protocol.js";
import type { Activated, WorkflowSandbox } from "../sandbox-host.js";
import { mapErrorStacks } from "../source-maps.js";
import { linkEndToFamily } from "./child-links.js";
import { addCommands } from "./commands.js";
import { newTurnRequest, type TurnRequest } from "./request.js";
import { placeOnSharedWorld } from "./shared.js";
import type { SleepTimers } from "./sleeps.js";

// What one turn of a run appends, how it is built from a batch of inputs, and
// how turns gather into one append.

/** Something that happened to a run and must be appended to its log (a step result, a timer, a payload). */
export interface RunInput {
  event?: EventInput | Omit<EventInput, "at">;
  /** Queue messages this input consumes. */
  ack?: MessageId[];
  enqueue?: MessageInput[];
  /** Refuses the input when an earlier append of the run used this key (a step that ran twice). */
  dedupeKey?: string;
  /** A webhook delivery recorded with the event; refused when the World already has it. */
  delivery?: DeliveryInput;
  /** Told once the input is committed (true) or refused (false); `error` when the World's write failed. */
  done?: (committed: boolean, error?: unknown) => void;
  /** The result of a step started before its scheduling was committed: ack its message once known. */
  eagerOpId?: OpId;
  /** A payload from outside: appended (and `done` told) before the activation that applies it (record-first.ts). */
  recordFirst?: boolean;
  /** Its event is in the log already (record-first.ts): applied to the instance, not appended again. */
  recorded?: boolean;
}

/** One turn's share of an append. */
export interface Turn {
  request: TurnRequest;
  /** Manual webhook responses given by workflow code, handed to the waiting caller once committed. */
  responses: Array<[string, string]>;
  /** Steps of this turn that started before the commit. */
  eagerOps: Set<OpId>;
  /** Commands the log lacked at the last load (recovered after a crash), applied by this turn. */
  commands: Command[];
  /**
   * Steps must not start before this turn is durable: it creates a hook (a step may
   * hand its token out, and it must be live by then).
   */
  needsCommitFirst: boolean;
}

/** What a turn carries over from the actor's state; `activateTurn` reads it and changes nothing else. */
export interface TurnCarry {
  runId: RunId;
  /** The run's `lastSeq` as this actor knows it (after the turns it already submitted). */
  expectedSeq: number;
  /** Whether the run already has its `startedAt` (the first turn sets it). */
  started: boolean;
  /** The queue message id to ack with an eager step's result, when already known (see eager.ts). */
  eagerAck(opId: OpId): MessageId | undefined;
  /** Whether a turn built before and not yet committed carries this dedupe key. */
  pendingKey(key: string): boolean;
  /** The runtime's clock: stamps the turn's events (what workflow code reads as the time). */
  now(): number;
  /** The run's sleep timers: a cancelled sleep's wake-up is acked, not recorded. */
  sleeps: SleepTimers;
  /** The run that started this one from workflow code, if any: told when this run ends. */
  parentRunId?: RunId;
}

/**
 * The same outcome twice before either committed (a step run twice: its lease ended while
 * it ran). The World only refuses keys of earlier appends, so the second is dropped here,
 * before the instance sees it; its message is acked all the same, and it is left as a bare
 * ack should the batch be retried.
 */
function dropDuplicateOutcomes(batch: RunInput[], carry: TurnCarry): void {
  // Most batches hold one outcome: the set of keys seen is made only for a second one.
  let first: string | undefined;
  let keys: Set<string> | undefined;
  for (const input of batch) {
    const key = input.dedupeKey;
    if (key === undefined) continue;
    const seen = key === first || keys?.has(key) === true;
    if (!seen && !carry.pendingKey(key)) {
      if (first === undefined) first = key;
      else (keys ??= new Set()).add(key);
      continue;
    }
    input.dedupeKey = undefined;
    input.enqueue = undefined;
    refuse(input);
  }
}

/**
 * An input of the batch that came after the event that ended the run (or cancelled it): the
 * instance did not apply it and the log does not get it, so its caller hears so now (a
 * payload's sender is told the hook is gone, and may not take the append's commit for its
 * own). A payload recorded first is in the log already.
 */
function refuseUnapplied(input: RunInput): void {
  if (!input.recorded) refuse(input);
}

/** Takes `input`'s event out of the turn, so a retry of the batch cannot record it, and tells its caller no. */
function refuse(input: RunInput): void {
  input.event = undefined;
  input.done?.(false);
  input.done = undefined;
}

/** The batch's events, stamped now, for the instance in one activation (a cancellation ends the list). */
function stampBatch(
  batch: RunInput[],
  carry: TurnCarry,
): { stamped: Array<EventInput | undefined>; toApply: string[] } {
  dropDuplicateOutcomes(batch, carry);
  const stamped: Array<EventInput | undefined> = [];
  const toApply: string[] = [];
  for (let i = 0; i < batch.length; i++) {
    const input = batch[i] as RunInput;
    if (!input.event) continue;
    const event = (input.recorded ? input.event : { ...input.event, at: carry.now() }) as EventInput;
    stamped[i] = event;
    if (event.type === "run_cancelled") break;
    toApply.push(JSON.stringify(event));
  }
  return { stamped, toApply };
}

/**
 * The turn of a batch whose events the instance applied (`activated`): everything the batch
 * caused, gathered into one append (the inputs' events, the commands the workflow issued, the
 * run's status). `recovered` are commands of an earlier activation that the log lacks.
 */
function turnFrom(
  activated: Activated,
  batch: RunInput[],
  recovered: Command[],
  carry: TurnCarry,
  stamped: Array<EventInput | undefined>,
): Turn {
  const request = newTurnRequest(carry.runId, carry.expectedSeq);
  const responses: Array<[string, string]> = [];
  let cancelled = false;
  addCommands(carry.runId, request, recovered, responses, carry.now(), carry.sleeps);
  /** Events handed to the instance so far; the first `activated.commands.length` of them were applied. */
  let handed = 0;
  for (let i = 0; i < batch.length; i++) {
    const input = batch[i] as RunInput;
    // This turn scheduled the eager step again (its first append was refused): its result is here,
    // so its message is never written. Otherwise the message is acked with the result (eager.ts).
    if (input.eagerOpId !== undefined && !dropFirstAttempt(request, input.eagerOpId)) {
      const id = carry.eagerAck(input.eagerOpId);
      if (id) input.ack = input.ack ? [...input.ack, id] : [id];
    }
    if (input.ack) request.ack.push(...input.ack);
    if (input.enqueue) request.enqueue.push(...input.enqueue);
    if (input.dedupeKey) request.dedupeKeys.push(input.dedupeKey);
    const event = stamped[i];
    if (!event) continue;
    if (event.type === "run_cancelled") {
      if (input.delivery && activated.state.status === "running") request.deliveries.push(input.delivery);
      cancelled = true;
      request.events.push(event);
      // What came after the cancellation goes no further, into the instance or the log.
      for (const later of batch.slice(i + 1)) refuseUnapplied(later);
      break;
    }
    // Applied: the run was still running when the instance got it.
    const commands = activated.commands[handed++];
    if (!commands) {
      refuseUnapplied(input);
      continue;
    }
    if (event.type === "sleep_fired") {
      const lost = carry.sleeps.isCancelled(event.opId);
      carry.sleeps.woke(event.opId);
      // A sleep that lost a race (possibly earlier in this batch): the instance ignored it, and so does the log.
      if (lost) continue;
    }
    if (input.delivery) request.deliveries.push(input.delivery);
    if (!input.recorded) request.events.push(event);
    addCommands(carry.runId, request, commands, responses, event.at, carry.sleeps);
  }
  const state = activated.state;
  const now = carry.now();
  if (cancelled) {
    request.run = { status: "cancelled", completedAt: now };
  } else if (state.status === "completed") {
    request.events.push({ v: 1, type: "run_completed", output: state.output, at: now });
    request.run = { status: "completed", output: state.output, completedAt: now };
  } else if (state.status === "failed") {
    // The sandbox's stack names the bundle; the log keeps the user's lines.
    const error = mapErrorStacks(state.error);
    request.events.push({ v: 1, type: "run_failed", error, at: now });
    request.run = { status: "failed", error, completedAt: now };
  }
  if (!carry.started) request.run = { startedAt: now, status: "running", ...request.run };
  if (cancelled || state.status !== "running") linkEndToFamily(request, carry.parentRunId, state.children);
  // A payload from outside does not hold its steps back: its caller hears only once it is
  // durable, and a step's manual answer waits for that too (whenRecorded, hook-delivery.ts).
  const needsCommitFirst = request.hooks.create.length > 0;
  return { request, responses, eagerOps: new Set(), commands: recovered, needsCommitFirst };
}

/** Whether a turn creates hooks: no later turn may be appended before it commits (see commit.ts). */
export function createsHooks(turn: Turn): boolean {
  return turn.request.hooks.create.length > 0;
}

/** Appends `turn` to a pending one: both commit together, in order. */
export function mergeInto(pending: { turn: Turn; batch: RunInput[] }, turn: Turn, batch: RunInput[]): void {
  const a = pending.turn.request;
  const b = turn.request;
  a.events.push(...b.events);
  a.enqueue.push(...b.enqueue);
  a.ack.push(...b.ack);
  a.dedupeKeys.push(...b.dedupeKeys);
  a.deliveries.push(...b.deliveries);
  a.hooks.create.push(...b.hooks.create);
  a.hooks.release.push(...b.hooks.release);
  if (b.run) a.run = { ...a.run, ...b.run };
  pending.turn.responses.push(...turn.responses);
  for (const op of turn.eagerOps) pending.turn.eagerOps.add(op);
  pending.turn.needsCommitFirst ||= turn.needsCommitFirst;
  pending.batch.push(...batch);
}

/** Removes the first-attempt message of an eager step from a turn not yet appended. */
export function dropStepMessage(turn: Turn, opId: OpId): boolean {
  if (!turn.eagerOps.has(opId) || !dropFirstAttempt(turn.request, opId)) return false;
  turn.eagerOps.delete(opId);
  return true;
}

function dropFirstAttempt(request: TurnRequest, opId: OpId): boolean {
  const at = request.enqueue.findIndex((m) => m.kind === "step" && m.opId === opId && m.attempt === 1);
  if (at < 0) return false;
  request.enqueue.splice(at, 1);
  return true;
}

/**
 * Runs one activation on a batch of inputs and builds its turn (`turnFrom`), counted in
 * `core.activating` while it runs (a payload posted meanwhile is recorded first:
 * record-first.ts). On a shared World, its queue messages are placed as held work
 * (shared.ts); `alone` is asked once the turn is built. One `then`, not async functions
 * and their awaits: this runs once a step.
 */
export function activateTurn(
  /** The runtime's activation count and lease (RuntimeCore: ../types.ts imports this file). */
  core: { activating?: number; readonly sharedLeaseMs: number | undefined },
  instance: WorkflowSandbox,
  batch: RunInput[],
  recovered: Command[],
  carry: TurnCarry,
  alone: () => boolean,
): Promise<Turn> {
  core.activating = (core.activating ?? 0) + 1;
  const built = () => {
    core.activating = (core.activating ?? 1) - 1;
  };
  try {
    const { stamped, toApply } = stampBatch(batch, carry);
    const activated =
      toApply.length > 0
        ? instance.activate({ op: "apply", events: toApply })
        : Promise.resolve({ commands: [], state: instance.state });
    return activated.then(
      (answer) => {
        try {
          const turn = turnFrom(answer, batch, recovered, carry, stamped);
          const leaseMs = core.sharedLeaseMs;
          // A held run's first attempts may start before the commit, with no lease renewed for them.
          if (leaseMs !== undefined) placeOnSharedWorld(turn.request.enqueue, alone() ? undefined : leaseMs);
          return turn;
        } finally {
          built();
        }
      },
      (error: unknown) => {
        built();
        throw error;
      },
    );
  } catch (error) {
    built();
    return Promise.reject(error);
  }
}
