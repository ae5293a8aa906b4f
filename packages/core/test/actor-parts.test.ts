import { messageId, opId, type QueueMessage, runId } from "@wfkit/world";
import { memoryWorld } from "@wfkit/world/memory";
import { describe, expect, it } from "vitest";
import { CommitPipeline } from "../src/host/actor/commit.js";
import { EagerSteps } from "../src/host/actor/eager.js";
import { newTurnRequest } from "../src/host/actor/request.js";
import { heldOnSharedWorld, placeOnSharedWorld } from "../src/host/actor/shared.js";
import type { RunInput, Turn } from "../src/host/actor/turn.js";

// The actor's parts, each on its own: the eager-step ledger and the commit pipeline.

const RUN = runId("wrun_parts");

function turnWithStep(op: number, expectedSeq = 1): Turn {
  const request = newTurnRequest(RUN, expectedSeq);
  request.events.push({ v: 1, type: "step_scheduled", opId: opId(op), stepId: "s", input: "[]", at: 1 });
  request.enqueue.push({ runId: RUN, kind: "step", opId: opId(op), attempt: 1, payload: "p", leased: true });
  return { request, responses: [], eagerOps: new Set(), commands: [], needsCommitFirst: false };
}

const stepMessage = (op: number, id: string): QueueMessage => ({
  id: messageId(id),
  runId: RUN,
  kind: "step",
  opId: opId(op),
  attempt: 1,
  payload: "p",
  availableAt: 0,
});

describe("EagerSteps", () => {
  function started(op = 1) {
    const eager = new EagerSteps();
    const turn = turnWithStep(op);
    const ran: number[] = [];
    eager.start(turn, [turn], (id) => ran.push(id));
    expect(ran).toEqual([op]);
    return { eager, turn };
  }

  it("a result while its turn is still gathering drops the step's message: it is never written", () => {
    const { eager, turn } = started();
    expect(eager.resultArrived(opId(1), turn)).toBeUndefined();
    expect(turn.request.enqueue).toEqual([]);
    expect(eager.committed(turn, [], [])).toEqual([]);
    expect(eager.takeLateAcks()).toEqual([]);
  });

  it("a result while its turn is in flight acks the message with the next append", () => {
    const { eager, turn } = started();
    expect(eager.resultArrived(opId(1), undefined)).toBeUndefined();
    expect(eager.committed(turn, [], [stepMessage(1, "7")])).toEqual([]);
    expect(eager.hasLateAcks).toBe(true);
    expect(eager.takeLateAcks()).toEqual(["7"]);
  });

  it("a result after its turn committed acks the message with the result", () => {
    const { eager, turn } = started();
    expect(eager.committed(turn, [], [stepMessage(1, "7")])).toEqual([]);
    expect(eager.resultArrived(opId(1), undefined)).toBe("7");
    expect(eager.takeLateAcks()).toEqual([]);
  });

  it("starts nothing while a turn not yet durable needs its commit first, and dispatches the rest", () => {
    const eager = new EagerSteps();
    const hooked = turnWithStep(2);
    hooked.needsCommitFirst = true;
    const turn = turnWithStep(1);
    const ran: number[] = [];
    eager.start(turn, [turn, hooked], (id) => ran.push(id));
    expect(ran).toEqual([]);
    expect(eager.committed(turn, [], [stepMessage(1, "7")])).toEqual([stepMessage(1, "7")]);
  });

  it("starts a step held back only by an older turn's commit once that turn committed, not before", () => {
    const eager = new EagerSteps();
    // An older turn that must commit first (it creates a hook): no later step starts before it is durable.
    const creating = newTurnRequest(RUN, 1);
    const hooked: Turn = {
      request: creating,
      responses: [],
      eagerOps: new Set(),
      commands: [],
      needsCommitFirst: true,
    };
    const turn = turnWithStep(1, 2);
    const ran: number[] = [];
    eager.start(turn, [turn, hooked], (id) => ran.push(id));
    expect(ran).toEqual([]);
    // Another append committed, the hook's turn still has not: nothing starts.
    eager.startDeferred([turn, hooked], (id) => ran.push(id));
    expect(ran).toEqual([]);
    // The hook's turn committed, the step's own turn has not: it starts now, as an eager step.
    eager.startDeferred([turn], (id) => ran.push(id));
    expect(ran).toEqual([1]);
    expect(eager.committed(turn, [], [stepMessage(1, "7")])).toEqual([]);
    expect(eager.resultArrived(opId(1), undefined)).toBe("7");
    eager.startDeferred([], (id) => ran.push(id));
    expect(ran).toEqual([1]);
  });

  it("leaves a held-back step to the queue once its own turn committed first", () => {
    const eager = new EagerSteps();
    const recorded = turnWithStep(2);
    recorded.needsCommitFirst = true;
    const turn = turnWithStep(1, 2);
    const ran: number[] = [];
    eager.start(turn, [turn, recorded], (id) => ran.push(id));
    expect(eager.committed(turn, [], [stepMessage(1, "7")])).toEqual([stepMessage(1, "7")]);
    eager.startDeferred([], (id) => ran.push(id));
    expect(ran).toEqual([]);
  });

  it("a step that a refused append scheduled and a retried turn schedules again is not started twice", () => {
    const { eager } = started();
    eager.refused();
    // The retried turn must wait for its commit (it creates a hook): the step still counts as started.
    const retried = turnWithStep(1);
    retried.needsCommitFirst = true;
    const ran: number[] = [];
    eager.start(retried, [retried], (id) => ran.push(id));
    expect(ran).toEqual([]);
    // Its message is the eager step's: not dispatched, acked with the result.
    expect(eager.committed(retried, [], [stepMessage(1, "7")])).toEqual([]);
    expect(eager.resultArrived(opId(1), undefined)).toBe("7");
    // Once its result committed, the ledger forgets it.
    eager.committed(turnWithStep(9), [{ eagerOpId: opId(1) }], []);
    const later = turnWithStep(1);
    eager.start(later, [later], (id) => ran.push(id));
    expect(ran).toEqual([1]);
  });
});

