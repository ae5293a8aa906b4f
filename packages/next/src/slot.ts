// One workflow runtime per Next.js server process, kept on a registered symbol:
// next.config and the route handler may load separate copies of this package.
import type { AppServer } from "@wfkit/builder";
import { NEXT_SERVER_KEY } from "@wfkit/core/globals";

const KEY = NEXT_SERVER_KEY;

/** What the server process holds: its app server, once withWorkflow() started it. */
export interface ServerSlot {
  server?: AppServer;
}

export function serverSlot(): ServerSlot {
  const g = globalThis as Record<symbol, ServerSlot>;
  g[KEY] ??= {};
  return g[KEY];
}

/** The app server of this process, or undefined when withWorkflow() started none here. */
export function currentWorkflowServer(): AppServer | undefined {
  return serverSlot().server;
}
