// One workflow runtime per Next.js server process, kept on a registered symbol:
// next.config and the route handler may load separate copies of this package.
import type { AppRuntime } from "@wfkit/core/app";

const KEY = Symbol.for("wfkit.next.server");

/** What the server process holds: the runtime being started or running, and how to start it again. */
export interface ServerSlot {
  app?: Promise<AppRuntime>;
  /** Starts the runtime again after a failed start; set by the first start. */
  start?: () => Promise<AppRuntime>;
}

export function serverSlot(): ServerSlot {
  const g = globalThis as Record<symbol, ServerSlot>;
  g[KEY] ??= {};
  return g[KEY];
}

/** The runtime of this process: the one starting or running, else a new attempt; undefined when none was configured. */
export function currentWorkflowServer(): Promise<AppRuntime> | undefined {
  const slot = serverSlot();
  return slot.app ?? slot.start?.();
}
