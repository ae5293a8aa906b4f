import { WorkflowError } from "../errors/workflow-error.js";
import { DEFAULT_RUNTIME_KEY } from "../globals.js";
import type { Runtime } from "./runtime.js";

// One default runtime per process, on a registered symbol so that every
// copy of this module (bundled steps, the umbrella package) sees the same one.
const KEY = DEFAULT_RUNTIME_KEY;
type Slot = { runtime?: Runtime; factory?: () => Promise<Runtime>; pending?: Promise<Runtime> };

function slot(): Slot {
  const g = globalThis as Record<symbol, Slot>;
  g[KEY] ??= {};
  return g[KEY];
}

/** Makes `runtime` the one `workflow/api` functions use. */
export function setDefaultRuntime(runtime: Runtime | undefined): void {
  slot().runtime = runtime;
}

/** Lets a framework integration create the runtime on first use. */
export function setDefaultRuntimeFactory(factory: () => Promise<Runtime>): void {
  const s = slot();
  s.factory = factory;
  s.pending = undefined;
}

export async function getDefaultRuntime(): Promise<Runtime> {
  const s = slot();
  if (s.runtime) return s.runtime;
  if (s.factory) {
    s.pending ??= s.factory().then(
      (runtime) => (s.runtime = runtime),
      (error) => {
        // A failed start is not cached: the next call tries again.
        s.pending = undefined;
        throw error;
      },
    );
    return s.pending;
  }
  throw new WorkflowError(
    "WF_RUNTIME_NOT_CONFIGURED",
    "No workflow runtime is running in this process, so workflow/api has nothing to start runs on.",
    "Add withWorkflow() to next.config, the workflow() plugin to vite.config, run the file with `wf run`/`wf dev`, or create one with createRuntime() and setDefaultRuntime().",
  );
}
