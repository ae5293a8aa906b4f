import { randomBytes } from "node:crypto";
import vm from "node:vm";
import type { HookConflict, StoredEvent } from "@wfkit/world";
import type { Command, EngineInit, EngineState, SandboxApi, SandboxHostBridge } from "../sandbox/protocol.js";

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

/** The compiled workflow bundle, shared by every run's context. */
export class SandboxScript {
  readonly script: vm.Script;
  constructor(
    readonly code: string,
    readonly hash: string,
  ) {
    this.script = new vm.Script(code, { filename: `wfkit-workflows-${hash}.js` });
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

  constructor(script: SandboxScript, options: SandboxOptions) {
    const bridge: SandboxHostBridge = {
      randomToken: () => randomBytes(24).toString("base64url"),
      webhookBase: options.webhookBase,
      log:
        options.log ?? ((level, args) => (console as unknown as Record<string, Function>)[level]?.(...args)),
    };
    this.context = createSandboxContext({
      __wfkitHost: bridge,
      URL,
      URLSearchParams,
      TextEncoder,
      TextDecoder,
      Headers,
      atob,
      btoa,
    });
    this.runOptions = options.activationTimeoutMs ? { timeout: options.activationTimeoutMs } : {};
    script.script.runInContext(this.context, this.runOptions);
    this.api = this.context.__wfkit as SandboxApi;
  }

  private call(script: vm.Script, arg?: unknown, replaying = false): void {
    this.context.__wfkitArg = arg;
    this.context.__wfkitReplaying = replaying;
    script.runInContext(this.context, this.runOptions);
    this.context.__wfkitArg = undefined;
  }

  start(init: EngineInit, replaying: boolean): void {
    this.call(CALL.start, init, replaying);
  }
  noteRecorded(event: StoredEvent): void {
    this.call(CALL.note, event);
  }
  noteRefused(conflict: HookConflict): void {
    this.call(CALL.refused, conflict);
  }
  apply(event: Omit<StoredEvent, "seq"> & { seq?: number }, replaying: boolean): void {
    this.call(CALL.apply, event, replaying);
  }
  finishReplay(): void {
    this.call(CALL.finish);
  }
  takeCommands(): Command[] {
    return this.api.takeCommands();
  }
  state(): EngineState {
    return this.api.state();
  }
}
