import { randomBytes } from "node:crypto";
import vm from "node:vm";
import type { HookConflict, StoredEvent } from "@wfkit/world";
import { WorkflowError } from "../errors/workflow-error.js";
import type { HostCall } from "../sandbox/bridge.js";
import {
  type Command,
  type EngineInit,
  type EngineState,
  type RealmControl,
  type RealmOp,
  URL_FIELDS,
} from "../sandbox/protocol.js";
import { inlineSourceMap, mapStack, registerSourceMap, trimHostFrames } from "./source-maps.js";

const contextOptions: vm.CreateContextOptions = {
  microtaskMode: "afterEvaluate",
  codeGeneration: { strings: false, wasm: false },
};
// DONT_CONTEXTIFY (Node >= 20.18 / 22.8) gives the context an ordinary global object:
// global lookups skip the interceptors of a contextified one, which also look through the
// object handed to createContext (and its prototype: the host's Object) and on which the
// realm's bootstrap does not load. Older Node versions are refused (sandboxNodeSupport).
const DONT_CONTEXTIFY = (vm.constants as unknown as { DONT_CONTEXTIFY?: symbol } | undefined)
  ?.DONT_CONTEXTIFY;

/**
 * Why this Node.js cannot run workflow sandboxes (WF_NODE_UNSUPPORTED), or undefined when it can.
 * The runtime checks it when it starts, before any run.
 */
export function sandboxNodeSupport(): WorkflowError | undefined {
  if (DONT_CONTEXTIFY) return undefined;
  return new WorkflowError(
    "WF_NODE_UNSUPPORTED",
    `Node.js ${process.version} cannot run workflow sandboxes: its vm module has no DONT_CONTEXTIFY (added in Node.js 20.18 and 22.8), which the sandbox's global object needs.`,
    "Run the app on Node.js 20.19 or later in the 20 line, or 22.8 or later (the engines field of every @wfkit package says ^20.19.0 || >=22.8.0).",
  );
}

/** A context with an ordinary global object that has `globals` (host functions the bootstrap takes off). */
function createSandboxContext(globals: Record<string, unknown>): vm.Context {
  const unsupported = sandboxNodeSupport();
  if (unsupported) throw unsupported;
  const context = vm.createContext(DONT_CONTEXTIFY as unknown as vm.Context, contextOptions);
  Object.assign(context, globals);
  return context;
}

/** The file name frames of the workflow bundle carry. */
export function workflowScriptName(hash: string): string {
  return `wfkit-workflows-${hash}.js`;
}

/**
 * Stored errors name the user's files, not the bundle (host/source-maps.ts). Frames are
 * mapped on the host thread, so a bundle evaluated in a sandbox worker is registered here too.
 */
export function registerWorkflowSourceMap(code: string, hash: string): void {
  registerSourceMap(workflowScriptName(hash), () => inlineSourceMap(code));
}

/**
 * The compiled workflow bundle. Its realm (one vm context, the bootstrap evaluated
 * and hardened) is made on first use and shared by every run made from this script.
 */
export class SandboxScript {
  readonly script: vm.Script;
  private shared: SandboxRealm | undefined;
  constructor(
    readonly code: string,
    readonly hash: string,
  ) {
    const filename = workflowScriptName(hash);
    this.script = new vm.Script(code, { filename });
    registerWorkflowSourceMap(code, hash);
  }

  /** The realm every run of this bundle shares (in this thread). */
  realm(): SandboxRealm {
    this.shared ??= new SandboxRealm(this.script);
    return this.shared;
  }
}

// Calls into the realm go through one tiny precompiled script: microtasks queued by
// the call are drained when the script finishes (afterEvaluate), so each event is
// applied and settled before the next one. The op and the run are armed before it
// through the realm's control, which workflow code cannot reach (sandbox/bootstrap.ts).
const DISPATCH = new vm.Script("__wfkit()");

/**
 * One vm context with the bootstrap evaluated once: the runs of one bundle share it.
 * The control over it (which run a call is for) stays on this side.
 */
export class SandboxRealm {
  private readonly context: vm.Context;
  private readonly control: RealmControl;
  /** The options of the instance whose call is running: the realm's host calls answer with them. */
  private active: SandboxOptions | undefined;

  constructor(script: vm.Script) {
    // The context gets no host object but this one function, which the bootstrap
    // takes off its global before workflow code runs (sandbox/bridge.ts); every
    // other global is made inside the context.
    this.context = createSandboxContext({ __wfkitHost: hostCallFor(() => this.active) });
    try {
      script.runInContext(this.context);
    } catch (error) {
      throw bundleThrew(error);
    }
    this.control = this.context.__wfkitRealm as RealmControl;
    delete this.context.__wfkitRealm;
    // Taken off by the bundle's second part when it hands over its factory; never left for workflow code.
    delete this.context.__wfkitDefine;
    if (!this.control)
      throw new Error("The workflow bundle has no workflow realm (built by an older builder?).");
  }

  create(): object {
    return this.control.create();
  }

  /** Runs one op of `run` (and the microtasks it queues) with `options` answering its host calls. */
  call(
    run: object,
    op: RealmOp,
    arg: string,
    replaying: boolean,
    options: SandboxOptions,
    runOptions: vm.RunningScriptOptions,
  ): void {
    this.control.arm(run, op, arg, replaying);
    this.active = options;
    try {
      DISPATCH.runInContext(this.context, runOptions);
    } finally {
      this.active = undefined;
      this.control.disarm();
    }
  }

