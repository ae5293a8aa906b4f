// Replays the committed event logs (v1/*.jsonl, recorded from real runs of
// workflows.ts) on the current code: a change that breaks the replay of old
// histories, or changes what a workflow does, fails here. See README.md.
import path from "node:path";
import { buildWorkflowBundle } from "@wfkit/builder";
import { EVENT_VERSION } from "@wfkit/world";
import { beforeAll, describe, expect, it } from "vitest";
import { SandboxScript } from "../../src/host/sandbox-vm.js";
import type { EngineState } from "../../src/sandbox/protocol.js";
import { declaredEventTypes, EVENT_ROLES, readGoldenLogs, WORKFLOWS_FILE } from "./log.js";
import { coldLoad, comparable, comparableEvents, cutsOf, derivedEvents, errorCode } from "./replay.js";

// `UPDATE_GOLDEN=1 npx vitest run packages/core/test/golden` records the current version's missing logs
// first (`UPDATE_GOLDEN=all`: all of them).
if (process.env.UPDATE_GOLDEN)
  await (await import("./record.js")).recordGoldenLogs(process.env.UPDATE_GOLDEN === "all");

const logs = readGoldenLogs();
let script: SandboxScript;

beforeAll(async () => {
  const bundle = await buildWorkflowBundle({
    root: path.dirname(WORKFLOWS_FILE),
    files: [path.basename(WORKFLOWS_FILE)],
  });
  script = new SandboxScript(bundle.code, bundle.hash);
});

function expectNoDivergence(state: EngineState, where: string): void {
  if (state.status === "failed" && errorCode(state.error) === "WF_REPLAY_DIVERGED") {
    const { $Error } = comparable(state.error) as { $Error: { message: string } };
    expect.fail(`${where}: ${$Error.message}`);
  }
}

describe("golden event logs", () => {
  it("cover every event type of the closed union in world/src/events.ts", () => {
    const seen = new Set(logs.flatMap((log) => log.events.map((e) => e.type)));
    expect([...seen].sort()).toEqual(declaredEventTypes());
  });

  it("know what every declared event type is to the replay", () => {
    expect(Object.keys(EVENT_ROLES).sort()).toEqual(declaredEventTypes());
  });

  it("keep each version's events in its own folder", () => {
    for (const log of logs) {
      const version = Number(log.id.slice(1, log.id.indexOf("/")));
      expect(new Set(log.events.map((e) => e.v)), log.id).toEqual(new Set([version]));
    }
  });

  it(`include logs of the current event version (v${EVENT_VERSION})`, () => {
    expect(logs.filter((log) => log.id.startsWith(`v${EVENT_VERSION}/`)).length).toBeGreaterThan(0);
  });

  for (const log of logs) {
    describe(log.id, () => {
      it("replays cold to the recorded outcome, without diverging or issuing anything new", () => {
        const { commands, state } = coldLoad(script, log);
        expectNoDivergence(state, log.id);
        expect(commands, "commands the log lacks").toEqual([]);
        const last = log.events.at(-1)!;
        switch (last.type) {
          case "run_completed":
            expect(state.status).toBe("completed");
            expect(comparable((state as { output: string }).output)).toEqual(comparable(last.output));
            return;
          case "run_failed":
            expect(state.status).toBe("failed");
            expect(comparable((state as { error: string }).error)).toEqual(comparable(last.error));
            return;
          case "run_cancelled":
            expect(state).toEqual({ status: "running" });
            return;
          default:
            expect.fail(`a golden log records a run to its end; this one stops at ${last.type}`);
        }
      });

      it("issues the recorded commands, in the recorded order, after every event it reacts to", () => {
        const cuts = cutsOf(log);
        expect(cuts.length).toBeGreaterThan(0);
        for (const cut of cuts) {
          const where = `${log.id} after event ${cut.count} (${log.events[cut.count - 1]!.type})`;
          const loaded = coldLoad(script, log, cut.count);
          expectNoDivergence(loaded.state, where);
          const derived = comparableEvents(derivedEvents(log.runId, loaded));
          const expected = comparableEvents(cut.expected);
          // A refused append records none of its events: only what came before the refusal is known.
          expect(cut.refused ? derived.slice(0, expected.length) : derived, where).toEqual(expected);
        }
      });
    });
  }
});
