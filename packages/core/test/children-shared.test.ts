import { waitFor } from "@wfkit/testing-kit";
import { isTerminal } from "@wfkit/world";
import { type MemoryWorldConnection, sharedMemoryWorld } from "@wfkit/world/memory";
import { afterAll, describe, expect, it } from "vitest";
import { Runtime } from "../src/host/runtime.js";
import { buildFixtures } from "./runtime-helpers.js";

// Child runs on one World shared by several runtimes (as app processes share one
// PostgreSQL database): whichever process claims a child's work does it, and a
// process that dies mid-way leaves nothing undone or done twice.

const id = (name: string) => `workflow//children//${name}`;

describe("child runs on a shared World", () => {
  const shared = sharedMemoryWorld();
  const observer = shared.connect();
  const nodes: Array<{ runtime: Runtime; connection: MemoryWorldConnection }> = [];
  afterAll(async () => {
    for (const n of nodes) if (!n.connection.crashed) await n.runtime.close();
  });

  it("parents started on three runtimes, one of which dies, all get their children's values; one child each", async () => {
    const workflows = await buildFixtures(["children.ts"]);
    for (let i = 0; i < 3; i++) {
      const connection = shared.connect();
      const runtime = new Runtime({ world: connection, workflows, leaseMs: 500, log: () => {} });
      await runtime.recover();
      nodes.push({ runtime, connection });
    }
    const parents: string[] = [];
    for (let n = 0; n < 12; n++) {
      const run = await nodes[n % 3]!.runtime.start(id("parentAwaits"), [n]);
      parents.push(run.runId);
    }
    // The first runtime dies: what it held (a child to create, a turn, a step) is taken over once its lease ends.
    nodes[0]!.connection.crash();
    void nodes[0]!.runtime.close();
    await waitFor(
      "every parent ended",
      async () => {
        const runs = await Promise.all(parents.map((p) => observer.getRun(p)));
        return runs.every((r) => r && isTerminal(r.status)) ? runs : undefined;
      },
      { timeoutMs: 60_000 },
    );
    for (let n = 0; n < 12; n++) {
      const parent = await observer.getRun(parents[n]!);
      expect(parent?.status, parents[n]).toBe("completed");
      const out = (await nodes[1]!.runtime.getRun(parents[n]!).returnValue) as { value: number };
      expect(out.value).toBe(n * 2 + 1);
      const events = await observer.readEvents(parents[n]!);
      const started = events.filter((e) => e.type === "child_started");
      expect(started).toHaveLength(1);
      expect(events.filter((e) => e.type === "child_completed")).toHaveLength(1);
    }
    const children = (await observer.listRuns({ workflowId: id("childDouble") })).filter(
      (r) => r.parentRunId !== undefined && parents.includes(r.parentRunId),
    );
    expect(children).toHaveLength(12);
    expect(children.every((c) => c.status === "completed")).toBe(true);
  });
});
