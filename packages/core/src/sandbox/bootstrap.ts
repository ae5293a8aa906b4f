// The bootstrap of a workflow sandbox: bundled first, before user workflow
// code, into the script every run's VM context evaluates.
import "./polyfills.js";
import type { HookConflict, StoredEvent } from "@wfkit/world";
import { installHost } from "../workflow/realm.js";
import { callHost } from "./bridge.js";
import { SandboxChildren } from "./children.js";
import { installDeterministicGlobals, seededRandom } from "./determinism.js";
import { Engine } from "./engine.js";
import { hardenRealm } from "./harden.js";
import { createSandboxHook, isSandboxHook, waitWithTimeout } from "./hooks.js";
import type { EngineInit, SandboxApi, SandboxHostBridge } from "./protocol.js";
import { requestClassFor, WorkflowResponse } from "./web.js";

const g = globalThis as Record<string, unknown>;
const bridge: SandboxHostBridge = {
  randomToken: () => callHost("token"),
  webhookBase: () => callHost("webhook-base"),
  log: (level, message) => void callHost("log", level, message),
};
// Captured before workflow code runs: the boundary does not depend on globals it could replace.
const { parse, stringify } = JSON;
const engine = new Engine();
const children = new SandboxChildren(engine);
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
    if (!engine.replaying) bridge.log(level, formatLog(args));
  };
}
g.console = console_;

installHost({
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
});

// A race settles, and what lost is called off (races.ts): a sleep never fires, a hook
// wait leaves the line so a later payload stays queued for the next wait.
for (const method of ["race", "any"] as const) {
  const original = Promise[method].bind(Promise) as (values: Iterable<unknown>) => Promise<unknown>;
  Object.defineProperty(Promise, method, {
    configurable: true,
    writable: true,
    value: (values: Iterable<unknown>) => engine.races.run(values, original, isSandboxHook),
  });
}
// `.then()` (and `.catch()`/`.finally()`, which call it) passes a promise's sources on.
const then = Promise.prototype.then;
// biome-ignore lint/suspicious/noThenProperty: wraps the native then, keeping promises promises.
Object.defineProperty(Promise.prototype, "then", {
  configurable: true,
  writable: true,
  value: function then_(this: Promise<unknown>, onFulfilled?: unknown, onRejected?: unknown) {
    const derived = then.call(this, onFulfilled as never, onRejected as never);
    engine.races.inherit(this, derived);
    return derived;
  },
});

// Everything the host passes is a JSON string parsed here, and everything it
// reads back is a string made here: no object crosses the boundary either way.
const api: SandboxApi = {
  start(init, replaying) {
    const parsed = parse(init) as EngineInit;
    engine.replaying = replaying === true;
    random = seededRandom(parsed.runId);
    engine.start(parsed);
  },
  noteRecorded: (event) => engine.noteRecorded(parse(event) as StoredEvent),
  noteRefused: (conflict) => engine.noteRefused(parse(conflict) as HookConflict),
  apply(event, replaying) {
    engine.replaying = replaying === true;
    engine.apply(parse(event) as StoredEvent);
  },
  finishReplay() {
    engine.replaying = false;
    engine.checkAllRecordedIssued();
  },
  takeCommands: () => stringify(engine.takeCommands()),
  state: () => {
    const live = children.liveIds();
    return stringify(live.length > 0 ? { ...engine.getState(), children: live } : engine.getState());
  },
};
Object.freeze(api);
Object.defineProperty(g, "__wfkit", { value: api, writable: false, configurable: false });
hardenRealm();

/** Console arguments become one string here: the host never formats (or inspects) a sandbox object. */
function formatLog(args: unknown[]): string {
  let out = "";
  for (const arg of args) {
    let text: string;
    try {
      if (typeof arg === "string") text = arg;
      else if (arg instanceof Error) text = arg.stack ?? `${arg.name}: ${arg.message}`;
      else if (typeof arg === "object" && arg !== null) text = stringify(arg) ?? String(arg);
      else text = String(arg);
    } catch {
      text = Object.prototype.toString.call(arg);
    }
    out += out ? ` ${text}` : text;
  }
  return out;
}
