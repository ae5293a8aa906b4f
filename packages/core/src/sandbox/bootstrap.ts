// The bootstrap of a workflow realm: the first part of every workflow bundle,
// evaluated once per bundle per sandbox thread. Every run hosted there shares
// the realm; what must be per run (the engine and its helpers, run.ts) is
// selected by the host for each call, and the user's workflow modules are
// evaluated afresh per run from the factory the bundle's second part defines.
import "./polyfills.js";
import type { HookConflict, StoredEvent } from "@wfkit/world";
import { FatalError, RetryableError } from "../errors/step-errors.js";
import * as subclasses from "../errors/subclasses.js";
import { WorkflowError } from "../errors/workflow-error.js";
import { CLASS_REGISTRY_KEY, HOST_KEY, REGISTRY_KEY } from "../globals.js";
import { CarriedInstance } from "../serialization/classes.js";
import { streamHandleClasses } from "../workflow/streams.js";
import { callHost } from "./bridge.js";
import { ChildRunHandle } from "./children.js";
import { installDeterministicGlobals } from "./determinism.js";
import { hardenRealm } from "./harden.js";
import { isSandboxHook, SandboxHook } from "./hooks.js";
import { deepFreeze, lockGlobal } from "./lockdown.js";
import type { EngineInit, RealmControl, RealmOp, SandboxHostBridge } from "./protocol.js";
import { createRun, type Run, seedRun } from "./run.js";
import { guardGlobal, selectGlobals } from "./run-globals.js";
import { requestClassFor, WorkflowRequest, WorkflowResponse } from "./web.js";

const g = globalThis as Record<PropertyKey, unknown>;
const bridge: SandboxHostBridge = {
  randomToken: () => callHost("token"),
  webhookBase: () => callHost("webhook-base"),
  log: (level, message) => void callHost("log", level, message),
};
// Captured before workflow code runs: the boundary does not depend on globals it could replace.
const { parse, stringify } = JSON;

/** The run the host selected for the call in progress (and its microtasks); undefined between calls. */
let current: Run | undefined;

installDeterministicGlobals(
  () => current?.engine.now ?? 0,
  () => (current ? current.random() : 0),
);
g.Response = WorkflowResponse;
g.Request = requestClassFor(() => current?.engine);

const console_ = {} as Record<string, (...args: unknown[]) => void>;
for (const level of ["log", "info", "warn", "error", "debug"]) {
  console_[level] = (...args: unknown[]) => {
    if (current && !current.engine.replaying) bridge.log(level, formatLog(args));
  };
}
g.console = console_;

// The slots the `workflow` modules of every copy dispatch through (workflow/realm.ts,
// serialization/classes.ts) answer with the selected run's: read-only accessors.
for (const [key, read] of [
  [HOST_KEY, () => current?.host],
  [REGISTRY_KEY, () => current?.registry],
  [CLASS_REGISTRY_KEY, () => current?.classes],
] as const) {
  Object.defineProperty(g, key, { get: read, enumerable: false, configurable: false });
}

// A race settles, and what lost is called off (races.ts): a sleep never fires, a hook
// wait leaves the line so a later payload stays queued for the next wait.
for (const method of ["race", "any"] as const) {
  const original = Promise[method].bind(Promise) as (values: Iterable<unknown>) => Promise<unknown>;
  Object.defineProperty(Promise, method, {
    configurable: true,
    writable: true,
    value: (values: Iterable<unknown>) =>
      current ? current.engine.races.run(values, original, isSandboxHook) : original(values),
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
    current?.engine.races.inherit(this, derived);
    return derived;
  },
});

// The control (protocol.ts `RealmControl`) stays in this closure and on a global the
// host takes off before any workflow code runs; the global `__wfkit` only performs
// the one op the host armed, so workflow code that calls it is refused.
const runs = new WeakMap<object, Run>();
let factory: (() => void) | undefined;
let armed: { run: Run; op: RealmOp; arg: string; replaying: boolean } | undefined;
let dispatching = false;

function runOf(handle: object): Run {
  const run = runs.get(handle);
  if (!run) throw new TypeError("Not a run of this workflow realm.");
  return run;
}

function refused(): TypeError {
  return new TypeError("__wfkit() belongs to the workflow runtime: workflow code cannot call it.");
}

const control: RealmControl = {
  create() {
    const handle = Object.freeze({});
    runs.set(handle, createRun(bridge));
    return handle;
  },
  arm(handle, op, arg, replaying) {
    if (dispatching || current) throw refused();
    const run = runOf(handle);
    selectGlobals(run);
    armed = { run, op, arg, replaying };
  },
  // Also after a call that was terminated (a vm timeout runs no `finally` in here).
  disarm() {
    armed = undefined;
    current = undefined;
    dispatching = false;
  },
  takeCommands: (handle) => stringify(runOf(handle).engine.takeCommands()),
  state(handle) {
    const { engine, children } = runOf(handle);
    const live = children.liveIds();
    return stringify(live.length > 0 ? { ...engine.getState(), children: live } : engine.getState());
  },
};

// Everything the host passes is a JSON string parsed here, and everything it
// reads back is a string made here: no object crosses the boundary either way.
function dispatch(): void {
  const call = armed;
  armed = undefined;
  if (!call || dispatching) throw refused();
  dispatching = true;
  current = call.run;
  const { engine } = call.run;
  try {
    switch (call.op) {
      case "load":
        if (!factory) throw new Error("The workflow bundle defines no workflow modules.");
        factory();
        return;
      case "start": {
        const init = parse(call.arg) as EngineInit;
        engine.replaying = call.replaying;
        seedRun(call.run, init.runId);
        engine.start(init);
        return;
      }
      case "note":
        engine.noteRecorded(parse(call.arg) as StoredEvent);
        return;
      case "refused":
        engine.noteRefused(parse(call.arg) as HookConflict);
        return;
      case "apply":
        engine.replaying = call.replaying;
        engine.apply(parse(call.arg) as StoredEvent);
        return;
      case "finish":
        engine.replaying = false;
        engine.checkAllRecordedIssued();
        return;
    }
  } finally {
    dispatching = false;
  }
}

Object.defineProperty(g, "__wfkit", { value: dispatch });
Object.defineProperty(g, "__wfkitRealm", { value: Object.freeze(control), configurable: true });
// The bundle's second part hands over its factory once (builder's bundle.ts); then the door closes.
Object.defineProperty(g, "__wfkitDefine", {
  configurable: true,
  value: (fn: () => void) => {
    delete g.__wfkitDefine;
    factory = fn;
  },
});

guardGlobal();
hardenRealm();
// Objects of these classes reach workflow code, and all runs share the classes.
for (const shared of [
  WorkflowRequest,
  WorkflowResponse,
  SandboxHook,
  ChildRunHandle,
  CarriedInstance,
  FatalError,
  RetryableError,
  WorkflowError,
  ...Object.values(subclasses),
  ...streamHandleClasses(),
])
  deepFreeze(shared);
lockGlobal(["__wfkitRealm", "__wfkitDefine"]);

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
