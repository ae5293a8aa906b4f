// Woken runs' activations after the answers to requests still arriving (host/answers-first.ts):
// a bounded number a loop turn while requests arrive, all of them in a turn without any.
import { describe, expect, it } from "vitest";
import { AnswersFirst } from "../src/host/answers-first.js";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("AnswersFirst", () => {
  it("lets perTurn activations through a turn while requests arrive, and all once a turn has none", async () => {
    const gate = new AnswersFirst(2);
    const through: number[] = [];
    for (let i = 0; i < 5; i++) {
      gate.recorded();
      void gate.turn().then(() => through.push(i));
    }
    // Never in the turn that queued them.
    await Promise.resolve();
    expect(through).toEqual([]);
    expect(gate.waiters).toBe(5);
    await nextTurn();
    expect(through).toEqual([0, 1]);
    gate.recorded(); // another request this turn
    await nextTurn();
    expect(through).toEqual([0, 1, 2, 3]);
    // A turn without requests: the rest goes.
    await nextTurn();
    expect(through).toEqual([0, 1, 2, 3, 4]);
    expect(gate.waiters).toBe(0);
  });

  it("never holds an activation for ever: under requests every turn, each still goes in order", async () => {
    const gate = new AnswersFirst(1);
    const through: number[] = [];
    gate.recorded();
    const all = Promise.all([0, 1, 2].map((i) => gate.turn().then(() => through.push(i))));
    for (let turn = 0; turn < 3; turn++) {
      gate.recorded();
      await nextTurn();
    }
    await all;
    expect(through).toEqual([0, 1, 2]);
  });
});
