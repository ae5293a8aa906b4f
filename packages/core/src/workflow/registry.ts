import { WorkflowError } from "../errors/workflow-error.js";
import { STEP_PROXY_CLOSURE_KEY } from "../globals.js";
import { registerClassAs } from "../serialization/classes.js";
import { currentHost, registry } from "./realm.js";

// Functions the compiler's output calls. See docs/internals/compiled-output.md.

function tag(fn: Function, key: "workflowId" | "stepId", id: string): void {
  Object.defineProperty(fn, key, { value: id, enumerable: false, configurable: true });
}

/** Marks a client/step-mode workflow stub with its id so `start(fn)` can find the workflow. */
export function markWorkflow<F extends Function>(fn: F, id: string): F {
  tag(fn, "workflowId", id);
  return fn;
}

/** The error a workflow stub throws when called like a plain function. */
export function workflowCalledDirectly(id: string): Error {
  const name = id.split("//").pop();
  return new WorkflowError(
    "WF_WORKFLOW_CALLED_DIRECTLY",
    `The workflow ${name} (${id}) was called directly. Workflow functions do not run in the caller; they run durably in the workflow runtime.`,
    `Start it with \`await start(${name}, [args])\` from "workflow/api", then await \`run.returnValue\` for its result.`,
  );
}

/** Client mode: tags a step function with its id (app code calls it directly; nothing is registered). */
export function markStep<F extends Function>(fn: F, id: string): F {
  tag(fn, "stepId", id);
  return fn;
}

/** Workflow mode: registers the real workflow body. */
export function registerWorkflow<F extends Function>(fn: F, id: string): F {
  tag(fn, "workflowId", id);
  registry().workflows.set(id, fn);
  return fn;
}

/** Step and client mode: registers a step body so a worker can run it by id. */
export function registerStep<F extends Function>(fn: F, id: string): F {
  tag(fn, "stepId", id);
  registry().steps.set(id, fn);
  return fn;
}

/**
 * The captured variables of a step proxy (a nested step's), if it has any, so a proxy
 * passed as a value takes them along. Kept on the proxy (not in a module's WeakMap):
 * the serializer that reads them may be another copy of this module (the shared realm's).
 */
export function closureOfProxy(fn: Function): Record<string, unknown> | undefined {
  const closure = (fn as unknown as Record<symbol, unknown>)[STEP_PROXY_CLOSURE_KEY];
  return typeof closure === "function" ? (closure as () => Record<string, unknown>)() : undefined;
}

/**
 * Workflow mode: the stand-in for a step function; calling it schedules the step
 * durably, with `this` when it was called as a method (`obj.step()`, `step.call(obj)`).
 * Outside the workflow sandbox (a step reference revived in a step) it runs the
 * registered body inline, as a direct call would.
 */
export function stepProxy(
  id: string,
  name: string,
  closure?: () => Record<string, unknown>,
): (...args: unknown[]) => Promise<unknown> {
  const proxy = async function (this: unknown, ...args: unknown[]) {
    const host = currentHost();
    // A plain call has `this` undefined (or the global object, in sloppy bundles): nothing to send.
    const self = this === globalThis ? undefined : this;
    if (host?.callStep) return host.callStep(id, name, args, closure?.(), self);
    const body = registry().steps.get(id);
    if (body) {
      // A nested step passed as a value brings the variables it captured.
      const captured = closure?.();
      if (captured && host?.withStepClosure)
        return host.withStepClosure(captured, () => body.apply(self, args));
      return body.apply(self, args);
    }
    throw new WorkflowError(
      "WF_STEP_OUTSIDE_RUNTIME",
      `The step ${name} (${id}) was called from workflow-mode code outside the workflow runtime.`,
      'Start the workflow with start() from "workflow/api" instead of importing its compiled file directly.',
    );
  };
  Object.defineProperty(proxy, "name", { value: name });
  tag(proxy, "stepId", id);
  if (closure) Object.defineProperty(proxy, STEP_PROXY_CLOSURE_KEY, { value: closure });
  return proxy;
}

/** A step passed as a value, rebuilt where it is read: a proxy that schedules it (workflow) or runs it inline (step). */
export function reviveStepReference(id: string, closure?: Record<string, unknown>): Function {
  const name = (id.split("//").pop() ?? id).replace(/\$\d+$/, "");
  return stepProxy(id, name, closure && (() => closure));
}

/**
 * Every mode: registers a class that crosses as a value (one with `workflow-serialize`
 * methods or with step methods) under its class id, in this realm.
 */
export function registerClass<C extends Function>(cls: C, id: string): C {
  registerClassAs(cls, id);
  return cls;
}

/** Step mode, nested steps: the variables the step captured from its workflow, by value. */
export function stepClosure(): Record<string, unknown> {
  return currentHost()?.stepClosure?.() ?? {};
}
