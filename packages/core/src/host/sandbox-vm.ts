import { randomBytes } from "node:crypto";
import vm from "node:vm";
import type { HookConflict, StoredEvent } from "@wfkit/world";
import { WorkflowError } from "../errors/workflow-error.js";
import type { HostCall } from "../sandbox/bridge.js";
import {
  type Command,
  type EngineInit,
  type EngineState,
  type SandboxApi,
  URL_FIELDS,
} from "../sandbox/protocol.js";
import { inlineSourceMap, mapStack, registerSourceMap, trimHostFrames } from "./source-maps.js";

const contextOptions: vm.CreateContextOptions = {
  microtaskMode: "afterEvaluate",
  codeGeneration: { strings: false, wasm: false },
};
// DONT_CONTEXTIFY (Node >= 20.18 / 22.8) gives the context an ordinary global object:
// global lookups skip the interceptors of a contextified one.
const DONT_CONTEXTIFY = (vm.constants as unknown as { DONT_CONTEXTIFY?: symbol } | undefined)
  ?.DONT_CONTEXTIFY;

function createSandboxContext(globals: Record<string, unknown>): vm.Context {
  if (!DONT_CONTEXTIFY) return vm.createContext(globals, contextOptions);
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

/** The compiled workflow bundle, shared by every run's context. */
export class SandboxScript {
  readonly script: vm.Script;
  constructor(
    readonly code: string,
    readonly hash: string,
  ) {
    const filename = workflowScriptName(hash);
    this.script = new vm.Script(code, { filename });
    registerWorkflowSourceMap(code, hash);
  }
}

// Calls into a context go through tiny precompiled scripts: microtasks
// queued by the call are drained when the script finishes (afterEvaluate),
// so each event is applied and settled before the next one.
const CALL = {
  start: new vm.Script("__wfkit.start(__wfkitArg, __wfkitReplaying)"),
  note: new vm.Script("__wfkit.noteRecorded(__wfkitArg)"),
  refused: new vm.Script("__wfkit.noteRefused(__wfkitArg)"),
  apply: new vm.Script("__wfkit.apply(__wfkitArg, __wfkitReplaying)"),
  finish: new vm.Script("__wfkit.finishReplay()"),
};

export interface SandboxOptions {
  webhookBase: () => string;
  log?: (level: string, args: unknown[]) => void;
  /** Longest one activation of workflow code may run synchronously (guards infinite loops). */
  activationTimeoutMs?: number;
}

/** One run's workflow instance: its own VM context with the bundle evaluated in it. */
export class SandboxInstance {
  private readonly context: vm.Context;
  private readonly api: SandboxApi;
  private readonly runOptions: vm.RunningScriptOptions;
  /** The state's JSON after the last call into the context (only calls change it). */
  private stateCache: string | undefined;

  constructor(script: SandboxScript, options: SandboxOptions) {
    // The context gets no host object but this one function, which the bootstrap
    // takes off its global before workflow code runs (sandbox/bridge.ts); every
    // other global is made inside the context.
    this.context = createSandboxContext({ __wfkitHost: hostCallFor(options) });
    this.runOptions = options.activationTimeoutMs ? { timeout: options.activationTimeoutMs } : {};
    try {
      script.script.runInContext(this.context, this.runOptions);
    } catch (error) {
      throw bundleThrew(error);
    }
    this.api = this.context.__wfkit as SandboxApi;
  }

  private call(script: vm.Script, arg?: string, replaying = false): void {
    this.stateCache = undefined;
    this.context.__wfkitArg = arg;
    this.context.__wfkitReplaying = replaying;
    script.runInContext(this.context, this.runOptions);
    this.context.__wfkitArg = undefined;
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
    this.call(CALL.finish);
  }
  takeCommands(): Command[] {
    return JSON.parse(this.takeCommandsRaw()) as Command[];
  }
  state(): EngineState {
    return JSON.parse(this.stateRaw()) as EngineState;
  }

  // The same calls with their JSON already made (or kept as JSON), for activations (sandbox-activation.ts).
  startRaw(init: string, replaying: boolean): void {
    this.call(CALL.start, init, replaying);
  }
  noteRecordedRaw(event: string): void {
    this.call(CALL.note, event);
  }
  noteRefusedRaw(conflict: string): void {
    this.call(CALL.refused, conflict);
  }
  applyRaw(event: string, replaying: boolean): void {
    this.call(CALL.apply, event, replaying);
  }
  takeCommandsRaw(): string {
    return answer(this.api.takeCommands());
  }
  stateRaw(): string {
    this.stateCache ??= answer(this.api.state());
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

/** The host side of sandbox/bridge.ts: takes strings, answers strings, never throws into the sandbox. */
function hostCallFor(options: SandboxOptions): HostCall {
  const log =
    options.log ?? ((level, args) => (console as unknown as Record<string, Function>)[level]?.(...args));
  return (op, a, b) => {
    if (typeof op !== "string" || typeof a !== "string" || typeof b !== "string") return "";
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