describe("CommitPipeline", () => {
  it("tells commits in order and, on a refusal, refuses every later append with all its inputs", async () => {
    const world = memoryWorld();
    await world.createRun({ runId: RUN, workflowId: "wf", input: "[]", at: 0 });
    const told: string[] = [];
    const refusedInputs: RunInput[] = [];
    const pipeline = new CommitPipeline(
      world,
      {
        committed: (turn) => told.push(`committed ${turn.request.expectedSeq}`),
        refused: (failure, _request, batch) => {
          told.push(`refused ${failure.reason}`);
          refusedInputs.push(...batch);
        },
        flushed: () => {},
        building: () => false,
        settled: () => {},
        answered: () => {},
      },
      runId("wrun_parts"),
    );
    const inputs: RunInput[] = [{ dedupeKey: "a" }, { dedupeKey: "b" }, { dedupeKey: "c" }];
    // The second append expects a seq the first does not reach: it and the third are refused.
    const turns = [turnWithStep(1, 1), turnWithStep(2, 5), turnWithStep(3, 3)];
    for (const [i, turn] of turns.entries()) {
      expect(pipeline.mayPipeline()).toBe(true);
      pipeline.add(turn, [inputs[i]!]);
      pipeline.flush();
    }
    expect(pipeline.uncommitted()).toHaveLength(3);
    await pipeline.settleAll();
    expect(told).toEqual(["committed 1", "refused conflict"]);
    expect(refusedInputs).toEqual([inputs[1], inputs[2]]);
    expect(pipeline.idle).toBe(true);
    expect((await world.readEvents(RUN)).map((e) => e.type)).toEqual(["run_created", "step_scheduled"]);
  });

  it("tells commits whose answer is in at once, and a refusal after them asynchronously", async () => {
    const world = memoryWorld();
    await world.createRun({ runId: RUN, workflowId: "wf", input: "[]", at: 1 });
    const told: string[] = [];
    let answers = 0;
    const pipeline = new CommitPipeline(
      world,
      {
        committed: (turn) => told.push(`committed ${turn.request.expectedSeq}`),
        refused: (failure) => told.push(`refused ${failure.reason}`),
        failed: () => {},
        flushed: () => {},
        building: () => false,
        settled: () => {},
        answered: () => answers++,
      },
      RUN,
    );
    // Two appends that commit, then one whose expected seq is wrong.
    for (const turn of [turnWithStep(1, 1), turnWithStep(2, 2), turnWithStep(3, 9)]) {
      pipeline.add(turn, []);
      pipeline.flush();
    }
    while (answers < 3) await new Promise((resolve) => setImmediate(resolve));
    expect(pipeline.oldestAnswered).toBe(true);
    const later = pipeline.settleReady();
    expect(told).toEqual(["committed 1", "committed 2"]);
    expect(later).toBeInstanceOf(Promise);
    await later;
    expect(told).toEqual(["committed 1", "committed 2", "refused conflict"]);
    expect(pipeline.settleReady()).toBeUndefined();
    expect(pipeline.idle).toBe(true);
  });

  it("does not pipeline past a turn that creates a hook", () => {
    const pipeline = new CommitPipeline(
      memoryWorld(),
      {
        committed: () => {},
        refused: () => {},
        flushed: () => {},
        building: () => false,
        settled: () => {},
        answered: () => {},
      },
      runId("wrun_parts"),
    );
    const turn = turnWithStep(1);
    turn.request.hooks.create.push({ token: "t", opId: opId(1), kind: "hook" });
    pipeline.add(turn, []);
    expect(pipeline.mayPipeline()).toBe(false);
  });
});

describe("queue messages on a World shared by processes", () => {
  it("only a step's first attempt is held, with a finite lease; timers and retries wait for any claimer", () => {
    const enqueue: Parameters<typeof placeOnSharedWorld>[0] = [
      { runId: RUN, kind: "step", opId: opId(1), attempt: 1, payload: "p", leased: true },
      { runId: RUN, kind: "timer", opId: opId(2), availableAt: 50, leased: true },
      { runId: RUN, kind: "step", opId: opId(3), attempt: 2, payload: "p", availableAt: 60, leased: true },
    ];
    placeOnSharedWorld(enqueue, 1_000);
    expect(enqueue).toEqual([
      { runId: RUN, kind: "step", opId: opId(1), attempt: 1, payload: "p", leased: true, leaseMs: 1_000 },
      { runId: RUN, kind: "timer", opId: opId(2), availableAt: 50 },
      { runId: RUN, kind: "step", opId: opId(3), attempt: 2, payload: "p", availableAt: 60 },
    ]);
    const retry = { ...stepMessage(3, "9"), attempt: 2 };
    const timer: QueueMessage = {
      id: messageId("8"),
      runId: RUN,
      kind: "timer",
      opId: opId(2),
      availableAt: 50,
    };
    expect(heldOnSharedWorld([stepMessage(1, "7"), timer, retry])).toEqual([stepMessage(1, "7")]);
  });
});
