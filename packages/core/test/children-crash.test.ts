// A child's creation and its parent's append never diverge across a crash: the parent's
// append commits the message that creates the child, and whichever runtime claims it
// next creates the child exactly once (its id and idempotency key come from the parent's
// id and the op). The "crash" is a runtime closed at the right moment on a SQLite data
// dir: what it had not done is never done by it, as after SIGKILL.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor as until } from "@wfkit/testing-kit";
import type { CreateRunInput, World } from "@wfkit/world";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testRuntime } from "./runtime-helpers.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "wfkit-children-crash-"));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

/** The World of a process that stops at `stop`: the call and everything after it never happen. */
function stoppingAt(stop: "create-child" | "ack-after-create-child") {
  let created = false;
  const stopped = { at: false };
  const wrap = (world: World): World =>
    new Proxy(world, {
      get(target, key, receiver) {
        if (key === "createRun") {
          return async (input: CreateRunInput) => {
            if (input.parentRunId === undefined) return target.createRun(input);
            if (stop === "create-child") {
              stopped.at = true;
              return new Promise(() => {});
            }
            const result = await target.createRun(input);
            created = true;
            return result;
          };
        }
        if (key === "ack" && stop === "ack-after-create-child") {
          return async (ids: Parameters<World["ack"]>[0]) => {
            if (created) {
              stopped.at = true;
              return new Promise(() => {});
            }
            return target.ack(ids);
          };
        }
        const value = Reflect.get(target, key, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return { wrap, stopped };
}

describe("child runs across a crash (SQLite)", () => {
  for (const stop of ["create-child", "ack-after-create-child"] as const) {
    it(`stopped at ${stop}: the next runtime creates exactly one child and the parent gets its value`, async () => {
      const crashing = stoppingAt(stop);
      const first = await testRuntime(["children.ts"], {}, () => crashing.wrap(sqliteWorld({ dataDir })));
      const parent = await first.runtime.start(first.id("children.ts", "parentAwaits"), [5]);
      await until(`the runtime stopped at ${stop}`, async () => (crashing.stopped.at ? true : undefined));
      const childStarted = (await first.runtime.world.readEvents(parent.runId)).find(
        (e) => e.type === "child_started",
      );
      expect(childStarted).toBeDefined();
      await first.runtime.close();

      const second = await testRuntime(["children.ts"], {}, () => sqliteWorld({ dataDir }));
      try {
        const value = (await second.runtime.getRun(parent.runId).returnValue) as { value: number };
        expect(value.value).toBe(11);
        const children = (await second.runtime.world.listRuns()).filter(
          (r) => r.parentRunId === parent.runId,
        );
        expect(children).toHaveLength(1);
        expect(children[0]).toMatchObject({
          status: "completed",
          workflowId: second.id("children.ts", "childDouble"),
        });
        if (childStarted?.type === "child_started") expect(children[0]!.runId).toBe(childStarted.childRunId);
      } finally {
        await second.runtime.close();
      }
    });
  }
});
