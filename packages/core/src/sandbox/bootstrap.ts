// The bootstrap of a workflow sandbox: bundled first, before user workflow
// code, into the script every run's VM context evaluates.
import "./polyfills.js";
import type { HookConflict, StoredEvent } from "@wfkit/world";
import { installHost } from "../workflow/realm.js";
import { installDeterministicGlobals, seededRandom } from "./determinism.js";
import { Engine } from "./engine.js";
import { createSandboxHook, type HookWait, isSandboxHook, waitWithTimeout } from "./hooks.js";
import type { EngineInit, SandboxApi, SandboxHostBridge } from "./protocol.js";
import { requestClassFor, WorkflowResponse } from "./web.js";

const g = globalThis as Record<string, unknown>;
const bridge = g.__wfkitHost as SandboxHostBridge;
const engine = new Engine();
let random: () => number = () => 0;
installDeterministicGlobals(
  () => engine.now,
  () => random(),
);
g.Response = WorkflowResponse;
g.Request = requestClassFor(engine);

const console_ = {} as Record<string, (...args: unknown[]) => void>;
for (const level of ["log", "info", "warn", "error", "debug"]) {
  console_[level] = (...args: unknown[]) => {
    if (!engine.replaying) bridge.log(level, args);
  };
}
g.console = console_;

installHost({
  realm: "workflow",
  callStep: (stepId, name, args, closure) => engine.callStep(stepId, name, args, closure),
  sleep: (until) => engine.sleep(until),
  createHook: (options, kind) => createSandboxHook(engine, bridge, options as object, kind),
  waitWithTimeout: (source, timeout) => waitWithTimeout(engine, source, timeout),
  workflowMetadata: () => ({
    workflowName: engine.init.workflowId,
    workflowRunId: engine.init.runId,
    workflowStartedAt: new Date(engine.init.startedAt),
    url: bridge.webhookBase(),
  }),
});

// A hook raced against a timer must not swallow a payload that arrives
// after the race was lost: races over hooks call off the losing waits.
for (const method of ["race", "any"] as const) {
  const original = Promise[method].bind(Promise) as (values: Iterable<unknown>) => Promise<unknown>;
  Object.defineProperty(Promise, method, {
    configurable: true,
    writable: true,
    value(values: Iterable<unknown>) {
      const waits: HookWait<unknown>[] = [];
      const items = [...values].map((value) => {
        if (!isSandboxHook(value)) return value;
        const wait = value.wait();
        waits.push(wait);
        return wait.promise;
      });
      const result = original(items);
      if (waits.length > 0) {
        const callOff = () => {
          for (const wait of waits) wait.cancel();
        };
        result.then(callOff, callOff);
      }
      return result;
    },
  });
}

const api: SandboxApi = {
  start(init: EngineInit, replaying: boolean) {
    engine.replaying = replaying;
    random = seededRandom(init.runId);
    engine.start(init);
  },
  noteRecorded: (event) => engine.noteRecorded(event as StoredEvent),
  noteRefused: (conflict) => engine.noteRefused(conflict as HookConflict),
  apply(event, replaying) {
    engine.replaying = replaying;
    engine.apply(event as StoredEvent);
  },
  finishReplay() {
    engine.replaying = false;
    engine.checkAllRecordedIssued();
  },
  takeCommands: () => engine.commands.splice(0),
  state: () => engine.getState(),
};
g.__wfkit = api;