  takeCommands(run: object): string {
    return answer(this.control.takeCommands(run));
  }
  state(run: object): string {
    return answer(this.control.state(run));
  }
}

export interface SandboxOptions {
  webhookBase: () => string;
  log?: (level: string, args: unknown[]) => void;
  /** Longest one activation of workflow code may run synchronously (guards infinite loops). */
  activationTimeoutMs?: number;
}

/**
 * One run's workflow instance: a light handle on its bundle's shared realm. The
 * run's own workflow modules are evaluated afresh when it is made.
 */
export class SandboxInstance {
  private readonly realm: SandboxRealm;
  private readonly run: object;
  private readonly runOptions: vm.RunningScriptOptions;
  /** The state's JSON after the last call into the realm for this run (only calls change it). */
  private stateCache: string | undefined;

  constructor(
    script: SandboxScript,
    private readonly options: SandboxOptions,
  ) {
    this.realm = script.realm();
    this.runOptions = options.activationTimeoutMs ? { timeout: options.activationTimeoutMs } : {};
    this.run = this.realm.create();
    try {
      this.realm.call(this.run, "load", "", false, options, this.runOptions);
    } catch (error) {
      throw bundleThrew(error);
    }
  }

  private call(op: RealmOp, arg = "", replaying = false): void {
    this.stateCache = undefined;
    this.realm.call(this.run, op, arg, replaying, this.options, this.runOptions);
  }

  start(init: EngineInit, replaying: boolean): void {
    this.startRaw(JSON.stringify(init), replaying);
  }
  noteRecorded(event: StoredEvent): void {
    this.noteRecordedRaw(JSON.stringify(event));
  }
  noteRefused(conflict: HookConflict): void {
    this.noteRefusedRaw(JSON.stringify(conflict));
  }
  apply(event: Omit<StoredEvent, "seq"> & { seq?: number }, replaying: boolean): void {
    this.applyRaw(JSON.stringify(event), replaying);
  }
  finishReplay(): void {
    this.call("finish");
  }
  takeCommands(): Command[] {
    return JSON.parse(this.takeCommandsRaw()) as Command[];
  }
  state(): EngineState {
    return JSON.parse(this.stateRaw()) as EngineState;
  }

  // The same calls with their JSON already made (or kept as JSON), for activations (sandbox-activation.ts).
  startRaw(init: string, replaying: boolean): void {
    this.call("start", init, replaying);
  }
  noteRecordedRaw(event: string): void {
    this.call("note", event);
  }
  noteRefusedRaw(conflict: string): void {
    this.call("refused", conflict);
  }
  applyRaw(event: string, replaying: boolean): void {
    this.call("apply", event, replaying);
  }
  takeCommandsRaw(): string {
    return this.realm.takeCommands(this.run);
  }
  stateRaw(): string {
    this.stateCache ??= this.realm.state(this.run);
    return this.stateCache;
  }
}

/** The workflow bundle threw while it was evaluated: top-level code of a workflow file or of a module it imports. */
function bundleThrew(error: unknown): WorkflowError {
  const stack = (error as { stack?: unknown } | null)?.stack;
  const where = typeof stack === "string" ? trimHostFrames(mapStack(stack)) : String(error);
  return new WorkflowError(
    "WF_WORKFLOW_BUNDLE_THREW",
    `Loading the workflow code into the workflow sandbox threw, so no workflow can run:\n${where}`,
    "The frames above name the module whose top-level code threw. Workflow code runs without Node's modules and with only the web globals the sandbox defines: import that module from a step file instead, or load it inside a step.",
    { cause: error },
  );
}

/** The sandbox answers strings; anything else means its API was tampered with. */
function answer(value: unknown): string {
  if (typeof value !== "string") throw new Error("The workflow sandbox answered a non-string.");
  return value;
}

function urlParts(url: URL): string {
  const parts: Record<string, string> = {};
  for (const field of URL_FIELDS) parts[field] = url[field];
  return JSON.stringify(parts);
}

const consoleLog = (level: string, args: unknown[]) =>
  (console as unknown as Record<string, Function>)[level]?.(...args);

/**
 * The host side of sandbox/bridge.ts: takes strings, answers strings, never throws into
 * the sandbox. Answers with the options of the instance whose call is running.
 */
function hostCallFor(active: () => SandboxOptions | undefined): HostCall {
  return (op, a, b) => {
    if (typeof op !== "string" || typeof a !== "string" || typeof b !== "string") return "";
    const options = active();
    if (!options) return "";
    const log = options.log ?? consoleLog;
    try {
      switch (op) {
        case "token":
          return randomBytes(24).toString("base64url");
        case "webhook-base":
          return String(options.webhookBase());
        case "log":
          log(a, [b]);
          return "";
        case "url": {
          const url = URL.canParse(a, b === "\u0000" ? undefined : b)
            ? new URL(a, b === "\u0000" ? undefined : b)
            : undefined;
          return url ? urlParts(url) : "";
        }
        case "url-set": {
          const url = new URL(a);
          const [field, value] = JSON.parse(b) as [string, string];
          if ((URL_FIELDS as readonly string[]).includes(field) && field !== "origin" && field !== "href") {
            (url as unknown as Record<string, string>)[field] = value;
          }
          return urlParts(url);
        }
        default:
          return "";
      }
    } catch {
      return "";
    }
  };
}
