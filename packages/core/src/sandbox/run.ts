// What is made per run in the shared workflow realm (bootstrap.ts): the engine
// and the helpers bound to it. Everything else in the realm is shared and frozen.

import type { RealmHost, Registry } from "../workflow/realm.js";
import { SandboxChildren } from "./children.js";
import { seededRandom } from "./determinism.js";
import { Engine } from "./engine.js";
import { createSandboxHook, waitWithTimeout } from "./hooks.js";
import type { SandboxHostBridge } from "./protocol.js";
import type { GlobalsBag } from "./run-globals.js";

/** One run hosted by the realm: what the realm's globals read while the host has it selected. */
export interface Run {
  readonly engine: Engine;
  readonly children: SandboxChildren;
  /** `Math.random` and `crypto` in this run: seeded by the run id at `start`. */
  random: () => number;
  /** The run's workflow and step functions (what its own workflow modules registered). */
  readonly registry: Registry;
  /** The run's serializable classes (serialization/classes.ts). */
  readonly classes: Map<string, Function>;
  /** What the run's `workflow` calls reach (the realm's HOST_KEY global reads it). */
  readonly host: RealmHost;
  /** The globals the run added, while another run is selected (run-globals.ts). */
  globals?: GlobalsBag;
}

export function createRun(bridge: SandboxHostBridge): Run {
  const engine = new Engine();
  const children = new SandboxChildren(engine);
  const host: RealmHost = {
    realm: "workflow",
    callStep: (stepId, name, args, closure, self) => engine.callStep(stepId, name, args, closure, self),
    sleep: (until) => engine.sleep(until),
    patched: (patchId) => engine.patched(patchId),
    createHook: (options, kind) => createSandboxHook(engine, bridge, options as object, kind),
    waitWithTimeout: (source, timeout) => waitWithTimeout(engine, source, timeout),
    startChild: (workflow, args) => children.start(workflow, args),
    workflowMetadata: () => ({
      workflowName: engine.init.workflowId,
      workflowRunId: engine.init.runId,
      workflowStartedAt: new Date(engine.init.startedAt),
      url: bridge.webhookBase(),
    }),
  };
  return {
    engine,
    children,
    random: () => 0,
    registry: { workflows: new Map(), steps: new Map() },
    classes: new Map(),
    host: Object.freeze(host),
  };
}

/** Seeds the run's randomness: the run id, so replays draw the same numbers. */
export function seedRun(run: Run, runId: string): void {
  run.random = seededRandom(runId);
}
