import { WorkflowError } from "../errors/workflow-error.js";
import { HOST_KEY, REGISTRY_KEY } from "../globals.js";

/** What a realm (the workflow sandbox, or a Node process running steps) provides to user-facing calls. */
export interface RealmHost {
  /** Where the current code runs: the workflow sandbox, a step attempt, or other server code. */
  readonly realm: "workflow" | "step" | "server";
  callStep?(
    stepId: string,
    name: string,
    args: unknown[],
    closure: Record<string, unknown> | undefined,
    /** The step's `this` when it was called as a method; undefined for a plain call. */
    self?: unknown,
  ): Promise<unknown>;
  sleep?(until: number | string | Date): Promise<void>;
  /** Workflow realm: whether this run takes the patch `patchId` here (workflow/patching.ts). */
  patched?(patchId: string): boolean;
  createHook?(options: unknown, kind: "hook" | "webhook"): unknown;
  waitWithTimeout?(source: unknown, timeout: number | string): Promise<unknown>;
  /** Workflow realm: `start(child, args)` from "workflow/api" in workflow code (a child run). */
  startChild?(workflow: unknown, args: unknown): Promise<unknown>;
  workflowMetadata?(): unknown;
  stepMetadata?(): unknown;
  /** In a step: the metadata of the run that called it. */
  stepWorkflowMetadata?(): unknown;
  stepClosure?(): Record<string, unknown>;
  /** Step realm: runs `fn` with `closure` as what `stepClosure()` returns (a nested step called inline). */
  withStepClosure?<T>(closure: Record<string, unknown>, fn: () => T): T;
  /** Step realm: the running attempt's writable for a stream namespace (undefined outside a step). */
  getWritable?(namespace: string, runId?: string): unknown;
  /** Step realm: a ReadableStream of a run's stream (a stream passed as a value). */
  openReadable?(runId: string, namespace: string): ReadableStream<unknown> | undefined;
}

const HOST = HOST_KEY;
const REGISTRY = REGISTRY_KEY;

/** Workflow and step functions by id, per realm (each sandbox has its own `globalThis`). */
export interface Registry {
  workflows: Map<string, Function>;
  steps: Map<string, Function>;
}

export function registry(): Registry {
  const g = globalThis as Record<symbol, unknown>;
  let r = g[REGISTRY] as Registry | undefined;
  if (!r) {
    r = { workflows: new Map(), steps: new Map() };
    Object.defineProperty(g, REGISTRY, { value: r, configurable: true });
  }
  return r;
}

export function currentHost(): RealmHost | undefined {
  return (globalThis as Record<symbol, unknown>)[HOST] as RealmHost | undefined;
}

/** Installs the host of this realm; returns a function that restores the previous one. */
export function installHost(host: RealmHost | undefined): () => void {
  const g = globalThis as Record<symbol, unknown>;
  const previous = g[HOST];
  Object.defineProperty(g, HOST, { value: host, configurable: true, writable: true });
  return () => {
    g[HOST] = previous;
  };
}

/** The host, or an error that says where `what` may be called. */
export function requireWorkflowHost(what: string): RealmHost {
  const host = currentHost();
  if (host?.realm === "workflow") return host;
  throw new WorkflowError(
    "WF_WORKFLOW_ONLY",
    `${what} can only be called from workflow code (a function marked "use workflow"), but it was called ${
      host?.realm === "step" ? "inside a step" : "outside any workflow"
    }.`,
    host?.realm === "step"
      ? `Call ${what} in the workflow function and pass what it returns to the step as an argument.`
      : `Call ${what} from a "use workflow" function, and start that workflow with start() from "workflow/api".`,
  );
}
