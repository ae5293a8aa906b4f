import type { EventInput, RunId } from "@wfkit/world";
import type { RuntimeCore } from "../types.js";
import type { CommitPipeline } from "./commit.js";
import { newTurnRequest } from "./request.js";
import type { RunInput } from "./turn.js";

// Payloads from outside (a webhook request, resumeHook) are recorded before the workflow
// sees them: their append is group-committed with other runs' and the caller is answered
// once it is durable, without waiting for the run's activation. The activation follows
// in a later append; a crash in between leaves a log that ends with the payload, whose
// replay gives the commands the log lacks (replay.ts), as for any turn cut short. That
// replay needs a wake-up after the crash: the record carries a leased `turn` message, as
// a run's first turn does, which the next process claims; here it comes straight back as
// an ack that rides with the activation's append.

/**
 * Appends the leading payloads of `from` on their own, now (taking them out of `from`), so
 * their callers are answered on that commit. Returns how many, and stand-ins for the
 * activation: the same events, marked recorded; undefined when `from` starts with no payload.
 */
export function recordPayloads(
  commits: CommitPipeline,
  runId: RunId,
  expectedSeq: number,
  from: RunInput[],
  now: number,
  /** The lease of held work on a World shared by processes (undefined: this process's own World). */
  leaseMs: number | undefined,
): { count: number; applied: RunInput[] } | undefined {
  let n = 0;
  while (n < from.length && from[n]!.recordFirst === true && from[n]!.event !== undefined) n++;
  if (n === 0) return undefined;
  const request = newTurnRequest(runId, expectedSeq);
  request.enqueue.push({ runId, kind: "turn", leased: true, ...(leaseMs && { leaseMs }) });
  const inputs = from.splice(0, n);
  const applied: RunInput[] = [];
  for (const input of inputs) {
    const event = { ...input.event, at: now } as EventInput;
    request.events.push(event);
    if (input.delivery) request.deliveries.push(input.delivery);
    applied.push({ event, recorded: true });
  }
  // Steps of later turns may start before the payload is durable: one that answers it waits
  // for the record (whenRecorded, hook-delivery.ts), and so does its caller (deliverToHook).
  commits.add({ request, responses: [], eagerOps: new Set(), commands: [], needsCommitFirst: false }, inputs);
  commits.flush();
  return { count: n, applied };
}

/**
 * The record-first handling of a batch the pump took. While other activations run (or wait
 * behind requests: answers-first.ts), this one would queue behind them, so the batch's leading
 * payloads are answered on their own commit first (`recordPayloads`) and `answered` settles once
 * the activation may start. When the first payload's caller waits for a manual response (a step
 * may give it), the payloads are recorded at once too, but the activation is built meanwhile and
 * pipelined behind the record (no `answered`): the answering step starts while the record commits,
 * and only its answer waits for that commit (whenRecorded, hook-delivery.ts), not for the
 * activation's. Otherwise (undefined) the payloads commit with their activation's effects.
 * Recorded, it returns how many events were appended and the batch for the activation (the
 * recorded stand-ins first).
 */
export function recordFirst(
  core: Pick<RuntimeCore, "activating" | "answersFirst" | "clock" | "sharedLeaseMs">,
  commits: CommitPipeline,
  runId: RunId,
  expectedSeq: number,
  batch: RunInput[],
): { count: number; batch: RunInput[]; answered?: Promise<void> } | undefined {
  const busy = Boolean(core.activating || core.answersFirst?.waiters);
  if (!busy && !awaitsManualAnswer(batch[0], commits)) return undefined;
  const recorded = recordPayloads(commits, runId, expectedSeq, batch, core.clock.now(), core.sharedLeaseMs);
  if (!recorded) return undefined;
  const forActivation = [...recorded.applied, ...batch];
  if (!busy) return { count: recorded.count, batch: forActivation };
  return { count: recorded.count, batch: forActivation, answered: answeredFirst(core, commits) };
}

/**
 * A payload whose caller waits for a manual response, on a run whose activation may pipeline
 * behind the record: the pump asked `mayPipeline` already, which says yes on any World while
 * nothing is in flight, so `alone` is what decides for the append after the record.
 */
function awaitsManualAnswer(input: RunInput | undefined, commits: CommitPipeline): boolean {
  return (
    input?.recordFirst === true &&
    input.event?.type === "hook_received" &&
    (input.event as { requestId?: string }).requestId !== undefined &&
    commits.alone
  );
}

/**
 * The activation starts once the payloads' commit answered their callers: under a burst of
 * requests, activations queue behind the answers, not the other way round. Refused, the
 * payloads are back in the inbox as posted and the instance is gone.
 */
async function answeredFirst(
  core: Pick<RuntimeCore, "answersFirst">,
  commits: CommitPipeline,
): Promise<void> {
  core.answersFirst?.recorded();
  await commits.settleAll();
  // Requests still arriving are answered before this run's turn is taken (answers-first.ts).
  await core.answersFirst?.turn();
}
